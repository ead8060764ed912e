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


def test_the_migrations_have_one_head():
    """Do the migrations end in a single head, so the next migration has one parent?"""
    from alembic.script import ScriptDirectory

    from handoff.db import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


def test_a_long_zendesk_score_is_stored(session):
    """Does a rating scored good_with_comment (17 characters) store on every backend?"""
    from datetime import UTC, datetime

    from handoff.models import SatisfactionRating

    moment = datetime(2026, 3, 2, tzinfo=UTC)
    session.add(
        SatisfactionRating(
            id=1, ticket_id=1, score="good_with_comment", created_at=moment, updated_at=moment
        )
    )
    session.commit()
    assert session.get(SatisfactionRating, 1).score == "good_with_comment"


def test_contact_facts_are_indexed_by_their_rollup_key(engine):
    """Can a refresh find the facts of one rollup row (week, intent, segment, channel, path) by index?"""
    import sqlalchemy as sa

    indexes = sa.inspect(engine).get_indexes("contact_facts")
    key = ["week", "intent", "segment", "channel", "path"]
    assert [i["name"] for i in indexes if i["column_names"] == key] == ["ix_contact_facts_key"]


def test_contact_facts_identifiers_compare_by_code_point(engine):
    """Are the facts' identity columns in code-point order (COLLATE "C" on PostgreSQL, BINARY on SQLite)?"""
    import sqlalchemy as sa

    names = ["contact_key", "conversation_id", "customer_key", "customer_email"]
    types = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("contact_facts")}
    expected = "C" if engine.dialect.name == "postgresql" else None
    found = {n: getattr(types[n], "collation", None) for n in names}
    assert found == dict.fromkeys(names, expected)
