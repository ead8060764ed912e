"""One database session per request, closed at teardown; views commit."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g
from sqlalchemy.orm import Session

from helpdesk_app.runtime import runtime


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = runtime().sessions()
    session: Session = g.db_session
    return session


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
