"""Benchmark the panel as history grows: ours (weekly rollups) against a plain pandas script.

For each database (SQLite file, PostgreSQL) and each size (contacts), it makes a fresh database,
generates a synthetic year of support directly with bulk inserts (COPY on PostgreSQL,
executemany on SQLite), runs one full refresh (facts + rollups), then times:

* ``panel``: ``handoff.metrics.panel.build`` for the monthly and quarterly views, plus the JSON
  the page and the API serialise (median of 3 runs each), reading rollups only;
* ``pandas``: what an analyst would do: ``read_sql`` of the source tables and the same headline
  figures (deflection and resolution CSAT delta per archetype, context loss, repetition,
  escalation rate per intent, bot and escalated handle-time medians vs baseline) in pandas.

It checks that both give the same deflection and context-loss counts, and prints one table.

    .venv/bin/python scripts/bench_panel.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handoff import db as core_db  # noqa: E402
from handoff import productconfig  # noqa: E402
from handoff.metrics import panel as panel_mod  # noqa: E402
from handoff.metrics import rollup  # noqa: E402
from handoff.models.metrics import MetricRollup  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = date(2026, 1, 5)  # Monday; the example config's baseline is the first four weeks
WEEKS = 52
NOW = datetime.combine(START + timedelta(weeks=WEEKS, days=2), datetime.min.time(), UTC)
INTENTS = [("order_status", 20), ("password_reset", 12), ("basic_billing", 10), ("shipping_policy", 8),
           ("returns", 10), ("plan_comparison", 5), ("billing_dispute", 8), ("plan_change", 6),
           ("cancellation", 6), ("gift_cards", 2)]  # fmt: skip
SEGMENTS = ["free", "pro", "business"]
CHANNELS = ["chat", "web", "email"]


def generate(n: int, seed: int = 11) -> dict[str, list[tuple[Any, ...]]]:
    """Return rows per table for ``n`` contacts over a year; the first 4 weeks have no bot."""
    rng = random.Random(seed)
    names = [i for i, _ in INTENTS]
    weights = [w for _, w in INTENTS]
    deploy = datetime.combine(START + timedelta(weeks=4), datetime.min.time(), UTC)
    span = WEEKS * 7 * 86400
    t0 = datetime.combine(START, datetime.min.time(), UTC)
    rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in (
        "bot_conversations", "packets", "hd_tickets", "hd_comments", "hd_satisfaction_ratings",
        "detection_runs", "reask_flags")}  # fmt: skip
    naive = lambda d: d.replace(tzinfo=None)  # noqa: E731
    for i in range(n):
        started = t0 + timedelta(seconds=rng.randrange(span))
        intent = rng.choices(names, weights)[0]
        seg, channel = rng.choice(SEGMENTS), rng.choice(CHANNELS)
        email = f"c{rng.randrange(max(1, n // 3))}@example.com"
        ticket_id = i + 1
        bot = started >= deploy and rng.random() < 0.7
        if bot:
            roll = rng.random()
            outcome = (
                "resolved"
                if roll < 0.55
                else "abandoned"
                if roll < 0.63
                else "refused"
                if roll < 0.65
                else "escalated"
            )
            ended = started + timedelta(seconds=rng.randrange(60, 1800))
            cid = f"conv-{i}"
            body = json.dumps({"customer": {"email": email, "segment": seg}})
            rows["bot_conversations"].append((
                cid, ticket_id if outcome == "escalated" else None, email, channel, intent, outcome,
                round(rng.random(), 2), "1", naive(started), naive(ended), body, cid, naive(ended)))  # fmt: skip
            if outcome != "escalated":
                continue
            rows["packets"].append((
                str(uuid.UUID(int=i)), ticket_id, cid, "1.0", intent, "low_confidence", channel, email,
                1.0, json.dumps(["identifiers"] if rng.random() < 0.2 else []), "{}", cid,
                naive(ended), naive(ended)))  # fmt: skip
            start_ticket, tags = ended, "[]"
        else:
            start_ticket, tags = started, json.dumps([f"intent:{intent}"])
        solved = start_ticket + timedelta(minutes=rng.randrange(20, 3000))
        rows["hd_tickets"].append((ticket_id, "s", "solved", channel, None, None, None, None, seg, tags,
                                   "[]", naive(started), naive(solved), naive(solved)))  # fmt: skip
        reply = start_ticket + timedelta(minutes=rng.randrange(1, 240))
        rows["hd_comments"].append((ticket_id, ticket_id, 1, "agent", True, "hi", naive(reply)))
        if rng.random() < 0.3:
            score = "good" if rng.random() < 0.8 else "bad"
            rows["hd_satisfaction_ratings"].append(
                (ticket_id, ticket_id, score, None, naive(solved), naive(solved))
            )
        if bot:
            rep = rng.random() < 0.07
            rows["detection_runs"].append((ticket_id, "1.0.0", rep, int(rep), 0, 0, naive(solved)))
            if rng.random() < 0.05:
                rows["reask_flags"].append((ticket_id, None, True, 7, "sidebar", "[]", None,
                                            naive(reply), naive(reply), None, None))  # fmt: skip
    return rows


COLUMNS = {
    "bot_conversations": ("conversation_id", "ticket_id", "customer_key", "channel", "intent", "outcome",
                          "model_csat", "bot_version", "started_at", "ended_at", "body", "body_hash", "received_at"),
    "packets": ("packet_id", "ticket_id", "conversation_id", "schema_version", "intent", "escalation_reason",
                "channel", "customer_key", "completeness", "missing_fields", "body", "body_hash", "created_at",
                "received_at"),
    "hd_tickets": ("id", "subject", "status", "channel", "requester_id", "assignee_id", "organization_id",
                   "group_id", "segment", "tags", "custom_fields", "created_at", "updated_at", "solved_at"),
    "hd_comments": ("id", "ticket_id", "author_id", "author_role", "public", "body", "created_at"),
    "hd_satisfaction_ratings": ("id", "ticket_id", "score", "comment", "created_at", "updated_at"),
    "detection_runs": ("ticket_id", "detector_version", "repetition", "explicit_count", "implicit_count",
                       "reask_count", "computed_at"),
    "reask_flags": ("ticket_id", "packet_id", "active", "agent_id", "source", "missing_fields", "note",
                    "created_at", "updated_at", "cleared_at", "cleared_by"),
}  # fmt: skip


def load(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """Bulk-insert the generated rows: COPY on PostgreSQL, executemany on SQLite."""
    engine = core_db.make_engine(url)
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        for table, data in rows.items():
            cols = COLUMNS[table]
            if url.startswith("postgresql"):
                with (
                    raw.cursor() as cur,
                    cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
                ):
                    for row in data:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in cols)
                sqlite_rows = [tuple(v.isoformat(" ", "microseconds") if isinstance(v, datetime) else v for v in r)
                               for r in data]  # fmt: skip
                raw.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", sqlite_rows
                )
    engine.dispose()


CPU: dict[str, float] = {}


def timed(fn: Callable[[], Any], repeat: int = 3, name: str = "") -> tuple[float, Any]:
    """Return the median wall time of ``repeat`` runs and the last result; keep our CPU time too.

    CPU time (this process only) is kept because the benchmark may share the machine; the
    database server's own CPU is not in it.
    """
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    if name:
        CPU[name] = statistics.median(cpu)
    return statistics.median(times), result


def pandas_figures(
    url: str, config: productconfig.ProductConfig, window: tuple[str, ...]
) -> dict[str, Any]:
    """Compute the headline figures from the source tables with pandas, as an analyst would."""
    import pandas as pd

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conv = pd.read_sql(
            "SELECT conversation_id, ticket_id, intent, channel, outcome, started_at, ended_at FROM bot_conversations",
            conn,
        )
        pk = pd.read_sql("SELECT conversation_id, ticket_id, created_at FROM packets", conn)
        tk = pd.read_sql("SELECT id, tags, created_at, solved_at FROM hd_tickets", conn)
        rt = pd.read_sql("SELECT ticket_id, score, updated_at FROM hd_satisfaction_ratings", conn)
        runs = pd.read_sql("SELECT ticket_id, repetition FROM detection_runs", conn)
        flags = pd.read_sql("SELECT ticket_id FROM reask_flags WHERE active", conn)
    engine.dispose()
    zone = config.timezone

    def week(series: pd.Series) -> pd.Series:
        local = pd.to_datetime(series, utc=True).dt.tz_convert(zone)
        iso = local.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)

    amap = {i: a.name for a in config.archetypes.values() for i in a.intents}
    conv["week"] = week(conv["started_at"])
    conv = conv.merge(
        pk.rename(columns={"ticket_id": "pk_ticket", "created_at": "handoff_at"}),
        on="conversation_id",
        how="left",
    )
    conv["escalated"] = (conv["outcome"] == "escalated") | conv["handoff_at"].notna()
    conv["path"] = conv["escalated"].map({True: "escalated", False: "ai_only"})
    conv["ticket"] = conv["ticket_id"].fillna(conv["pk_ticket"])
    claimed = set(conv["ticket"].dropna().astype("int64"))
    human = tk[~tk["id"].isin(claimed)].copy()
    human["intent"] = human["tags"].map(
        lambda t: next(
            (
                x[7:]
                for x in (json.loads(t) if isinstance(t, str) else t)
                if x.startswith("intent:")
            ),
            "unknown",
        )
    )
    human["week"] = week(human["created_at"])
    human["path"] = "human_only"
    human["ticket"] = human["id"]
    cols = ["intent", "week", "path", "ticket", "outcome", "started_at", "ended_at", "handoff_at"]
    human["outcome"] = None
    human["started_at"] = human["created_at"]
    human["ended_at"] = None
    human["handoff_at"] = None
    contacts = pd.concat([conv[cols], human[cols]], ignore_index=True)
    contacts["archetype"] = contacts["intent"].map(amap).fillna("unmapped")
    latest = rt.sort_values("updated_at").groupby("ticket_id").tail(1)
    latest = latest[latest["score"].isin(["good", "bad"])]
    contacts = contacts.merge(
        latest[["ticket_id", "score"]], left_on="ticket", right_on="ticket_id", how="left"
    )
    contacts = contacts.merge(tk[["id", "solved_at"]], left_on="ticket", right_on="id", how="left")
    win = contacts[contacts["week"].isin(window)]
    base = contacts[contacts["week"].isin(config.baseline_weeks())]
    out: dict[str, Any] = {}
    resolved_ai = (win["path"] == "ai_only") & (win["outcome"] == "resolved")
    out["deflection"] = (int(resolved_ai.sum()), len(win))
    per_arch = win.assign(r=resolved_ai).groupby("archetype")["r"].agg(["sum", "count"])
    out["deflection_by_archetype"] = per_arch.to_dict("index")

    def csat(df: pd.DataFrame) -> pd.Series:
        rated = df[df["score"].notna()]
        return rated.assign(g=rated["score"] == "good").groupby("archetype")["g"].mean() * 100

    out["csat_delta_by_archetype"] = (csat(win) - csat(base)).round(2).to_dict()
    esc = win[win["path"] == "escalated"]
    esc = esc.merge(runs, left_on="ticket", right_on="ticket_id", how="left", suffixes=("", "_run"))
    out["context_loss"] = (int(esc["ticket"].isin(set(flags["ticket_id"])).sum()), len(esc))
    checked = esc[esc["repetition"].notna()]
    out["repetition"] = (int(checked["repetition"].astype(bool).sum()), len(checked))
    engaged = win[win["path"] != "human_only"]
    out["escalation_by_intent"] = (
        engaged.assign(e=engaged["path"] == "escalated").groupby("intent")["e"].mean().to_dict()
    )

    def hours(a, b):
        return (pd.to_datetime(b, utc=True) - pd.to_datetime(a, utc=True)).dt.total_seconds()  # noqa: E731

    bot = engaged[engaged["outcome"].isin(["resolved", "escalated"])]
    out["bot_handle_median_s"] = float(
        hours(bot["started_at"], bot["handoff_at"].fillna(bot["ended_at"])).median()
    )
    out["escalated_handle_median_s"] = float(hours(esc["handoff_at"], esc["solved_at"]).median())
    bh = base[base["path"] == "human_only"]
    out["baseline_handle_median_s"] = float(hours(bh["started_at"], bh["solved_at"]).median())
    return out


def databases(backend: str, size: int) -> Iterator[str]:
    """Yield a fresh database URL for the backend, dropped afterwards (PostgreSQL)."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench_panel_")
        yield f"sqlite:///{folder}/bench.db"
        return
    name = f"bench_panel_{size}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(backend: str, size: int, config: productconfig.ProductConfig) -> dict[str, Any]:
    """Generate, load, refresh and time one backend at one size."""
    for url in databases(backend, size):
        core_db.upgrade(url)
        t = time.perf_counter()
        rows = generate(size)
        load(url, rows)
        load_s = time.perf_counter() - t
        engine = core_db.make_engine(url)
        sessions = core_db.make_session_factory(engine)
        t = time.perf_counter()
        with core_db.transaction(sessions) as session:
            rollup.refresh(session, config, now=NOW, full=True)
        refresh_s = time.perf_counter() - t
        with sessions() as session:
            rollup_rows = session.scalar(sa.select(sa.func.count()).select_from(MetricRollup))
            monthly_s, panel = timed(
                lambda: panel_mod.build(session, config, now=NOW, view="monthly").as_dict(),
                name="monthly",
            )
            quarterly_s, _ = timed(
                lambda: panel_mod.build(session, config, now=NOW, view="quarterly").as_dict()
            )
            ours = panel_mod.build(session, config, now=NOW, view="monthly")
        engine.dispose()
        window = tuple(ours.window)
        analyst = functools.partial(pandas_figures, url, config, window)
        pandas_s, theirs = timed(analyst, repeat=1, name="pandas")
        deflection = ours.find("deflection_rate")
        loss = ours.find("context_loss_rate")
        agree = (
            deflection is not None and deflection.rate is not None and loss is not None and loss.rate is not None
            and (deflection.rate.numerator, deflection.rate.denominator) == theirs["deflection"]
            and (loss.rate.numerator, loss.rate.denominator) == theirs["context_loss"]
        )  # fmt: skip
        return {
            "backend": backend, "contacts": size, "load_s": load_s, "refresh_s": refresh_s,
            "rollup_rows": rollup_rows, "panel_monthly_s": monthly_s, "panel_quarterly_s": quarterly_s,
            "pandas_s": pandas_s, "agree": agree, "figures": len(panel["figures"]),
            "panel_monthly_cpu_s": CPU.get("monthly"), "pandas_cpu_s": CPU.get("pandas"),
            "load_average": os.getloadavg()[0],
        }  # fmt: skip
    raise RuntimeError("no database")


def main() -> None:
    """Run every backend and size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    config = productconfig.load(productconfig.EXAMPLE_PATH)
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for backend in args.backends.split(","):
            result = run(backend, size, config)
            results.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
    header = (
        "| backend | contacts | load (s) | refresh, full (s) | rollup rows | panel monthly (s) | "
        "panel monthly, our CPU (s) | panel quarterly (s) | pandas (s) | pandas CPU (s) | same counts | load avg |"
    )
    print(header)
    print("|" + "---|" * 12)
    for r in results:
        print(f"| {r['backend']} | {r['contacts']:,} | {r['load_s']:.1f} | {r['refresh_s']:.1f} | {r['rollup_rows']:,} | "
              f"{r['panel_monthly_s']:.3f} | {r['panel_monthly_cpu_s']:.3f} | {r['panel_quarterly_s']:.3f} | "
              f"{r['pandas_s']:.2f} | {r['pandas_cpu_s']:.2f} | {'yes' if r['agree'] else 'NO'} | {r['load_average']:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
