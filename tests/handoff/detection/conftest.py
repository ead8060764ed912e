"""Fixtures for the detection tests: ticket builders and a migrated SQLite database per test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import factories

HANDOFF = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    """Return the ISO time ``minutes`` after the handoff."""
    return (HANDOFF + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def comment(cid: int, role: str, body: str, minutes: float, public: bool = True) -> dict[str, Any]:
    """Build a comment mapping as the CLI and ``detect_ticket`` read it."""
    return {
        "id": cid,
        "author_role": role,
        "public": public,
        "body": body,
        "created_at": at(minutes),
    }


def customer(cid: int, body: str, minutes: float) -> dict[str, Any]:
    """Build a customer (end-user) comment."""
    return comment(cid, "end-user", body, minutes)


def agent(cid: int, body: str, minutes: float, public: bool = True) -> dict[str, Any]:
    """Build an agent comment."""
    return comment(cid, "agent", body, minutes, public)


@pytest.fixture
def packet() -> dict[str, Any]:
    """Return the standard valid packet: order A-10442, dana@example.com, handoff at 09:00."""
    return factories.packet()


@pytest.fixture
def db_session(session: Session) -> Session:
    """Return a session on a fresh, fully migrated database (each configured backend)."""
    return session
