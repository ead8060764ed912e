"""What the bot sends us: handoff packets, bot conversations, and the tokens it authenticates with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base


class ApiToken(Base):
    """A bearer token for the bot's API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[Any]]
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class Packet(Base):
    """One handoff packet as the bot posted it, with the columns reports filter on."""

    __tablename__ = "packets"

    id: Mapped[int] = mapped_column(primary_key=True)
    packet_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    conversation_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    schema_version: Mapped[str] = mapped_column(sa.String(16))
    intent: Mapped[str] = mapped_column(sa.String(120), index=True)
    escalation_reason: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str | None] = mapped_column(sa.String(40))
    customer_key: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    completeness: Mapped[float]
    missing_fields: Mapped[list[Any]]
    body: Mapped[dict[str, Any]]
    body_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    received_at: Mapped[datetime]


class BotConversation(Base):
    """Every bot engagement, escalated or not: the denominator of deflection and containment."""

    __tablename__ = "bot_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(128), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    customer_key: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    channel: Mapped[str | None] = mapped_column(sa.String(40))
    intent: Mapped[str] = mapped_column(sa.String(120), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(16))
    model_csat: Mapped[float | None]
    bot_version: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    body: Mapped[dict[str, Any]]
    body_hash: Mapped[str] = mapped_column(sa.String(64))
    received_at: Mapped[datetime]
