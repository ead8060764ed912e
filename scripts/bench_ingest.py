"""Benchmark packet ingest: POST /api/v1/packets under concurrent clients, served by gunicorn.

For each database (SQLite file, PostgreSQL) it starts gunicorn on a fresh database, creates a
token, then drives C concurrent keep-alive clients (in a separate process from the server)
posting unique packets, and the same clients against the trivial /healthz endpoint of the same
server. It prints throughput and p50/p99 latency, and the ratio of the two, which is what our
validation and storage cost.

    .venv/bin/python scripts/bench_ingest.py [--requests 2000] [--clients 8] [--workers 2]
        [--threads 4] [--breakdown 300] [--compare /path/to/other/checkout]
        [--compare-threads 1] [--only postgresql]

The server runs as ``handoff serve`` runs it: ``--workers`` gunicorn workers of ``--threads``
threads each (gthread; 1 thread gives sync workers). Both endpoints of a server are measured
under the same configuration. Beside each run it prints the CPU milliseconds per request of
the gunicorn processes ("app cpu") and of the database's PostgreSQL backends ("db cpu"), read
from /proc, and for ingest the transactions per packet over the server's life ("commits",
from ``pg_stat_database``): below 1 when packets arriving together share a commit.

Request bodies are built before the clock starts, so the clients (on the same machine) spend
their CPU on sending, not on making packets. After each ingest run every packet id answered
2xx is looked up in the database with its two outbox rows: an acknowledged packet that is not
there is reported as lost (and the run fails).

``--compare PATH`` serves the same runs, back to back, from another checkout of the project
(e.g. ``git archive main``): its code is put first on PYTHONPATH for the server, the migrations
and the token. Both share this interpreter and its installed packages. ``--compare-threads N``
serves that checkout with N threads a worker (e.g. 1: as it shipped with sync workers).
``--compare-postgres-url URL`` serves it on a database made through another admin URL: with
``--compare`` naming this same checkout, the same code over TCP and over the Unix socket
(``BENCH_POSTGRES_URL`` sets this server's).

Each server alternates ``--alternations`` runs of the trivial endpoint and of ingest (3 by
default) and reports the medians: on a shared machine the load moves between runs, and
alternating lets both endpoints see the same spells. With ``--compare`` both servers run at
once, each on its own database, and the alternations interleave them (A B, then B A, ...), so
both checkouts see the same spells too; "pairs" lists each alternation's own ratio.

``--synchronous-commit off`` (PostgreSQL, a diagnostic only) runs the servers on a database
that acknowledges a commit before its WAL reaches the disk: the difference from a normal run is
what the durable commit costs. Never run the product so: a crash could lose acknowledged packets.

``--breakdown N`` also times each step of accepting a packet in this process (N packets per
database, after a warm-up): the token lookup, reading the body, schema validation (the compiled
validator, and for comparison the Python one the accept path no longer runs), the row values
(hash, completeness), the one insert of packet and outbox rows, the commit, encoding the
answer; and, for comparison, the policy check the request no longer runs. On PostgreSQL it also
times a bare ``COMMIT`` of a one-row insert, to show how much of the commit is the WAL flush,
and a batch of 4 packets written and committed together as the group commit writes them.
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
from collections.abc import Callable
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
    database_url: str, workers: int, instance: Path, code: Path | None = None, threads: int = 1
) -> tuple[subprocess.Popen, int, str]:
    """Migrate, create a token, start gunicorn (from ``code`` when given); return it, its port, the token."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HANDOFF_INSTANCE_PATH": str(instance),
        "HANDOFF_ENV": "development",
    }
    if code is not None:
        env["PYTHONPATH"] = str(code)
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
            # gunicorn's gthread workers when threads > 1, its sync workers otherwise
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "--no-control-socket",
            "helpdesk_app.wsgi:app",
        ],
        env=env,
        cwd=str(code or ROOT),
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


def drive(
    port: int,
    token: str,
    total: int,
    clients: int,
    trivial: bool,
    accepted: list[str] | None = None,
) -> list[float]:
    """Send ``total`` requests over ``clients`` keep-alive connections; return latencies in ms.

    Packet ids answered 2xx are appended to ``accepted``.
    """
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    per_client = total // clients
    bodies = [
        [
            None
            if trivial
            else json.dumps(
                packet(packet_id=str(uuid.uuid4()), ticket_id=10_000 + c * per_client + i)
            )
            for i in range(per_client)
        ]
        for c in range(clients)
    ]

    def run(c: int) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out = []
        for body in bodies[c]:
            if trivial:
                method, path = "GET", "/healthz"
            else:
                method, path = "POST", "/api/v1/packets"
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            out.append((time.perf_counter() - started) * 1000)
            if response.status not in (200, 201):
                raise RuntimeError(f"{path} answered {response.status}")
            if body is not None and accepted is not None:
                accepted.append(json.loads(body)["packet_id"])
        conn.close()
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [ms for chunk in pool.map(run, range(clients)) for ms in chunk]


def _cpu_seconds(pids: list[int]) -> float:
    """Return the user + system CPU seconds the processes ``pids`` have used (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone since it was listed
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def app_pids(master: int) -> list[int]:
    """Return gunicorn's master and its workers."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return (
        [master, *(int(p) for p in children.read_text().split())] if children.exists() else [master]
    )


def database_pids(url: str) -> list[int]:
    """Return the PostgreSQL backends serving ``url``'s database (none for SQLite)."""
    if not url.startswith("postgresql"):
        return []
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()")).scalars())  # fmt: skip
    finally:
        engine.dispose()


def commits(url: str) -> int:
    """Return how many transactions ``url``'s PostgreSQL database has committed (0 on SQLite)."""
    if not url.startswith("postgresql"):
        return 0
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one())  # fmt: skip
    finally:
        engine.dispose()


def measure(label: str, port: int, token: str, total: int, clients: int, trivial: bool,
            accepted: list[str] | None = None, master: int = 0, url: str = "") -> dict:  # fmt: skip
    """Warm up, then time one run and summarise it, with the server's CPU per request."""
    drive(port, token, clients * 5, clients, trivial, accepted)
    app, database = app_pids(master) if master else [], database_pids(url) if url else []
    app_cpu, database_cpu = _cpu_seconds(app), _cpu_seconds(database)
    started = time.perf_counter()
    latencies = drive(port, token, total, clients, trivial, accepted)
    elapsed = time.perf_counter() - started
    app_cpu, database_cpu = _cpu_seconds(app) - app_cpu, _cpu_seconds(database) - database_cpu
    latencies.sort()
    return {
        "app_cpu_ms": app_cpu * 1000 / len(latencies),
        "db_cpu_ms": database_cpu * 1000 / len(latencies),
        "run": label,
        "requests": len(latencies),
        "req_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
        "load": os.getloadavg()[0],
    }


def lost_packets(url: str, accepted: list[str]) -> tuple[int, int]:
    """Return how many acknowledged packets, and how many of their outbox rows, are missing."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = set()
            notes = set()
            for start in range(0, len(accepted), 500):
                chunk = accepted[start : start + 500]
                found |= set(conn.execute(
                    sa.text("SELECT packet_id FROM packets WHERE packet_id IN :ids")
                    .bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk}).scalars())  # fmt: skip
                keys = [f"packet_note:{i}" for i in chunk]
                notes |= set(conn.execute(
                    sa.text("SELECT key FROM outbox WHERE key IN :keys")
                    .bindparams(sa.bindparam("keys", expanding=True)), {"keys": keys}).scalars())  # fmt: skip
    finally:
        engine.dispose()
    return len(set(accepted) - found), len({f"packet_note:{i}" for i in accepted} - notes)


def fresh_database(
    kind: str, tmp: Path, synchronous_commit: str = "on", admin_url: str = PG_ADMIN
) -> tuple[str, Callable[[], None]]:
    """Return the URL of a new, empty database of ``kind`` and the function that drops it.

    A PostgreSQL database is made through ``admin_url`` and reached the same way (TCP, or the
    Unix socket with ``?host=/var/run/postgresql``).
    """
    if kind == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}", lambda: None
    name = f"handoff_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        if synchronous_commit != "on":  # a diagnostic only: see --synchronous-commit
            conn.execute(
                sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = {synchronous_commit}')
            )

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


def breakdown(url: str, count: int) -> list[tuple[str, float, float]]:
    """Time each step of accepting ``count`` packets on a migrated database; return (step, p50 ms, mean ms)."""
    from datetime import UTC, datetime, timedelta

    from handoff import jsonguard, packets, schemas, tokens
    from handoff.db import make_engine, make_session_factory, statement_engine, upgrade
    from handoff.policy import golden, hooks
    from handoff.policy.checks import check_packet

    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions() as session:
        golden.load(session, golden.read_file(ROOT / "config" / "policy-golden-set.example.yaml"),
                    by="bench", now=now, source="bench")  # fmt: skip
        plaintext = tokens.create_token(session, "bench", now=now).plaintext
        session.commit()
    steps: dict[str, list[float]] = {}

    def timed(name: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        steps.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return result

    def python_validation(doc):  # type: ignore[no-untyped-def]
        return schemas._nul_errors(doc) + list(schemas.validator(schemas.PACKET).iter_errors(doc))

    postgres = url.startswith("postgresql")
    # What the app does: on PostgreSQL the intake's statements commit by themselves.
    intake = statement_engine(url) if postgres else engine
    assert intake is not None
    cache = tokens.TokenCache(timedelta(seconds=30))
    if postgres:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_commit (x int)"))
    for i in range(count + 20):
        raw = json.dumps(packet(packet_id=str(uuid.uuid4()), ticket_id=20_000 + i)).encode()
        with sessions() as session:
            timed("(token lookup, once in 30 s per process)",
                  tokens.authenticate, session, plaintext, "packets:write", now=now)  # fmt: skip
            timed("token check (verified in the last 30 s)",
                  cache.authenticate, lambda: session, plaintext, "packets:write", now=now)  # fmt: skip
        with intake.connect() as conn:
            doc = timed("read body (strict JSON guard)", jsonguard.parse, raw)
            timed(
                "schema validation (compiled, accept path)", schemas.validate, schemas.PACKET, doc
            )
            timed("(Python validator, now only for refusals)", python_validation, doc)
            values = timed("row values (hash, completeness)", packets.packet_values, doc, now=now)
            queued = [packets.delivery_of(values["packet_id"], values["ticket_id"]),
                      *hooks.packet_follow_ups(values["packet_id"])]  # fmt: skip
            timed(
                "insert packet + 2 outbox rows" + (" (commits: WAL flush)" if postgres else ""),
                packets._insert_new, conn, values, queued, now,
            )  # fmt: skip
            if not postgres:
                timed("commit (WAL write)", conn.commit)
            stored_packet = packets.StoredPacket(
                values["packet_id"], values["body"], values["completeness"],
                values["missing_fields"], values["received_at"], packets.canonical_json(values["body"]))  # fmt: skip
            timed("encode the answer (around the body's JSON)", packets.packet_json, stored_packet)
        with sessions() as session:
            stored = packets.get_packet(session, values["packet_id"])
            with session.begin_nested():
                timed(
                    "(policy check, no longer in the request)", check_packet, session, stored, now
                )
            session.rollback()
        if postgres:
            with intake.connect() as conn:
                timed("(a one-row INSERT committing by itself)", conn.execute,
                      sa.text("INSERT INTO bench_commit VALUES (1)"))  # fmt: skip
                timed("(a SELECT 1 round trip)", conn.execute, sa.text("SELECT 1"))
    # What a batch saves: four packets queued together, written as the group commit writes them.
    for i in range(count // 4 + 5):
        batch = []
        for _ in range(4):
            doc = packet(packet_id=str(uuid.uuid4()), ticket_id=30_000 + i)
            values = packets.packet_values(doc, now=now)
            batch.append(packets.NewPacket(values, [packets.delivery_of(values["packet_id"],
                         values["ticket_id"]), *hooks.packet_follow_ups(values["packet_id"])], now))  # fmt: skip
        with intake.begin() as conn:
            started = time.perf_counter()
            packets.insert_batch(conn, batch)
        steps.setdefault("(a batch of 4 committed together, per packet)", []).append(
            (time.perf_counter() - started) * 1000 / 4
        )
    if postgres:
        intake.dispose()
    engine.dispose()
    out = []
    for name, values in steps.items():
        kept = sorted(values[20:])
        out.append((name, statistics.median(kept), statistics.fmean(kept)))
    return out


def _median_run(runs: list[dict]) -> dict:
    """Summarise alternated runs of one endpoint: the median of each figure, the loads seen."""
    return {
        "run": runs[0]["run"],
        "requests": sum(r["requests"] for r in runs),
        "req_per_s": statistics.median(r["req_per_s"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "load": statistics.fmean(r["load"] for r in runs),
        "app_cpu_ms": statistics.median(r["app_cpu_ms"] for r in runs),
        "db_cpu_ms": statistics.median(r["db_cpu_ms"] for r in runs),
    }


def serve_and_measure(kind: str, codes: list[tuple[Path | None, str]], args: argparse.Namespace,
                      tmp: Path) -> list[dict]:  # fmt: skip
    """Start one server per checkout, each on a fresh database; alternate their loads; check nothing was lost.

    Every alternation runs, for each server in turn, the trivial endpoint then ingest; the
    servers' order flips at every alternation (A B, B A, ...), so a spell of load from outside
    falls on both alike. A server waits idle while the other is driven.
    """
    servers = []
    try:
        for code, label in codes:
            admin = args.compare_postgres_url if label == "compare" else None
            url, cleanup = fresh_database(kind, tmp, args.synchronous_commit, admin or PG_ADMIN)
            if args.synchronous_commit != "on":
                label += f" (synchronous_commit={args.synchronous_commit})"
            threads = args.threads
            if label == "compare" and args.compare_threads is not None:
                threads = args.compare_threads
            label += f" x{threads}"
            server = {"label": label, "url": url, "cleanup": cleanup, "proc": None}
            servers.append(server)
            server["proc"], server["port"], server["token"] = start_server(
                url, args.workers, tmp / f"{kind}-{uuid.uuid4().hex[:6]}", code, threads
            )
            server.update(trivials=[], ingests=[], accepted=[], commits=commits(url))
        for alternation in range(args.alternations):
            for server in servers if alternation % 2 == 0 else servers[::-1]:
                label, port, token = server["label"], server["port"], server["token"]
                master, url = server["proc"].pid, server["url"]
                server["trivials"].append(measure(f"{label} {kind}: GET /healthz", port, token,
                                                  args.requests, args.clients, True,
                                                  master=master, url=url))  # fmt: skip
                server["ingests"].append(measure(f"{label} {kind}: POST /packets", port, token,
                                                 args.requests, args.clients, False,
                                                 server["accepted"], master=master, url=url))  # fmt: skip
        rows = []
        if kind == "postgresql":
            time.sleep(11)  # a backend idle since its last commit reports it within 10 s
        for server in servers:
            trivial, ingest = _median_run(server["trivials"]), _median_run(server["ingests"])
            ingest["vs_trivial"] = trivial["req_per_s"] / ingest["req_per_s"]
            ingest["pairs"] = [t["req_per_s"] / i["req_per_s"]
                               for t, i in zip(server["trivials"], server["ingests"], strict=True)]  # fmt: skip
            lost, lost_notes = lost_packets(server["url"], server["accepted"])
            ingest["acknowledged"], ingest["lost"], ingest["lost_notes"] = (
                len(server["accepted"]), lost, lost_notes)  # fmt: skip
            # Transactions per packet over the server's life: the trivial endpoint commits none.
            ingest["commits"] = (commits(server["url"]) - server["commits"]) / len(
                server["accepted"]
            )
            rows += [trivial, ingest]
        return rows
    finally:
        for server in servers:
            proc = server["proc"]
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:  # a loaded machine: do not lose the numbers
                    proc.kill()
                    proc.wait()
            server["cleanup"]()


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker, as `handoff serve` (gthread if > 1)",
    )
    parser.add_argument(
        "--compare-threads",
        type=int,
        help="threads per worker of the --compare server (default: --threads); its trivial "
        "endpoint is measured under the same",
    )
    parser.add_argument(
        "--compare-postgres-url",
        help="PostgreSQL admin URL for the --compare server (default: BENCH_POSTGRES_URL), e.g. "
        "TCP for one and the Unix socket for the other, same code, same minutes",
    )
    parser.add_argument("--breakdown", type=int, default=0, help="time each step over N packets")
    parser.add_argument("--skip-server", action="store_true", help="only the breakdown")
    parser.add_argument("--compare", type=Path, help="another checkout to serve back to back")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the servers N times")
    parser.add_argument(
        "--alternations",
        type=int,
        default=3,
        help="per server: alternate trivial and ingest runs N times, report the medians",
    )
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default="on",
        help="PostgreSQL: 'off' shows what the WAL flush costs. A diagnostic, never a setting: "
        "with it off a crash can lose packets already acknowledged",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    rows: list[dict] = []
    steps: dict[str, list[tuple[str, float, float]]] = {}
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    try:
        for kind in kinds:
            if args.breakdown:
                url, cleanup = fresh_database(kind, tmp)
                try:
                    steps[kind] = breakdown(url, args.breakdown)
                finally:
                    cleanup()
            if args.skip_server:
                continue
            codes: list[tuple[Path | None, str]] = [(None, "this")]
            if args.compare is not None:
                codes.insert(0, (args.compare, "compare"))
            for _ in range(args.rounds):
                rows += serve_and_measure(kind, codes, args, tmp)
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
        f"\ngunicorn workers={args.workers} threads={args.threads} "
        f"({'gthread' if args.threads > 1 else 'sync'}), clients={args.clients}, requests per run={args.requests}, "
        f"cpus={os.cpu_count()}" + (f", compare={args.compare}" if args.compare else "")
    )
    print(
        f"{'run':<38} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'cost x':>6} {'load':>5} {'lost':>9} "
        f"{'app cpu':>7} {'db cpu':>6} {'commits':>7}  pairs"
    )
    for r in rows:
        cost = f"{r['vs_trivial']:.1f}" if "vs_trivial" in r else ""
        lost = f"{r['lost']}/{r['acknowledged']}" if "lost" in r else ""
        print(
            f"{r['run']:<38} {r['req_per_s']:>7.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
            f"{cost:>6} {r['load']:>5.2f} {lost:>9} {r['app_cpu_ms']:>7.2f} {r['db_cpu_ms']:>6.2f} {r.get('commits', 0):>7.2f}  "
            + " ".join(f"{p:.1f}" for p in r.get("pairs", []))
        )
    lost_any = [r for r in rows if r.get("lost") or r.get("lost_notes")]
    if lost_any:
        raise SystemExit(f"acknowledged packets missing from the database: {lost_any}")


if __name__ == "__main__":
    main()
