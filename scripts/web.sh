#!/usr/bin/env bash
# The web server (uvicorn): as scripts/serve.sh and the tests start it, and in production through
# deploy/web.sh, which passes its worker count and shutdown options; extra arguments go to uvicorn
# (which also takes its number of worker processes from WEB_CONCURRENCY when that is set).
#
# Proxy headers (X-Forwarded-For, X-Forwarded-Proto) are ignored unless FORWARDED_ALLOW_IPS names
# the reverse proxies to trust: uvicorn would otherwise trust them from 127.0.0.1, and anyone who
# can reach it there could choose their own address and escape the sign-in throttle.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
UVICORN=${UVICORN:-.venv/bin/uvicorn}
if [ -n "${FORWARDED_ALLOW_IPS:-}" ]; then
  proxy=(--proxy-headers --forwarded-allow-ips "$FORWARDED_ALLOW_IPS")
else
  proxy=(--no-proxy-headers)
fi
exec "$UVICORN" carecircle.asgi:application --lifespan off --host "$HOST" --port "$PORT" \
  "${proxy[@]}" "$@"
