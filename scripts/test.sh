#!/usr/bin/env bash
# The whole suite on SQLite, its date- and hour-dependent tests again at pinned instants
# (scripts/test_clock.sh), then the whole suite on PostgreSQL when it is reachable.
# Under CI=true an unreachable PostgreSQL fails the run instead of being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export SECRET_KEY=${SECRET_KEY:-test-only-secret-key-not-for-production}
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}

echo "== Test suite on SQLite =="
DATABASE_URL="" $PY -m pytest "$@"

echo "== Tests that depend on the date or the hour, at pinned instants (SQLite) =="
bash scripts/test_clock.sh

if $PY - "$PG_URL" <<'PYEOF'
import sys
import dj_database_url
import psycopg
cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                    password=cfg["PASSWORD"] or None, dbname=cfg["NAME"], connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
then
  echo "== Test suite on PostgreSQL ($PG_URL) =="
  # The pure engine tests (tests/engine) touch no database; they ran once above.
  DATABASE_URL="$PG_URL" $PY -m pytest --ignore=tests/engine "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "ERROR: PostgreSQL is not reachable at $PG_URL; CI runs the suite on both databases." >&2
  exit 1
else
  echo "WARNING: PostgreSQL not reachable at $PG_URL; ran on SQLite only." >&2
fi
