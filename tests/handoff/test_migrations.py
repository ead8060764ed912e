"""Migrations and models agree on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from handoff.models import Base


def test_migrations_build_exactly_the_models(engine):
    """After upgrading to every head, does Alembic find no difference from the models?"""
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
