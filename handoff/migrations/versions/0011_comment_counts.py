"""hd_tickets: the comment count sync has stored and where a ticket's solved time came from

Revision ID: 0011_comment_counts
Revises: 0010_browser_sessions
Create Date: 2026-12-06 00:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_comment_counts"
down_revision = "0010_browser_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hd_tickets") as batch:
        batch.add_column(sa.Column("comment_count", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("solved_from", sa.String(length=16), nullable=True))
    # What sync already holds counts as read: only comments beyond it are asked for again.
    op.execute(
        "UPDATE hd_tickets SET comment_count = "
        "(SELECT count(*) FROM hd_comments WHERE hd_comments.ticket_id = hd_tickets.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("hd_tickets") as batch:
        batch.drop_column("solved_from")
        batch.drop_column("comment_count")
