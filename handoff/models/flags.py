"""The agent's verdict on a packet: "had to re-ask" flags and "I read the packet" acknowledgements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base

SOURCE_SIDEBAR = "sidebar"
SOURCE_ZENDESK_FIELD = "zendesk_field"
SOURCES = (SOURCE_SIDEBAR, SOURCE_ZENDESK_FIELD)


class ReaskFlag(Base):
    """One "had to re-ask" flag on a ticket; clearing keeps the row, so history survives an undo.

    At most one flag per ticket is active at a time; setting it again after a clear adds a row.
    """

    __tablename__ = "reask_flags"
    __table_args__ = (
        # One active flag per ticket, even when two agents click at once.
        sa.Index(
            "uq_reask_flags_active_ticket",
            "ticket_id",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    # The packet the agent judged (None when the ticket has none, or the flag came from Zendesk).
    packet_id: Mapped[str | None] = mapped_column(sa.String(36))
    active: Mapped[bool]
    agent_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(16))
    missing_fields: Mapped[list[Any]]
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    cleared_by: Mapped[int | None] = mapped_column(sa.BigInteger)


class PacketAcknowledgement(Base):
    """An agent said "I read the packet": tells an unread packet from a poor one."""

    __tablename__ = "packet_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    packet_id: Mapped[str | None] = mapped_column(sa.String(36))
    agent_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(index=True)
