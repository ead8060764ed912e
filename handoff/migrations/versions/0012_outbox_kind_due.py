"""outbox: an index for claims limited to some kinds (``handoff worker run --kinds``)

Revision ID: 0012_outbox_kind_due
Revises: 0011_comment_counts
Create Date: 2026-12-06 00:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0012_outbox_kind_due"
down_revision = "0011_comment_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_kind_due", "outbox", ["kind", "status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_kind_due", table_name="outbox")
