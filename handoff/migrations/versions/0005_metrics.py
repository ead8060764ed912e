"""metric facts, weekly rollups, refresh state, actions and delayed CSAT

Revision ID: 0005_metrics
Revises: 0001_foundation
Create Date: 2026-11-23 08:50:05.744319
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import handoff.models.base

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0005_metrics"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("trigger_key", sa.String(length=255), nullable=False),
        sa.Column("archetype", sa.String(length=120), nullable=True),
        sa.Column("intent", sa.String(length=120), nullable=True),
        sa.Column("window", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("opened_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("due_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("trigger_key", name="uq_actions_trigger_key"),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_status"), ["status"], unique=False)

    op.create_table(
        "contact_facts",
        sa.Column("contact_key", sa.String(length=160), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("conversation_id", sa.String(length=128), nullable=True),
        sa.Column("customer_key", sa.String(length=320), nullable=True),
        sa.Column("intent", sa.String(length=120), nullable=False),
        sa.Column("segment", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=16), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("started_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("handoff_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.Column("bot_handle_s", sa.Integer(), nullable=True),
        sa.Column("handle_s", sa.Integer(), nullable=True),
        sa.Column("first_reply_s", sa.Integer(), nullable=True),
        sa.Column("first_useful_reply_s", sa.Integer(), nullable=True),
        sa.Column("csat", sa.String(length=8), nullable=True),
        sa.Column("csat_offered", sa.Boolean(), nullable=False),
        sa.Column("delayed_csat", sa.String(length=8), nullable=True),
        sa.Column("delayed_sent", sa.Boolean(), nullable=False),
        sa.Column("model_csat", sa.Double(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("repeated", sa.Boolean(), nullable=False),
        sa.Column("reask_suggested", sa.Boolean(), nullable=False),
        sa.Column("packet_complete", sa.Boolean(), nullable=True),
        sa.Column(
            "missing_fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("repeat_24h", sa.Boolean(), nullable=False),
        sa.Column("repeat_7d", sa.Boolean(), nullable=False),
        sa.Column("repeat_30d", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("contact_key", name=op.f("pk_contact_facts")),
    )
    with op.batch_alter_table("contact_facts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_facts_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_facts_customer_key"), ["customer_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contact_facts_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_facts_week"), ["week"], unique=False)

    op.create_table(
        "delayed_csat",
        sa.Column("ticket_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("solved_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("sent_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("score", sa.String(length=8), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=True),
        sa.Column("answered_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_delayed_csat")),
    )
    with op.batch_alter_table("delayed_csat", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delayed_csat_answered_at"), ["answered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_delayed_csat_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "metric_rollups",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=120), nullable=False),
        sa.Column("segment", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=16), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.Column("engaged", sa.Integer(), nullable=False),
        sa.Column("ai_resolved", sa.Integer(), nullable=False),
        sa.Column("contained", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.Column("csat_good", sa.Integer(), nullable=False),
        sa.Column("csat_bad", sa.Integer(), nullable=False),
        sa.Column("csat_offered", sa.Integer(), nullable=False),
        sa.Column("dcsat_good", sa.Integer(), nullable=False),
        sa.Column("dcsat_bad", sa.Integer(), nullable=False),
        sa.Column("dcsat_sent", sa.Integer(), nullable=False),
        sa.Column("model_csat_sum", sa.Double(), nullable=False),
        sa.Column("model_csat_n", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("repeated", sa.Integer(), nullable=False),
        sa.Column("reask_suggested", sa.Integer(), nullable=False),
        sa.Column("packets", sa.Integer(), nullable=False),
        sa.Column("packets_complete", sa.Integer(), nullable=False),
        sa.Column("acknowledged", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("repeat_24h", sa.Integer(), nullable=False),
        sa.Column("repeat_7d", sa.Integer(), nullable=False),
        sa.Column("repeat_30d", sa.Integer(), nullable=False),
        sa.Column(
            "hist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "missing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("refreshed_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "week", "intent", "segment", "channel", "path", name=op.f("pk_metric_rollups")
        ),
    )
    op.create_table(
        "metric_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("cursor", handoff.models.base.UTCDateTime(), nullable=True),
        sa.Column("config_digest", sa.String(length=64), nullable=True),
        sa.Column("updated_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_metric_state")),
    )
    op.create_table(
        "action_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("closes", sa.Boolean(), nullable=False),
        sa.Column("created_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_decisions_action_id_actions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_decisions")),
    )
    with op.batch_alter_table("action_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_decisions_action_id"), ["action_id"], unique=False
        )
    op.create_table(
        "report_links",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("who", sa.String(length=320), nullable=False),
        sa.Column("created_at", handoff.models.base.UTCDateTime(), nullable=False),
        sa.Column("used_at", handoff.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_report_links")),
    )
    op.create_table(
        "metric_week_histograms",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=16), nullable=False),
        sa.Column("hist", JSON, nullable=False),
        sa.PrimaryKeyConstraint("week", "path", name=op.f("pk_metric_week_histograms")),
    )


def downgrade() -> None:
    op.drop_table("metric_week_histograms")
    op.drop_table("report_links")
    with op.batch_alter_table("action_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_decisions_action_id"))

    op.drop_table("action_decisions")
    op.drop_table("metric_state")
    op.drop_table("metric_rollups")
    with op.batch_alter_table("delayed_csat", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delayed_csat_sent_at"))
        batch_op.drop_index(batch_op.f("ix_delayed_csat_answered_at"))

    op.drop_table("delayed_csat")
    with op.batch_alter_table("contact_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_facts_week"))
        batch_op.drop_index(batch_op.f("ix_contact_facts_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_contact_facts_customer_key"))
        batch_op.drop_index(batch_op.f("ix_contact_facts_conversation_id"))

    op.drop_table("contact_facts")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_status"))

    op.drop_table("actions")
