"""Measure detector throughput on one CPU core: messages per second, and tickets per second.

    .venv/bin/python scripts/bench_detection.py [--messages 20000] [--rounds 3]

The process is pinned to one core (where the OS allows) and the pipeline is built before
timing. Inputs are the evaluation set's messages and tickets, cycled to the requested count;
the best of ``--rounds`` runs is reported, with the median beside it. The bare spaCy
tokenizer and the shared pipeline (tokenizer, norms, lemmas) are timed on the same messages
first, as the floor the detector's own work sits on.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        .venv/bin/python scripts/bench_detection.py --instructions 2000 [--comments]

runs ``detect_message`` on N messages (or ticket comments) after a warm-up and times nothing:
the instructions with N minus those with 0, divided by N, are a count per message that this
machine's changing speed does not move.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handoff.detection import detect_message, detect_messages, detect_ticket  # noqa: E402
from handoff.detection.nlp import get_nlp  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "detection"


def load(pattern: str) -> list[dict]:
    """Read every JSON line of the files matching ``pattern``."""
    rows: list[dict] = []
    for path in sorted(DATA.glob(pattern)):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return rows


def timed(fn, rounds: int) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Run ``fn`` ``rounds`` times; return (CPU seconds, wall seconds) of each run.

    CPU time is what one core spent on us; wall time also counts waiting for a core that
    other processes held, which on a shared machine says more about them than about us.
    """
    times = []
    for _ in range(rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        times.append((time.process_time() - cpu, time.perf_counter() - wall))
    return times


def main() -> None:
    """Print a throughput table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instructions", type=int, metavar="N", help="run N messages, untimed")
    parser.add_argument("--comments", action="store_true", help="with --instructions: comments")
    args = parser.parse_args()
    if args.instructions is not None and not 0 <= args.instructions <= args.messages:
        parser.error(f"--instructions must be between 0 and --messages ({args.messages})")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    texts = [r["text"] for r in load("messages.*.jsonl")]
    texts = list(itertools.islice(itertools.cycle(texts), args.messages))
    conversations = load("conversations.*.jsonl")
    # Ticket comments are mostly ordinary messages, as live traffic is; the message set is
    # half cues by design, the slow case.
    comments = [c["body"] for t in conversations for c in t["comments"]]
    comments = list(itertools.islice(itertools.cycle(comments), args.messages))
    tickets = list(itertools.islice(itertools.cycle(conversations), args.tickets))
    customer_msgs = sum(1 for t in tickets for c in t["comments"] if c["author_role"] == "end-user")
    build = time.perf_counter()
    get_nlp()
    detect_message("warm up: as I told the bot")
    build = time.perf_counter() - build
    if args.instructions is not None:
        # The same warm-up for every N (norms, lemmas and word keys cached), then N messages.
        for text in texts[:1000]:
            detect_message(text)
        for text in (comments if args.comments else texts)[: args.instructions]:
            detect_message(text)
        return

    nlp = get_nlp()
    rows = [
        ("spaCy tokenizer alone", len(texts), "msg",
         timed(lambda: [nlp.tokenizer(t) for t in texts], args.rounds)),
        ("shared pipeline alone (nlp())", len(texts), "msg",
         timed(lambda: [nlp(t) for t in texts], args.rounds)),
        ("detect_message, one call each", len(texts), "msg",
         timed(lambda: [detect_message(t) for t in texts], args.rounds)),
        ("detect_messages, batched", len(texts), "msg",
         timed(lambda: detect_messages(texts), args.rounds)),
        ("detect_message, ticket comments", len(comments), "msg",
         timed(lambda: [detect_message(t) for t in comments], args.rounds)),
        ("detect_ticket, whole tickets", len(tickets), "ticket",
         timed(lambda: [detect_ticket(t["packet"], t["comments"]) for t in tickets], args.rounds)),
    ]  # fmt: skip
    mean_chars = statistics.mean(len(t) for t in texts)
    print(f"python {platform.python_version()} on {platform.machine()}, 1 core "
          f"(affinity {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}); "
          f"pipeline build + warm-up {build:.2f} s; mean message {mean_chars:.0f} chars; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'what':32} {'items':>7} {'cpu best/s':>11} {'cpu median/s':>13} {'wall best/s':>12}")
    for name, count, unit, times in rows:
        cpu = [c for c, _ in times]
        wall = [w for _, w in times]
        print(
            f"{name:32} {count:7d} {count / min(cpu):11.0f} {count / statistics.median(cpu):13.0f} "
            f"{count / min(wall):12.0f}  {unit}/s"
        )
    print(f"(tickets hold {customer_msgs / len(tickets):.1f} customer messages each on average)")


if __name__ == "__main__":
    main()
