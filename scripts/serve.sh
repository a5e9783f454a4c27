#!/usr/bin/env bash
# Serve carecircle: the background worker (rota solves, notifications, timers claimed from the
# database) and the web server, stopped together with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
PY=.venv/bin/python
pids=()
# Web Push keys are made on the first run and kept in the database.
$PY manage.py vapid_keys
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
$PY manage.py db_worker --interval 1 --no-startup-delay &
pids+=($!)
for extra in $($PY manage.py help --commands | grep -E '^run_[a-z_]+_worker$' || true); do
  $PY manage.py "$extra" &
  pids+=($!)
done
echo "carecircle is at http://$HOST:$PORT/  (Ctrl-C stops it)"
HOST=$HOST PORT=$PORT bash scripts/web.sh
