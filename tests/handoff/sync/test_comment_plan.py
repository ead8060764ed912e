"""Which comments sync reads, and how: escalated tickets and tickets without metrics, by the
cheaper of per-ticket lists and the ticket-event export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from handoff import sync
from handoff.models import HelpdeskComment, HelpdeskTicket
from handoff.sync import CommentPlan, Pending, plan_comments
from tests.handoff.sync.conftest import escalate, open_ticket, reply

DAY0 = datetime(2026, 1, 1, tzinfo=UTC)


def stored(sessions) -> dict[int, int]:
    """Return the number of stored comments per ticket."""
    with sessions() as s:
        rows = s.execute(
            sa.select(HelpdeskComment.ticket_id, sa.func.count()).group_by(
                HelpdeskComment.ticket_id
            )
        )
        return {int(t): int(n) for t, n in rows}


def test_only_escalated_tickets_and_tickets_without_metrics_have_their_comments_read(
    sessions, helpdesk, zendesk, clock
):
    """Of a plain ticket (metrics, no bot), an escalated one and an imported one, are only the
    last two's comments needed, and read complete in one event-export request?"""
    plain = open_ticket(zendesk, "Plain question")
    reply(zendesk, plain, "Plain answer")
    bot = open_ticket(zendesk, "After the bot")
    reply(zendesk, bot, "Picking this up")
    old, _ = zendesk.create_ticket(
        {"subject": "Imported", "status": "solved", "created_at": "2025-06-01T10:00:00Z",
         "comments": [{"body": "old mail"}, {"body": "old answer"}]}, importing=True,
    )  # fmt: skip
    escalate(sessions, clock, bot)
    sync.sync(sessions, helpdesk, now=clock, streams=[sync.TICKETS])
    with sessions() as s:
        needed = {p.ticket_id: p.needed for p in sync.pending_comments(s)}
    assert needed == {plain: False, bot: True, old["id"]: True}
    sync.sync(sessions, helpdesk, now=clock)
    # The export brings the plain ticket's comments along at no cost; none is left to read.
    assert stored(sessions)[bot] == 2 and stored(sessions)[old["id"]] == 2
    with sessions() as s:
        assert [p for p in sync.pending_comments(s) if p.needed] == []
    assert len(zendesk.requests(path_prefix="/api/v2/incremental/ticket_events")) == 1
    assert not [e for e in zendesk.requests() if e.path.endswith("/comments.json")]
    with sessions() as s:
        assert s.get(HelpdeskTicket, plain).comment_count == 2


def test_a_ticket_escalated_later_has_its_earlier_comments_read(sessions, helpdesk, zendesk, clock):
    """A plain ticket synced without its comments, then named by a packet: does the next sync
    read all its comments, though Zendesk has nothing new for it?"""
    ticket = open_ticket(zendesk, "Question")
    reply(zendesk, ticket, "Answer")
    sync.sync(sessions, helpdesk, now=clock)
    assert stored(sessions) == {}
    escalate(sessions, clock, ticket)
    sync.sync(sessions, helpdesk, now=clock)
    assert stored(sessions) == {ticket: 2}
    zendesk.log.clear()
    again = sync.sync(sessions, helpdesk, now=clock)
    assert again.new_comments == 0
    assert len(zendesk.requests()) == 1  # the ticket export


def test_a_new_comment_is_read_only_where_it_is_needed(sessions, helpdesk, zendesk, clock):
    """After a first sync, a new comment on a plain ticket costs no comment request; one on an
    escalated ticket is read."""
    plain = open_ticket(zendesk, "Plain")
    bot = open_ticket(zendesk, "Bot")
    escalate(sessions, clock, bot)
    sync.sync(sessions, helpdesk, now=clock)
    zendesk.advance(minutes=5)
    reply(zendesk, plain, "Plain answer")
    zendesk.log.clear()
    sync.sync(sessions, helpdesk, now=clock)
    assert zendesk.requests(path_prefix="/api/v2/incremental/ticket_events") == []
    reply(zendesk, bot, "Bot answer")
    zendesk.advance(minutes=5)
    zendesk.log.clear()
    sync.sync(sessions, helpdesk, now=clock)
    assert stored(sessions)[bot] == 2
    assert len(zendesk.requests(path_prefix="/api/v2/incremental/ticket_events")) == 1


def pending(ticket_id: int, created: datetime, *, missing: int = 1, needed: bool = False,
            total: int | None = None) -> Pending:  # fmt: skip
    """Return a pending ticket updated when it was created."""
    return Pending(ticket_id, created, created, total or missing, missing, needed)


def test_the_plan_lists_old_needed_tickets_and_exports_from_the_first_recent_one():
    """One old imported ticket and one recent escalated one, with 3,000 plain tickets changed in
    between: is the old one listed (1 request) and the export started at the recent one's
    creation (1 request), not the export from the old one (7 requests)?"""
    old = pending(1, DAY0, missing=3, needed=True)
    recent = pending(2, DAY0 + timedelta(days=100), missing=4, needed=True)
    between = [pending(10 + n, DAY0 + timedelta(days=1, minutes=n)) for n in range(3000)]
    assert plan_comments([old, recent, *between]) == CommentPlan((1,), recent.created_at, 2)


def test_the_plan_lists_every_needed_ticket_when_that_is_cheaper():
    """Two needed tickets among 5,000 busy plain ones changed since: are the two lists (2
    requests) chosen over the export (11)?"""
    needed = [pending(n, DAY0 + timedelta(minutes=n), needed=True, total=150) for n in (1, 2)]
    busy = [pending(10 + n, DAY0 + timedelta(hours=1)) for n in range(5000)]
    plan = plan_comments([*needed, *busy])
    assert plan == CommentPlan((1, 2), None, 4)  # 150 comments: two pages a list


def test_the_plan_reads_nothing_when_nothing_is_needed():
    """Plain tickets with new comments only: no request at all."""
    assert plan_comments([pending(1, DAY0), pending(2, DAY0)]) == CommentPlan((), None, 0)


def _import(zendesk, created: str, text: str) -> int:
    """Import a solved ticket created at ``created``, a customer's mail and an agent's answer."""
    customer, agent = zendesk.customer["id"], zendesk.agent["id"]
    at = datetime.fromisoformat(created.replace("Z", "+00:00"))
    ticket, _ = zendesk.create_ticket(
        {"subject": text, "requester_id": customer, "status": "solved", "created_at": created,
         "comments": [
             {"author_id": customer, "value": text, "created_at": created},
             {"author_id": agent, "value": "Done.",
              "created_at": (at + timedelta(hours=2)).isoformat()},
         ]},
        importing=True,
    )  # fmt: skip
    return int(ticket["id"])


def test_imported_tickets_before_the_baseline_are_not_read(sessions, helpdesk, zendesk, clock):
    """Given the baseline's start, are the comments of imported tickets created from it on
    read, and those of an earlier one not (no request, its solved time left at the ticket's
    update time)?"""
    before = _import(zendesk, "2025-03-03T09:00:00Z", "Before the baseline")
    inside = _import(zendesk, "2025-06-03T09:00:00Z", "In the baseline")
    after = _import(zendesk, "2025-09-03T09:00:00Z", "After it, no bot")
    late_bot = _import(zendesk, "2025-10-03T09:00:00Z", "After it, escalated")
    escalate(sessions, clock, late_bot)
    since = datetime(2025, 6, 1, tzinfo=UTC)
    sync.sync(sessions, helpdesk, now=clock, streams=[sync.TICKETS])
    with sessions() as s:
        needed = {p.ticket_id: p.needed for p in sync.pending_comments(s, since)}
        everything = {p.ticket_id: p.needed for p in sync.pending_comments(s)}
    assert needed == {before: False, inside: True, after: True, late_bot: True}
    assert everything == dict.fromkeys((before, inside, after, late_bot), True)
    zendesk.log.clear()
    sync.sync(sessions, helpdesk, now=clock, unmeasured_since=since)
    have = stored(sessions)
    assert have.get(inside) == 2 and have.get(after) == 2 and have.get(late_bot) == 2
    # One export from the baseline's ticket on; the earlier ticket is not read at all.
    assert before not in have
    assert not [e for e in zendesk.requests() if e.path.endswith("/comments.json")]
    (export,) = zendesk.requests(path_prefix="/api/v2/incremental/ticket_events")
    assert f"start_time={int(datetime(2025, 6, 3, 9, tzinfo=UTC).timestamp())}" in export.query
    with sessions() as s:
        assert s.get(HelpdeskTicket, inside).solved_from == "comment"
        assert s.get(HelpdeskTicket, inside).solved_at == datetime(2025, 6, 3, 11, tzinfo=UTC)
        assert s.get(HelpdeskTicket, before).solved_from == "updated"
        assert [p for p in sync.pending_comments(s, since) if p.needed] == []


def test_the_baseline_start_is_midnight_in_the_configured_zone():
    """Does the baseline begin at midnight of its first day in the configured zone?"""
    from handoff.productconfig import load_for

    config = load_for(None)
    local = sync.baseline_start(config).astimezone(config.zone)
    assert local.date() == config.baseline_start and (local.hour, local.minute) == (0, 0)


def test_the_sync_command_reads_imported_tickets_from_the_configured_baseline_on(
    make_app, helpdesk, zendesk
):
    """Does ``handoff sync`` pass the configured baseline's start (the example's: 2026-01-05,
    Berlin), so an imported ticket in the baseline is read and one before it is not?"""
    from helpdesk_app.cli import main
    from helpdesk_app.runtime import runtime

    inside = _import(zendesk, "2026-01-20T09:00:00Z", "In the example's baseline")
    before = _import(zendesk, "2025-11-20T09:00:00Z", "Before it")
    app = make_app(helpdesk=helpdesk)
    result = app.test_cli_runner().invoke(main, ["sync"])
    assert result.exit_code == 0, result.output
    have = {}
    with runtime(app).sessions() as s:
        for ticket_id in (inside, before):
            have[ticket_id] = s.get(HelpdeskTicket, ticket_id).solved_from
    assert have == {inside: "comment", before: "updated"}
