"""metrics: index contact facts by their rollup key (week, intent, segment, channel, path)

The incremental refresh reads the facts of the rollup rows it recomputes; with the week alone
indexed it read every fact (a sequential scan at 1M). The new index leads with the week, so it
serves every lookup by week too, and replaces the week index.

Revision ID: 0013_contact_facts_key
Revises: 0012_outbox_kind_due
Create Date: 2026-12-06 06:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0013_contact_facts_key"
down_revision = "0012_outbox_kind_due"
branch_labels = None
depends_on = None

KEY = ["week", "intent", "segment", "channel", "path"]


def upgrade() -> None:
    op.create_index("ix_contact_facts_key", "contact_facts", KEY)
    op.drop_index("ix_contact_facts_week", table_name="contact_facts")


def downgrade() -> None:
    op.create_index("ix_contact_facts_week", "contact_facts", ["week"])
    op.drop_index("ix_contact_facts_key", table_name="contact_facts")
