#!/usr/bin/env python3
"""Parse hand-written rows in src/*.txt, check them, shuffle, write thread.jsonl.
No text is generated here: every message was written by hand in src/."""
import glob, json, os, random, re, sys
from collections import Counter

BATCH = 30
HERE = os.path.dirname(os.path.abspath(__file__))
KIND_RE = re.compile(r'^(pos:(told|contact)-[a-z0-9-]+|neg:[a-z0-9-]+)$')

rows, seen, errors = [], {}, []
for path in sorted(glob.glob(os.path.join(HERE, 'src', '*.txt'))):
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.rstrip('\n')
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split('|||')]
        where = f'{os.path.basename(path)}:{n}'
        if len(parts) != 3:
            errors.append(f'{where}: expected 3 fields, got {len(parts)}'); continue
        kind, ctx, text = parts
        if not KIND_RE.match(kind):
            errors.append(f'{where}: bad kind {kind!r}'); continue
        if not text:
            errors.append(f'{where}: empty text'); continue
        key = re.sub(r'\s+', ' ', text.lower()).strip()
        if key in seen:
            errors.append(f'{where}: duplicate of {seen[key]}'); continue
        seen[key] = where
        rows.append({'context': None if ctx == '-' else ctx, 'text': text,
                     'explicit': kind.startswith('pos:'), 'kind': kind})

if errors:
    print('\n'.join(errors)); sys.exit(1)

random.Random(BATCH).shuffle(rows)
with open(os.path.join(HERE, 'thread.jsonl'), 'w', encoding='utf-8') as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')

pos = sum(r['explicit'] for r in rows)
told = sum(r['kind'].startswith('pos:told-') for r in rows)
contact = sum(r['kind'].startswith('pos:contact-') for r in rows)
withctx = sum(r['context'] is not None for r in rows)
print(f'rows={len(rows)} positives={pos} (told={told}, contact={contact}) negatives={len(rows)-pos}')
print(f'with_context={withctx} without_context={len(rows)-withctx}')
fam = Counter(r['kind'].split('-')[0] if r['explicit'] else r['kind'] for r in rows)
for k, v in sorted(fam.items()):
    print(f'  {k}: {v}')
