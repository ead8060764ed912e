"""repetition findings and detection runs

Revision ID: 0003_detection
Revises: 0001_foundation
Create Date: 2026-11-23 08:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import handoff.models.base

revision = "0003_detection"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("comment_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("cue", sa.String(length=80), nullable=False),
        sa.Column("matched_value", sa.Text(), nullable=True),
        sa.Column("agent_turn", sa.Integer(), nullable=True),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("detector_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_findings_detector_version"), ["detector_version"], unique=False
        )

    op.create_table(
        "detection_runs",
        sa.Column("ticket_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("detector_version", sa.String(length=32), nullable=False),
        sa.Column("repetition", sa.Boolean(), nullable=False),
        sa.Column("explicit_count", sa.Integer(), nullable=False),
        sa.Column("implicit_count", sa.Integer(), nullable=False),
        sa.Column("reask_count", sa.Integer(), nullable=False),
        sa.Column("computed_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_detection_runs")),
    )
    with op.batch_alter_table("detection_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detection_runs_detector_version"), ["detector_version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("detection_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detection_runs_detector_version"))
    op.drop_table("detection_runs")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_detector_version"))
        batch_op.drop_index(batch_op.f("ix_findings_ticket_id"))
    op.drop_table("findings")
