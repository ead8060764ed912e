"""Fixtures shared by the core's tests: the sandbox (delivery, sync) and the intake's engine."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff import db as core_db
from sandbox import SandboxState


@pytest.fixture
def zendesk(sandbox: tuple[str, SandboxState]) -> SandboxState:
    """Return the module's sandbox, emptied, with a customer and an agent."""
    state = sandbox[1]
    state.reset()
    state.customer = state.add_user("Dana Reyes", "dana@example.com", "end-user")  # type: ignore[attr-defined]
    state.agent = state.add_user("Sam Agent", "sam@support.test", "agent")  # type: ignore[attr-defined]
    return state


@pytest.fixture
def intake_engine(clean_db: sa.Engine, database_url: str):
    """The engine the packet intake writes on (statements commit by themselves on PostgreSQL)."""
    engine = core_db.statement_engine(database_url)
    yield engine or clean_db
    if engine is not None:
        engine.dispose()
