"""Fixtures shared by the core's tests that talk to the sandbox (delivery, sync)."""

from __future__ import annotations

import pytest

from sandbox import SandboxState


@pytest.fixture
def zendesk(sandbox: tuple[str, SandboxState]) -> SandboxState:
    """Return the module's sandbox, emptied, with a customer and an agent."""
    state = sandbox[1]
    state.reset()
    state.customer = state.add_user("Dana Reyes", "dana@example.com", "end-user")  # type: ignore[attr-defined]
    state.agent = state.add_user("Sam Agent", "sam@support.test", "agent")  # type: ignore[attr-defined]
    return state
