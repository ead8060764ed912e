"""Run every benchmark from one entry point and write their tables to BENCHMARKS.md.

.venv/bin/python scripts/bench.py            # full sizes (the panel at 1M contacts takes a while)
.venv/bin/python scripts/bench.py --quick    # small sizes, to check they all run
.venv/bin/python scripts/bench.py --only ingest,detection
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name: (what it measures, full arguments, quick arguments)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "ingest": (
        "Packet ingest: POST /api/v1/packets under concurrent clients, gunicorn, SQLite and "
        "PostgreSQL, against a trivial endpoint on the same server",
        ["--requests", "2000"],
        ["--requests", "200"],
    ),
    "delivery": (
        "Delivery drain under a Growth plan's limits (100 ticket updates a minute shared with "
        "simulated agents, 10 exports a minute), on a clock scaled 60x; then a first sync",
        ["--packets", "10000", "--scale", "60"],
        ["--packets", "300", "--scale", "60"],
    ),
    "detection": (
        "Repetition detection throughput on one core",
        [],
        ["--rounds", "2"],
    ),
    "panel": (
        "The full panel as history grows (weekly rollups) against a plain pandas script",
        ["--sizes", "10000,100000,1000000"],
        ["--sizes", "2000,10000"],
    ),
}


def machine() -> str:
    """Describe the machine the numbers come from."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )  # fmt: skip
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        memory = "unknown memory"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average {load:.1f} at the start"
    )


def main() -> None:
    """Run the chosen benchmarks and write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(BENCHMARKS))
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    opts = parser.parse_args()
    chosen = [name.strip() for name in opts.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}"
        )
    parts = [
        "# Benchmarks\n",
        f"Written by `scripts/bench.py{' --quick' if opts.quick else ''}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n",
        f"Machine: {machine()}.\n",
        "Each section is the benchmark's own table, unedited. Run one again with "
        "`.venv/bin/python scripts/bench_<name>.py --help`.\n",
    ]
    for name in chosen:
        what, full, quick = BENCHMARKS[name]
        args = [
            sys.executable,
            str(ROOT / "scripts" / f"bench_{name}.py"),
            *(quick if opts.quick else full),
        ]
        print(f"== {name}: {' '.join(args[1:])}", flush=True)
        started = time.monotonic()
        result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        print(result.stdout[-3000:], flush=True)
        status = (
            ""
            if result.returncode == 0
            else f"\n**failed (exit {result.returncode})**:\n\n```\n{result.stderr[-2000:]}\n```\n"
        )
        parts.append(
            f"\n## {name}\n\n{what}.\n\n`scripts/bench_{name}.py {' '.join(args[2:])}` "
            f"({elapsed:.0f} s)\n\n```\n{result.stdout.strip()}\n```\n{status}"
        )
    Path(opts.output).write_text("\n".join(parts))
    print(f"wrote {opts.output}")


if __name__ == "__main__":
    main()
