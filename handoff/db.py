"""Engines, sessions and migrations: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from handoff.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Turn on WAL, foreign keys and a busy timeout so several processes can share the file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``, creating the SQLite file's folder when needed."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def driver_rows(connection: sa.Connection, sql: str, params: Mapping[str, Any]) -> Sequence[Any]:
    """Run driver SQL on ``connection``'s DBAPI cursor and return its rows; errors as SQLAlchemy raises them.

    For a hot statement whose rows are read once (the packet batch): ``exec_driver_sql`` builds
    a result's column metadata from the cursor on every call, which cost as much CPU as the
    rest of the insert. A driver error is raised as SQLAlchemy's (``IntegrityError``...); one
    that means the connection is gone invalidates it and every other connection of its pool,
    as SQLAlchemy does, and says so (``connection_invalidated``), so a retry gets a new one.
    """
    dialect = connection.dialect
    fairy = connection.connection
    cursor = fairy.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    except dialect.loaded_dbapi.Error as exc:
        gone = dialect.is_disconnect(exc, fairy, cursor)
        error = sa.exc.DBAPIError.instance(
            sql,
            params,
            exc,
            dialect.loaded_dbapi.Error,
            hide_parameters=connection.engine.hide_parameters,
            connection_invalidated=gone,
            dialect=dialect,
        )
        if gone:
            connection.invalidate(exc)
            # The pool's other connections went with the server: close them, as SQLAlchemy's
            # own handling of a disconnect does, so the retry is not handed another dead one.
            connection.engine.dispose()
        raise error from exc
    finally:
        cursor.close()


class DatabaseUnreachable(ConfigError):
    """The configured database cannot be connected to."""


def check_reachable(url: str) -> None:
    """Connect once to ``url``; raise DatabaseUnreachable naming the database (no password) if not."""
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        where = sa.engine.make_url(url).render_as_string(hide_password=True)
        reason = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc) else ""
        raise DatabaseUnreachable(f"cannot reach the database {where}: {reason}") from None
    finally:
        engine.dispose()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def statement_engine(url: str) -> Engine | None:
    """Return an engine whose every statement commits by itself (PostgreSQL), or None (SQLite).

    For writes that are one statement (a batch of packets with their outbox rows, see
    ``handoff.packets.insert_batch``): the statement is its own transaction, so the write skips
    the ``BEGIN`` and ``COMMIT`` round trips and still writes all or nothing. Its own small pool
    does not ping each connection before use (another round trip): the caller retries once on a
    connection found dead instead (``helpdesk_app.db.write_packet``). SQLite needs its explicit
    transaction for the two statements it takes, so it has none.
    """
    if not url.startswith("postgresql"):
        return None
    return make_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit on success, roll back on any error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Any:
    """Build an Alembic config pointing at our migrations and ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    """Apply every migration up to ``revision`` (all branch heads by default)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
