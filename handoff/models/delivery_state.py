"""What delivery, webhooks and sync remember: Zendesk ids we created, the webhook inbox, sync cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base

INBOX_PENDING, INBOX_PROCESSED, INBOX_FAILED = "pending", "processed", "failed"


class HelpdeskObject(Base):
    """A Zendesk object ``handoff zendesk setup`` made or found: ``key`` -> its Zendesk id.

    Keys: ``field:intent``, ``field:archetype``, ``field:escalation_reason``,
    ``field:completeness``, ``field:reask``, ``webhook``, ``trigger:<name>``. Only the webhook
    row carries ``secret`` (its signing secret, sealed by ``handoff.sealed``); it is never
    logged or serialized.
    """

    __tablename__ = "helpdesk_fields"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    zendesk_id: Mapped[str] = mapped_column(sa.String(64))
    secret: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class WebhookEvent(Base):
    """One webhook request Zendesk signed, stored raw before anything else is done with it.

    ``event_id`` is Zendesk's event id (or a digest of a trigger body without one): a retried
    event is stored once. Replays of a signed request are refused through ``SeenSignature``.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (sa.Index("ix_webhook_events_due", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(120))
    ticket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    signed_at: Mapped[datetime]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(16))
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    processed_at: Mapped[datetime | None]


class SeenSignature(Base):
    """A signed webhook request already received (kept for the skew window), to refuse replays."""

    __tablename__ = "webhook_signatures"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class SyncCursor(Base):
    """Where one stream of the history sync resumes; written in the commit of the rows it covers."""

    __tablename__ = "sync_cursors"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(sa.Text)
    position: Mapped[datetime | None]
    updated_at: Mapped[datetime]
