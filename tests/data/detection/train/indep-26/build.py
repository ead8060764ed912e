#!/usr/bin/env python3
"""Parse hand-written rows in src/*.txt, check them, shuffle, write thread.jsonl.
No text is generated here: every message comes verbatim from src/."""
import glob, json, os, random, re, sys
from collections import Counter

BATCH = 26
HERE = os.path.dirname(os.path.abspath(__file__))
KIND_RE = re.compile(r'^(pos:(told|contact)-[a-z0-9-]+|neg:[a-z0-9-]+)$')

rows, seen, errors = [], {}, []
for path in sorted(glob.glob(os.path.join(HERE, 'src', '*.txt'))):
    with open(path, encoding='utf-8') as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip('\n')
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split('|||')]
            where = f'{os.path.basename(path)}:{n}'
            if len(parts) != 3:
                errors.append(f'{where}: expected 3 fields, got {len(parts)}')
                continue
            kind, ctx, text = parts
            if not KIND_RE.match(kind):
                errors.append(f'{where}: bad kind {kind!r}')
            if not text:
                errors.append(f'{where}: empty text')
            key = re.sub(r'\s+', ' ', text.lower()).strip()
            if key in seen:
                errors.append(f'{where}: duplicate of {seen[key]}')
            seen[key] = where
            rows.append({'context': None if ctx == '-' else ctx, 'text': text,
                         'explicit': kind.startswith('pos:'), 'kind': kind})

if errors:
    print('\n'.join(errors))
    sys.exit(1)

random.Random(BATCH).shuffle(rows)
with open(os.path.join(HERE, 'thread.jsonl'), 'w', encoding='utf-8') as out:
    for r in rows:
        out.write(json.dumps(r, ensure_ascii=False) + '\n')

pos = [r for r in rows if r['explicit']]
print(f'total {len(rows)}')
print(f'positives {len(pos)} ({100*len(pos)/len(rows):.1f}%): '
      f'told {sum(r["kind"].startswith("pos:told-") for r in pos)}, '
      f'contact {sum(r["kind"].startswith("pos:contact-") for r in pos)}')
print(f'negatives {len(rows)-len(pos)}')
print(f'with context {sum(r["context"] is not None for r in rows)}')
fam = Counter(r['kind'] for r in rows if not r['explicit'])
print('negative kinds: ' + ', '.join(f'{k}={v}' for k, v in sorted(fam.items())))
