"""History sync: incremental, resumable, idempotent, and cheap in requests."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from handoff import packets, sync
from handoff.models import (
    HelpdeskComment,
    HelpdeskTicket,
    HelpdeskUser,
    SatisfactionRating,
    TicketMetric,
)
from handoff.models.delivery_state import SyncCursor
from handoff.models.detection import DetectionRun
from handoff.ticketing.errors import HelpdeskUnavailable
from tests import factories
from tests.handoff.sync.conftest import escalate, open_ticket, reply


def snapshot(sessions) -> dict[str, list]:
    """Return every mirrored row as comparable tuples."""
    with sessions() as s:
        return {
            "tickets": [(t.id, t.status, t.segment, tuple(t.tags), t.solved_at is not None) for t in s.scalars(sa.select(HelpdeskTicket).order_by(HelpdeskTicket.id))],
            "comments": [(c.id, c.ticket_id, c.author_role, c.public, c.body) for c in s.scalars(sa.select(HelpdeskComment).order_by(HelpdeskComment.id))],
            "users": [(u.id, u.role) for u in s.scalars(sa.select(HelpdeskUser).order_by(HelpdeskUser.id))],
            "ratings": [(r.id, r.ticket_id, r.score) for r in s.scalars(sa.select(SatisfactionRating))],
            "metrics": [(m.ticket_id, m.replies) for m in s.scalars(sa.select(TicketMetric).order_by(TicketMetric.ticket_id))],
        }  # fmt: skip


def test_a_first_sync_fills_the_mirror(sessions, helpdesk, zendesk, history, clock):
    """Are tickets, comments with their authors' roles, the rating and the metrics all stored?"""
    summary = sync.sync(sessions, helpdesk, now=clock)
    rows = snapshot(sessions)
    assert [t[0] for t in rows["tickets"]] == history
    assert rows["tickets"][0][1] == "solved" and rows["tickets"][0][4] is True
    roles = Counter(c[2] for c in rows["comments"])
    assert roles == {"end-user": 6, "agent": 3}
    assert rows["ratings"] == [(rows["ratings"][0][0], history[0], "good")]
    assert [m[0] for m in rows["metrics"]] == history
    assert summary.tickets == 3 and summary.new_comments == 9


def test_comments_come_from_the_event_export_not_one_request_per_ticket(
    sessions, helpdesk, zendesk, history, clock
):
    """Does the sync read comments through incremental ticket events (with comment_events) and users through show_many?"""
    sync.sync(sessions, helpdesk, now=clock)
    paths = [e.path for e in zendesk.requests()]
    assert not any("/comments" in p for p in paths)
    events = zendesk.requests(path_prefix="/api/v2/incremental/ticket_events")
    assert events and all("include=comment_events" in e.query for e in events)
    assert len(zendesk.requests(path_prefix="/api/v2/users/show_many")) == 1
    assert len(paths) <= 6


def test_a_second_run_changes_nothing_and_reads_only_what_is_new(
    sessions, helpdesk, zendesk, history, clock
):
    """Is a re-run idempotent, and does it resume from the saved cursors rather than from the start?"""
    sync.sync(sessions, helpdesk, now=clock)
    before = snapshot(sessions)
    zendesk.log.clear()
    again = sync.sync(sessions, helpdesk, now=clock)
    assert snapshot(sessions) == before
    assert again.tickets == 0 and again.new_comments == 0 and again.users == 0
    (export,) = zendesk.requests(path_prefix="/api/v2/incremental/tickets")
    assert "cursor=" in export.query and "start_time" not in export.query
    assert zendesk.requests(path_prefix="/api/v2/ticket_metrics") == []
    # Nothing new: the ticket export alone; no comments to read, no ratings listing, no metrics.
    assert len(zendesk.requests()) == 1
    assert zendesk.requests(path_prefix="/api/v2/incremental/ticket_events") == []
    new = open_ticket(zendesk, "My parcel never came")
    reply(zendesk, new, "Sorry to hear that; let me check.")
    escalate(sessions, clock, new)
    zendesk.log.clear()
    third = sync.sync(sessions, helpdesk, now=clock)
    assert third.tickets == 1 and third.new_comments == 2
    assert snapshot(sessions)["tickets"][-1][0] == new
    # The new ticket's metrics came side-loaded with it: no metrics request at all.
    assert zendesk.requests(path_prefix="/api/v2/ticket_metrics") == []
    assert third.metrics == 1


def test_metrics_come_side_loaded_with_the_changed_tickets(sessions, helpdesk, zendesk, clock):
    """With many tickets known and one changed, does its metric come with the ticket export
    (include=metric_sets) rather than from a metrics request of its own?"""
    ids = [open_ticket(zendesk, f"Question {n}") for n in range(120)]
    first = sync.sync(sessions, helpdesk, now=clock)
    assert first.metrics == 120
    reply(zendesk, ids[5], "Here is the answer.")
    zendesk.log.clear()
    summary = sync.sync(sessions, helpdesk, now=clock)
    assert summary.metrics == 1
    (export,) = zendesk.requests(path_prefix="/api/v2/incremental/tickets")
    assert (
        "include=metric_sets%2Cusers" in export.query or "include=metric_sets,users" in export.query
    )
    assert zendesk.requests(path_prefix="/api/v2/ticket_metrics") == []
    assert zendesk.requests(path_prefix=f"/api/v2/tickets/{ids[5]}/metrics") == []
    with sessions() as s:
        assert s.get(TicketMetric, ids[5]).replies == 1


def test_archived_and_imported_tickets(sessions, helpdesk, zendesk, clock):
    """Does an archived ticket's metric arrive (the listing would leave it out), and does an
    imported ticket, which has none in Zendesk, sync without one?"""
    old = open_ticket(zendesk, "Long ago")
    zendesk.update_ticket(old, {"status": "closed"})
    imported, _ = zendesk.create_ticket(
        {"subject": "Imported", "comments": [{"body": "old mail"}], "status": "solved",
         "created_at": "2024-01-02T10:00:00Z"}, importing=True,
    )  # fmt: skip
    zendesk.advance(days=200)
    assert zendesk.archived(zendesk.tickets[old])
    summary = sync.sync(sessions, helpdesk, now=clock)
    with sessions() as s:
        assert s.get(TicketMetric, old) is not None
        assert s.get(TicketMetric, imported["id"]) is None
    assert summary.tickets == 2 and summary.metrics == 1


def test_a_429_on_the_export_is_waited_out_not_an_abort(sessions, helpdesk, zendesk, clock):
    """When the export limit answers 429 mid-sync, does sync wait its Retry-After, resume from
    the saved cursor and finish every stream (ratings and metrics included)?"""
    for n in range(5):
        open_ticket(zendesk, f"Question {n}")
    zendesk.inject_fault(429, retry_after=7, path_prefix="/api/v2/incremental/", count=2)
    slept: list[float] = []
    summary = sync.sync(
        sessions, helpdesk, now=clock, page_size=2, sleep=slept.append, streams=sync.STREAMS
    )
    assert slept == [7, 7]
    assert summary.tickets == 5 and summary.metrics == 5
    assert zendesk.requests(path_prefix="/api/v2/satisfaction_ratings")


class FailingAfter:
    """A helpdesk that fails once the ticket export has been called ``pages`` times."""

    def __init__(self, helpdesk, pages: int) -> None:
        self.helpdesk, self.left = helpdesk, pages

    def __getattr__(self, name):
        return getattr(self.helpdesk, name)

    def export_tickets(self, **kwargs):
        if self.left == 0:
            raise HelpdeskUnavailable("Zendesk answered 503")
        self.left -= 1
        return self.helpdesk.export_tickets(**kwargs)


def test_a_sync_that_dies_mid_way_resumes_at_the_first_page_it_had_not_stored(
    sessions, helpdesk, zendesk, clock
):
    """When the export fails on page three, are two pages kept with their cursor, and does the re-run finish from there?"""
    ids = [open_ticket(zendesk, f"Question {n}") for n in range(5)]
    with pytest.raises(HelpdeskUnavailable):
        sync.sync(
            sessions, FailingAfter(helpdesk, 2), now=clock, page_size=2, streams=[sync.TICKETS]
        )
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(HelpdeskTicket)) == 4
        assert s.get(SyncCursor, sync.TICKETS).cursor
    zendesk.log.clear()
    summary = sync.sync(sessions, helpdesk, now=clock, page_size=2, streams=[sync.TICKETS])
    assert summary.tickets == 1
    assert [t[0] for t in snapshot(sessions)["tickets"]] == ids
    first = zendesk.requests(path_prefix="/api/v2/incremental/tickets")[0]
    assert "cursor=" in first.query


def test_the_segment_comes_from_the_configured_tag_prefix_or_field(
    sessions, helpdesk, zendesk, history, clock
):
    """Does ``tag:segment_`` set each ticket's segment, and a field id read the field's value?"""
    sync.sync(
        sessions,
        helpdesk,
        now=clock,
        segments=sync.SegmentSource.parse("tag:segment_"),
        streams=[sync.TICKETS],
    )
    assert [t[2] for t in snapshot(sessions)["tickets"]] == ["free", "pro", "pro"]
    field = zendesk.create_ticket_field({"type": "text", "title": "Plan"})
    zendesk.update_ticket(
        history[1], {"custom_fields": [{"id": field["id"], "value": "enterprise"}]}
    )
    sync.sync(
        sessions,
        helpdesk,
        now=clock,
        segments=sync.SegmentSource.parse(f"field:{field['id']}"),
        streams=[sync.TICKETS],
    )
    with sessions() as s:
        assert s.get(HelpdeskTicket, history[1]).segment == "enterprise"


def test_new_comments_recompute_detection_for_their_tickets(
    session, sessions, helpdesk, zendesk, history, clock
):
    """After comments arrive for an escalated ticket, is its detection run recomputed?"""
    packets.accept_packet(session, factories.packet(ticket_id=history[1]), now=clock())
    session.commit()
    summary = sync.sync(sessions, helpdesk, now=clock)
    assert summary.recomputed == 3
    with sessions() as s:
        assert s.get(DetectionRun, history[1]) is not None


def test_ratings_come_with_the_tickets_and_the_listing_only_when_asked(
    sessions, helpdesk, zendesk, history, clock
):
    """Is the rating stored from the ticket's own satisfaction_rating, with no ratings listing
    request, and does the listing (named stream) find the same row, not a second one?"""
    sync.sync(sessions, helpdesk, now=clock)
    assert zendesk.requests(path_prefix="/api/v2/satisfaction_ratings") == []
    assert [(r[1], r[2]) for r in snapshot(sessions)["ratings"]] == [(history[0], "good")]
    sync.sync(sessions, helpdesk, now=clock, streams=[sync.RATINGS])
    assert zendesk.requests(path_prefix="/api/v2/satisfaction_ratings")
    assert [(r[1], r[2]) for r in snapshot(sessions)["ratings"]] == [(history[0], "good")]


def test_ratings_changed_after_they_were_first_seen_are_updated(
    sessions, helpdesk, zendesk, history, clock
):
    """When a rating changes from good to bad, does the next sync update it rather than add one?"""
    sync.sync(sessions, helpdesk, now=clock)
    zendesk.rate_ticket(history[0], "bad", "Actually it never came")
    sync.sync(sessions, helpdesk, now=clock)
    assert [r[2] for r in snapshot(sessions)["ratings"]] == ["bad"]


def test_the_sync_command_reports_counts_and_cursors(make_app, helpdesk, zendesk, history):
    """Does ``handoff sync`` print what it stored and ``sync status`` where each stream resumes?"""
    from helpdesk_app.cli import main

    app = make_app(helpdesk=helpdesk)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["sync"])
    assert result.exit_code == 0, result.output
    assert "tickets=3" in result.output and "new_comments=9" in result.output
    status = runner.invoke(main, ["sync", "status"])
    assert "stream=tickets" in status.output and "stream=ticket_events" in status.output


class StuckOnce:
    """A helpdesk whose event export first answers a full page that cannot move past its second."""

    def __init__(self, helpdesk) -> None:
        self.helpdesk, self.stuck = helpdesk, True

    def __getattr__(self, name):
        return getattr(self.helpdesk, name)

    def export_ticket_events(self, start_time):
        from dataclasses import replace

        page = self.helpdesk.export_ticket_events(start_time)
        if self.stuck:
            self.stuck = False
            return replace(page, events=page.events[:1], end_time=start_time, end_of_stream=False)
        return page


def test_an_export_stuck_inside_one_second_is_caught_up_ticket_by_ticket(
    sessions, helpdesk, zendesk, history, clock
):
    """When a full page of events shares one second, are the comments read per ticket and the sync carried on?"""
    summary = sync.sync(sessions, StuckOnce(helpdesk), now=clock)
    assert summary.stuck == []
    assert Counter(c[2] for c in snapshot(sessions)["comments"]) == {"end-user": 6, "agent": 3}
    assert (
        len(zendesk.requests(path_prefix="/api/v2/tickets/")) >= 3
    )  # one comments list per ticket
    assert sync.sync(sessions, helpdesk, now=clock).new_comments == 0


def test_a_reask_tick_whose_webhook_was_lost_is_flagged_by_sync(sessions, helpdesk, zendesk, clock):
    """Does sync turn the ticket's re-ask checkbox into a flag when the webhook never came, and clear it likewise?"""
    from handoff.delivery import objects
    from handoff.flags import active_flag

    field = zendesk.create_ticket_field({"type": "checkbox", "title": "Had to re-ask the customer"})
    with sessions() as s:
        s.add(
            objects.HelpdeskObject(
                key=objects.field_key("reask"), zendesk_id=str(field["id"]), detail={},
                updated_at=clock(),
            )
        )  # fmt: skip
        s.commit()
    ticket = open_ticket(zendesk, "Where is my order?")
    zendesk.update_ticket(ticket, {"custom_fields": [{"id": field["id"], "value": True}]})
    sync.sync(sessions, helpdesk, now=clock)
    with sessions() as s:
        flag = active_flag(s, ticket)
        assert flag is not None and flag.source == "zendesk_field"
    clock.advance(minutes=1)
    zendesk.update_ticket(ticket, {"custom_fields": [{"id": field["id"], "value": False}]})
    sync.sync(sessions, helpdesk, now=clock)
    with sessions() as s:
        assert active_flag(s, ticket) is None


def test_users_first_seen_by_webhook_are_fetched_with_email_and_external_id(
    sessions, helpdesk, zendesk, clock
):
    """Does sync fetch again a user a webhook stored without email, keeping their external id?"""
    from handoff.delivery import mirror

    person = zendesk.add_user("Dana", "dana.nine@example.com", external_id="cust-9")
    ticket, _ = zendesk.create_ticket(
        {"subject": "Hi", "requester_id": person["id"], "comment": {"body": "Hi", "author_id": person["id"]}}
    )  # fmt: skip
    with sessions() as s:
        mirror.upsert_user(s, person["id"], name="Dana", staff=False)
        s.commit()
    sync.sync(sessions, helpdesk, now=clock)
    with sessions() as s:
        user = s.get(HelpdeskUser, person["id"])
        assert user is not None
        assert (user.email, user.external_id) == ("dana.nine@example.com", "cust-9")
