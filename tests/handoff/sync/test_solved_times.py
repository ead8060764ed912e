"""Solved times of tickets without Zendesk metrics (imported ones) come from audits and comments."""

from __future__ import annotations

from datetime import UTC, datetime

from handoff import sync
from handoff.delivery import objects
from handoff.models import HelpdeskTicket, TicketMetric
from tests.handoff.sync.conftest import open_ticket, reply

OPENED = "2026-03-02T09:00:00Z"
AGENT_REPLIED = "2026-03-02T10:30:00Z"
SOLVED = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


def imported(zendesk, *, status: str = "solved") -> int:
    """Import a ticket as a migration would: its history, solved, without metrics."""
    customer, agent = zendesk.customer["id"], zendesk.agent["id"]
    ticket, _ = zendesk.create_ticket(
        {"subject": "Refund", "requester_id": customer, "status": status,
         "created_at": OPENED, "solved_at": "2026-03-02T11:00:00Z",
         "updated_at": "2026-03-02T11:00:00Z",
         "comments": [
             {"author_id": customer, "value": "Where is my refund?", "created_at": OPENED},
             {"author_id": agent, "value": "It went out today.", "created_at": AGENT_REPLIED},
             {"author_id": agent, "value": "internal: refund id 77", "public": False,
              "created_at": "2026-03-02T10:45:00Z"},
         ]},
        importing=True,
    )  # fmt: skip
    return int(ticket["id"])


def our_note_and_survey(zendesk, ticket_id: int) -> None:
    """Write what the product writes later: the packet note (private) and the delayed survey
    (public), both as the API user, days after the solve."""
    zendesk.set_time(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    zendesk.update_ticket(
        ticket_id,
        {"comment": {"body": "=== HANDOFF ===\n[handoff:packet:p-1]", "public": False}},
    )
    zendesk.advance(hours=1)
    zendesk.update_ticket(
        ticket_id, {"comment": {"body": f"Did it help?\n\nRef. DCSAT-{ticket_id}"}}
    )


def solved(sessions, ticket_id: int) -> tuple[datetime | None, str | None]:
    """Return the mirrored ticket's solved time and where it came from."""
    with sessions() as s:
        row = s.get(HelpdeskTicket, ticket_id)
        return row.solved_at, row.solved_from


def test_an_imported_ticket_is_solved_at_its_last_public_comment_not_at_our_note(
    sessions, helpdesk, zendesk, clock
):
    """Our note and survey move the imported ticket's updated_at to days later: is its solved
    time still its last public comment by a person (it has no metrics and no status change)?"""
    ticket_id = imported(zendesk)
    our_note_and_survey(zendesk, ticket_id)
    sync.sync(sessions, helpdesk, now=clock)
    with sessions() as s:
        assert s.get(TicketMetric, ticket_id) is None
        assert s.get(HelpdeskTicket, ticket_id).updated_at >= datetime(2026, 3, 9, tzinfo=UTC)
    assert solved(sessions, ticket_id) == (datetime(2026, 3, 2, 10, 30, tzinfo=UTC), "comment")


def test_our_survey_is_left_out_by_author_too(sessions, helpdesk, zendesk, clock):
    """With the product's user recorded by setup, is a public comment of ours without a marker
    no solve either?"""
    ticket_id = imported(zendesk)
    zendesk.set_time(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    zendesk.update_ticket(ticket_id, {"comment": {"body": "A couple of days on: all good?"}})
    with sessions() as s:
        objects.record_nonagents(s, helpdesk, [], clock())
        s.commit()
    sync.sync(sessions, helpdesk, now=clock)
    assert solved(sessions, ticket_id) == (datetime(2026, 3, 2, 10, 30, tzinfo=UTC), "comment")


def test_a_status_change_to_solved_gives_the_exact_time(sessions, helpdesk, zendesk, clock):
    """An imported ticket reopened and solved again by an agent: is the solved time that status
    change's, with later notes and a close not moving it?"""
    ticket_id = imported(zendesk)
    zendesk.set_time(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    zendesk.update_ticket(ticket_id, {"status": "open", "comment": {
        "body": "It has not arrived.", "author_id": zendesk.customer["id"]}})  # fmt: skip
    zendesk.set_time(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    zendesk.update_ticket(ticket_id, {"status": "solved", "comment": {
        "body": "Sent again.", "author_id": zendesk.agent["id"]}})  # fmt: skip
    our_note_and_survey(zendesk, ticket_id)
    zendesk.advance(days=4)
    zendesk.update_ticket(ticket_id, {"status": "closed"})
    sync.sync(sessions, helpdesk, now=clock)
    assert solved(sessions, ticket_id) == (datetime(2026, 3, 4, 15, 0, tzinfo=UTC), "status")


def test_a_stand_in_is_replaced_when_the_comments_arrive_in_a_later_run(
    sessions, helpdesk, zendesk, clock
):
    """Tickets synced alone first get their update time as a stand-in: does the next run with
    the comment stream replace it, and is a reopened ticket no longer solved?"""
    ticket_id = imported(zendesk)
    our_note_and_survey(zendesk, ticket_id)
    sync.sync(sessions, helpdesk, now=clock, streams=[sync.TICKETS])
    at, source = solved(sessions, ticket_id)
    assert source == "updated" and at is not None and at >= datetime(2026, 3, 9, tzinfo=UTC)
    sync.sync(sessions, helpdesk, now=clock)
    assert solved(sessions, ticket_id) == (datetime(2026, 3, 2, 10, 30, tzinfo=UTC), "comment")
    zendesk.advance(minutes=5)
    zendesk.update_ticket(ticket_id, {"status": "open"})
    sync.sync(sessions, helpdesk, now=clock)
    assert solved(sessions, ticket_id) == (None, None)


def test_zendesk_metrics_win_over_every_estimate(sessions, helpdesk, zendesk, clock):
    """A ticket made through the API has metrics: is its solved time theirs, our later note
    notwithstanding?"""
    ticket_id = open_ticket(zendesk, "Where is my order?")
    reply(zendesk, ticket_id, "On its way.")
    zendesk.set_time(SOLVED)
    zendesk.update_ticket(ticket_id, {"status": "solved"})
    our_note_and_survey(zendesk, ticket_id)
    sync.sync(sessions, helpdesk, now=clock)
    assert solved(sessions, ticket_id) == (SOLVED, "metrics")
