"""Measure the repetition detector on the labelled set: precision and recall per finding kind.

    .venv/bin/python scripts/eval_detection.py [--split tune|heldout|all] [--show-errors]

Messages are scored one verdict per message (explicit repetition or not); conversations one
verdict per (comment, kind) pair, plus one per ticket for "repetition" as the CLI reports it.
Intervals are Wilson 95%. Splits: ``tune`` (the rules were tuned on it), ``heldout`` (written
before the detector, never looked at while tuning), ``challenge`` (messages written after the
rules existed, to probe them; tuned on after its first run), ``fresh`` (written after all
tuning, run once). Errors are only listed with --show-errors. ``--heldout DIR`` scores one
directory of the same two files (``messages.jsonl``, ``conversations.jsonl``) written by
someone who never saw the detector.

What an agent asks for: ``--asks PATH`` reads JSON lines ``{"text", "asks": [field, ...]}``
(agent replies labelled with the fields they ask for, such as
``tests/data/detection/train/indep-1/agent.jsonl``) and prints, per field, how well the re-ask
patterns recognise that the reply asks for it (whether the packet holds it is not asked here).

Real conversations: ``--twcs PATH`` reads the public TweetSumm threads (Twitter customer
support, a JSON file ``{"document": ["<id>\\n\\tCustomer:\\t...\\n\\tAgent:\\t...", ...]}`` such as
``data/twitter.json`` of the public repository IssamLaradji/chat_summarization_tutorial),
fetched to a local path at evaluation time. Their licence is non-commercial: neither the
file nor labels or text derived from it belong in this repository. Each customer turn (with
@handles and links removed) is one message. Without labels the script prints how many turns
are flagged; with ``--labels PATH`` (JSON lines ``{"id": "<thread>:<turn>", "label":
"yes"|"no"|"unsure"}``, optionally ``"kind"``, kept beside the data, outside the repository)
it prints recall on the "yes" turns (and per kind, where labels give one) and false alarms as a share of all customer turns (a flagged turn labelled "no",
or not labelled at all, is a false alarm; "unsure" turns count neither way). ``--half 0-7``
reads, scores and prints only threads whose id starts with 0 to 7 (a development half; the
other half stays unread for a final check).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handoff.detection import (  # noqa: E402
    EXPLICIT,
    IMPLICIT,
    KINDS,
    detect_message,
    detect_messages,
    detect_ticket,
)
from handoff.detection.engine import has_repetition  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "detection"


def wilson(hits: int, total: int, percent: bool = False) -> str:
    """Return the Wilson 95% interval of hits/total as 'lo-hi', as shares or as percentages."""
    if total == 0:
        return "-"
    z, p = 1.96, hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return f"{low:.2%}-{high:.2%}" if percent else f"{low:.2f}-{high:.2f}"


def load(name: str, directory: Path = DATA) -> list[dict]:
    """Read one JSON-lines file of the evaluation set."""
    with (directory / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score(split: str, show: bool, directory: Path = DATA) -> list[tuple[str, int, int, int]]:
    """Return (kind, tp, fp, fn) rows for one split (or, with ``split`` empty, the files
    ``messages.jsonl`` and ``conversations.jsonl`` of ``directory``), printing errors when asked."""
    suffix = f".{split}" if split else ""
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

    for record in load(f"messages{suffix}.jsonl", directory):
        found = bool(detect_message(record["text"]))
        tally("explicit (messages)", found, record["explicit"], record["text"])
        tally(EXPLICIT, found, record["explicit"], record["text"])
    tickets = (
        load(f"conversations{suffix}.jsonl", directory)
        if (directory / f"conversations{suffix}.jsonl").exists()
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


TURN_RE = re.compile(r"\n\t(Customer|Agent):\t")
HANDLE_RE = re.compile(r"@\w+")
LINK_RE = re.compile(r"https?://\S+")


def twcs_turns(path: Path) -> list[tuple[str, str, str | None]]:
    """Return (id, text, context) of every customer turn of a TweetSumm JSON file; id is
    thread:turn, context the agent's turn before it in the thread (None before the first)."""
    with path.open(encoding="utf-8") as fh:
        documents = json.load(fh).get("document")
    if not isinstance(documents, list):
        raise SystemExit(f"{path}: expected a JSON object with a 'document' list")
    turns: list[tuple[str, str, str | None]] = []
    for n, document in enumerate(documents):
        parts = TURN_RE.split(document)
        thread = parts[0].strip() or f"doc{n}"
        previous: str | None = None
        for i, (role, text) in enumerate(zip(parts[1::2], parts[2::2], strict=True)):
            clean = LINK_RE.sub("", HANDLE_RE.sub("", text)).strip()
            if role == "Customer":
                turns.append((f"{thread}:{i}", clean, previous))
            else:
                previous = clean
    return turns


def score_twcs(
    path: Path, labels_path: Path | None, show: bool, half: str = "", no_context: bool = False
) -> None:
    """Print flag rate, and with labels recall and false alarms, on real customer turns;
    with ``half`` (a range of first characters such as "0-7") only threads whose id starts
    with one of them are read, scored or printed."""
    turns = twcs_turns(path)
    if half:
        first = _first_chars(half)
        turns = [turn for turn in turns if turn[0][:1].lower() in first]
        print(f"threads whose id starts with {half}: {len(turns)} customer turns")
    # Each turn is read with the agent's turn before it unless --no-context.
    contexts = [None if no_context else c for _, _, c in turns]
    flagged = {
        tid: findings
        for (tid, _, _), findings in zip(
            turns, detect_messages([t for _, t, _ in turns], contexts=contexts), strict=True
        )
        if findings
    }
    total = len(turns)
    print(f"customer turns {total}, flagged {len(flagged)} ({len(flagged) / total:.2%})")
    if labels_path is None:
        if show:
            for tid, text, _ in turns:
                if tid in flagged:
                    print(f"  flagged {tid} [{flagged[tid][0].cue}]: {text[:160]}")
        return
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    with labels_path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in {"yes", "no", "unsure"}:
                raise SystemExit(f"{labels_path}:{n}: label must be yes, no or unsure")
            labels[str(row["id"])] = row["label"]
            if row.get("kind"):
                kinds[str(row["id"])] = str(row["kind"])
    text_of = {tid: text for tid, text, _ in turns}
    # Labels of threads outside the chosen half are neither read nor counted.
    labels = {tid: label for tid, label in labels.items() if tid in text_of}
    positives = [tid for tid, label in labels.items() if label == "yes" and tid in text_of]
    found = [tid for tid in positives if tid in flagged]
    false_alarms = [tid for tid in flagged if labels.get(tid, "no") == "no"]
    unreviewed = [tid for tid in flagged if tid not in labels]
    unsure = sum(1 for label in labels.values() if label == "unsure")
    print(
        f"recall {len(found)}/{len(positives)} = {len(found) / max(1, len(positives)):.3f} "
        f"({wilson(len(found), len(positives))}); false alarms {len(false_alarms)}/{total} "
        f"= {len(false_alarms) / total:.2%} ({wilson(len(false_alarms), total, percent=True)}); "
        f"flagged but unlabelled {len(unreviewed)}; unsure {unsure}"
    )
    # Labels may say what kind of claim a yes is (told/sent/explained, or bare earlier contact).
    for kind in sorted({kinds[tid] for tid in positives if tid in kinds}):
        of_kind = [tid for tid in positives if kinds.get(tid) == kind]
        hits = sum(1 for tid in of_kind if tid in flagged)
        print(
            f"  {kind}: recall {hits}/{len(of_kind)} = {hits / len(of_kind):.3f} ({wilson(hits, len(of_kind))})"
        )
    if show:
        for tid in positives:
            if tid not in flagged:
                print(f"  missed {tid}: {text_of[tid][:160]}")
        for tid in false_alarms:
            print(f"  false alarm {tid} [{flagged[tid][0].cue}]: {text_of[tid][:160]}")


def _first_chars(half: str) -> frozenset[str]:
    """Read "0-7" (or "0-3,a") as the set of first characters of thread ids to keep."""
    chars: set[str] = set()
    for part in half.lower().split(","):
        low, _, high = part.strip().partition("-")
        if len(low) != 1 or (high and len(high) != 1) or (high or low) < low:
            raise SystemExit(f"--half {half!r}: expected ranges of single characters such as 0-7")
        chars |= {chr(c) for c in range(ord(low), ord(high or low) + 1)}
    return frozenset(chars)


def score_asks(path: Path, show: bool) -> None:
    """Print precision and recall per field of the asks the re-ask patterns recognise."""
    from handoff.detection.nlp import get_nlp
    from handoff.detection.reask import find_asks

    rows = load(path.name, path.parent)
    counts: dict[str, list[int]] = {}
    for row in rows:
        found = {hit.field for hit in find_asks(get_nlp()(row["text"]))}
        gold = set(row["asks"])
        for field in found | gold:
            tally = counts.setdefault(field, [0, 0, 0])
            tally[0 if field in found and field in gold else 1 if field in found else 2] += 1
        if show and found != gold:
            print(f"  asks {sorted(gold)} found {sorted(found)}: {row['text'][:100]}")
    print(f"{len(rows)} agent replies, {sum(bool(r['asks']) for r in rows)} asking for something")
    print(f"{'field':16} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>7}")
    total = [0, 0, 0]
    for field, (tp, fp, fn) in sorted(counts.items()):
        total = [total[0] + tp, total[1] + fp, total[2] + fn]
        print(
            f"{field:16} {tp:4d} {fp:4d} {fn:4d} {tp / max(1, tp + fp):9.3f} {tp / max(1, tp + fn):7.3f}"
        )
    tp, fp, fn = total
    print(
        f"{'all fields':16} {tp:4d} {fp:4d} {fn:4d} {tp / max(1, tp + fp):9.3f} {tp / max(1, tp + fn):7.3f}"
    )


def main() -> None:
    """Print precision and recall per finding kind for the chosen splits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split", choices=["tune", "heldout", "challenge", "fresh", "all"], default="all"
    )
    parser.add_argument("--heldout", type=Path, action="append", default=[], metavar="DIR")
    parser.add_argument("--twcs", type=Path, metavar="PATH")
    parser.add_argument("--labels", type=Path, metavar="PATH")
    parser.add_argument(
        "--half",
        default="",
        metavar="RANGE",
        help="with --twcs: only threads whose id starts with these characters, e.g. 0-7",
    )
    parser.add_argument("--asks", type=Path, metavar="PATH")
    parser.add_argument(
        "--no-context", action="store_true", help="with --twcs: read each turn without its thread"
    )
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    if args.twcs:
        score_twcs(args.twcs, args.labels, args.show_errors, args.half, args.no_context)
        return
    if args.asks:
        score_asks(args.asks, args.show_errors)
        return
    splits = ["tune", "heldout", "challenge", "fresh"] if args.split == "all" else [args.split]
    header = f"{'split':9} {'kind':22} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'(95%)':>11} {'recall':>7} {'(95%)':>11}"
    print(header)
    print("-" * len(header))
    runs = [(d.name, lambda d=d: score("", args.show_errors, d)) for d in args.heldout] or [
        (split, lambda split=split: score(split, args.show_errors)) for split in splits
    ]
    for split, run in runs:
        for kind, tp, fp, fn in run():
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
