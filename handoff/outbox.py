"""Queue writes to the helpdesk in the caller's transaction; the worker delivers them later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.models.delivery import PENDING, OutboxItem


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
    item = OutboxItem(
        kind=kind,
        key=key,
        ticket_id=ticket_id,
        payload=payload,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    if flush:
        session.flush()
    return item
