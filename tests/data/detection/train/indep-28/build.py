#!/usr/bin/env python3
"""Parse the hand-written rows in src/*.txt, check them, shuffle and write thread.jsonl.

No text is generated here: every message and agent context comes verbatim from src/*.txt.
"""
import glob
import json
import os
import random
import re
import sys
from collections import Counter

BATCH = 28
HERE = os.path.dirname(os.path.abspath(__file__))
KIND_RE = re.compile(r"^(pos:(told|contact)-[a-z0-9-]+|neg:[a-z0-9-]+)$")


def norm(s):
    return re.sub(r"\s+", " ", s.strip().lower())


def main():
    rows, errors, seen = [], [], {}
    for path in sorted(glob.glob(os.path.join(HERE, "src", "*.txt"))):
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                where = f"{os.path.basename(path)}:{n}"
                parts = [p.strip() for p in line.split("|||")]
                if len(parts) != 3:
                    errors.append(f"{where}: expected 3 fields, got {len(parts)}")
                    continue
                kind, ctx, text = parts
                if not KIND_RE.match(kind):
                    errors.append(f"{where}: bad kind {kind!r}")
                if not text:
                    errors.append(f"{where}: empty text")
                key = norm(text)
                if key in seen:
                    errors.append(f"{where}: duplicate text (first at {seen[key]})")
                seen[key] = where
                rows.append({
                    "context": None if ctx in ("-", "") else ctx,
                    "text": text,
                    "explicit": kind.startswith("pos:"),
                    "kind": kind,
                })
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    random.Random(BATCH).shuffle(rows)
    with open(os.path.join(HERE, "thread.jsonl"), "w", encoding="utf-8") as out:
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    pos = sum(r["explicit"] for r in rows)
    told = sum(r["kind"].startswith("pos:told-") for r in rows)
    contact = sum(r["kind"].startswith("pos:contact-") for r in rows)
    ctx = sum(r["context"] is not None for r in rows)
    print(f"rows={len(rows)} positives={pos} (told={told}, contact={contact}) negatives={len(rows) - pos}")
    print(f"with_context={ctx} without_context={len(rows) - ctx}")
    for k, v in sorted(Counter(r["kind"] for r in rows).items()):
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
