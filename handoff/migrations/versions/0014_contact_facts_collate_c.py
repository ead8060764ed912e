"""metrics: contact facts' identity columns compare by code point on PostgreSQL (COLLATE "C")

The full rebuild builds the indexes of ``contact_key``, ``conversation_id``, ``customer_key`` and
``customer_email`` on every run. In a linguistic collation PostgreSQL sorts their text with
``strcoll`` and without abbreviated keys; in code-point order the four index builds take about
a third less time. These keys are identifiers: only equality matters, and the one ordering by
them (the drill-down's last tie-break on ``contact_key``) becomes code-point order, as Python
and SQLite sort. SQLite compares bytes already (BINARY): nothing changes there.

Revision ID: 0014_contact_facts_collate_c
Revises: 0013_contact_facts_key
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_contact_facts_collate_c"
down_revision = "0013_contact_facts_key"
branch_labels = None
depends_on = None

COLUMNS = {"contact_key": 160, "conversation_id": 128, "customer_key": 320, "customer_email": 320}


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, length in COLUMNS.items():
        op.alter_column(
            "contact_facts",
            name,
            type_=sa.String(length, collation=collation),
            existing_type=sa.String(length),
        )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate(None)
