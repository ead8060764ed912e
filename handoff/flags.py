"""The agent's verdict on a packet: "had to re-ask" flags and "I read the packet" acknowledgements.

One truth, two ways in: the sidebar sets and clears flags here and queues a mirror to the
ticket's checkbox field and tag; a change made in Zendesk's own field arrives through the
webhook as ``record_flag_from_helpdesk`` and is never mirrored back (no echo loop).

Functions add and flush; the caller (view, webhook, CLI) commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.errors import ValidationFailed
from handoff.models.flags import (
    SOURCE_SIDEBAR,
    SOURCE_ZENDESK_FIELD,
    PacketAcknowledgement,
    ReaskFlag,
)
from handoff.models.packets import Packet
from handoff.outbox import enqueue
from handoff.packets import latest_packet_for_ticket

MIRROR_KIND = "reask_flag"
NOTE_MAX_CHARS = 2000

# The packet sections an agent can mark as missing or wrong, in the order the sidebar shows them.
PACKET_SECTIONS: tuple[tuple[str, str], ...] = (
    ("escalation", "Escalation reason"),
    ("intent", "What the bot was trying to do"),
    ("summary", "Summary"),
    ("sentiment", "Sentiment and frustration"),
    ("identifiers", "Details the customer gave"),
    ("account_state", "Account state"),
    ("prior_actions", "What the bot tried"),
    ("policy_citations", "Policy statements"),
    ("transcript", "Transcript"),
    ("customer", "Customer"),
)
SECTION_NAMES = frozenset(name for name, _ in PACKET_SECTIONS)


def mirror_key(ticket_id: int, flag_id: int, action: str) -> str:
    """Return the outbox idempotency key of one flag's set or clear mirror."""
    return f"{MIRROR_KIND}:{ticket_id}:{flag_id}:{action}"


def _latest_packet_id(session: Session, ticket_id: int) -> str | None:
    """Return the packet_id of the ticket's newest packet, or None."""
    packet = latest_packet_for_ticket(session, ticket_id)
    return packet.packet_id if packet is not None else None


def _clean_fields(fields: Iterable[str]) -> list[str]:
    """Validate section names and return them deduplicated in the sidebar's order."""
    given = list(fields)
    unknown = sorted({f for f in given if f not in SECTION_NAMES})
    if unknown:
        raise ValidationFailed(
            "unknown packet section",
            details=[
                {"path": "missing_fields", "message": f"unknown section {f!r}"} for f in unknown
            ],
        )
    chosen = set(given)
    return [name for name, _ in PACKET_SECTIONS if name in chosen]


def _clean_note(note: str | None) -> str | None:
    """Strip a note; refuse one longer than NOTE_MAX_CHARS; an empty note is None."""
    if note is None:
        return None
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationFailed(
            "note too long",
            details=[{"path": "note", "message": f"at most {NOTE_MAX_CHARS} characters"}],
        )
    return note or None


def active_flag(session: Session, ticket_id: int) -> ReaskFlag | None:
    """Return the ticket's active "had to re-ask" flag, or None."""
    return session.scalar(
        sa.select(ReaskFlag).where(ReaskFlag.ticket_id == ticket_id, ReaskFlag.active.is_(True))
    )


def _add_active(session: Session, flag: ReaskFlag) -> ReaskFlag | None:
    """Insert an active flag; return None when another one won a race for the same ticket."""
    try:
        with session.begin_nested():
            session.add(flag)
            session.flush()
    except IntegrityError:
        return None
    return flag


def set_flag(
    session: Session,
    *,
    ticket_id: int,
    agent_id: int | None,
    now: datetime,
    missing_fields: Sequence[str] | None = None,
    note: str | None = None,
) -> ReaskFlag:
    """Flag that the agent had to re-ask, or update the active flag's details; queue the mirror.

    ``missing_fields``/``note`` left as None keep what an active flag already holds.
    """
    fields = _clean_fields(missing_fields) if missing_fields is not None else None
    cleaned_note = _clean_note(note)
    flag = active_flag(session, ticket_id)
    if flag is None:
        candidate = ReaskFlag(
            ticket_id=ticket_id,
            packet_id=_latest_packet_id(session, ticket_id),
            active=True,
            agent_id=agent_id,
            source=SOURCE_SIDEBAR,
            missing_fields=fields or [],
            note=cleaned_note,
            created_at=now,
            updated_at=now,
        )
        added = _add_active(session, candidate)
        if added is not None:
            enqueue(
                session,
                kind=MIRROR_KIND,
                key=mirror_key(ticket_id, added.id, "set"),
                payload={"ticket_id": ticket_id, "value": True},
                now=now,
                ticket_id=ticket_id,
            )
            return added
        flag = active_flag(session, ticket_id)
        assert flag is not None  # the unique index said one exists
    if fields is not None:
        flag.missing_fields = fields
    if note is not None:
        flag.note = cleaned_note
    flag.updated_at = now
    session.flush()
    return flag


def clear_flag(
    session: Session, *, ticket_id: int, agent_id: int | None, now: datetime
) -> ReaskFlag | None:
    """Undo the ticket's active flag and queue the mirror; None when nothing was flagged."""
    flag = active_flag(session, ticket_id)
    if flag is None:
        return None
    _clear(flag, agent_id, now)
    session.flush()
    enqueue(
        session,
        kind=MIRROR_KIND,
        key=mirror_key(ticket_id, flag.id, "clear"),
        payload={"ticket_id": ticket_id, "value": False},
        now=now,
        ticket_id=ticket_id,
    )
    return flag


def _clear(flag: ReaskFlag, agent_id: int | None, now: datetime) -> None:
    flag.active = False
    flag.cleared_at = now
    flag.cleared_by = agent_id
    flag.updated_at = now


def record_flag_from_helpdesk(
    session: Session, *, ticket_id: int, value: bool, agent_id: int | None, now: datetime
) -> None:
    """Record the ticket's "had to re-ask" checkbox as Zendesk reports it; never mirror it back.

    The echo of our own mirror finds the state already equal and changes nothing.
    """
    flag = active_flag(session, ticket_id)
    if value and flag is None:
        _add_active(
            session,
            ReaskFlag(
                ticket_id=ticket_id,
                packet_id=_latest_packet_id(session, ticket_id),
                active=True,
                agent_id=agent_id,
                source=SOURCE_ZENDESK_FIELD,
                missing_fields=[],
                note=None,
                created_at=now,
                updated_at=now,
            ),
        )
    elif not value and flag is not None:
        _clear(flag, agent_id, now)
        session.flush()


def acknowledge(
    session: Session, *, ticket_id: int, agent_id: int | None, now: datetime
) -> PacketAcknowledgement:
    """Record that the agent read the ticket's packet; once per agent and packet."""
    packet_id = _latest_packet_id(session, ticket_id)
    existing = session.scalar(
        sa.select(PacketAcknowledgement)
        .where(
            PacketAcknowledgement.ticket_id == ticket_id,
            _equal_or_both_null(PacketAcknowledgement.packet_id, packet_id),
            _equal_or_both_null(PacketAcknowledgement.agent_id, agent_id),
        )
        .limit(1)
    )
    if existing is not None:
        return existing
    ack = PacketAcknowledgement(
        ticket_id=ticket_id, packet_id=packet_id, agent_id=agent_id, created_at=now
    )
    session.add(ack)
    session.flush()
    return ack


def _equal_or_both_null(column: Any, value: object) -> sa.ColumnElement[bool]:
    condition: sa.ColumnElement[bool] = column.is_(None) if value is None else column == value
    return condition


# --- queries for the sidebar and the metrics ------------------------------------------------


def flags_for_ticket(session: Session, ticket_id: int) -> list[ReaskFlag]:
    """Return every flag the ticket ever had, newest first (cleared ones included)."""
    return list(
        session.scalars(
            sa.select(ReaskFlag)
            .where(ReaskFlag.ticket_id == ticket_id)
            .order_by(ReaskFlag.created_at.desc(), ReaskFlag.id.desc())
        )
    )


def acknowledgement(
    session: Session, ticket_id: int, agent_id: int | None = None, *, packet: Packet | None = None
) -> PacketAcknowledgement | None:
    """Return the first acknowledgement of the ticket's latest packet (by ``agent_id`` if given).

    A caller that already read the latest packet passes it as ``packet`` to spare a second query.
    """
    packet_id = packet.packet_id if packet is not None else _latest_packet_id(session, ticket_id)
    query = sa.select(PacketAcknowledgement).where(
        PacketAcknowledgement.ticket_id == ticket_id,
        _equal_or_both_null(PacketAcknowledgement.packet_id, packet_id),
    )
    if agent_id is not None:
        query = query.where(PacketAcknowledgement.agent_id == agent_id)
    return session.scalar(query.order_by(PacketAcknowledgement.created_at).limit(1))


def _between(
    column: Any, since: datetime | None, until: datetime | None
) -> list[sa.ColumnElement[bool]]:
    conditions = []
    if since is not None:
        conditions.append(column >= since)
    if until is not None:
        conditions.append(column < until)
    return conditions


def flagged_ticket_ids(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> set[int]:
    """Return the tickets flagged "had to re-ask" now, by when the flag was set ([since, until))."""
    query = sa.select(ReaskFlag.ticket_id).where(
        ReaskFlag.active.is_(True), *_between(ReaskFlag.created_at, since, until)
    )
    return {int(t) for t in session.scalars(query)}


def flags_per_ticket(
    session: Session, *, include_cleared: bool = False, ticket_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Count flags per ticket: active ones only (0 or 1), or every flag ever set."""
    query = sa.select(ReaskFlag.ticket_id, sa.func.count()).group_by(ReaskFlag.ticket_id)
    if not include_cleared:
        query = query.where(ReaskFlag.active.is_(True))
    if ticket_ids is not None:
        query = query.where(ReaskFlag.ticket_id.in_(list(ticket_ids)))
    return {int(ticket): int(count) for ticket, count in session.execute(query)}


def acknowledged_ticket_ids(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> set[int]:
    """Return the tickets whose packet some agent acknowledged reading ([since, until))."""
    query = sa.select(PacketAcknowledgement.ticket_id).where(
        *_between(PacketAcknowledgement.created_at, since, until)
    )
    return {int(t) for t in session.scalars(query)}


def missing_field_counts(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Count how often each packet section was marked missing or wrong on active flags."""
    counts: Counter[str] = Counter()
    query = sa.select(ReaskFlag.missing_fields).where(
        ReaskFlag.active.is_(True), *_between(ReaskFlag.created_at, since, until)
    )
    for fields in session.scalars(query):
        counts.update(fields or [])
    return {name: counts[name] for name, _ in PACKET_SECTIONS if counts[name]}
