"""Write what Zendesk tells us into the hd_* mirror: idempotent upserts shared by webhooks and sync.

Each function inserts or updates one row and flushes. An insert that loses a race with another
writer (webhook and sync at once) falls back to updating the row the other one made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.models.base import MAX_BIGINT
from handoff.models.helpdesk import (
    HelpdeskComment,
    HelpdeskTicket,
    HelpdeskUser,
    SatisfactionRating,
    TicketMetric,
)

M = TypeVar("M")
STAFF_ROLES = ("agent", "admin")
SOLVED_STATUSES = ("solved", "closed")
# Where a ticket's solved time came from, worst first. Zendesk's ticket metrics carry the exact
# one; tickets without metrics (imported ones have none) take it from a status change to solved
# (a webhook or an audit), else from their last public comment, else, for now, their update
# time (which our own note moves to "now", so only until a better source is read).
SOLVED_FROM = ("updated", "comment", "status", "metrics")


def solved_rank(source: str | None) -> int:
    """Rank a solved-time source (an unknown or unrecorded one is the worst)."""
    return SOLVED_FROM.index(source) if source in SOLVED_FROM else 0


def set_solved(row: HelpdeskTicket, at: datetime, source: str) -> bool:
    """Set the ticket's solved time from ``source`` unless a better source set it; True if set."""
    if row.solved_at is not None and solved_rank(source) < solved_rank(row.solved_from):
        return False
    row.solved_at, row.solved_from = at, source
    return True


def parse_time(value: Any) -> datetime | None:
    """Parse Zendesk's ISO 8601 timestamps (or pass a datetime through) as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.isdigit():
        try:
            return datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError):  # beyond the calendar: not a time
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def as_int(value: Any) -> int | None:
    """Read an id Zendesk may send as a number or a string; None unless it fits a 64-bit column."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value.strip()) > 20:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if -MAX_BIGINT - 1 <= number <= MAX_BIGINT else None


def _upsert(
    session: Session,
    model: type[M],
    key: Any,
    create: Callable[[], M],
    update: Callable[[M], None],
    synced_at: datetime | None = None,
) -> M:
    """Insert or update one row and stamp when we stored it (``synced_at``, our clock).

    The stamp is what a metrics refresh looks for, so a row that reaches us late (a slow sync, a
    late webhook) is rebuilt however old its helpdesk timestamps are. Callers pass their clock;
    without one the wall clock is used.
    """
    stamp = synced_at or datetime.now(UTC)

    def stamped_create() -> M:
        made = create()
        made.synced_at = stamp  # type: ignore[attr-defined]
        return made

    def stamped_update(existing: M) -> None:
        update(existing)
        existing.synced_at = stamp  # type: ignore[attr-defined]

    row = session.get(model, key)
    if row is None:
        row = stamped_create()
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            row = session.get(model, key, populate_existing=True)
            assert row is not None
    stamped_update(row)
    session.flush()
    return row


def upsert_user(
    session: Session,
    user_id: int,
    *,
    role: str | None = None,
    name: str | None = None,
    email: str | None = None,
    organization_id: int | None = None,
    updated_at: datetime | None = None,
    staff: bool | None = None,
    external_id: str | None = None,
    synced_at: datetime | None = None,
) -> HelpdeskUser:
    """Store a user; ``staff`` alone (from a webhook) keeps a known agent/admin role as it is."""

    def resolved(current: str | None) -> str:
        if role:
            return role
        if staff is True:
            return current if current in STAFF_ROLES else "agent"
        if staff is False:
            return "end-user"
        return current or "end-user"

    def create() -> HelpdeskUser:
        return HelpdeskUser(
            id=user_id,
            name=name,
            email=email,
            external_id=external_id,
            role=resolved(None),
            organization_id=organization_id,
            updated_at=updated_at,
        )

    def update(row: HelpdeskUser) -> None:
        row.role = resolved(row.role)
        row.name = name or row.name
        row.email = email or row.email
        row.external_id = external_id or row.external_id
        row.organization_id = organization_id or row.organization_id
        row.updated_at = updated_at or row.updated_at

    return _upsert(session, HelpdeskUser, user_id, create, update, synced_at)


def upsert_ticket(
    session: Session,
    ticket_id: int,
    values: Mapping[str, Any],
    *,
    seen_at: datetime,
    synced_at: datetime | None = None,
) -> HelpdeskTicket:
    """Store a ticket's fields; keys absent from ``values`` keep what the row has."""
    allowed = {
        "subject",
        "status",
        "channel",
        "requester_id",
        "assignee_id",
        "organization_id",
        "group_id",
        "segment",
        "tags",
        "custom_fields",
        "created_at",
        "updated_at",
        "solved_at",
        "solved_from",
        "comment_count",
    }
    given = {k: v for k, v in values.items() if k in allowed}

    def create() -> HelpdeskTicket:
        return HelpdeskTicket(
            id=ticket_id,
            subject=given.get("subject"),
            status=given.get("status") or "open",
            channel=given.get("channel"),
            requester_id=given.get("requester_id"),
            assignee_id=given.get("assignee_id"),
            organization_id=given.get("organization_id"),
            group_id=given.get("group_id"),
            segment=given.get("segment"),
            tags=list(given.get("tags") or []),
            custom_fields=list(given.get("custom_fields") or []),
            created_at=given.get("created_at") or seen_at,
            updated_at=given.get("updated_at") or seen_at,
            solved_at=given.get("solved_at"),
            solved_from=given.get("solved_from"),
            comment_count=given.get("comment_count"),
        )

    def update(row: HelpdeskTicket) -> None:
        for name, value in given.items():
            if name in ("created_at", "updated_at", "status") and value is None:
                continue
            setattr(row, name, list(value) if name in ("tags", "custom_fields") else value)

    return _upsert(session, HelpdeskTicket, ticket_id, create, update, synced_at)


def upsert_comment(
    session: Session,
    comment_id: int,
    *,
    ticket_id: int,
    author_id: int | None,
    author_role: str | None,
    public: bool,
    body: str,
    created_at: datetime,
    synced_at: datetime | None = None,
) -> tuple[HelpdeskComment, bool]:
    """Store a comment once; return it and whether it is new."""
    existed = session.get(HelpdeskComment, comment_id) is not None

    def create() -> HelpdeskComment:
        return HelpdeskComment(
            id=comment_id,
            ticket_id=ticket_id,
            author_id=author_id,
            author_role=author_role,
            public=public,
            body=body,
            created_at=created_at,
        )

    def update(row: HelpdeskComment) -> None:
        row.author_role = author_role or row.author_role
        row.body = body or row.body
        row.public = public

    row = _upsert(session, HelpdeskComment, comment_id, create, update, synced_at)
    return row, not existed


def upsert_rating(
    session: Session,
    rating_id: int,
    *,
    ticket_id: int,
    score: str,
    comment: str | None,
    created_at: datetime,
    updated_at: datetime,
    synced_at: datetime | None = None,
) -> SatisfactionRating:
    """Store a satisfaction rating (its score may change from offered to good or bad)."""

    def create() -> SatisfactionRating:
        return SatisfactionRating(
            id=rating_id,
            ticket_id=ticket_id,
            score=score,
            comment=comment,
            created_at=created_at,
            updated_at=updated_at,
        )

    def update(row: SatisfactionRating) -> None:
        row.ticket_id, row.score, row.comment, row.updated_at = (
            ticket_id,
            score,
            comment,
            updated_at,
        )

    return _upsert(session, SatisfactionRating, rating_id, create, update, synced_at)


def upsert_metric(
    session: Session,
    ticket_id: int,
    values: Mapping[str, Any],
    synced_at: datetime | None = None,
) -> TicketMetric:
    """Store one ticket's metrics."""

    def create() -> TicketMetric:
        return TicketMetric(ticket_id=ticket_id, **values)

    def update(row: TicketMetric) -> None:
        for name, value in values.items():
            setattr(row, name, value)

    return _upsert(session, TicketMetric, ticket_id, create, update, synced_at)


def set_ticket_status(
    session: Session, ticket_id: int, status: str, *, at: datetime
) -> HelpdeskTicket:
    """Record a status change; solving stamps ``solved_at``, reopening clears it."""
    row = upsert_ticket(session, ticket_id, {"status": status, "updated_at": at}, seen_at=at)
    if status in SOLVED_STATUSES:
        if row.solved_at is None:
            row.solved_at, row.solved_from = at, "status"
    else:
        row.solved_at, row.solved_from = None, None
    session.flush()
    return row


def set_custom_field(
    session: Session, ticket_id: int, field_id: int, value: Any, synced_at: datetime | None = None
) -> None:
    """Record one custom field's value in the mirrored ticket's ``custom_fields`` list."""
    row = session.get(HelpdeskTicket, ticket_id)
    if row is None:
        return
    fields = [f for f in row.custom_fields if as_int(f.get("id")) != field_id]
    fields.append({"id": field_id, "value": value})
    row.custom_fields = sorted(fields, key=lambda f: as_int(f.get("id")) or 0)
    row.synced_at = synced_at or datetime.now(UTC)
    session.flush()
