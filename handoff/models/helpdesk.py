"""Our mirror of the helpdesk: tickets, comments, users, ratings and metrics, filled by sync and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base


class HelpdeskUser(Base):
    """A helpdesk user; ``role`` tells a customer (end-user) from an agent or admin."""

    __tablename__ = "hd_users"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    organization_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    updated_at: Mapped[datetime | None]
    synced_at: Mapped[datetime | None] = mapped_column(index=True)


class HelpdeskTicket(Base):
    """A helpdesk ticket as last synced."""

    __tablename__ = "hd_tickets"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    subject: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[str | None] = mapped_column(sa.String(40))
    requester_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    organization_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    group_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    segment: Mapped[str | None] = mapped_column(sa.String(80))
    tags: Mapped[list[Any]]
    custom_fields: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    solved_at: Mapped[datetime | None]
    # Where ``solved_at`` came from (``SOLVED_FROM`` in handoff.delivery.mirror): Zendesk's
    # metrics, a status change (webhook or audit), or, for tickets without metrics (imported
    # ones), an estimate from the comments or the ticket's update time, which a better source
    # replaces.
    solved_from: Mapped[str | None] = mapped_column(sa.String(16))
    # How many comments Zendesk says the ticket has (the export's ``comment_count`` side-load):
    # sync reads a ticket's comments only while fewer than this are stored.
    comment_count: Mapped[int | None]
    # When we last stored the row (our clock): what changed since a refresh, however late it came.
    synced_at: Mapped[datetime | None] = mapped_column(index=True)


class HelpdeskComment(Base):
    """A ticket comment; ``author_role`` is the author's role when the comment was stored."""

    __tablename__ = "hd_comments"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    author_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    author_role: Mapped[str | None] = mapped_column(sa.String(16))
    public: Mapped[bool]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    # When we last stored the row (our clock): what changed since a refresh, however late it came.
    synced_at: Mapped[datetime | None] = mapped_column(index=True)


class SatisfactionRating(Base):
    """A Zendesk satisfaction rating: the resolution CSAT source."""

    __tablename__ = "hd_satisfaction_ratings"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    score: Mapped[str] = mapped_column(sa.String(32))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When we last stored the row (our clock): what changed since a refresh, however late it came.
    synced_at: Mapped[datetime | None] = mapped_column(index=True)


class TicketMetric(Base):
    """Zendesk's ticket metrics, one row per ticket; times in calendar minutes."""

    __tablename__ = "hd_ticket_metrics"

    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    replies: Mapped[int | None]
    reopens: Mapped[int | None]
    solved_at: Mapped[datetime | None]
    reply_time_minutes: Mapped[int | None]
    full_resolution_time_minutes: Mapped[int | None]
    agent_wait_time_minutes: Mapped[int | None]
    requester_wait_time_minutes: Mapped[int | None]
    updated_at: Mapped[datetime | None]
    # When we last stored the row (our clock): what changed since a refresh, however late it came.
    synced_at: Mapped[datetime | None] = mapped_column(index=True)
