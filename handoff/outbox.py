"""Queue writes to the helpdesk in the caller's transaction; the worker delivers them later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.models.delivery import PENDING, OutboxItem


@dataclass(frozen=True)
class Queued:
    """One write to queue beside a new row whose id makes ``key`` new (no lookup needed)."""

    kind: str
    key: str
    payload: dict[str, Any]
    ticket_id: int | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        """Return the outbox row's column values, due ``now``."""
        return {
            "kind": self.kind,
            "key": self.key,
            "ticket_id": self.ticket_id,
            "payload": self.payload,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }


def insert_new(db: Session | sa.Connection, queued: Sequence[Queued], now: datetime) -> None:
    """Write ``queued`` in one multi-row INSERT, without lookups; the unique key refuses a twin."""
    if queued:
        db.execute(sa.insert(OutboxItem).values([q.row(now) for q in queued]))


def enqueue(
    session: Session,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
    ticket_id: int | None = None,
    known_new: bool = False,
    flush: bool = True,
) -> OutboxItem:
    """Add a delivery to the outbox unless one with ``key`` exists; flush, never commit.

    ``known_new`` skips the lookup when the caller just created what ``key`` names (a new
    packet's id cannot have an item yet; the unique key still refuses a duplicate).
    """
    if not known_new:
        existing = session.scalar(sa.select(OutboxItem).where(OutboxItem.key == key))
        if existing is not None:
            return existing
    item = OutboxItem(**Queued(kind, key, payload, ticket_id).row(now))
    session.add(item)
    if flush:
        session.flush()
    return item
