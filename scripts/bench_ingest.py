"""Benchmark packet ingest: POST /api/v1/packets under concurrent clients, served by gunicorn.

For each database (SQLite file, PostgreSQL) it starts gunicorn on a fresh database, creates a
token, then drives C concurrent keep-alive clients (in a separate process from the server)
posting unique packets, and the same clients against the trivial /healthz endpoint of the same
server. It prints throughput and p50/p99 latency, and the ratio of the two, which is what our
validation and storage cost.

    .venv/bin/python scripts/bench_ingest.py [--requests 2000] [--clients 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import packet  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    """Return a free TCP port on loopback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    database_url: str, workers: int, instance: Path
) -> tuple[subprocess.Popen, int, str]:
    """Migrate, create a token, start gunicorn; return the process, its port and the token."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HANDOFF_INSTANCE_PATH": str(instance),
        "HANDOFF_ENV": "development",
    }
    handoff = [str(Path(sys.executable).parent / "handoff")]
    subprocess.run([*handoff, "db", "upgrade"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*handoff, "token", "create", "bench"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-control-socket",
            "helpdesk_app.wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port, token
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(
        f"gunicorn did not start: {proc.stderr.read().decode() if proc.stderr else ''}"
    )


def drive(port: int, token: str, total: int, clients: int, trivial: bool) -> list[float]:
    """Send ``total`` requests over ``clients`` keep-alive connections; return latencies in ms."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    per_client = total // clients

    def run(_: int) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out = []
        for i in range(per_client):
            if trivial:
                method, path, body = "GET", "/healthz", None
            else:
                doc = packet(packet_id=str(uuid.uuid4()), ticket_id=10_000 + i)
                method, path, body = "POST", "/api/v1/packets", json.dumps(doc)
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            out.append((time.perf_counter() - started) * 1000)
            if response.status not in (200, 201):
                raise RuntimeError(f"{path} answered {response.status}")
        conn.close()
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [ms for chunk in pool.map(run, range(clients)) for ms in chunk]


def measure(label: str, port: int, token: str, total: int, clients: int, trivial: bool) -> dict:
    """Warm up, then time one run and summarise it."""
    drive(port, token, clients * 5, clients, trivial)
    started = time.perf_counter()
    latencies = drive(port, token, total, clients, trivial)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "run": label,
        "requests": len(latencies),
        "req_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
    }


def databases(tmp: Path) -> list[tuple[str, str, callable]]:
    """Return (name, url, cleanup) for a fresh SQLite file and a fresh PostgreSQL database."""
    name = f"handoff_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    pg_url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    return [("sqlite", f"sqlite:///{tmp / 'bench.db'}", lambda: None), ("postgresql", pg_url, drop)]


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    rows = []
    try:
        for name, url, cleanup in databases(tmp):
            proc, port, token = start_server(url, args.workers, tmp / name)
            try:
                trivial = measure(
                    f"{name}: GET /healthz (trivial)",
                    port,
                    token,
                    args.requests,
                    args.clients,
                    True,
                )
                ingest = measure(
                    f"{name}: POST /api/v1/packets", port, token, args.requests, args.clients, False
                )
                ingest["vs_trivial"] = trivial["req_per_s"] / ingest["req_per_s"]
                rows += [trivial, ingest]
            finally:
                proc.terminate()
                proc.wait(10)
                cleanup()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"gunicorn sync workers={args.workers}, clients={args.clients}, requests per run={args.requests}, "
        f"cpus={os.cpu_count()}"
    )
    print(f"{'run':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cost x':>7}")
    for r in rows:
        cost = f"{r['vs_trivial']:.1f}" if "vs_trivial" in r else ""
        print(
            f"{r['run']:<40} {r['req_per_s']:>8.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {cost:>7}"
        )


if __name__ == "__main__":
    main()
