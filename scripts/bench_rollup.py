"""Benchmark the rollup rebuild: full (set-based SQL, optionally the old Python path), incremental, panel.

For each backend it makes a fresh database, seeds N contacts over a year exactly as
``scripts/bench_panel.py`` does (bulk COPY / executemany), then times, each with the 1-minute
load average beside it (the machine is shared; numbers are noisy):

* ``full``: ``handoff panel refresh --full`` (``rollup.refresh(full=True)``, set-based SQL);
* ``python``: the same with the old per-contact Python path (``--python``; slow at 1M);
* ``+1000 this week``: 1,000 new contacts in the last days, then an incremental refresh;
* ``+1000 over the year``: 1,000 new contacts spread over the whole year, then an incremental
  refresh (touches every week);
* every panel view (weekly, monthly, quarterly, rolling; ``panel.build(...).as_dict()``) and the
  overview, median of 3.

It also checks the incremental result equals a full SQL rebuild of the same data (facts count and
rollup sums) when ``--check`` is given.

    .venv/bin/python scripts/bench_rollup.py [--sizes 1000000] [--backends postgresql,sqlite] [--python]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_panel  # noqa: E402

from handoff import db as core_db  # noqa: E402
from handoff import productconfig  # noqa: E402
from handoff.metrics import overview as overview_mod  # noqa: E402
from handoff.metrics import panel as panel_mod  # noqa: E402
from handoff.metrics import rollup  # noqa: E402
from handoff.models.metrics import ContactFact, MetricRollup  # noqa: E402

NOW = bench_panel.NOW
EXTRA = {
    "bot_conversations": (*bench_panel.COLUMNS["bot_conversations"],),
    "packets": (*bench_panel.COLUMNS["packets"],),
    "hd_tickets": (*bench_panel.COLUMNS["hd_tickets"], "synced_at"),
    "hd_comments": (*bench_panel.COLUMNS["hd_comments"], "synced_at"),
    "hd_satisfaction_ratings": (*bench_panel.COLUMNS["hd_satisfaction_ratings"], "synced_at"),
    "detection_runs": bench_panel.COLUMNS["detection_runs"],
    "reask_flags": bench_panel.COLUMNS["reask_flags"],
}


def load_avg() -> float:
    """The 1-minute load average (what ``uptime`` prints first)."""
    return os.getloadavg()[0]


def extra_rows(n: int, offset: int, start: datetime, span_s: int, arrived: datetime, seed: int) -> dict[str, list[tuple[Any, ...]]]:  # fmt: skip
    """Rows for ``n`` new contacts (ids after ``offset``) starting in [start, start + span), stored at ``arrived``."""
    rows = bench_panel.generate(n, seed=seed)
    naive = arrived.replace(tzinfo=None)
    shift_base = datetime.combine(bench_panel.START, datetime.min.time())
    rng = random.Random(seed)
    moved: dict[str, list[tuple[Any, ...]]] = {k: [] for k in rows}
    # Each generated contact's times move so that its start falls in the wanted range.
    deltas: dict[int, timedelta] = {}

    def delta(i: int) -> timedelta:
        if i not in deltas:
            deltas[i] = timedelta(seconds=rng.randrange(span_s))
        return deltas[i]

    def shift(value: Any, i: int, first: datetime) -> Any:
        if isinstance(value, datetime):
            return value - first + start.replace(tzinfo=None) + delta(i)
        return value

    def conv_index(cid: str) -> int:
        return int(cid.split("-")[1])

    firsts: dict[int, datetime] = {}
    for r in rows["bot_conversations"]:
        firsts[conv_index(r[0])] = r[8]
    for r in rows["hd_tickets"]:
        firsts.setdefault(r[0] - 1, r[11])

    def moved_row(r: tuple[Any, ...], i: int) -> list[Any]:
        first = firsts.get(i, shift_base)
        return [shift(v, i, first) for v in r]

    for r in rows["bot_conversations"]:
        i = conv_index(r[0])
        m = moved_row(r, i)
        m[0] = f"conv-{offset + i}"
        m[11] = m[0]
        m[1] = None if r[1] is None else r[1] + offset
        m[12] = naive
        moved["bot_conversations"].append(tuple(m))
    for r in rows["packets"]:
        i = conv_index(r[2])
        m = moved_row(r, i)
        m[0] = str(uuid.UUID(int=offset + i))
        m[1] = r[1] + offset
        m[2] = f"conv-{offset + i}"
        m[11] = m[2]
        m[13] = naive
        moved["packets"].append(tuple(m))
    for table, id_cols in (
        ("hd_tickets", (0,)),
        ("hd_comments", (0, 1)),
        ("hd_satisfaction_ratings", (0, 1)),
        ("detection_runs", (0,)),
        ("reask_flags", (0,)),
    ):
        ticket_col = 0 if table in ("hd_tickets", "detection_runs", "reask_flags") else 1
        for r in rows[table]:
            i = r[ticket_col] - 1
            m = moved_row(r, i)
            for c in id_cols:
                m[c] = r[c] + offset
            if table == "detection_runs":
                m[6] = naive
            if table == "reask_flags":
                m[8] = naive
            if table in ("hd_tickets", "hd_comments", "hd_satisfaction_ratings"):
                m.append(naive)
            moved[table].append(tuple(m))
    return moved


def load_extra(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """Insert the extra rows with their ``synced_at`` columns."""
    saved = dict(bench_panel.COLUMNS)
    bench_panel.COLUMNS.update(EXTRA)
    try:
        bench_panel.load(url, rows)
    finally:
        bench_panel.COLUMNS.clear()
        bench_panel.COLUMNS.update(saved)


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, float, Any]:
    """Median wall time of ``repeat`` runs, the load average after, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), load_avg(), result


def run(backend: str, size: int, config: productconfig.ProductConfig, *, python: bool) -> list[dict[str, Any]]:  # fmt: skip
    """Seed, rebuild, add, refresh and read one backend at one size; return the measurements."""
    out: list[dict[str, Any]] = []

    def record(step: str, seconds: float, load: float, **extra: Any) -> None:
        row = {"backend": backend, "contacts": size, "step": step, "seconds": round(seconds, 3),
               "load": round(load, 2), **extra}  # fmt: skip
        out.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    for url in bench_panel.databases(backend, size):
        core_db.upgrade(url)
        t = time.perf_counter()
        bench_panel.load(url, bench_panel.generate(size))
        record("seed", time.perf_counter() - t, load_avg())
        engine = core_db.make_engine(url)
        sessions = core_db.make_session_factory(engine)

        def refresh(
            full: bool, python_path: bool = False, at: datetime = NOW, factory: Any = sessions
        ) -> Any:
            with core_db.transaction(factory) as session:
                return rollup.refresh(session, config, now=at, full=full, python=python_path)

        if python:
            s, load, result = timed(lambda: refresh(True, True))
            record("full, Python path (old)", s, load, facts=result.contacts)
        s, load, result = timed(lambda: refresh(True))
        record("full, SQL", s, load, facts=result.contacts)
        with sessions() as session:
            for view in ("weekly", "monthly", "quarterly", "rolling"):
                s, load, _ = timed(
                    lambda v=view: panel_mod.build(session, config, now=NOW, view=v).as_dict(),
                    repeat=3,
                )
                record(f"panel {view}", s, load)
            monthly = panel_mod.build(session, config, now=NOW, view="monthly")
            s, load, _ = timed(
                lambda m=monthly: overview_mod.build(session, config, m, now=NOW), repeat=3
            )
            record("overview", s, load)
        # Incremental: 1,000 new contacts this week, then 1,000 spread over the year.
        clock = NOW + timedelta(minutes=1)
        week_start = NOW - timedelta(days=6)
        load_extra(url, extra_rows(1000, 10_000_000, week_start, 5 * 86400, clock, seed=101))
        s, load, result = timed(lambda c=clock: refresh(False, at=c + timedelta(minutes=1)))
        record(
            "+1000 this week, incremental", s, load, facts=result.contacts, weeks=len(result.weeks)
        )
        # A refresh reads again what arrived within its look-back (10 min) before its cursor:
        # move the cursor on first, so the next refresh reads only the next 1,000.
        refresh(False, at=clock + timedelta(minutes=15))
        clock += timedelta(minutes=16)
        year_start = datetime.combine(bench_panel.START, datetime.min.time(), NOW.tzinfo)
        load_extra(url, extra_rows(1000, 20_000_000, year_start, 50 * 7 * 86400, clock, seed=202))
        s, load, result = timed(lambda c=clock: refresh(False, at=c + timedelta(minutes=1)))
        record(
            "+1000 over the year, incremental",
            s,
            load,
            facts=result.contacts,
            weeks=len(result.weeks),
        )
        with sessions() as session:
            facts = session.scalar(sa.select(sa.func.count()).select_from(ContactFact))
            sums = session.execute(
                sa.select(sa.func.sum(MetricRollup.contacts), sa.func.sum(MetricRollup.escalated))
            ).one()
        s, load, result = timed(lambda c=clock: refresh(True, at=c + timedelta(minutes=2)))
        record("full, SQL, after the additions", s, load, facts=result.contacts)
        with sessions() as session:
            again = session.execute(
                sa.select(sa.func.sum(MetricRollup.contacts), sa.func.sum(MetricRollup.escalated))
            ).one()
        record("incremental equals full (facts, contacts, escalated)", 0.0, load_avg(),
               same=bool(facts == result.contacts and tuple(sums) == tuple(again)))  # fmt: skip
        engine.dispose()
    return out


def main() -> None:
    """Run every backend and size and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--python", action="store_true", help="also time the old Python path")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
    logging.getLogger("handoff.metrics.rebuild").setLevel(
        logging.DEBUG if os.environ.get("BENCH_DEBUG") else logging.INFO
    )
    config = productconfig.load(productconfig.EXAMPLE_PATH)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for backend in args.backends.split(","):
            rows += run(backend, size, config, python=args.python)
    print("| backend | contacts | step | seconds | load (1 min) | note |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        note = ", ".join(
            f"{k} {v}"
            for k, v in r.items()
            if k not in ("backend", "contacts", "step", "seconds", "load")
        )
        print(f"| {r['backend']} | {r['contacts']:,} | {r['step']} | {r['seconds']:.3f} | {r['load']:.2f} | {note} |")  # fmt: skip


if __name__ == "__main__":
    main()
