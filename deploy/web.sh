#!/usr/bin/env bash
# The production web server: uvicorn with WEB_CONCURRENCY worker processes on one socket (uvicorn
# supervises them and replaces one that dies). Several machines each run this behind the reverse
# proxy (deploy/nginx/carecircle.conf).
#
# Proxy headers (X-Forwarded-For, X-Forwarded-Proto) are ignored unless FORWARDED_ALLOW_IPS names
# the reverse proxies to trust: uvicorn would otherwise trust them from 127.0.0.1, and anyone who
# can reach it there could choose their own address and escape the sign-in throttle.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_CONCURRENCY=${WEB_CONCURRENCY:-2}
UVICORN=${UVICORN:-.venv/bin/uvicorn}
if [ -n "${FORWARDED_ALLOW_IPS:-}" ]; then
  proxy=(--proxy-headers --forwarded-allow-ips "$FORWARDED_ALLOW_IPS")
else
  proxy=(--no-proxy-headers)
fi
exec "$UVICORN" carecircle.asgi:application --lifespan off --host "$HOST" --port "$PORT" \
  --workers "$WEB_CONCURRENCY" --timeout-graceful-shutdown 30 --no-server-header "${proxy[@]}"
