"""Drain a burst of queued packets into the sandbox through the real zenpy client; then sync it back.

    .venv/bin/python scripts/bench_delivery.py                      # 10,000 packets, SQLite
    .venv/bin/python scripts/bench_delivery.py --packets 2000 --database postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python scripts/bench_delivery.py --sandbox-limit 700 --rpm 800   # over budget: see 429s

Reports the wall time of the drain, requests made, 429s the sandbox answered, and duplicates
(notes whose marker appears more than once on the sandbox ticket: must be 0) and missing notes
(must be 0). Then it syncs the sandbox's tickets back and reports requests per 1,000 tickets.

The sandbox runs in its own process (its own interpreter and core), as Zendesk would be; the
script drives it through a pipe. The sandbox's rate limit is raised for the run (a plan's real 200-700 a minute would take most
of an hour for 10,000 notes); the worker's token bucket runs at 80% of whatever limit is set,
exactly as HANDOFF_ZENDESK_RPM would in production.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from handoff import db, packets, sync
from handoff.delivery import objects
from handoff.delivery.throttle import ThrottledHelpdesk, TokenBucket
from handoff.delivery.worker import WorkerConfig, delivery_status, run
from handoff.helpdesk.zendesk import ZendeskHelpdesk
from sandbox import SandboxState
from sandbox.testing import serve_wsgi

MARKER = re.compile(r"\[handoff:packet:([0-9a-f-]{36})\]")


def packet_body(ticket_id: int, n: int) -> dict:
    """Return a small valid packet for one ticket."""
    return {
        "schema_version": "1.0",
        "packet_id": str(uuid.uuid4()),
        "ticket_id": ticket_id,
        "bot": {"name": "Ava", "version": "2.3.1"},
        "intent": {"name": ("order_status", "refund", "billing")[n % 3], "confidence": 0.4},
        "summary": f"Customer {n} asks where order A-{10000 + n} is.",
        "escalation": {"reason": "low_confidence"},
        "identifiers": [{"kind": "order_id", "value": f"A-{10000 + n}"}],
        "transcript": [{"role": "customer", "text": f"Where is order A-{10000 + n}?"}],
    }


def fresh_database(server: str | None, workdir: Path) -> tuple[str, Callable[[], None]]:
    """Return a migrated, empty database URL and how to drop it: a temporary SQLite file, or a
    database of our own on the PostgreSQL server (never the server's existing databases)."""
    if server is None:
        url = f"sqlite:///{workdir / 'bench.db'}"
        db.upgrade(url)
        return url, lambda: None
    admin_url = server.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"bench_delivery_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db.upgrade(url)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def sandbox_process(conn) -> None:
    """Serve a sandbox in this process and answer the bench's commands over ``conn``."""
    from sandbox.app import create_sandbox_app

    state = SandboxState()
    with serve_wsgi(create_sandbox_app(state)) as base_url:
        conn.send(base_url)
        while True:
            command, arg = conn.recv()
            if command == "stop":
                conn.send(None)
                return
            if command == "tickets":
                customer = state.add_user("Bench Customer", "bench@example.com", "end-user")
                ids = []
                # Imported with their history spread over the last days, as real tickets are (a
                # burst of over 1,000 audits inside one second would stall the time-based export).
                start = datetime.now(UTC) - timedelta(seconds=30 * arg)
                for n in range(arg):
                    opened = (start + timedelta(seconds=30 * n)).isoformat()
                    ticket, _ = state.create_ticket(
                        {"subject": f"Order {n}", "requester_id": customer["id"], "status": "open",
                         "created_at": opened, "updated_at": opened,
                         "comments": [{"body": f"Where is my order {n}?", "author_id": customer["id"],
                                       "created_at": opened}]},
                        importing=True,
                    )  # fmt: skip
                    ids.append(ticket["id"])
                state.outbox.clear()  # webhook emissions are not under test here
                conn.send(ids)
            elif command == "limit":
                state.configure_rate_limit(arg)
                conn.send(None)
            elif command == "faults":
                state.inject_fault(500, count=20, method="PUT")
                state.inject_fault(503, count=10)
                state.inject_timeout(6, count=3, after_write=True, method="PUT")
                conn.send(None)
            elif command == "clear_log":
                state.log.clear()
                state.outbox.clear()
                conn.send(None)
            elif command == "log":
                conn.send([(e.method, e.path, e.status) for e in state.log])
            elif command == "markers":
                seen: Counter[str] = Counter()
                for comments in state.comments.values():
                    for c in comments:
                        seen.update(MARKER.findall(c["body"]))
                conn.send(dict(seen))


class Sandbox:
    """The bench's handle on the sandbox process."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=sandbox_process, args=(child,), daemon=True)
        self.process.start()
        self.base_url = self.conn.recv()
        os.environ["ZENPY_FORCE_NETLOC"] = self.base_url.removeprefix("http://")
        os.environ["ZENPY_FORCE_SCHEME"] = "http"

    def ask(self, command: str, arg: object = None) -> object:
        self.conn.send((command, arg))
        return self.conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self.process.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=10_000)
    parser.add_argument("--sandbox-limit", type=int, default=6000, help="sandbox requests/minute")
    parser.add_argument("--rpm", type=int, help="worker budget (default: 80%% of the limit)")
    parser.add_argument("--workers", type=int, default=2, help="worker threads (one bucket shared)")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument(
        "--database",
        help="a PostgreSQL server URL postgresql://...; the bench makes and drops its own database there "
        "(default: a temporary SQLite file)",
    )
    parser.add_argument(
        "--faults", action="store_true", help="inject 500s, 503s and timeouts after write"
    )
    parser.add_argument("--no-sync", action="store_true")
    args = parser.parse_args()
    rpm = args.rpm or int(args.sandbox_limit * 0.8)

    zendesk = Sandbox()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bench(args, rpm, zendesk, Path(tmp))
    finally:
        zendesk.stop()


def bench(args: argparse.Namespace, rpm: int, zendesk: Sandbox, tmp: Path) -> None:
    """Queue, drain, check, sync."""
    url, drop = fresh_database(args.database, tmp)
    try:
        drain_and_sync(args, rpm, zendesk, url)
    finally:
        drop()


def drain_and_sync(args: argparse.Namespace, rpm: int, zendesk: Sandbox, url: str) -> None:
    """Queue, drain, check, sync."""
    pooled = {"pool_size": args.workers + 2} if url.startswith("postgresql") else {}
    engine = db.make_engine(url, **pooled)
    sessions = db.make_session_factory(engine)
    helpdesk = ZendeskHelpdesk.connect(
        subdomain="sandbox", email="admin@sandbox.test", token="bench", timeout=5
    )
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    ticket_ids = zendesk.ask("tickets", args.packets)
    with sessions() as session:
        objects.setup(session, helpdesk, endpoint="https://bench.example/webhooks/zendesk", now=now)
        for n, ticket_id in enumerate(ticket_ids):
            packets.accept_packet(session, packet_body(ticket_id, n), now=now)
            if n % 1000 == 999:
                session.commit()
        session.commit()
    print(
        f"queued {args.packets} packets on {args.packets} sandbox tickets in {time.perf_counter() - t0:.1f}s"
    )

    zendesk.ask("limit", args.sandbox_limit)
    zendesk.ask("clear_log")
    if args.faults:
        zendesk.ask("faults")
    # One bucket for the whole account; one client per worker, as separate processes would have.
    bucket = TokenBucket(rpm)
    config = WorkerConfig(max_attempts=20, base_delay=1.0, max_delay=10.0)

    def clock() -> datetime:
        return datetime.now(UTC)

    def worker(name: str) -> None:
        client = ZendeskHelpdesk.connect(
            subdomain="sandbox", email="admin@sandbox.test", token="bench", timeout=5
        )
        throttled = ThrottledHelpdesk(client, bucket)
        while True:
            run(sessions, throttled, worker_id=name, clock=clock, config=config,
                batch=args.batch, once=True, bucket=bucket)  # fmt: skip
            with sessions() as s:
                counts = delivery_status(s, clock()).counts
            if counts["pending"] == 0 and counts["in_progress"] == 0:
                return
            time.sleep(0.2)  # only retries scheduled for later are left

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(f"bench-{i}",)) for i in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started

    log = zendesk.ask("log")
    statuses = Counter(status for _, _, status in log)
    with sessions() as s:
        counts = delivery_status(s, clock()).counts
        expected = set(s.scalars(sa.text("SELECT packet_id FROM packets")))
    seen = zendesk.ask("markers")
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    missing = len(expected - set(seen))
    if missing and os.environ.get("BENCH_DEBUG"):
        lost = sorted(expected - set(seen))[:5]
        with sessions() as s:
            for pid in lost:
                row = s.execute(
                    sa.text(
                        "SELECT id, status, attempts, result, last_error, ticket_id FROM outbox WHERE key = :k"
                    ),
                    {"k": f"packet_note:{pid}"},
                ).one()
                print("missing", pid, row)
        print(Counter((m, st) for m, _, st in log))
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print()
    print(
        "| packets | backend | workers | sandbox limit/min | worker budget/min | drain time | notes/min | requests | 429s | 5xx | duplicates | missing | failed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.packets} | {backend} | {args.workers} | {args.sandbox_limit} | {rpm} | "
        f"{elapsed:.1f}s | {args.packets / elapsed * 60:.0f} | {len(log)} | {statuses[429]} | "
        f"{sum(v for k, v in statuses.items() if k >= 500)} | {duplicates} | {missing} | {counts['failed']} |"
    )

    if not args.no_sync:
        zendesk.ask("limit", None)
        zendesk.ask("clear_log")
        started = time.perf_counter()
        # The sandbox renders every metric for each page of the list: give it time.
        patient = ZendeskHelpdesk.connect(
            subdomain="sandbox", email="admin@sandbox.test", token="bench", timeout=120
        )
        summary = sync.sync(sessions, patient, now=clock)
        took = time.perf_counter() - started
        requests = Counter(
            path.split("/api/v2/", 1)[-1].split("/", 1)[0].removesuffix(".json")
            for _, path, _ in zendesk.ask("log")
        )
        total = sum(requests.values())
        print()
        print(
            "| tickets synced | comments | users | ratings | metrics | requests | per 1,000 tickets | time |"
        )
        print("|---|---|---|---|---|---|---|---|")
        print(
            f"| {summary.tickets} | {summary.new_comments} | {summary.users} | {summary.ratings} | "
            f"{summary.metrics} | {total} | {total / max(summary.tickets, 1) * 1000:.1f} | {took:.1f}s |"
        )
        print("requests by endpoint: " + ", ".join(f"{k}={v}" for k, v in sorted(requests.items())))
    engine.dispose()


if __name__ == "__main__":
    main()
