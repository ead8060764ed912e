"""Serve the sandbox (or any WSGI app) on 127.0.0.1 in a thread, for tests and scripts."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox.app import create_sandbox_app
from sandbox.state import SandboxState

FORCE_VARS = ("ZENPY_FORCE_NETLOC", "ZENPY_FORCE_SCHEME")


class _QuietHandler(WSGIRequestHandler):
    """Keep test output clean: the sandbox has its own request log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serve ``app`` on an ephemeral 127.0.0.1 port in a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def running_sandbox(state: SandboxState | None = None) -> Iterator[tuple[str, SandboxState]]:
    """Serve a sandbox and point zenpy at it (ZENPY_FORCE_*); restore the variables after."""
    st = state or SandboxState()
    saved = {name: os.environ.get(name) for name in FORCE_VARS}
    with serve_wsgi(create_sandbox_app(st)) as base_url:
        os.environ["ZENPY_FORCE_NETLOC"] = base_url.removeprefix("http://")
        os.environ["ZENPY_FORCE_SCHEME"] = "http"
        try:
            yield base_url, st
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
