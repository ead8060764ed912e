"""The app served by gunicorn (several worker processes) on a test database, for races and logs."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT


@dataclass(frozen=True)
class Live:
    """A running server: where it listens and the file its log goes to."""

    host: str
    port: int
    log: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request on a fresh connection; return status, headers and body."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def json(
        self, method: str, path: str, document: Any, headers: dict[str, str]
    ) -> tuple[int, Any]:
        """Send a JSON body; return the status and the decoded answer."""
        status, _, raw = self.request(
            method,
            path,
            json.dumps(document).encode(),
            {**headers, "Content-Type": "application/json"},
        )
        return status, json.loads(raw) if raw else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(database_url: str, instance: Path, *, workers: int = 4, **env: str) -> Iterator[Live]:
    """Serve ``helpdesk_app.wsgi:app`` on ``database_url`` (already migrated) until the block ends."""
    port = _free_port()
    log = instance / "server.log"
    instance.mkdir(parents=True, exist_ok=True)
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "HANDOFF_INSTANCE_PATH": str(instance),
        "HANDOFF_ENV": "test",
        **env,
    }
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--no-control-socket", "--limit-request-line", "0", "--log-level", "info",
            # Import once, then fork: a loaded machine starts four workers in a second, not twenty.
            "--preload", "--graceful-timeout", "2", "helpdesk_app.wsgi:app"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=environ, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
    try:
        live = Live("127.0.0.1", port, log)
        deadline = time.monotonic() + 60
        while True:
            try:
                if live.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield live
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
