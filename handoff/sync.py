"""History sync: pull Zendesk's tickets, comments, users, ratings and metrics into the hd_* mirror.

Each stream is incremental and resumable: it keeps its place in ``sync_cursors``, and a page's
cursor is written in the same commit as the rows of that page (never before them), so a sync
killed at any point resumes at the first page it had not stored. Rows are upserted, so a page
pulled twice (after a crash, or because Zendesk's time-based export repeats its last second)
changes nothing.

Requests: tickets come from the incremental cursor export (up to 1,000 a request), which
side-loads each page's metric sets, users and comment counts, so metrics cost no request of
their own (the 100-a-page metrics listing, which also leaves archived tickets out, is used only
when the metrics stream runs without the ticket stream) and most authors are known; ratings
come with the tickets (each ticket's ``satisfaction_rating``), the ratings listing only when
named. Comments are read only where the product uses them (escalated tickets; tickets without
metrics created from the baseline period on) by the cheaper of per-ticket lists and the
ticket-event export with ``include=comment_events`` (up to 1,000 audits a request); authors'
roles from ``users/show_many`` (100 a request) for authors not yet known. The incremental
exports are for admins only: a 403 there raises ``ExportForbidden``, which says what to change.

Pacing: every call goes through the shared budgets (``handoff.delivery.throttle``); a 429 that
still comes is waited out (its Retry-After) and the same page asked again, never an abort: the
saved cursors make any stop resumable anyway.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from handoff import flags, webhooks
from handoff.delivery import mirror, objects
from handoff.detection.store import recompute_ticket
from handoff.errors import HelpdeskError
from handoff.models.delivery_state import SyncCursor
from handoff.models.flags import ReaskFlag
from handoff.models.helpdesk import HelpdeskComment, HelpdeskTicket, HelpdeskUser
from handoff.models.helpdesk import SatisfactionRating as RatingRow
from handoff.models.helpdesk import TicketMetric as TicketMetricRow
from handoff.models.packets import BotConversation, Packet
from handoff.productconfig import ProductConfig
from handoff.ticketing.base import Helpdesk, Minutes, Ticket, TicketEvent, TicketMetric
from handoff.ticketing.errors import (
    ExportForbidden,
    HelpdeskAuthError,
    HelpdeskNotFound,
    RateLimited,
)

log = logging.getLogger("handoff.sync")

TICKETS, EVENTS, RATINGS, METRICS = (
    "tickets",
    "ticket_events",
    "satisfaction_ratings",
    "ticket_metrics",
)
STREAMS = (TICKETS, EVENTS, RATINGS, METRICS)
# What a plain ``handoff sync`` runs: ratings come with the tickets (each ticket's own
# ``satisfaction_rating``; a rating updates its ticket), so the ratings listing runs only when
# asked for (``--stream satisfaction_ratings``, e.g. to backfill creation times).
DEFAULT_STREAMS = (TICKETS, EVENTS, METRICS)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Ratings change after they are created ("offered" becomes "good" or "bad", a customer changes
# their mind weeks later), and the list filters on creation time: each run looks this far back
# from the newest rating it has seen. A customer can change a rating until the ticket closes,
# which Zendesk does at most 28 days after the solve by default; 35 days covers that.
RATING_LOOKBACK = timedelta(days=35)
# What the ticket export brings along: metrics (no separate listing), the tickets' users and
# each ticket's comment count (which says whose comments are still to read).
TICKET_SIDELOADS = ("metric_sets", "users", "comment_count")
# Requests: a ticket's comment list gives 100 comments a page, the event export 1,000 audits.
COMMENTS_PER_PAGE = 100
AUDITS_PER_PAGE = 1000
# The last line of our own comments: the packet note's marker and the delayed survey's.
OUR_MARKERS = ("[handoff:packet:", "Ref. DCSAT-")
# A 429 without Retry-After: wait this long (incremental exports allow 10 a minute).
DEFAULT_RETRY_AFTER = 60.0

T = TypeVar("T")
Sleep = Callable[[float], None]


# The calls that read Zendesk's incremental exports, which Zendesk allows for admins only.
EXPORT_CALLS = frozenset({"tickets", "ticket_events"})


def exports_forbidden(helpdesk: Any, refusal: HelpdeskAuthError) -> ExportForbidden:
    """Explain a 403 on an incremental export: who the token's user is and what to change."""
    try:
        user = helpdesk.me()
        who = f"the API token's user {user.email or user.id} is {user.role!r}"
    except HelpdeskError:
        who = "the API token's user (ZENDESK_EMAIL) is not an admin"
    return ExportForbidden(
        "Zendesk refused the incremental export (403 Forbidden): Zendesk allows the incremental "
        f"exports to admins only, and {who}. Give that user the admin role in Zendesk, or set "
        "ZENDESK_EMAIL to an admin's email (the API token belongs to the account and stays "
        "the same), then run the sync again; each stream resumes from its saved cursor.",
        http_status=refusal.http_status,
        error=refusal.error,
    )


def patiently(call: Callable[[], T], helpdesk: Any, sleep: Sleep, what: str) -> T:
    """Run ``call``; on a 429 hold every process (the budgets' pause), wait its Retry-After and
    ask again, as often as it takes: a sync never aborts on a rate limit. A 403 on an export
    (the token's user is no admin) raises ``ExportForbidden``, which says what to change."""
    waits = 0
    while True:
        try:
            return call()
        except HelpdeskAuthError as exc:
            if exc.http_status == 403 and what in EXPORT_CALLS:
                log.error("sync forbidden call=%s status=403 (exports need an admin)", what)
                raise exports_forbidden(helpdesk, exc) from None
            raise
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
            waits += 1
            log.warning("sync rate_limited call=%s retry_after=%.0f waits=%s", what, wait, waits)
            pacer = getattr(helpdesk, "bucket", None)
            if pacer is not None:
                pacer.pause(wait)
            sleep(wait)


@dataclass
class SyncSummary:
    """What one sync run stored, per kind of record."""

    tickets: int = 0
    comments: int = 0
    new_comments: int = 0
    users: int = 0
    ratings: int = 0
    metrics: int = 0
    pages: int = 0
    recomputed: int = 0
    stuck: list[str] = field(default_factory=list)
    changed_tickets: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        """Return the counts as a dict."""
        return {k: v for k, v in vars(self).items() if k != "changed_tickets"}


@dataclass(frozen=True)
class SegmentSource:
    """Where a ticket's segment comes from: a custom field's value, or a tag after a prefix."""

    kind: str  # "field" or "tag"
    value: str

    @classmethod
    def parse(cls, raw: str | None) -> SegmentSource | None:
        """Read ``field:<id>`` or ``tag:<prefix>`` (as the setting holds it)."""
        if not raw:
            return None
        kind, _, value = raw.partition(":")
        return cls(kind, value)

    def segment_of(self, ticket: Ticket) -> str | None:
        """Return the ticket's segment, or None when it has none."""
        if self.kind == "field":
            value = ticket.custom_fields.get(int(self.value))
            return None if value in (None, "") else str(value)[:80]
        for tag in ticket.tags:
            if tag.startswith(self.value) and len(tag) > len(self.value):
                return tag[len(self.value) :][:80]
        return None


def get_cursor(session: Session, name: str) -> SyncCursor | None:
    """Return a stream's saved place, or None before its first page."""
    return session.get(SyncCursor, name)


def _save_cursor(
    session: Session, name: str, now: datetime, *, cursor: str | None, position: datetime | None
) -> None:
    row = session.get(SyncCursor, name)
    if row is None:
        row = SyncCursor(name=name)
        session.add(row)
    row.cursor = cursor
    row.position = position
    row.updated_at = now
    session.flush()


def _ticket_values(ticket: Ticket, segments: SegmentSource | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subject": ticket.subject,
        "status": ticket.status,
        "channel": ticket.channel[:40] if ticket.channel else None,
        "requester_id": ticket.requester_id,
        "assignee_id": ticket.assignee_id,
        "organization_id": ticket.organization_id,
        "group_id": ticket.group_id,
        "tags": list(ticket.tags),
        "custom_fields": [{"id": k, "value": v} for k, v in sorted(ticket.custom_fields.items())],
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }
    if segments is not None:
        values["segment"] = segments.segment_of(ticket)
    if ticket.comment_count is not None:
        values["comment_count"] = ticket.comment_count
    if ticket.status not in mirror.SOLVED_STATUSES:
        values["solved_at"] = None
        values["solved_from"] = None
    return values


def sync_tickets(
    sessions: sessionmaker[Session],
    helpdesk: Helpdesk,
    *,
    now: Callable[[], datetime],
    since: datetime = EPOCH,
    segments: SegmentSource | None = None,
    summary: SyncSummary,
    max_pages: int | None = None,
    page_size: int | None = None,
    sleep: Sleep = time.sleep,
) -> None:
    """Pull tickets changed since the saved cursor (or ``since`` on the first run), with their
    metrics and users side-loaded."""
    pages = 0
    # Zendesk's default page is 1,000 tickets; a smaller one is for tests (the adapter takes it).
    sized: dict[str, Any] = {"page_size": page_size} if page_size else {}
    sized["sideload"] = TICKET_SIDELOADS
    while max_pages is None or pages < max_pages:
        with sessions() as session:
            saved = get_cursor(session, TICKETS)
            position: dict[str, Any] = (
                {"cursor": saved.cursor} if saved is not None and saved.cursor
                else {"start_time": since}
            )  # fmt: skip
            page = patiently(
                partial(helpdesk.export_tickets, **position, **sized), helpdesk, sleep, "tickets"
            )
            moment = now()
            reask_field = objects.field_ids(session).get("reask")
            for ticket in page.tickets:
                row = mirror.upsert_ticket(
                    session,
                    ticket.id,
                    _ticket_values(ticket, segments),
                    seen_at=moment,
                    synced_at=moment,
                )
                if ticket.status in mirror.SOLVED_STATUSES and row.solved_at is None:
                    # The export has no solved time: its side-loaded metrics bring the exact one;
                    # without metrics (imported tickets) the comment stream replaces this
                    # stand-in with the status change or the last public comment.
                    row.solved_at, row.solved_from = ticket.updated_at, "updated"
                if reask_field is not None:
                    reconcile_reask(session, ticket, reask_field, now=moment)
                if ticket.rating is not None:
                    _store_ticket_rating(session, ticket, moment, summary)
            _store_sideloads(session, page.users, page.metrics, summary)
            _save_cursor(session, TICKETS, moment, cursor=page.cursor, position=None)
            session.commit()
        pages += 1
        summary.pages += 1
        summary.tickets += len(page.tickets)
        summary.changed_tickets.update(t.id for t in page.tickets)
        log.info(
            "sync stream=tickets page=%s tickets=%s end_of_stream=%s",
            pages,
            len(page.tickets),
            page.end_of_stream,
        )
        if page.end_of_stream:
            return


def _store_ticket_rating(
    session: Session, ticket: Ticket, moment: datetime, summary: SyncSummary
) -> None:
    """Store the rating a ticket carries; it has no times of its own, so a new one is dated by
    the ticket's update (a rating updates its ticket) and a known one keeps its creation."""
    rating = ticket.rating
    assert rating is not None
    known = session.get(RatingRow, rating.id)
    if known is not None and (known.score, known.comment) == (rating.score, rating.comment):
        return
    stamp = ticket.updated_at or moment
    mirror.upsert_rating(
        session,
        rating.id,
        ticket_id=ticket.id,
        score=rating.score,
        comment=rating.comment,
        created_at=known.created_at if known is not None else stamp,
        updated_at=stamp,
        synced_at=moment,
    )
    summary.ratings += 1


def reconcile_reask(session: Session, ticket: Ticket, field_id: int, *, now: datetime) -> None:
    """Make the stored re-ask flag agree with the ticket's checkbox when Zendesk's is the newer word.

    Webhooks can be lost; the synced ticket still carries the checkbox. A flag changed here
    after the ticket's last update (the sidebar, not yet mirrored) is newer and stays as it is.
    """
    if field_id not in ticket.custom_fields:
        return
    value = webhooks.checkbox_value(ticket.custom_fields[field_id])
    current = flags.active_flag(session, ticket.id)
    if (current is not None) == value:
        return
    latest = session.scalar(
        sa.select(sa.func.max(ReaskFlag.updated_at)).where(ReaskFlag.ticket_id == ticket.id)
    )
    if latest is not None and ticket.updated_at is not None and latest >= ticket.updated_at:
        return
    flags.record_flag_from_helpdesk(
        session, ticket_id=ticket.id, value=value, agent_id=None, now=now
    )


def _store_user(session: Session, user: Any, summary: SyncSummary) -> None:
    """Mirror one Zendesk user (role, name, email, organization, external id) and count it."""
    mirror.upsert_user(
        session,
        user.id,
        role=user.role,
        name=user.name,
        email=user.email,
        organization_id=user.organization_id,
        updated_at=user.updated_at,
        external_id=user.external_id,
    )
    summary.users += 1


def _store_sideloads(
    session: Session,
    users: Iterable[Any],
    metrics: Iterable[TicketMetric],
    summary: SyncSummary,
) -> None:
    """Store the users and metric sets a ticket export page brought along."""
    for user in users:
        _store_user(session, user, summary)
    pending = list(metrics)
    if pending:
        session.flush()  # the page's tickets first: a metric's solved time lands on its ticket
    for metric in pending:
        _store_metric(session, metric, summary)


def _roles(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(HelpdeskUser.id, HelpdeskUser.role).where(HelpdeskUser.id.in_(wanted))
    )
    return {int(i): str(r) for i, r in rows}


def _fetch_users(
    session: Session,
    helpdesk: Helpdesk,
    ids: Iterable[int],
    summary: SyncSummary,
    sleep: Sleep = time.sleep,
) -> dict[int, str]:
    """Return every author's role, asking Zendesk (show_many) for authors not yet known and for
    those first seen through a webhook (stored without email or external id)."""
    ids = {int(i) for i in ids}
    known = _roles(session, ids)
    incomplete = set(
        session.scalars(
            sa.select(HelpdeskUser.id).where(
                HelpdeskUser.id.in_(list(ids)),
                HelpdeskUser.email.is_(None),
                HelpdeskUser.external_id.is_(None),
            )
        )
    )
    missing = sorted((ids - set(known)) | incomplete)
    if missing:
        users = patiently(partial(helpdesk.get_users, missing), helpdesk, sleep, "users")
        for user in users:
            _store_user(session, user, summary)
            known[user.id] = user.role
    return known


def _recompute(
    session: Session, ticket_ids: Iterable[int], now: datetime, summary: SyncSummary
) -> None:
    for ticket_id in sorted(set(ticket_ids)):
        recompute_ticket(session, ticket_id, now)
        summary.recomputed += 1


@dataclass(frozen=True)
class Pending:
    """A mirrored ticket with fewer comments stored than Zendesk counts."""

    ticket_id: int
    created_at: datetime
    updated_at: datetime
    total: int | None  # Zendesk's count (None: not known yet)
    missing: int  # how many more Zendesk has (at least 1 when unknown)
    needed: bool  # escalated (a packet or a bot conversation names it) or without metrics


@dataclass(frozen=True)
class CommentPlan:
    """How to read the comments sync needs: each ticket's list for ``per_ticket``, and the
    ticket-event export from ``start`` (None: not at all); ``requests`` is the estimate."""

    per_ticket: tuple[int, ...]
    start: datetime | None
    requests: int


def baseline_start(config: ProductConfig) -> datetime:
    """Return when the configured baseline period begins (midnight in its zone), in UTC: no
    figure is about a contact before it."""
    begins = datetime.combine(config.baseline_start, datetime.min.time(), config.zone)
    return begins.astimezone(UTC)


def pending_comments(session: Session, unmeasured_since: datetime | None = None) -> list[Pending]:
    """Return the tickets whose side-loaded comment count is above the comments stored; a
    ticket with no known count counts only when its comments are needed.

    Needed: escalated tickets, and tickets without metrics (imported) created at or after
    ``unmeasured_since`` (every one when it is None): their comments give their solved times
    (the baseline handle time) and first replies; the figures compare with the baseline and
    come after it.
    """
    stored = (
        sa.select(HelpdeskComment.ticket_id, sa.func.count().label("n"))
        .group_by(HelpdeskComment.ticket_id)
        .subquery()
    )
    have = sa.func.coalesce(stored.c.n, 0)
    escalated = sa.union(
        sa.select(Packet.ticket_id).where(Packet.ticket_id.is_not(None)),
        sa.select(BotConversation.ticket_id).where(BotConversation.ticket_id.is_not(None)),
    )
    unmeasured: sa.ColumnElement[bool] = HelpdeskTicket.id.not_in(
        sa.select(TicketMetricRow.ticket_id)
    )
    if unmeasured_since is not None:
        unmeasured = sa.and_(unmeasured, HelpdeskTicket.created_at >= unmeasured_since)
    needed = sa.or_(HelpdeskTicket.id.in_(escalated), unmeasured)
    rows = session.execute(
        sa.select(HelpdeskTicket.id, HelpdeskTicket.created_at, HelpdeskTicket.updated_at,
                  HelpdeskTicket.comment_count, have, needed)
        .outerjoin(stored, stored.c.ticket_id == HelpdeskTicket.id)
        .where(sa.or_(HelpdeskTicket.comment_count > have,
                      sa.and_(HelpdeskTicket.comment_count.is_(None), needed)))
    )  # fmt: skip
    return [
        Pending(int(i), created, updated, total, max(1, (total or 0) - int(n)), bool(need))
        for i, created, updated, total, n, need in rows
    ]


def _list_pages(p: Pending) -> int:
    return max(1, -(-(p.total or p.missing) // COMMENTS_PER_PAGE))


def plan_comments(pending: Sequence[Pending]) -> CommentPlan:
    """Choose the cheapest way to read the needed tickets' comments.

    The event export from a time ``S`` costs one request per 1,000 audits after ``S`` (at
    least one a pending ticket changed since ``S``, with one more per missing comment, an
    estimate from below) and brings every needed ticket created since ``S`` complete; the
    needed tickets created before ``S`` are read one list each (one request per 100 comments).
    ``S`` is tried at each needed ticket's creation; reading every list is the other end. On a
    tie the export wins: it also brings status changes (solved times).
    """
    needed = sorted((p for p in pending if p.needed), key=lambda p: (p.created_at, p.ticket_id))
    if not needed:
        return CommentPlan((), None, 0)
    by_update = sorted(pending, key=lambda p: p.updated_at)
    times = [p.updated_at for p in by_update]
    after = [0] * (len(by_update) + 1)
    for i in range(len(by_update) - 1, -1, -1):
        after[i] = after[i + 1] + by_update[i].missing + 1
    best = CommentPlan(
        tuple(p.ticket_id for p in needed), None, sum(_list_pages(p) for p in needed)
    )
    listed = 0
    for k, p in enumerate(needed):
        audits = after[bisect.bisect_left(times, p.created_at)]
        cost = listed + audits // AUDITS_PER_PAGE + 1
        if cost < best.requests or (best.start is None and cost == best.requests):
            best = CommentPlan(tuple(q.ticket_id for q in needed[:k]), p.created_at, cost)
        listed += _list_pages(p)
    return best


def sync_comments(
    sessions: sessionmaker[Session],
    helpdesk: Helpdesk,
    *,
    now: Callable[[], datetime],
    summary: SyncSummary,
    max_pages: int | None = None,
    fallback_limit: int = 2000,
    sleep: Sleep = time.sleep,
    unmeasured_since: datetime | None = None,
) -> None:
    """Store the comments the product needs, those of escalated tickets and of tickets without
    metrics (created at or after ``unmeasured_since`` when given), whose side-loaded comment
    count is above what is stored; read through each ticket's comment list or the ticket-event
    export, whichever costs fewer requests."""
    with sessions() as session:
        plan = plan_comments(pending_comments(session, unmeasured_since))
        saved = get_cursor(session, EVENTS)
    log.info(
        "sync stream=ticket_events plan per_ticket=%s events_from=%s requests=%s",
        len(plan.per_ticket),
        plan.start.isoformat() if plan.start else None,
        plan.requests,
    )
    if plan.start is not None:
        start = plan.start.replace(microsecond=0)
        if (
            saved is not None and saved.cursor and saved.position is not None
            and int(saved.cursor) <= int(start.timestamp()) and saved.position > start
        ):  # fmt: skip
            # A pass that covers this one was cut short: go on where it stopped.
            start = saved.position
        _read_events(sessions, helpdesk, start, now=now, summary=summary, max_pages=max_pages,
                     fallback_limit=fallback_limit, sleep=sleep)  # fmt: skip
    else:
        with sessions() as session:
            _save_cursor(session, EVENTS, now(), cursor=None, position=now())
            session.commit()
    with sessions() as session:
        # What the export could not complete (or what the plan gave to the lists).
        short = {p.ticket_id for p in pending_comments(session, unmeasured_since) if p.needed}
    ids = sorted(short | set(plan.per_ticket))
    for chunk in range(0, len(ids), 50):
        with sessions() as session:
            touched: set[int] = set()
            moment = now()
            for ticket_id in ids[chunk : chunk + 50]:
                if _read_ticket_comments(session, helpdesk, ticket_id, moment, summary, sleep):
                    touched.add(ticket_id)
            estimate_solved(session, touched)
            _recompute(session, touched, moment, summary)
            session.commit()
    with sessions() as session:
        # Tickets solved without metrics that nothing in this run touched.
        estimate_solved(session, _provisional(session))
        session.commit()


def _read_ticket_comments(
    session: Session,
    helpdesk: Helpdesk,
    ticket_id: int,
    moment: datetime,
    summary: SyncSummary,
    sleep: Sleep,
) -> bool:
    """Store one ticket's comments from its own list; True when any was new."""
    comments = patiently(partial(helpdesk.list_comments, ticket_id), helpdesk, sleep, "comments")
    summary.pages += max(1, -(-len(comments) // COMMENTS_PER_PAGE))
    roles = _fetch_users(
        session, helpdesk, [c.author_id for c in comments if c.author_id], summary, sleep
    )
    fresh = False
    for comment in comments:
        _, new = mirror.upsert_comment(
            session,
            comment.id,
            ticket_id=ticket_id,
            author_id=comment.author_id,
            author_role=roles.get(comment.author_id or -1),
            public=comment.public,
            body=comment.plain_body or comment.body,
            created_at=comment.created_at or moment,
            synced_at=moment,
        )
        if new:
            fresh = True
            summary.new_comments += 1
        summary.comments += 1
    row = session.get(HelpdeskTicket, ticket_id)
    if row is not None:
        # The list is the whole truth now: a count it cannot reach is not asked for again.
        row.comment_count = len(comments)
    return fresh


def _read_events(
    sessions: sessionmaker[Session],
    helpdesk: Helpdesk,
    pass_start: datetime,
    *,
    now: Callable[[], datetime],
    summary: SyncSummary,
    max_pages: int | None,
    fallback_limit: int,
    sleep: Sleep,
) -> None:
    """Read the ticket-event export from ``pass_start`` to its end, storing every comment."""
    pages = 0
    mark = str(int(pass_start.timestamp()))
    start = pass_start
    while max_pages is None or pages < max_pages:
        with sessions() as session:
            page = patiently(
                partial(helpdesk.export_ticket_events, start), helpdesk, sleep, "ticket_events"
            )
            comments = [c for event in page.events for c in event.comments]
            roles = _fetch_users(
                session, helpdesk, [c.author_id for c in comments if c.author_id], summary, sleep
            )
            touched: set[int] = set()
            moment = now()
            for event in page.events:
                for comment in event.comments:
                    _, new = mirror.upsert_comment(
                        session,
                        comment.id,
                        ticket_id=event.ticket_id,
                        author_id=comment.author_id,
                        author_role=roles.get(comment.author_id or -1),
                        public=comment.public,
                        body=comment.plain_body or comment.body,
                        created_at=comment.created_at or event.created_at or moment,
                        synced_at=moment,
                    )
                    if new:
                        touched.add(event.ticket_id)
                        summary.new_comments += 1
                    summary.comments += 1
            _settle_solved(session, page.events)
            _recompute(session, touched, moment, summary)
            end = page.end_time or start
            _save_cursor(
                session, EVENTS, moment, cursor=None if page.end_of_stream else mark, position=end
            )
            session.commit()
        pages += 1
        summary.pages += 1
        log.info(
            "sync stream=ticket_events page=%s events=%s comments=%s new=%s end_of_stream=%s",
            pages,
            len(page.events),
            len(comments),
            len(touched),
            page.end_of_stream,
        )
        if page.end_of_stream:
            return
        if end <= start:
            # A full page inside one second: the time-based export cannot move past it. Read the
            # comments of every ticket changed since then one ticket at a time, then go on.
            if not _catch_up_one_by_one(
                sessions, helpdesk, start, now=now, summary=summary, limit=fallback_limit,
                sleep=sleep, mark=mark,
            ):  # fmt: skip
                summary.stuck.append(f"{EVENTS} at {start.isoformat()}")
                log.warning("sync stream=ticket_events stuck start_time=%s", start.isoformat())
                return
            start = start + timedelta(seconds=1)
        else:
            start = end


def _solved_changes(events: Iterable[TicketEvent]) -> dict[int, datetime]:
    """Return, per ticket, when these audits last changed its status to solved (or closed)
    from an unsolved one; solved to closed is no new solve, and an import's Create is none."""
    found: dict[int, datetime] = {}
    for event in events:
        if event.created_at is None:
            continue
        for child in event.child_events:
            kind = child.get("event_type") or child.get("type")
            if kind != "Change" or child.get("field_name") != "status":
                continue
            value = str(child.get("value", child.get("status")) or "").lower()
            previous = str(child.get("previous_value") or "").lower()
            if value in mirror.SOLVED_STATUSES and previous not in mirror.SOLVED_STATUSES:
                found[event.ticket_id] = max(found.get(event.ticket_id, event.created_at),
                                             event.created_at)  # fmt: skip
    return found


def _settle_solved(session: Session, events: Iterable[TicketEvent]) -> None:
    """Give the page's tickets that have no metrics a solved time from what the audits show.

    A status change to solved is the time itself; a ticket solved without one (an import sets
    the status at creation) takes its last public comment's time (``estimate_solved``).
    Zendesk's metrics, when the ticket has them, win over both.
    """
    events = list(events)
    session.flush()
    for ticket_id, at in sorted(_solved_changes(events).items()):
        row = session.get(HelpdeskTicket, ticket_id)
        if row is not None and row.status in mirror.SOLVED_STATUSES:
            mirror.set_solved(row, at, "status")
    estimate_solved(session, {e.ticket_id for e in events})


def _provisional(session: Session) -> list[int]:
    """Return the solved tickets whose solved time is still their update time (a stand-in)."""
    return list(
        session.scalars(
            sa.select(HelpdeskTicket.id).where(
                HelpdeskTicket.status.in_(mirror.SOLVED_STATUSES),
                HelpdeskTicket.solved_at.is_not(None),
                sa.or_(HelpdeskTicket.solved_from.is_(None),
                       HelpdeskTicket.solved_from == "updated"),
            )
        )
    )  # fmt: skip


def _ours(body: str) -> bool:
    """Tell whether a comment ends with one of our markers (a packet note, a survey)."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    return bool(lines) and lines[-1].startswith(OUR_MARKERS)


def estimate_solved(session: Session, ticket_ids: Iterable[int]) -> int:
    """Set the solved time of solved tickets known only by estimate to their last public
    comment's time; return how many changed.

    Only tickets whose solved time came from nowhere better (no metrics, no status change) are
    touched. Our own comments (the packet note, the delayed survey) and the bot's are no part
    of the solve: comments by the users setup recorded as ours, or ending with our markers.
    """
    ids = sorted(set(ticket_ids))
    skip = objects.nonagent_user_ids(session)
    changed = 0
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = {
            t.id: t
            for t in session.scalars(
                sa.select(HelpdeskTicket).where(
                    HelpdeskTicket.id.in_(part),
                    HelpdeskTicket.status.in_(mirror.SOLVED_STATUSES),
                )
            )
            if mirror.solved_rank(t.solved_from if t.solved_at else None)
            <= mirror.solved_rank("comment")
        }
        if not rows:
            continue
        last: dict[int, datetime] = {}
        comments = session.execute(
            sa.select(HelpdeskComment.ticket_id, HelpdeskComment.created_at,
                      HelpdeskComment.author_id, HelpdeskComment.body)
            .where(HelpdeskComment.ticket_id.in_(list(rows)), HelpdeskComment.public.is_(True))
        )  # fmt: skip
        for ticket_id, created_at, author_id, body in comments:
            if author_id in skip or _ours(body or ""):
                continue
            if ticket_id not in last or created_at > last[ticket_id]:
                last[ticket_id] = created_at
        for ticket_id, at in last.items():
            row = rows[ticket_id]
            if (row.solved_at, row.solved_from) != (at, "comment"):
                mirror.set_solved(row, at, "comment")
                changed += 1
    if changed:
        session.flush()
    return changed


def _catch_up_one_by_one(
    sessions: sessionmaker[Session],
    helpdesk: Helpdesk,
    second: datetime,
    *,
    now: Callable[[], datetime],
    summary: SyncSummary,
    limit: int,
    sleep: Sleep = time.sleep,
    mark: str | None = None,
) -> bool:
    """Store the comments of every ticket changed since ``second`` and move the cursor past it.

    Every ticket with an audit in that second has ``updated_at`` at or after it (the ticket
    stream ran first), so this set covers the second; it costs one request per ticket and is
    refused (False) above ``limit`` tickets.
    """
    with sessions() as session:
        ids = list(
            session.scalars(
                sa.select(HelpdeskTicket.id)
                .where(HelpdeskTicket.updated_at >= second)
                .order_by(HelpdeskTicket.id)
                .limit(limit + 1)
            )
        )
        if len(ids) > limit:
            return False
        touched: set[int] = set()
        moment = now()
        for ticket_id in ids:
            if _read_ticket_comments(session, helpdesk, ticket_id, moment, summary, sleep):
                touched.add(ticket_id)
        estimate_solved(session, touched)
        _recompute(session, touched, moment, summary)
        _save_cursor(session, EVENTS, moment, cursor=mark, position=second + timedelta(seconds=1))
        session.commit()
    log.warning(
        "sync stream=ticket_events caught_up_one_by_one second=%s tickets=%s",
        second.isoformat(),
        len(ids),
    )
    return True


def sync_ratings(
    sessions: sessionmaker[Session],
    helpdesk: Helpdesk,
    *,
    now: Callable[[], datetime],
    since: datetime = EPOCH,
    summary: SyncSummary,
    lookback: timedelta = RATING_LOOKBACK,
    sleep: Sleep = time.sleep,
) -> None:
    """Pull satisfaction ratings created since the newest seen (minus the lookback)."""
    with sessions() as session:
        saved = get_cursor(session, RATINGS)
        resume = saved.cursor if saved is not None else None
        newest = saved.position if saved is not None and saved.position else None
    start = max(since, newest - lookback) if newest else since
    cursor: str | None = None
    if resume:
        # A page cursor only makes sense with the start time it was issued for: both are saved.
        stamp, _, cursor = resume.partition(":")
        start = datetime.fromtimestamp(int(stamp), UTC)
    while True:
        with sessions() as session:
            page = patiently(
                partial(helpdesk.satisfaction_ratings, start, cursor=cursor),
                helpdesk, sleep, "satisfaction_ratings",
            )  # fmt: skip
            for rating in page.items:
                if rating.ticket_id is None:
                    continue
                created = rating.created_at or now()
                mirror.upsert_rating(
                    session,
                    rating.id,
                    ticket_id=rating.ticket_id,
                    score=rating.score,
                    comment=rating.comment,
                    created_at=created,
                    updated_at=rating.updated_at or created,
                    synced_at=now(),
                )
                newest = max(newest, created) if newest else created
                summary.ratings += 1
            cursor = page.after_cursor if page.has_more else None
            # Mid-run the page cursor is kept (resume there); at the end only the newest time.
            saved_cursor = f"{int(start.timestamp())}:{cursor}" if cursor else None
            _save_cursor(session, RATINGS, now(), cursor=saved_cursor, position=newest)
            session.commit()
        summary.pages += 1
        if not page.has_more:
            return


def _calendar(value: Minutes | None) -> int | None:
    return None if value is None else value.calendar


def _metric_values(metric: TicketMetric) -> dict[str, Any]:
    return {
        "replies": metric.replies,
        "reopens": metric.reopens,
        "solved_at": metric.solved_at,
        "reply_time_minutes": _calendar(metric.reply_time),
        "full_resolution_time_minutes": _calendar(metric.full_resolution_time),
        "agent_wait_time_minutes": _calendar(metric.agent_wait_time),
        "requester_wait_time_minutes": _calendar(metric.requester_wait_time),
        "updated_at": metric.updated_at,
    }


def _store_metric(session: Session, metric: TicketMetric, summary: SyncSummary) -> None:
    mirror.upsert_metric(session, metric.ticket_id, _metric_values(metric))
    ticket = session.get(HelpdeskTicket, metric.ticket_id)
    if ticket is not None and metric.solved_at is not None:
        mirror.set_solved(ticket, metric.solved_at, "metrics")
    summary.metrics += 1


def sync_metrics(
    sessions: sessionmaker[Session],
    helpdesk: Helpdesk,
    *,
    now: Callable[[], datetime],
    summary: SyncSummary,
    changed: set[int] | None = None,
    sleep: Sleep = time.sleep,
) -> None:
    """Pull ticket metrics: the whole list (it has no time filter), resumable by cursor; or, when
    only ``changed`` tickets can have new metrics and asking for each costs fewer requests than
    the list, one request per changed ticket."""
    with sessions() as session:
        saved = get_cursor(session, METRICS)
        cursor = saved.cursor if saved is not None else None
        known = int(session.scalar(sa.select(sa.func.count()).select_from(HelpdeskTicket)) or 0)
    if cursor is None and changed is not None and len(changed) * 100 < known:
        with sessions() as session:
            for ticket_id in sorted(changed):
                try:
                    metric = patiently(
                        partial(helpdesk.ticket_metric, ticket_id),
                        helpdesk, sleep, "ticket_metric",
                    )  # fmt: skip
                except HelpdeskNotFound:
                    continue  # deleted since, imported (no metrics), or none yet
                _store_metric(session, metric, summary)
            _save_cursor(session, METRICS, now(), cursor=None, position=now())
            session.commit()
        return
    while True:
        with sessions() as session:
            page = patiently(
                partial(helpdesk.ticket_metrics, cursor=cursor),
                helpdesk, sleep, "ticket_metrics",
            )  # fmt: skip
            for metric in page.items:
                _store_metric(session, metric, summary)
            cursor = page.after_cursor if page.has_more else None
            _save_cursor(session, METRICS, now(), cursor=cursor, position=now())
            session.commit()
        summary.pages += 1
        if not page.has_more:
            return


def sync(
    sessions: sessionmaker[Session],
    helpdesk: Helpdesk,
    *,
    now: Callable[[], datetime],
    since: datetime = EPOCH,
    segments: SegmentSource | None = None,
    streams: Iterable[str] = DEFAULT_STREAMS,
    page_size: int | None = None,
    sleep: Sleep = time.sleep,
    unmeasured_since: datetime | None = None,
) -> SyncSummary:
    """Run the chosen streams in order (tickets, comments, ratings, metrics); return the counts.

    ``unmeasured_since``: tickets without metrics created before it have no comments read
    unless escalated (``handoff sync`` passes the baseline's start; None: all are read). A 429 anywhere is waited
    out (``sleep``) and the page asked again: the run never aborts.
    """
    chosen = set(streams)
    summary = SyncSummary()
    if TICKETS in chosen:
        sync_tickets(
            sessions,
            helpdesk,
            now=now,
            since=since,
            segments=segments,
            summary=summary,
            page_size=page_size,
            sleep=sleep,
        )
    if EVENTS in chosen:
        sync_comments(
            sessions,
            helpdesk,
            now=now,
            summary=summary,
            sleep=sleep,
            unmeasured_since=unmeasured_since,
        )
    if RATINGS in chosen:
        sync_ratings(sessions, helpdesk, now=now, since=since, summary=summary, sleep=sleep)
    if METRICS in chosen and TICKETS not in chosen:
        # With the ticket stream, metrics came side-loaded with the tickets (archived ones too);
        # alone, the metrics stream reads the listing.
        sync_metrics(sessions, helpdesk, now=now, summary=summary, sleep=sleep)
    log.info("sync done %s", " ".join(f"{k}={v}" for k, v in summary.as_dict().items()))
    return summary


def cursors(session: Session) -> list[Mapping[str, Any]]:
    """Return every stream's saved place (for ``handoff sync status``)."""
    return [
        {"name": c.name, "cursor": c.cursor, "position": c.position, "updated_at": c.updated_at}
        for c in session.scalars(sa.select(SyncCursor).order_by(SyncCursor.name))
    ]


def reset(session: Session, names: Iterable[str] = STREAMS) -> int:
    """Forget the saved places so the next sync starts again (rows are upserted, not duplicated)."""
    result = session.execute(sa.delete(SyncCursor).where(SyncCursor.name.in_(list(names))))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
