"""Join the areas' branches into one head; widen rating scores for good_with_comment.

Revision ID: 0007_merge_areas
Revises: 0002_delivery, 0003_detection, 0004_policy, 0005_metrics, 0006_flags
Create Date: 2026-11-23 10:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_merge_areas"
down_revision = ("0002_delivery", "0003_detection", "0004_policy", "0005_metrics", "0006_flags")
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Zendesk scores include good_with_comment / bad_with_comment (17 characters).
    with op.batch_alter_table("hd_satisfaction_ratings") as batch:
        batch.alter_column(
            "score", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hd_satisfaction_ratings") as batch:
        batch.alter_column(
            "score", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False
        )
