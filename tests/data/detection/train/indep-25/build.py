#!/usr/bin/env python3
"""Parse hand-written rows in src/*.txt, check them, shuffle, write thread.jsonl.

No text is generated or templated here: every message was written by hand.
Row format: kind ||| agent context or - ||| customer text
"""
import glob
import json
import os
import random
import re
import sys
from collections import Counter

BATCH = 25
HERE = os.path.dirname(os.path.abspath(__file__))
KIND_RE = re.compile(r"^(pos:(told|contact)-[a-z0-9-]+|neg:[a-z0-9-]+)$")


def norm(t):
    return re.sub(r"\s+", " ", t.strip().lower())


def main():
    rows, errors, seen = [], [], {}
    for fn in sorted(glob.glob(os.path.join(HERE, "src", "*.txt"))):
        with open(fn, encoding="utf-8") as f:
            for ln, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                parts = [p.strip() for p in line.split("|||")]
                where = f"{os.path.basename(fn)}:{ln}"
                if len(parts) != 3:
                    errors.append(f"{where}: expected 3 fields, got {len(parts)}")
                    continue
                kind, ctx, text = parts
                if not KIND_RE.match(kind):
                    errors.append(f"{where}: bad kind {kind!r}")
                if not text:
                    errors.append(f"{where}: empty text")
                if not ctx:
                    errors.append(f"{where}: empty context (use -)")
                key = norm(text)
                if key in seen:
                    errors.append(f"{where}: duplicate text (first at {seen[key]})")
                seen[key] = where
                rows.append({
                    "context": None if ctx == "-" else ctx,
                    "text": text,
                    "explicit": kind.startswith("pos:"),
                    "kind": kind,
                })
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    random.Random(BATCH).shuffle(rows)
    with open(os.path.join(HERE, "thread.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    pos = sum(r["explicit"] for r in rows)
    told = sum(r["kind"].startswith("pos:told-") for r in rows)
    contact = sum(r["kind"].startswith("pos:contact-") for r in rows)
    ctx = sum(r["context"] is not None for r in rows)
    print(f"rows: {len(rows)}")
    print(f"positives: {pos} ({pos/len(rows):.1%}) told: {told} contact: {contact}")
    print(f"negatives: {len(rows)-pos}")
    print(f"with agent context: {ctx}, without: {len(rows)-ctx}")
    lens = sorted(len(r["text"].split()) for r in rows)
    print(f"words per text: min {lens[0]}, median {lens[len(lens)//2]}, max {lens[-1]}")
    print("negative kinds:")
    for k, n in sorted(Counter(r["kind"] for r in rows if not r["explicit"]).items()):
        print(f"  {k}: {n}")


if __name__ == "__main__":
    main()
