#!/usr/bin/env python3
"""Build thread.jsonl for batch 27 from the hand-written rows in src/*.txt.

Parses and checks rows only; no text is generated here.
"""
import glob
import json
import os
import random
import re
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
KIND_RE = re.compile(r"^(pos:(told|contact)-[a-z0-9-]+|neg:[a-z0-9-]+)$")


def norm(s):
    return re.sub(r"\s+", " ", s.strip().lower())


def main():
    rows, seen, errors = [], {}, []
    for path in sorted(glob.glob(os.path.join(HERE, "src", "*.txt"))):
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            parts = line.split(" ||| ")
            where = f"{os.path.basename(path)}:{n}"
            if len(parts) != 3:
                errors.append(f"{where}: expected 3 fields, got {len(parts)}")
                continue
            kind, ctx, text = (p.strip() for p in parts)
            if not KIND_RE.match(kind):
                errors.append(f"{where}: bad kind {kind!r}")
            if not text:
                errors.append(f"{where}: empty text")
            key = norm(text)
            if key in seen:
                errors.append(f"{where}: duplicate of {seen[key]}")
            seen[key] = where
            rows.append({
                "context": None if ctx == "-" else ctx,
                "text": text,
                "explicit": kind.startswith("pos:"),
                "kind": kind,
            })
    if errors:
        raise SystemExit("\n".join(errors))
    random.Random(27).shuffle(rows)
    with open(os.path.join(HERE, "thread.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    pos = sum(r["explicit"] for r in rows)
    told = sum(r["kind"].startswith("pos:told") for r in rows)
    contact = sum(r["kind"].startswith("pos:contact") for r in rows)
    ctx = sum(r["context"] is not None for r in rows)
    print(f"rows={len(rows)} positives={pos} (told={told}, contact={contact}) "
          f"negatives={len(rows) - pos} with_context={ctx}")
    neg_kinds = Counter(r["kind"] for r in rows if not r["explicit"])
    print("negative kinds:", ", ".join(f"{k}={v}" for k, v in sorted(neg_kinds.items())))


if __name__ == "__main__":
    main()
