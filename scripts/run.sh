#!/usr/bin/env bash
# Run the product on its embedded default (SQLite, the local Zendesk sandbox, simulated data)
# and print where to open it. Ctrl-C stops everything. Arguments go to scripts/run.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/run.py "$@"
