"""A comment write that outlives its lease is fenced by Zendesk's safe update, whatever the order.

Both kinds that add a marked comment are checked: the packet note and a public comment (survey).

No timing: a gate around the helpdesk holds one worker's PUT until the other worker has looked
(and, in one order, written), as a descheduled process or a slow server would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from handoff import outbox, packets
from handoff.delivery.handlers import DeliveryContext, handler_for
from handoff.delivery.note import packet_marker
from handoff.delivery.worker import claim
from handoff.ticketing.base import TicketWrite
from tests import factories
from tests.handoff.delivery.conftest import comments_with, ticket_for

LEASE = timedelta(minutes=2)


class Gate:
    """Delegate to a helpdesk; run ``before`` right before the first update_ticket is sent."""

    def __init__(self, inner: Any, before: Callable[[], None]) -> None:
        self.inner = inner
        self.before: Callable[[], None] | None = before
        self.conflicts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update_ticket(self, ticket_id: int, **kwargs: Any) -> TicketWrite:
        """Run the gate's hook once, then send the update (counting 409s)."""
        hook, self.before = self.before, None
        if hook is not None:
            hook()
        try:
            return self.inner.update_ticket(ticket_id, **kwargs)
        except Exception as exc:
            if type(exc).__name__ == "UpdateConflict":
                self.conflicts += 1
            raise


@pytest.fixture(params=["packet_note", "public_comment"])
def kind(request: pytest.FixtureRequest) -> str:
    """The outbox kind whose comment write is fenced."""
    return str(request.param)


def _setup(session, zendesk, clock, kind: str) -> tuple[int, str]:
    """Queue one item of ``kind`` for a ticket last changed a minute ago; return ticket and marker."""
    ticket_id = ticket_for(zendesk)
    # The ticket was last changed a minute ago: every write now moves updated_at.
    zendesk.tickets[ticket_id]["updated_at"] -= timedelta(minutes=1)
    if kind == "packet_note":
        accepted = packets.accept_packet(
            session, factories.packet(ticket_id=ticket_id), now=clock()
        )
        marker = packet_marker(accepted.packet.packet_id)
    else:
        marker = "[handoff:csat:91]"
        payload = {"ticket_id": ticket_id, "body": "How did we do?", "marker": marker}
        outbox.enqueue(
            session, kind=kind, key="csat:91", payload=payload, now=clock(), ticket_id=ticket_id
        )
    session.commit()
    return ticket_id, marker


def _deliver(sessions, helpdesk, fields, clock, worker: str) -> dict[str, Any]:
    """Claim the item as ``worker`` and run its handler once; return what the handler did."""
    with sessions() as s:
        (item,) = claim(s, worker_id=worker, now=clock(), batch=10, lease=LEASE)
        ctx = DeliveryContext(
            session=s, helpdesk=helpdesk, now=clock(), fields=fields, uncertain=item.attempts > 1
        )
        result = handler_for(item.kind)(ctx, item)
        s.commit()
        return result


def test_a_late_write_landing_after_the_next_worker_wrote_gets_409_and_no_duplicate(
    session, sessions, helpdesk, zendesk, fields, clock, kind
):
    """A holds, its PUT stalls past the lease; B takes over, looks, writes; does A's PUT get 409, not a second note?"""
    ticket_id, marker = _setup(session, zendesk, clock, kind)
    seen: dict[str, Any] = {}

    def b_takes_over() -> None:
        clock.advance(minutes=3)  # A's lease has run out
        seen["b"] = _deliver(sessions, helpdesk, fields, clock, "b")

    a = Gate(helpdesk, before=b_takes_over)
    seen["a"] = _deliver(sessions, a, fields, clock, "a")
    assert len(comments_with(zendesk, ticket_id, marker)) == 1
    assert a.conflicts == 1
    assert seen["a"]["already_there"] is True and "already_there" not in seen["b"]


def test_a_late_write_landing_between_the_next_workers_look_and_write_fences_that_write(
    session, sessions, helpdesk, zendesk, fields, clock, kind
):
    """B looks (no marker), then A's stalled PUT lands, then B writes: is B's PUT refused 409, not a second note?"""
    ticket_id, marker = _setup(session, zendesk, clock, kind)
    a_stalled, release_a, a_landed = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def a_stalls() -> None:
        a_stalled.set()
        assert release_a.wait(30)

    class Landed(Gate):
        def update_ticket(self, ticket_id: int, **kwargs: Any) -> TicketWrite:
            try:
                return super().update_ticket(ticket_id, **kwargs)
            finally:
                a_landed.set()

    a = Landed(helpdesk, before=a_stalls)
    worker_a = threading.Thread(
        target=lambda: seen.setdefault("a", _deliver(sessions, a, fields, clock, "a"))
    )
    worker_a.start()
    assert a_stalled.wait(30)
    clock.advance(minutes=3)  # A's lease has run out while its PUT is in flight

    def a_lands() -> None:
        release_a.set()
        assert a_landed.wait(30)

    b = Gate(helpdesk, before=a_lands)
    seen["b"] = _deliver(sessions, b, fields, clock, "b")
    worker_a.join(30)
    assert len(comments_with(zendesk, ticket_id, marker)) == 1
    assert b.conflicts == 1 and a.conflicts == 0
    assert seen["b"]["already_there"] is True and "already_there" not in seen["a"]
