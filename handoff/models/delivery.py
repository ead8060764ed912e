"""The outbox: every write to the helpdesk is queued here in the same transaction as its cause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base

PENDING, IN_PROGRESS, DELIVERED, FAILED = "pending", "in_progress", "delivered", "failed"


class OutboxItem(Base):
    """One pending write to the helpdesk; ``key`` makes enqueueing idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        # Claims limited to some kinds (a worker for policy checks only) read this one.
        sa.Index("ix_outbox_kind_due", "kind", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(sa.String(120))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
