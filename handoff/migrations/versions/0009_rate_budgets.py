"""request budgets shared between processes

Revision ID: 0009_rate_budgets
Revises: 0008_contact_truth
Create Date: 2026-12-05 08:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_rate_budgets"
down_revision = "0008_contact_truth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_budgets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_budgets")),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
