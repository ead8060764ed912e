"""A sandbox with a little history: tickets, customer and agent comments, a solved and rated one."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff import packets
from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState
from tests import factories


@pytest.fixture
def helpdesk(zendesk: SandboxState) -> ZendeskHelpdesk:
    """Return the real adapter pointed at the sandbox."""
    return ZendeskHelpdesk.connect(
        subdomain="sandbox", email="admin@sandbox.test", token="test-token", timeout=5
    )


def open_ticket(
    zendesk: SandboxState, text: str, *, tags: list[str] | None = None, **fields
) -> int:
    """Open a ticket with the customer's first message; return its id."""
    customer = zendesk.customer["id"]  # type: ignore[attr-defined]
    ticket, _ = zendesk.create_ticket(
        {
            "subject": text[:40],
            "requester_id": customer,
            "comment": {"body": text, "author_id": customer},
            "tags": tags or [],
            **fields,
        }
    )
    return int(ticket["id"])


def reply(zendesk: SandboxState, ticket_id: int, text: str, *, agent: bool = True) -> None:
    """Add a public comment by the agent (or the customer)."""
    author = zendesk.agent["id"] if agent else zendesk.customer["id"]  # type: ignore[attr-defined]
    zendesk.update_ticket(ticket_id, {"comment": {"body": text, "author_id": author}})


@pytest.fixture
def history(zendesk: SandboxState, sessions: sessionmaker[Session], clock) -> list[int]:
    """Make three tickets with a conversation each, each escalated by the bot (a packet names
    it, so sync reads its comments); solve and rate the first."""
    ids = []
    for n in range(3):
        ticket_id = open_ticket(
            zendesk, f"Where is order A-1000{n}?", tags=[f"segment_{'pro' if n else 'free'}"]
        )
        reply(zendesk, ticket_id, "Could you send me the order number?")
        reply(zendesk, ticket_id, f"As I told the bot, it is A-1000{n}.", agent=False)
        ids.append(ticket_id)
    zendesk.update_ticket(ids[0], {"status": "solved"})
    zendesk.rate_ticket(ids[0], "good", "Quick, thanks")
    escalate(sessions, clock, *ids)
    return ids


def escalate(sessions: sessionmaker[Session], clock, *ticket_ids: int) -> None:
    """Record a bot's packet for each ticket: sync reads the comments of escalated tickets."""
    with sessions() as session:
        for n, ticket_id in enumerate(ticket_ids):
            body = factories.packet(ticket_id=ticket_id, conversation_id=f"conv-{ticket_id}-{n}")
            packets.accept_packet(session, body, now=clock())
        session.commit()
