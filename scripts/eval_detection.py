"""Measure the repetition detector on the labelled set: precision and recall per finding kind.

    .venv/bin/python scripts/eval_detection.py [--split tune|heldout|all] [--show-errors]

Messages are scored one verdict per message (explicit repetition or not); conversations one
verdict per (comment, kind) pair, plus one per ticket for "repetition" as the CLI reports it.
Intervals are Wilson 95%. Splits: ``tune`` (the rules were tuned on it), ``heldout`` (written
before the detector, never looked at while tuning), ``challenge`` (messages written after the
rules existed, to probe them; tuned on after its first run), ``fresh`` (written after all
tuning, run once). Errors are only listed with --show-errors.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handoff.detection import EXPLICIT, IMPLICIT, KINDS, detect_message, detect_ticket  # noqa: E402
from handoff.detection.engine import has_repetition  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "detection"


def wilson(hits: int, total: int) -> str:
    """Return the Wilson 95% interval of hits/total as 'lo-hi'."""
    if total == 0:
        return "-"
    z, p = 1.96, hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return f"{max(0.0, centre - half):.2f}-{min(1.0, centre + half):.2f}"


def load(name: str) -> list[dict]:
    """Read one JSON-lines file of the evaluation set."""
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score(split: str, show: bool) -> list[tuple[str, int, int, int]]:
    """Return (kind, tp, fp, fn) rows for one split, printing errors when asked."""
    counts = {k: [0, 0, 0] for k in (*KINDS, "explicit (messages)", "ticket repetition")}

    def tally(kind: str, predicted: bool, gold: bool, label: str) -> None:
        row = counts[kind]
        if predicted and gold:
            row[0] += 1
        elif predicted:
            row[1] += 1
        elif gold:
            row[2] += 1
        if show and predicted != gold:
            print(f"  [{split}] {'FP' if predicted else 'FN'} {kind}: {label}")

    for record in load(f"messages.{split}.jsonl"):
        found = bool(detect_message(record["text"]))
        tally("explicit (messages)", found, record["explicit"], record["text"])
        tally(EXPLICIT, found, record["explicit"], record["text"])
    tickets = (
        load(f"conversations.{split}.jsonl")
        if (DATA / f"conversations.{split}.jsonl").exists()
        else []
    )
    for record in tickets:
        findings = detect_ticket(record["packet"], record["comments"])
        predicted = {(f.comment_id, f.kind) for f in findings}
        gold = {(e["comment_id"], e["kind"]) for e in record["expected"]}
        bodies = {c["id"]: c["body"] for c in record["comments"]}
        for comment_id, kind in sorted(predicted | gold, key=str):
            label = f"{record['id']} #{comment_id}: {bodies.get(comment_id, '')[:90]}"
            tally(kind, (comment_id, kind) in predicted, (comment_id, kind) in gold, label)
        gold_rep = any(k in {EXPLICIT, IMPLICIT} for _, k in gold)
        tally("ticket repetition", has_repetition(findings), gold_rep, record["id"])
    return [(kind, *row) for kind, row in counts.items()]  # type: ignore[misc]


def main() -> None:
    """Print precision and recall per finding kind for the chosen splits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split", choices=["tune", "heldout", "challenge", "fresh", "all"], default="all"
    )
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    splits = ["tune", "heldout", "challenge", "fresh"] if args.split == "all" else [args.split]
    header = f"{'split':9} {'kind':22} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'(95%)':>11} {'recall':>7} {'(95%)':>11}"
    print(header)
    print("-" * len(header))
    for split in splits:
        for kind, tp, fp, fn in score(split, args.show_errors):
            p = f"{tp / (tp + fp):.3f}" if tp + fp else "-"
            r = f"{tp / (tp + fn):.3f}" if tp + fn else "-"
            if tp + fp + fn == 0:
                continue
            print(
                f"{split:9} {kind:22} {tp:4d} {fp:4d} {fn:4d} {p:>9} {wilson(tp, tp + fp):>11} "
                f"{r:>7} {wilson(tp, tp + fn):>11}"
            )


if __name__ == "__main__":
    main()
