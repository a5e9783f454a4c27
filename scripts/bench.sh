#!/usr/bin/env bash
# Every benchmark, one after the other (the machine is shared: never two at once). JSON lines go to
# stdout and to bench-out/<name>.jsonl. Benchmarks that need services (PostgreSQL, the HTTP server)
# say so in their own lines.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
OUT=bench-out
mkdir -p "$OUT"
run() {
  local name=$1; shift
  echo "== $name $*" >&2
  (cd benchmarks && CARECIRCLE_DEMO=true $PY "$@") | tee "$OUT/$name.jsonl"
}
run circle_week circle_week.py --seeds 1-20 --time-limit 10 --out "../$OUT/circle_week"
run circle_week_large circle_week.py --seeds 1-3 --clients 8 --carers 24 --weeks 2 --time-limit 30
run repair repair.py --seeds 1-20
for set in A B C; do
  run "hhcrsp_$set" hhcrsp.py --set "$set" --out "../$OUT/hhcrsp"
done
for extra in cover responders sync audit_chain horizon outcomes money days interop formation simulate; do
  if [ -f "benchmarks/$extra.py" ]; then run "$extra" "$extra.py"; fi
done
# The load benchmark needs PostgreSQL (LOAD_DATABASE_URL, default the local server's
# carecircle_load, seeded on its first run); skipped with a note when it is not reachable.
if $PY -c "import psycopg, os; psycopg.connect(os.environ.get('LOAD_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/postgres').rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then
  run load load.py --users 50 --duration 60
else
  echo '{"case": "load", "skipped": "PostgreSQL not reachable (set LOAD_DATABASE_URL)"}' | tee "$OUT/load.jsonl"
fi
