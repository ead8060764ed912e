#!/usr/bin/env python3
"""Build thread.jsonl from hand-written rows in src/*.txt. Generates no text."""
import glob, json, os, random, re, sys
from collections import Counter

BATCH = 29
here = os.path.dirname(os.path.abspath(__file__))
rows, seen, errors = [], set(), []
kind_re = re.compile(r"^(pos:(told|contact)-[a-z0-9-]+|neg:[a-z0-9-]+)$")
for path in sorted(glob.glob(os.path.join(here, "src", "*.txt"))):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|||")]
        if len(parts) != 3:
            errors.append(f"{path}:{n}: expected 3 fields"); continue
        kind, ctx, text = parts
        if not kind_re.match(kind):
            errors.append(f"{path}:{n}: bad kind {kind!r}"); continue
        if not text:
            errors.append(f"{path}:{n}: empty text"); continue
        key = re.sub(r"\s+", " ", text.lower()).strip()
        if key in seen:
            errors.append(f"{path}:{n}: duplicate text {text!r}"); continue
        seen.add(key)
        rows.append({"context": None if ctx == "-" else ctx, "text": text,
                     "explicit": kind.startswith("pos:"), "kind": kind})
if errors:
    print("\n".join(errors)); sys.exit(1)
random.Random(BATCH).shuffle(rows)
with open(os.path.join(here, "thread.jsonl"), "w", encoding="utf-8") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
pos = sum(r["explicit"] for r in rows)
told = sum(r["kind"].startswith("pos:told") for r in rows)
ctx = sum(r["context"] is not None for r in rows)
print(f"total={len(rows)} positives={pos} (told={told}, contact={pos-told}) negatives={len(rows)-pos} with_context={ctx}")
for k, v in sorted(Counter(r["kind"].split("-")[0] if r["kind"].startswith("pos") else r["kind"] for r in rows).items()):
    print(f"  {k}: {v}")
