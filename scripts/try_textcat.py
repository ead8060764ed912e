"""Experiment (tried, not shipped): spaCy's text classifier trained from scratch beside the
detector; docs/detection.md, "2.10.7", says what it found.

    .venv/bin/python scripts/try_textcat.py [--arch cnn|ensemble] [--epochs 4] [--twcs PATH]

Trains spaCy's ``textcat`` (a HashEmbedCNN tok2vec with subword features, no pretrained
vectors; or that CNN with a bag-of-bigrams beside it) on the learned cue's training rows, each
text once; then prints, for the held-back batches and the fresh sets' messages, tp/fp/fn of
the detector alone, the classifier alone (0.5) and the detector OR the classifier at several
thresholds, and its speed. With ``--twcs`` also how many real turns it flags that the detector
does not. Counts only: no message is printed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import spacy
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import eval_detection  # noqa: E402
import train_detection  # noqa: E402

from handoff.detection.engine import EXPLICIT, detect_messages  # noqa: E402

FRESH = [f"heldout-2026-12-{name}" for name in "ac ad af ag ah ai aj ak al".split()]
THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.98)
CNN = {
    "@architectures": "spacy.HashEmbedCNN.v2",
    "pretrained_vectors": None,
    "width": 96,
    "depth": 4,
    "embed_size": 5000,
    "window_size": 1,
    "maxout_pieces": 3,
    "subword_features": True,
}


def build(arch: str) -> spacy.language.Language:
    """Return a blank English pipeline with an untrained text classifier."""
    if arch == "cnn":
        model = {"@architectures": "spacy.TextCatCNN.v2", "exclusive_classes": True, "nO": None}
    else:
        model = {
            "@architectures": "spacy.TextCatEnsemble.v2",
            "nO": None,
            "linear_model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": True,
                "ngram_size": 2,
                "no_output_layer": False,
                "length": 262144,
            },
        }
    nlp = spacy.blank("en")
    nlp.add_pipe("textcat", config={"model": {**model, "tok2vec": CNN}})
    return nlp


def main() -> None:
    """Train, then print counts per set and in total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=("cnn", "ensemble"), default="cnn")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--twcs", type=Path)
    args = parser.parse_args()
    rows = sorted({(text, label) for text, label, _ in train_detection.training_rows()})
    random.Random(0).shuffle(rows)
    fix_random_seed(0)
    nlp = build(args.arch)
    examples = [
        Example.from_dict(nlp.make_doc(t), {"cats": {"REP": float(g), "NOT": float(not g)}})
        for t, g in rows
    ]
    optimizer = nlp.initialize(lambda: examples)
    started = time.process_time()
    for epoch in range(args.epochs):
        random.Random(epoch).shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, 32):
            nlp.update(batch, sgd=optimizer, drop=0.1, losses=losses)
        print(
            f"epoch {epoch + 1}: loss {losses['textcat']:.1f}, {time.process_time() - started:.0f} s CPU"
        )
    sets = {
        name: train_detection.load(path) for name, path in train_detection.HELD_BACK_SETS.items()
    }
    for name in FRESH:
        sets[name] = [
            (row["text"], row["explicit"], None)
            for row in eval_detection.load(
                "messages.jsonl", ROOT / "tests" / "data" / "detection" / name
            )
        ]
    totals: dict[str, list[int]] = {}
    for name, set_rows in sets.items():
        texts, gold = [r[0] for r in set_rows], [r[1] for r in set_rows]
        found = detect_messages(texts, contexts=[r[2] for r in set_rows])
        rules = [any(f.kind == EXPLICIT for f in fs) for fs in found]
        scores = [doc.cats["REP"] for doc in nlp.pipe(texts, batch_size=256)]
        verdicts = {"detector": rules, "classifier": [s >= 0.5 for s in scores]}
        for t in THRESHOLDS:
            verdicts[f"detector or classifier >= {t}"] = [
                r or s >= t for r, s in zip(rules, scores, strict=True)
            ]
        cells = []
        for key, pred in verdicts.items():
            tp, fp, fn = train_detection._counts(pred, gold)
            total = totals.setdefault(key, [0, 0, 0])
            total[0], total[1], total[2] = total[0] + tp, total[1] + fp, total[2] + fn
            cells.append(f"{tp}/{fp}/{fn}")
        print(name, " | ".join(cells))
    for key, (tp, fp, fn) in totals.items():
        print(
            f"total {key}: P {tp / max(1, tp + fp):.3f} R {tp / max(1, tp + fn):.3f} ({tp}/{fp}/{fn})"
        )
    texts = [r[0] for rows_ in sets.values() for r in rows_][:4000]
    started = time.process_time()
    for text in texts:
        nlp(text)
    print(f"speed: {len(texts) / (time.process_time() - started):.0f} messages/s one by one")
    if args.twcs:
        turns = eval_detection.twcs_turns(args.twcs)
        found = detect_messages([t for _, t, _ in turns], contexts=[c for _, _, c in turns])
        flagged = [any(f.kind == EXPLICIT for f in fs) for fs in found]
        scores = [doc.cats["REP"] for doc in nlp.pipe([t for _, t, _ in turns], batch_size=256)]
        for t in THRESHOLDS:
            more = sum(s >= t and not f for s, f in zip(scores, flagged, strict=True))
            print(
                f"real turns: the detector flags {sum(flagged)}; the classifier >= {t} adds {more}"
            )


if __name__ == "__main__":
    main()
