"""One sandbox per test module, reset before each test, plus a raw HTTP client for it."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox import SandboxState


class Raw:
    """Plain requests against the sandbox, authenticated like zenpy with an API token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = ("admin@sandbox.test/token", "test-token")

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send one request to the sandbox."""
        return self.session.request(method, self.base_url + path, timeout=5, **kwargs)


@pytest.fixture
def state(sandbox: tuple[str, SandboxState]) -> SandboxState:
    """Return the module's sandbox state, emptied."""
    st = sandbox[1]
    st.reset()
    return st


@pytest.fixture
def raw(sandbox: tuple[str, SandboxState], state: SandboxState) -> Raw:
    """Return a raw HTTP client for the (reset) sandbox."""
    return Raw(sandbox[0])
