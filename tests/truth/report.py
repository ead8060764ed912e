"""Feed the scenario, export every view, print the mismatch table; never fails.

PYTHONPATH=$PWD .venv/bin/python -m tests.truth.report [--limit N] [--save exports.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from tests.truth.compare import compare_exports, drill_diff, export_all
from tests.truth.feed import fed_product, refresh_full
from tests.truth.oracle import Oracle
from tests.truth.scenario import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--limit", type=int, default=None, help="print at most N mismatches")
    parser.add_argument("--save", type=Path, help="write the exports (JSON) here")
    parser.add_argument("--full", action="store_true", help="also compare after refresh --full")
    parser.add_argument(
        "--drill",
        default="quarterly:2026-W44",
        help="VIEW:WEEK whose contacts are diffed one by one (scope all); 'none' to skip",
    )
    opts = parser.parse_args()
    logging.disable(logging.INFO)
    started = time.monotonic()
    scenario = build(opts.seed)
    oracle = Oracle(scenario)
    with fed_product(scenario) as fed:
        for line in fed.log:
            print("feed:", line)
        exports = export_all(fed)
        result = compare_exports(exports, oracle)
        print(result.table(opts.limit))
        print()
        print(result.summary())
        if opts.drill != "none":
            view, week = opts.drill.split(":")
            print(f"\ncontacts behind the {view} {week} figures (scope all), product vs truth:")
            for line in drill_diff(fed, oracle, scenario, view, week):
                print("  " + line)
        if opts.save:
            opts.save.write_text(json.dumps(exports, indent=1, default=str))
        if opts.full:
            refresh_full(fed)
            full = compare_exports(export_all(fed), oracle)
            print("\nafter `handoff panel refresh --full`:")
            print(full.summary())
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
