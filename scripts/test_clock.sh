#!/usr/bin/env bash
# The tests that depend on the date or the hour (marked `clock`), each run at instants where a
# suite that reads "now" goes wrong: just after midnight on a Monday, a Friday afternoon (the
# weekend's rota runs out), late on a Sunday (the week turns), the nights the clocks change (a
# 23-hour and a 25-hour day) and a minute before the year turns. `--clock` starts the session's
# clock there, before the demo is built, and lets it tick. CLOCK_JOBS sessions run at once
# (default 2); extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export SECRET_KEY=${SECRET_KEY:-test-only-secret-key-not-for-production}
JOBS=${CLOCK_JOBS:-2}

INSTANTS=(
  "2026-06-15T00:05:00+01:00"  # Monday 00:05
  "2026-06-19T15:55:00+01:00"  # Friday 15:55
  "2026-06-21T23:50:00+01:00"  # Sunday 23:50
  "2027-03-28T00:30:00+00:00"  # the spring change: 00:30, half an hour before 01:00 becomes 02:00
  "2026-10-25T01:30:00+01:00"  # the autumn change: 01:30 BST, an hour that comes twice that night
  "2026-12-31T23:59:00+00:00"  # 31 December 23:59
)

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
run() {
  local instant=$1 index=$2
  shift 2
  # Each session has its own SQLite test database (tests/conftest.py puts it in a new folder).
  if DATABASE_URL="" $PY -m pytest -q -p no:cacheprovider -m clock --clock="$instant" "$@" \
      >"$logs/$index.log" 2>&1; then
    echo ok >"$logs/$index.status"
  else
    echo failed >"$logs/$index.status"
  fi
}
for i in "${!INSTANTS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.2; done
  run "${INSTANTS[$i]}" "$i" "$@" &
done
wait

failed=()
for i in "${!INSTANTS[@]}"; do
  echo "== Tests marked clock, at ${INSTANTS[$i]} =="
  if [ "$(cat "$logs/$i.status")" = ok ]; then
    tail -n 1 "$logs/$i.log"
  else
    cat "$logs/$i.log"
    failed+=("${INSTANTS[$i]}")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "ERROR: tests marked clock failed at: ${failed[*]}" >&2
  exit 1
fi
