"""What the app holds for every request and command: settings, database, clock and helpdesk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from handoff.config import Settings
from handoff.db import make_engine, make_session_factory, statement_engine
from handoff.groupcommit import GroupCommit
from handoff.packets import NewPacket, insert_batch
from handoff.tokens import TokenCache

Clock = Callable[[], datetime]
EXTENSION = "handoff"


def utcnow() -> datetime:
    """Return the current instant in UTC (the default clock)."""
    return datetime.now(UTC)


class Runtime:
    """What the views need, built once per app: settings, database, clock and verified tokens."""

    def __init__(self, settings: Settings, clock: Clock, helpdesk: Any | None) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self._statement_engine: Engine | None = None
        self._committer: GroupCommit[NewPacket, int | None] | None = None
        self.helpdesk = helpdesk
        # API tokens this process verified, trusted for a short while (see TokenCache).
        self.tokens = TokenCache(timedelta(seconds=settings.token_cache_seconds))

    @property
    def statement_engine(self) -> Engine | None:
        """Connections for requests that write one statement (packet intake); None on SQLite."""
        if self._statement_engine is None:
            self._statement_engine = statement_engine(self.settings.database_url)
        return self._statement_engine

    @property
    def committer(self) -> GroupCommit[NewPacket, int | None]:
        """The group commit for packet intake: requests of this process share it (``handoff.groupcommit``)."""
        if self._committer is None:
            # On PostgreSQL a batch is one statement committing by itself (statement_engine),
            # written on a connection the leaders keep; on SQLite, a transaction per batch.
            engine = self.statement_engine
            self._committer = GroupCommit(
                engine or self.engine, insert_batch, keep_connection=engine is not None
            )
        return self._committer

    def dispose(self) -> None:
        """Close every pooled connection (tests and scripts that build many apps)."""
        if self._committer is not None:
            self._committer.close()
        self.engine.dispose()
        if self._statement_engine is not None:
            self._statement_engine.dispose()


def init_app(app: Flask, runtime: Runtime) -> None:
    """Attach ``runtime`` to ``app``."""
    app.extensions[EXTENSION] = runtime


def runtime(app: Flask | None = None) -> Runtime:
    """Return the Runtime of ``app`` (by default the current app)."""
    found = (app or current_app).extensions[EXTENSION]
    assert isinstance(found, Runtime)  # noqa: S101 - only init_app stores it
    return found
