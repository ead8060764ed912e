"""re-ask flags and packet acknowledgements

Revision ID: 0006_flags
Revises: 0001_foundation
Create Date: 2026-11-23 09:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import handoff.models.base

revision = "0006_flags"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "reask_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("packet_id", sa.String(length=36), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("agent_id", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("missing_fields", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("cleared_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.Column("cleared_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reask_flags")),
    )
    with op.batch_alter_table("reask_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reask_flags_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            "uq_reask_flags_active_ticket",
            ["ticket_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )
        batch_op.create_index(batch_op.f("ix_reask_flags_created_at"), ["created_at"], unique=False)

    op.create_table(
        "packet_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("packet_id", sa.String(length=36), nullable=True),
        sa.Column("agent_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packet_acknowledgements")),
    )
    with op.batch_alter_table("packet_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_packet_acknowledgements_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_packet_acknowledgements_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("packet_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packet_acknowledgements_created_at"))
        batch_op.drop_index(batch_op.f("ix_packet_acknowledgements_ticket_id"))
    op.drop_table("packet_acknowledgements")
    with op.batch_alter_table("reask_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reask_flags_created_at"))
        batch_op.drop_index("uq_reask_flags_active_ticket")
        batch_op.drop_index(batch_op.f("ix_reask_flags_ticket_id"))
    op.drop_table("reask_flags")
