"""Drain a burst of queued packets into the sandbox under Zendesk's real limits; then sync it back.

    .venv/bin/python scripts/bench_delivery.py                       # 10,000 packets, SQLite
    .venv/bin/python scripts/bench_delivery.py --packets 500 --scale 60
    .venv/bin/python scripts/bench_delivery.py --database postgresql://postgres@127.0.0.1:5432/x

The sandbox enforces a Growth plan's documented limits: 400 requests a minute, 100 ticket
updates a minute for the whole account (agents' own edits included), 30 updates per ticket per
user in 10 minutes, 10 incremental exports a minute. While the workers drain, simulated agents
edit tickets at ``--agent-edits`` a minute, drawing on the same 100 updates; an agent edit the
sandbox refuses is counted (it must stay 0). The product runs with its default budgets (30
ticket updates, 200 requests, 8 exports a minute), kept in the database and shared by the
worker threads, each with its own budgets object as separate processes would have.

Time is scaled: the sandbox's clock (its limit windows, Retry-After) and the product's (budgets,
leases, retry times, sync's waits) both run ``--scale`` times faster than the wall clock, so
every limit keeps its ratio to every other: at --scale 60 one wall second is one minute for
both sides. Reported times are simulated ("sim") and wall.

Reports requests, 429s, duplicates (notes whose marker appears twice: must be 0), missing notes
(must be 0), agent edits refused (must be 0), then a first sync of every ticket with requests per
1,000 tickets and whether it finished (no abort).
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
from handoff.config import Settings
from handoff.delivery import objects
from handoff.delivery.throttle import SharedBudgets, ThrottledHelpdesk, default_budgets
from handoff.delivery.worker import WorkerConfig, delivery_status, run
from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState
from sandbox.testing import serve_wsgi

# How long before the drain the bench's tickets were opened (spread evenly).
HISTORY = timedelta(days=10)
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


class ScaledClock:
    """Wall time run ``scale`` times faster from a shared origin (both processes agree)."""

    def __init__(self, scale: float, origin_wall: float, origin_mono: float) -> None:
        self.scale, self.origin_wall, self.origin_mono = scale, origin_wall, origin_mono

    def time(self) -> float:
        """Return simulated epoch seconds."""
        return self.origin_wall + (time.monotonic() - self.origin_mono) * self.scale

    def now(self) -> datetime:
        """Return the simulated time as an aware datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of simulated time."""
        time.sleep(max(0.0, seconds) / self.scale)


def sandbox_process(conn, clock_args) -> None:
    """Serve a sandbox in this process and answer the bench's commands over ``conn``."""
    from sandbox.app import create_sandbox_app

    clock = ScaledClock(*clock_args)
    state = SandboxState(now=clock.now, api_token="bench")
    agents_stop = threading.Event()
    with serve_wsgi(create_sandbox_app(state)) as base_url:
        conn.send(base_url)
        while True:
            command, arg = conn.recv()
            if command == "stop":
                agents_stop.set()
                conn.send(None)
                return
            if command == "tickets":
                count, imported_every = arg
                customer = state.add_user("Bench Customer", "bench@example.com", "end-user")
                ids = []
                # The tickets were opened over the past days, not all in the same few seconds:
                # over 1,000 audits in one second would stall the time-based event export,
                # which no real account's history of customer tickets does.
                first = clock.now() - HISTORY
                for n in range(count):
                    opened = first + HISTORY * n / count
                    state.now = lambda moment=opened: moment  # type: ignore[misc]
                    body = {"subject": f"Order {n}", "requester_id": customer["id"],
                            "status": "open", "comment": {"body": f"Where is my order {n}?",
                                                          "author_id": customer["id"]}}  # fmt: skip
                    if imported_every and n % imported_every == 0:
                        # An imported ticket: no metrics in Zendesk.
                        body["comments"] = [body.pop("comment")]
                        ticket, _ = state.create_ticket(body, importing=True)
                    else:
                        ticket, _ = state.create_ticket(body)
                    ids.append(ticket["id"])
                state.now = clock.now  # type: ignore[misc]
                state.outbox.clear()  # webhook emissions are not under test here
                conn.send(ids)
            elif command == "agents":
                per_minute, ticket_ids = arg
                agent = state.add_user("Bench Agent", "agent@bench.test", "agent")
                thread = threading.Thread(
                    target=agents_edit,
                    args=(state, clock, agent["id"], ticket_ids, per_minute, agents_stop),
                    daemon=True,
                )
                thread.start()
                conn.send(None)
            elif command == "agents_stop":
                agents_stop.set()
                conn.send(None)
            elif command == "faults":
                state.inject_fault(500, count=20, method="PUT")
                state.inject_fault(503, count=10)
                state.inject_timeout(6, count=3, after_write=True, method="PUT")
                conn.send(None)
            elif command == "clear_log":
                with state.lock:
                    state.log.clear()
                    state.outbox.clear()
                    state.refused.clear()
                conn.send(None)
            elif command == "log":
                with state.lock:
                    conn.send([(e.method, e.path, e.status) for e in state.log])
            elif command == "stats":
                with state.lock:
                    state.outbox.clear()
                    conn.send({"agent_edits": state.agent_edits,
                               "agent_edits_refused": state.agent_edits_refused,
                               "refused": dict(state.refused)})  # fmt: skip
            elif command == "markers":
                seen: Counter[str] = Counter()
                with state.lock:
                    for comments in state.comments.values():
                        for c in comments:
                            seen.update(MARKER.findall(c["body"]))
                conn.send(dict(seen))


def agents_edit(state, clock, agent_id, ticket_ids, per_minute, stop) -> None:
    """Edit tickets as agents in Zendesk's UI would, ``per_minute`` an (simulated) minute."""
    n = 0
    gap = 60.0 / per_minute
    next_at = clock.time()
    while not stop.is_set():
        # Never catch up in a burst after a stall (a loaded machine): agents keep their pace.
        next_at = max(next_at + gap, clock.time())
        clock.sleep(next_at - clock.time())
        ticket_id = ticket_ids[(n * 7919) % len(ticket_ids)]  # spread over tickets
        n += 1
        state.agent_edit(ticket_id, agent_id, {"comment": {
            "body": f"Agent note {n}", "public": False}})  # fmt: skip
        with state.lock:
            state.outbox.clear()


class Sandbox:
    """The bench's handle on the sandbox process."""

    def __init__(self, clock: ScaledClock) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        args = (clock.scale, clock.origin_wall, clock.origin_mono)
        self.process = ctx.Process(target=sandbox_process, args=(child, args), daemon=True)
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
    parser.add_argument(
        "--scale", type=float, default=60.0, help="simulated seconds per wall second"
    )
    parser.add_argument(
        "--agent-edits", type=float, default=60.0, help="agents' own ticket updates a minute"
    )
    parser.add_argument("--imported-every", type=int, default=10,
                        help="every Nth ticket is imported (no metrics in Zendesk); 0: none")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="worker threads (budgets shared)")
    parser.add_argument("--batch", type=int, default=4)
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
    clock = ScaledClock(args.scale, time.time(), time.monotonic())
    zendesk = Sandbox(clock)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url, drop = fresh_database(args.database, Path(tmp))
            try:
                drain_and_sync(args, clock, zendesk, url)
            finally:
                drop()
    finally:
        zendesk.stop()


def drain_and_sync(
    args: argparse.Namespace, clock: ScaledClock, zendesk: Sandbox, url: str
) -> None:
    """Queue, drain under the limits with agents editing, check, sync."""
    pooled = {"pool_size": args.workers + 4} if url.startswith("postgresql") else {}
    engine = db.make_engine(url, **pooled)
    sessions = db.make_session_factory(engine)

    def connect(timeout: float = 5) -> ZendeskHelpdesk:
        return ZendeskHelpdesk.connect(
            subdomain="sandbox", email="admin@sandbox.test", token="bench", timeout=timeout
        )

    settings = Settings()  # the defaults: a Growth plan, the product's default shares
    per_minute = default_budgets(settings.zendesk_plan)

    def budgets() -> SharedBudgets:
        return SharedBudgets(sessions, per_minute, clock=clock.time, sleep=clock.sleep)

    t0 = time.perf_counter()
    ticket_ids = zendesk.ask("tickets", (args.packets, args.imported_every))
    now = clock.now()
    with sessions() as session:
        objects.setup(
            session,
            connect(),
            endpoint="https://bench.example/webhooks/zendesk",
            now=now,
            sealing_key="bench",
        )
        for n, ticket_id in enumerate(ticket_ids):
            packets.accept_packet(session, packet_body(ticket_id, n), now=now)
            if n % 1000 == 999:
                session.commit()
        session.commit()
    print(f"queued {args.packets} packets on {args.packets} sandbox tickets in "
          f"{time.perf_counter() - t0:.1f}s wall")  # fmt: skip

    zendesk.ask("clear_log")
    if args.faults:
        zendesk.ask("faults")
    zendesk.ask("agents", (args.agent_edits, ticket_ids))
    # A lease long enough for a batch at the budget's pace (see BENCHMARKS.md).
    config = WorkerConfig(max_attempts=20, base_delay=1.0, max_delay=60.0,
                          lease=timedelta(hours=2))  # fmt: skip

    def worker(name: str) -> None:
        paced = budgets()  # one per worker, as separate processes would have
        throttled = ThrottledHelpdesk(connect(), paced)
        while True:
            run(sessions, throttled, worker_id=name, clock=clock.now, config=config,
                batch=args.batch, once=True, bucket=paced)  # fmt: skip
            with sessions() as s:
                counts = delivery_status(s, clock.now()).counts
            if counts["pending"] == 0 and counts["in_progress"] == 0:
                return
            clock.sleep(5)  # only retries scheduled for later are left

    started, sim_started = time.perf_counter(), clock.time()
    threads = [threading.Thread(target=worker, args=(f"bench-{i}",)) for i in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, sim_elapsed = time.perf_counter() - started, clock.time() - sim_started
    zendesk.ask("agents_stop")
    stats = zendesk.ask("stats")

    log = zendesk.ask("log")
    statuses = Counter(status for _, _, status in log)
    updates = sum(
        1 for m, p, st in log if st < 400 and m in ("PUT", "DELETE", "POST") and "/tickets/" in p
    )
    with sessions() as s:
        counts = delivery_status(s, clock.now()).counts
        expected = set(s.scalars(sa.text("SELECT packet_id FROM packets")))
    seen = zendesk.ask("markers")
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    missing = len(expected - set(seen))
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print()
    print("| packets | backend | workers | scale | drain (sim) | drain (wall) | notes/min (sim) | "
          "our updates/min (sim) | agent edits/min (sim) | agent edits refused | requests | 429s | "
          "5xx | duplicates | missing | failed |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.packets} | {backend} | {args.workers} | {args.scale:g} | {sim_elapsed / 60:.0f} min | "
        f"{elapsed:.0f}s | {args.packets / sim_elapsed * 60:.1f} | {updates / sim_elapsed * 60:.1f} | "
        f"{stats['agent_edits'] / sim_elapsed * 60:.1f} | {stats['agent_edits_refused']} | {len(log)} | "
        f"{statuses[429]} | {sum(v for k, v in statuses.items() if k >= 500)} | {duplicates} | "
        f"{missing} | {counts['failed']} |"
    )
    print(f"429s by limit: {stats['refused'] or '-'}")

    if not args.no_sync:
        zendesk.ask("clear_log")
        started, sim_started = time.perf_counter(), clock.time()
        paced = budgets()
        patient = ThrottledHelpdesk(connect(timeout=120), paced)
        aborted = "no"
        try:
            summary = sync.sync(sessions, patient, now=clock.now, sleep=clock.sleep)
        except Exception as exc:  # reported, not hidden: the bench must show an abort
            aborted = f"yes: {exc!r}"
            summary = sync.SyncSummary()
        took, sim_took = time.perf_counter() - started, clock.time() - sim_started
        log = zendesk.ask("log")
        requests = Counter(
            path.split("/api/v2/", 1)[-1].split("/", 1)[0].removesuffix(".json")
            for _, path, _ in log
        )
        refused = Counter(status for _, _, status in log)[429]
        total = sum(requests.values())
        print()
        print("| tickets synced | comments | users | ratings | metrics | requests | per 1,000 tickets | "
              "429s | aborted | time (sim) | time (wall) |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        print(
            f"| {summary.tickets} | {summary.new_comments} | {summary.users} | {summary.ratings} | "
            f"{summary.metrics} | {total} | {total / max(summary.tickets, 1) * 1000:.1f} | {refused} | "
            f"{aborted} | {sim_took / 60:.1f} min | {took:.0f}s |"
        )
        print("requests by endpoint: " + ", ".join(f"{k}={v}" for k, v in sorted(requests.items())))
        zendesk.ask("clear_log")
        again = sync.sync(sessions, patient, now=clock.now, sleep=clock.sleep)
        print(f"a second sync with nothing new: {len(zendesk.ask('log'))} requests "
              f"(tickets={again.tickets})")  # fmt: skip
    engine.dispose()


if __name__ == "__main__":
    main()
