"""One sandbox per test module, reset before each test; the adapter talks to it through zenpy."""

from __future__ import annotations

import pytest

from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState

# Long enough for a loaded CI machine; an injected stall (TIMEOUT_STALL) always outlasts it.
CLIENT_TIMEOUT = 2.0
TIMEOUT_STALL = 3.0


@pytest.fixture
def state(sandbox: tuple[str, SandboxState]) -> SandboxState:
    """Return the module's sandbox state, emptied."""
    st = sandbox[1]
    st.reset()
    return st


@pytest.fixture
def base_url(sandbox: tuple[str, SandboxState]) -> str:
    """Return the sandbox's base URL."""
    return sandbox[0]


@pytest.fixture
def helpdesk(state: SandboxState) -> ZendeskHelpdesk:
    """Return the real adapter (real zenpy) pointed at the sandbox."""
    return ZendeskHelpdesk.connect(
        subdomain="sandbox", email="admin@sandbox.test", token="test-token", timeout=CLIENT_TIMEOUT
    )
