"""Zendesk ids from setup, the webhook inbox, seen webhook signatures and sync cursors

Revision ID: 0002_delivery
Revises: 0001_foundation
Create Date: 2026-11-23 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import handoff.models.base

revision = "0002_delivery"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "helpdesk_fields",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("zendesk_id", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("updated_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_helpdesk_fields")),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signed_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("received_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("processed_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_webhook_events_event_id")),
    )
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_events_due", ["status", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_events_ticket_id"), ["ticket_id"], unique=False
        )
    op.create_table(
        "webhook_signatures",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_webhook_signatures")),
    )
    with op.batch_alter_table("webhook_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_signatures_received_at"), ["received_at"], unique=False
        )
    op.create_table(
        "sync_cursors",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("position", handoff.models.base.UTCDateTime(), nullable=True),
        sa.Column("updated_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_cursors")),
    )


def downgrade() -> None:
    op.drop_table("sync_cursors")
    with op.batch_alter_table("webhook_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_signatures_received_at"))
    op.drop_table("webhook_signatures")
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_events_ticket_id"))
        batch_op.drop_index("ix_webhook_events_due")
    op.drop_table("webhook_events")
    op.drop_table("helpdesk_fields")
