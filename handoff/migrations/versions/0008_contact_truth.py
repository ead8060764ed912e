"""metrics: contacts linked by every id, customer identity, packet counts, refusals, arrival stamps

Contact facts and rollups are derived data: they are emptied and the refresh state dropped, so
the next refresh rebuilds them in full with the new columns.

Revision ID: 0008_contact_truth
Revises: 0007_merge_areas
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import handoff.models.base

revision = "0008_contact_truth"
down_revision = "0007_merge_areas"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
DERIVED = ("metric_week_histograms", "metric_rollups", "contact_facts", "metric_state")
STAMPED = ("hd_tickets", "hd_comments", "hd_satisfaction_ratings", "hd_ticket_metrics", "hd_users")


def upgrade() -> None:
    for table in DERIVED:
        op.execute(sa.table(table).delete())
    with op.batch_alter_table("contact_facts") as batch:
        batch.add_column(sa.Column("customer_email", sa.String(length=320), nullable=True))
        batch.create_index(batch.f("ix_contact_facts_customer_email"), ["customer_email"])
        batch.drop_column("packet_complete")
        batch.add_column(sa.Column("packets", sa.Integer(), nullable=False))
        batch.add_column(sa.Column("packets_complete", sa.Integer(), nullable=False))
        batch.add_column(sa.Column("refused_valid", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("tools", JSON, nullable=False))
        batch.add_column(sa.Column("model_csat_n", sa.Integer(), nullable=False))
    with op.batch_alter_table("metric_rollups") as batch:
        batch.add_column(sa.Column("refused_valid", sa.Integer(), nullable=False))
        batch.add_column(sa.Column("refusals_judged", sa.Integer(), nullable=False))
    with op.batch_alter_table("hd_users") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch.create_index(batch.f("ix_hd_users_external_id"), ["external_id"])
    with op.batch_alter_table("delayed_csat") as batch:
        batch.add_column(sa.Column("recorded_at", handoff.models.base.UTCDateTime(), nullable=True))
        batch.create_index(batch.f("ix_delayed_csat_recorded_at"), ["recorded_at"])
    for table in STAMPED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("synced_at", handoff.models.base.UTCDateTime(), nullable=True)
            )
            batch.create_index(batch.f(f"ix_{table}_synced_at"), ["synced_at"])


def downgrade() -> None:
    for table in DERIVED:
        op.execute(sa.table(table).delete())
    with op.batch_alter_table("delayed_csat") as batch:
        batch.drop_index(batch.f("ix_delayed_csat_recorded_at"))
        batch.drop_column("recorded_at")
    for table in STAMPED:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_synced_at"))
            batch.drop_column("synced_at")
    with op.batch_alter_table("hd_users") as batch:
        batch.drop_index(batch.f("ix_hd_users_external_id"))
        batch.drop_column("external_id")
    with op.batch_alter_table("metric_rollups") as batch:
        batch.drop_column("refusals_judged")
        batch.drop_column("refused_valid")
    with op.batch_alter_table("contact_facts") as batch:
        batch.drop_column("model_csat_n")
        batch.drop_column("tools")
        batch.drop_column("refused_valid")
        batch.drop_column("packets_complete")
        batch.drop_column("packets")
        batch.add_column(sa.Column("packet_complete", sa.Boolean(), nullable=True))
        batch.drop_index(batch.f("ix_contact_facts_customer_email"))
        batch.drop_column("customer_email")
