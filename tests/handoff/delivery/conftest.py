"""The real adapter (real zenpy) against one sandbox per module, reset before each test."""

from __future__ import annotations

import random

import pytest

from handoff.delivery import objects
from handoff.delivery.worker import WorkerConfig, run
from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState

# Long enough for a loaded CI machine; an injected stall (TIMEOUT_STALL) always outlasts it.
CLIENT_TIMEOUT = 2.0
TIMEOUT_STALL = 3.0
ENDPOINT = "https://handoff.example.test/webhooks/zendesk"


@pytest.fixture
def helpdesk(zendesk: SandboxState) -> ZendeskHelpdesk:
    """Return the real adapter pointed at the sandbox."""
    return ZendeskHelpdesk.connect(
        subdomain="sandbox", email="admin@sandbox.test", token="test-token", timeout=CLIENT_TIMEOUT
    )


@pytest.fixture
def fields(session, helpdesk, clock) -> dict[str, int]:
    """Run setup against the sandbox and return our field ids."""
    objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key="k")
    session.commit()
    return objects.field_ids(session)


@pytest.fixture
def config() -> WorkerConfig:
    """Return a worker configuration with short waits."""
    return WorkerConfig(max_attempts=6, base_delay=1.0, max_delay=30.0)


@pytest.fixture
def drain(sessions, helpdesk, clock, config):
    """Return a function running worker passes, moving the clock on, until nothing is left to do."""

    def go(*, passes: int = 50, step: float = 120.0, **kwargs):
        total = None
        for _ in range(passes):
            summary = run(
                sessions,
                kwargs.get("helpdesk", helpdesk),
                worker_id=kwargs.get("worker_id", "test-worker"),
                clock=clock,
                config=config,
                batch=kwargs.get("batch", 20),
                once=True,
                archetype_of=kwargs.get("archetype_of", lambda intent: None),
                idle_sleep=lambda s: None,
            )
            if total is None:
                total = summary
            else:
                total.add(summary)
            with sessions() as s:
                from handoff.delivery.worker import delivery_status

                counts = delivery_status(s, clock()).counts
            if counts["pending"] == 0 and counts["in_progress"] == 0:
                return total
            clock.advance(seconds=step)
        return total

    random.seed(7)
    return go


def ticket_for(zendesk: SandboxState, subject: str = "Where is my order?") -> int:
    """Open a sandbox ticket for the customer and return its id."""
    ticket, _ = zendesk.create_ticket(
        {"subject": subject, "requester_id": zendesk.customer["id"], "comment": {"body": subject}}  # type: ignore[attr-defined]
    )
    return int(ticket["id"])


def comments_with(zendesk: SandboxState, ticket_id: int, marker: str) -> list[dict]:
    """Return the ticket's comments that carry ``marker``."""
    return [c for c in zendesk.comments.get(ticket_id, []) if marker in c["body"]]
