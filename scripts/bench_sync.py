"""A first history sync of a sandbox account under Zendesk's real limits: requests per 1,000 tickets.

    PYTHONPATH=. .venv/bin/python scripts/bench_sync.py                      # 10,000 tickets
    PYTHONPATH=. .venv/bin/python scripts/bench_sync.py --imported 0.02
    PYTHONPATH=. .venv/bin/python scripts/bench_sync.py --database postgresql://postgres@127.0.0.1:5432/x

The sandbox (in this process, served over HTTP to the real zenpy client) holds ``--tickets``
tickets spread over ``--days`` days: each opened by the customer, answered over ``--replies``
more comments and solved, so about ``replies + 2`` audits each; the bot went live on
``--deploy-day`` and from then ``--escalated`` of the tickets carry a packet (recorded in our
database, as the bot's API would have); ``--imported`` of all tickets are imported (no metrics
in Zendesk); ``--rated`` of the solved tickets are rated. The baseline period is the
``--baseline-weeks`` before the deploy day; comments of tickets without metrics are read from
its start on (0: no baseline given, every such ticket is read, as before). The sandbox enforces a Growth plan's
limits (400 requests a minute, 10 incremental exports a minute); the product syncs through its
default budgets (8 exports a minute). The clock is scaled (``--scale``): the sandbox's limit
windows and the product's budgets and waits run that many times faster than the wall clock.

Prints requests by endpoint, requests per 1,000 tickets, 429s, whether the sync aborted, then a
second sync with nothing new.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_delivery import ScaledClock, fresh_database, packet_body  # noqa: E402

from handoff import db, packets, sync  # noqa: E402
from handoff.config import Settings  # noqa: E402
from handoff.delivery.throttle import SharedBudgets, ThrottledHelpdesk, default_budgets  # noqa: E402
from handoff.ticketing.zendesk import ZendeskHelpdesk  # noqa: E402
from sandbox import SandboxState  # noqa: E402
from sandbox.app import create_sandbox_app  # noqa: E402
from sandbox.testing import serve_wsgi  # noqa: E402

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)


def build(state: SandboxState, args: argparse.Namespace) -> list[int]:
    """Fill the sandbox with the account's history; return the escalated tickets' ids."""
    rng = random.Random(args.seed)
    live = state.now
    customer = state.add_user("Bench Customer", "bench@example.com", "end-user")["id"]
    agent = state.add_user("Bench Agent", "agent@bench.test", "agent")["id"]
    origin = ORIGIN
    escalated: list[int] = []
    for n in range(args.tickets):
        opened = origin + timedelta(days=args.days) * n / args.tickets
        times = [opened + timedelta(minutes=40 * i) for i in range(args.replies + 2)]
        authors = [customer] + [agent if i % 2 == 0 else customer for i in range(args.replies)]
        if rng.random() < args.imported:
            comments = [{"author_id": a, "value": f"comment {i} of {n}",
                         "created_at": t.isoformat()} for i, (a, t) in enumerate(zip(authors, times, strict=False))]  # fmt: skip
            ticket, _ = state.create_ticket(
                {"subject": f"Old {n}", "requester_id": customer, "status": "solved",
                 "created_at": times[0].isoformat(), "comments": comments},
                importing=True,
            )  # fmt: skip
        else:
            state.now = lambda moment=times[0]: moment  # type: ignore[misc]
            ticket, _ = state.create_ticket(
                {"subject": f"Order {n}", "requester_id": customer,
                 "comment": {"body": f"Where is order {n}?", "author_id": customer}}
            )  # fmt: skip
            for i, author in enumerate(authors[1:], start=1):
                state.now = lambda moment=times[i]: moment  # type: ignore[misc]
                state.update_ticket(
                    ticket["id"], {"comment": {"body": f"reply {i}", "author_id": author}}
                )
            state.now = lambda moment=times[-1]: moment  # type: ignore[misc]
            state.update_ticket(ticket["id"], {"status": "solved"})
        if rng.random() < args.rated:
            state.rate_ticket(ticket["id"], rng.choice(("good", "bad")), created_at=times[-1])
        if n >= args.tickets * args.deploy_day / args.days and rng.random() < args.escalated:
            escalated.append(int(ticket["id"]))
        if n % 500 == 0:
            state.outbox.clear()
    state.now = live  # type: ignore[misc]
    state.outbox.clear()
    return escalated


def main() -> None:
    """Build, sync, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--deploy-day", type=int, default=120)
    parser.add_argument("--escalated", type=float, default=0.3)
    parser.add_argument("--imported", type=float, default=0.0)
    parser.add_argument("--rated", type=float, default=0.1)
    parser.add_argument("--replies", type=int, default=3)
    parser.add_argument("--baseline-weeks", type=int, default=4)
    parser.add_argument("--scale", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    clock = ScaledClock(args.scale, time.time(), time.monotonic())
    state = SandboxState(now=clock.now, api_token="bench")
    t0 = time.perf_counter()
    escalated = build(state, args)
    print(f"built {args.tickets} tickets ({len(escalated)} escalated, "
          f"{sum(1 for t in state.tickets.values() if t.get('imported'))} imported, "
          f"{len(state.audits)} audits, {len(state.ratings)} ratings) in {time.perf_counter() - t0:.0f}s wall")  # fmt: skip
    with serve_wsgi(create_sandbox_app(state)) as base_url, tempfile.TemporaryDirectory() as tmp:
        os.environ["ZENPY_FORCE_NETLOC"] = base_url.removeprefix("http://")
        os.environ["ZENPY_FORCE_SCHEME"] = "http"
        url, drop = fresh_database(args.database, Path(tmp))
        engine = db.make_engine(url)
        sessions = db.make_session_factory(engine)
        try:
            with sessions() as session:
                for n, ticket_id in enumerate(escalated):
                    packets.accept_packet(session, packet_body(ticket_id, n), now=clock.now())
                session.commit()
            budgets = SharedBudgets(sessions, default_budgets(Settings().zendesk_plan),
                                    clock=clock.time, sleep=clock.sleep)  # fmt: skip
            helpdesk = ThrottledHelpdesk(
                ZendeskHelpdesk.connect(subdomain="sandbox", email="admin@sandbox.test",
                                        token="bench", timeout=120), budgets)  # fmt: skip
            deploy = ORIGIN + timedelta(days=args.deploy_day)
            since = deploy - timedelta(weeks=args.baseline_weeks) if args.baseline_weeks else None
            print(f"tickets without metrics read from: {since}")
            for run in ("first", "nothing new"):
                with state.lock:
                    state.log.clear()
                started, sim_started = time.perf_counter(), clock.time()
                aborted = "no"
                try:
                    summary = sync.sync(sessions, helpdesk, now=clock.now, sleep=clock.sleep,
                                        unmeasured_since=since)  # fmt: skip
                except Exception as exc:  # reported, not hidden: the bench must show an abort
                    aborted, summary = f"yes: {exc!r}", sync.SyncSummary()
                with state.lock:
                    log = [(e.path, e.status) for e in state.log]
                by = Counter(
                    "tickets/{id}/comments" if p.split("/api/v2/", 1)[-1].startswith("tickets/")
                    else p.split("/api/v2/", 1)[-1].removesuffix(".json") for p, _ in log
                )  # fmt: skip
                total = len(log)
                refused = sum(1 for _, status in log if status == 429)
                print(f"\n{run} sync: tickets={summary.tickets} new_comments={summary.new_comments} "
                      f"ratings={summary.ratings} metrics={summary.metrics} requests={total} "
                      f"per_1000_tickets={total / args.tickets * 1000:.1f} 429s={refused} "
                      f"aborted={aborted} sim={(clock.time() - sim_started) / 60:.1f}min "
                      f"wall={time.perf_counter() - started:.0f}s")  # fmt: skip
                print("  by endpoint: " + ", ".join(f"{k}={v}" for k, v in sorted(by.items())))
        finally:
            engine.dispose()
            drop()
    print(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()
