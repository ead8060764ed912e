"""Benchmark packet ingest: POST /api/v1/packets under concurrent clients, served by gunicorn.

For each database (SQLite file, PostgreSQL) it starts gunicorn on a fresh database, creates a
token, then drives C concurrent keep-alive clients (in a separate process from the server)
posting unique packets, and the same clients against the trivial /healthz endpoint of the same
server. It prints throughput and p50/p99 latency, and the ratio of the two, which is what our
validation and storage cost.

    .venv/bin/python scripts/bench_ingest.py [--requests 2000] [--clients 8] [--workers 2]
        [--breakdown 300]

``--breakdown N`` also times each step of accepting a packet in this process (N packets per
database, after a warm-up): reading the body, schema validation, hashing, completeness, the
packet insert, queueing the delivery and the policy check, the commit (one INSERT for both),
encoding the answer; and, for comparison, the policy check the request no longer runs.
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


def breakdown(url: str, count: int) -> list[tuple[str, float, float]]:
    """Time each step of accepting ``count`` packets on a migrated database; return (step, p50 ms, mean ms)."""
    from datetime import UTC, datetime

    from flask import json as flask_json

    from handoff import jsonguard, packets, schemas
    from handoff.db import make_engine, make_session_factory, upgrade
    from handoff.outbox import enqueue
    from handoff.policy import golden, hooks
    from handoff.policy.checks import check_packet

    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions() as session:
        golden.load(session, golden.read_file(ROOT / "config" / "policy-golden-set.example.yaml"),
                    by="bench", now=now, source="bench")  # fmt: skip
        session.commit()
    steps: dict[str, list[float]] = {}

    def timed(name: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        steps.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return result

    for i in range(count + 20):
        raw = json.dumps(packet(packet_id=str(uuid.uuid4()), ticket_id=20_000 + i)).encode()
        with sessions() as session:
            doc = timed("read body (strict JSON guard)", jsonguard.parse, raw)
            timed("schema validation (formats on)", schemas.validate, schemas.PACKET, doc)
            digest = timed("canonical hash", packets.canonical_hash, doc)
            score = timed("completeness", packets.completeness, doc)
            row = timed("packet insert (on conflict do nothing)", packets._insert_new, session,
                        packet_id=doc["packet_id"], ticket_id=doc["ticket_id"],
                        conversation_id=doc.get("conversation_id"), schema_version=doc["schema_version"],
                        intent=doc["intent"]["name"], escalation_reason=doc["escalation"]["reason"],
                        channel=doc.get("channel"), customer_key=packets.customer_key(doc),
                        completeness=score.score, missing_fields=list(score.missing), body=doc,
                        body_hash=digest, created_at=packets.parse_time(doc["created_at"]),
                        received_at=now)  # fmt: skip
            timed("queue the delivery", enqueue, session, kind=packets.DELIVERY_KIND,
                  key=f"{packets.DELIVERY_KIND}:{row.packet_id}", payload={"packet_id": row.packet_id},
                  now=now, ticket_id=row.ticket_id, known_new=True, flush=False)  # fmt: skip
            timed("queue the policy check", hooks.after_packet, session, row, now)
            timed("commit (writes both queued items)", session.commit)
            timed("encode the answer", flask_json.dumps, packets.packet_view(row))
            with session.begin_nested():
                timed("(policy check, no longer in the request)", check_packet, session, row, now)
            session.rollback()
    engine.dispose()
    out = []
    for name, values in steps.items():
        kept = sorted(values[20:])
        out.append((name, statistics.median(kept), statistics.fmean(kept)))
    return out


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--breakdown", type=int, default=0, help="time each step over N packets")
    parser.add_argument("--skip-server", action="store_true", help="only the breakdown")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    rows = []
    steps: dict[str, list[tuple[str, float, float]]] = {}
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    try:
        for name, url, cleanup in databases(tmp):
            if args.breakdown:
                steps[name] = breakdown(url, args.breakdown)
            if args.skip_server:
                cleanup()
                continue
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
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:  # a loaded machine: do not lose the numbers
                    proc.kill()
                    proc.wait()
                cleanup()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    for name, measured in steps.items():
        print(
            f"\n{name}: accepting one packet, step by step ({args.breakdown} packets, in process)"
        )
        print(f"{'step':<44} {'p50 ms':>8} {'mean ms':>8}")
        for step, p50, mean in measured:
            print(f"{step:<44} {p50:>8.2f} {mean:>8.2f}")
        total = sum(mean for step, _, mean in measured if not step.startswith("("))
        print(f"{'total in the request':<44} {'':>8} {total:>8.2f}")
    if args.skip_server:
        return
    print(
        f"\ngunicorn sync workers={args.workers}, clients={args.clients}, requests per run={args.requests}, "
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
