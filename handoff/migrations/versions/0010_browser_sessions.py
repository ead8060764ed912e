"""browser sessions kept in the database, so they can be revoked

Revision ID: 0010_browser_sessions
Revises: 0009_rate_budgets
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import handoff.models.base

revision = "0010_browser_sessions"
down_revision = "0009_rate_budgets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "browser_sessions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("who", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_browser_sessions")),
    )
    op.create_index("ix_browser_sessions_who", "browser_sessions", ["who"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_browser_sessions_who", table_name="browser_sessions")
    op.drop_table("browser_sessions")
