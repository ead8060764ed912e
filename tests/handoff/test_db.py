"""Reading rows straight from the driver's cursor: errors as SQLAlchemy raises them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff import db as core_db


def test_driver_rows_returns_the_cursors_rows(intake_engine):
    """Are the statement's rows returned as the driver gives them?"""
    with intake_engine.connect() as conn:
        assert [tuple(r) for r in core_db.driver_rows(conn, "SELECT 1, 'a'", {})] == [(1, "a")]


def test_a_driver_error_is_raised_as_sqlalchemys_and_keeps_the_connection(intake_engine):
    """Is a failed statement raised as SQLAlchemy's error, the connection left valid and usable?"""
    with intake_engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError) as raised:
            core_db.driver_rows(conn, "SELECT * FROM no_such_table", {})
        assert isinstance(raised.value.orig, conn.dialect.loaded_dbapi.Error)
        assert not raised.value.connection_invalidated
        assert not conn.invalidated
        conn.rollback()
        assert core_db.driver_rows(conn, "SELECT 2", {})[0][0] == 2


def test_a_unique_violation_is_an_integrity_error(intake_engine):
    """Does a duplicate key surface as IntegrityError, which the intake's retry looks for?"""
    with intake_engine.connect() as conn:
        conn.exec_driver_sql("CREATE TEMPORARY TABLE twice (k int PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO twice VALUES (1)")
        with pytest.raises(sa.exc.IntegrityError):
            core_db.driver_rows(conn, "INSERT INTO twice VALUES (1) RETURNING k", {})


def test_a_dropped_connection_is_invalidated_with_its_whole_pool(intake_engine, database_url):
    """After the server drops every connection, is the error marked invalidated and the next checkout alive?"""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop the connection")
    with intake_engine.connect() as one, intake_engine.connect() as two:
        pids = [c.exec_driver_sql("SELECT pg_backend_pid()").scalar() for c in (one, two)]
    # Both connections now wait in the pool; a restart kills them both.
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(p) FROM unnest(:pids) AS p"),
                     {"pids": pids})  # fmt: skip
    admin.dispose()
    with intake_engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError) as raised:
            core_db.driver_rows(conn, "SELECT 1", {})
        assert raised.value.connection_invalidated
        assert conn.invalidated
    # The other pooled connection was dead too: the next one handed out must be new.
    with intake_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
