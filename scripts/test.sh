#!/usr/bin/env bash
# Set up everything a fresh clone needs, then run the whole suite (lint, types, tests on
# SQLite and PostgreSQL, browser tests in Debian's chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

log "setup: .venv, chromium, PostgreSQL client"
bash scripts/setup.sh --system
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"

log "PostgreSQL at 127.0.0.1:5432"
if [[ ",${TEST_BACKENDS:-sqlite,postgresql}," == *",postgresql,"* ]]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if command -v pg_ctlcluster >/dev/null; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable at 127.0.0.1:5432" >&2; exit 1; }
fi

log "lint and types"
.venv/bin/ruff check handoff helpdesk_app sandbox tests scripts
.venv/bin/ruff format --check handoff helpdesk_app sandbox tests scripts
.venv/bin/mypy

log "tests"
exec .venv/bin/pytest "$@"
