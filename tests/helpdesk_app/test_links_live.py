"""One-time links against a live, threaded server: ten racing browsers, one session."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from handoff import links
from handoff.db import transaction
from helpdesk_app.runtime import runtime as runtime_of

RACERS = 10


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on an ephemeral port, one thread per request; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _path(app: Flask, kind: str) -> str:
    runtime = runtime_of(app)
    secret = app.config["SECRET_KEY"]
    with transaction(runtime.sessions) as session:
        if kind == "reports":
            token = links.issue_report_link(
                session, secret, "lead@example.com", now=runtime.clock()
            )
            return f"/reports/open/{token}"
        token = links.issue_review_link(
            session, secret, "lea", now=runtime.clock(), ttl=timedelta(minutes=30)
        )
        return f"/review/open?t={token}"


@pytest.mark.parametrize("kind", ["reports", "review"])
def test_ten_concurrent_gets_of_one_link_open_one_session(app, kind):
    """When ten browsers open the same link at the same moment, does exactly one get a session?"""
    path = _path(app, kind)
    barrier = threading.Barrier(RACERS)

    with serving(app) as base:

        def get(_: int) -> requests.Response:
            barrier.wait(timeout=30)
            return requests.get(base + path, allow_redirects=False, timeout=30)

        with ThreadPoolExecutor(RACERS) as pool:
            responses = list(pool.map(get, range(RACERS)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302] + [403] * (RACERS - 1), statuses
    [opened] = [r for r in responses if r.status_code == 302]
    assert "session=" in opened.headers.get("Set-Cookie", "")
