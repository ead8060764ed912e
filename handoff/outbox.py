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
) -> OutboxItem:
    """Add a delivery to the outbox unless one with ``key`` exists; flush, never commit."""
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
    session.flush()
    return item
