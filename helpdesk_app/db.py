"""One database session per request, closed at teardown; views commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import Flask, g
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from handoff.packets import NewPacket
from helpdesk_app.runtime import runtime

T = TypeVar("T")
# A lost race is retried this many times; the retry sees the winner's row and answers from it.
RACE_ATTEMPTS = 3


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    session: Session = g.db_session
    return session


def write_packet(new: NewPacket, attempts: int = RACE_ATTEMPTS) -> int | None:
    """Insert a packet through this process's group commit; return once committed. Retry a lost race.

    The packet is written with the others queued at the same moment, in one statement on
    PostgreSQL that commits by itself (``handoff.groupcommit``, ``packets.insert_batch``); a
    failure fails every request of that batch, and each retries alone, so one packet the
    database refuses does not refuse its neighbours again. A batch whose pooled connection was
    found dead (the database restarted) is run once more, on a fresh one: a packet that had
    landed answers as a repeat. A lost race (see ``commit_retrying``) is rerun.
    """
    committer = runtime().committer
    reconnected = False
    for attempt in range(1, attempts + 1):
        try:
            return (
                committer.run(new) if attempt == 1 and not reconnected else committer.run_alone(new)
            )
        except DBAPIError as exc:
            if exc.connection_invalidated and not reconnected:
                reconnected = True
                continue
            if attempt == attempts or not _lost_race(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _lost_race(exc: BaseException) -> bool:
    """Tell whether a failed commit lost a race a retry can settle (unique key, SQLite's lock)."""
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def commit_retrying(work: Callable[[Session], T], attempts: int = RACE_ATTEMPTS) -> T:
    """Run ``work`` in this request's session and commit; after a lost race, roll back and rerun.

    Concurrent requests writing the same key (a packet id, a conversation id, a survey) race to
    insert it: the loser's unique-key error is not an answer. Run again, ``work`` finds the row
    the winner committed and answers as for a repeat (200) or a conflict (409).
    """
    session = get_session()
    for attempt in range(1, attempts + 1):
        try:
            result = work(session)
            session.commit()
            return result
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if attempt == attempts or not _lost_race(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def now() -> datetime:
    """Return the app clock's current instant."""
    return runtime().clock()


def _close(_exc: BaseException | None) -> None:
    """Roll back whatever the request left uncommitted and close its session."""
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def init_app(app: Flask) -> None:
    """Register the teardown that closes each request's session."""
    app.teardown_appcontext(_close)
