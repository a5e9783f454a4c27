#!/usr/bin/env bash
# The web server alone (uvicorn), as scripts/serve.sh and the tests start it.
#
# Proxy headers (X-Forwarded-For, X-Forwarded-Proto) are ignored unless FORWARDED_ALLOW_IPS names
# the reverse proxies to trust: uvicorn would otherwise trust them from 127.0.0.1, and anyone who
# can reach it there could choose their own address and escape the sign-in throttle.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
if [ -n "${FORWARDED_ALLOW_IPS:-}" ]; then
  proxy=(--proxy-headers --forwarded-allow-ips "$FORWARDED_ALLOW_IPS")
else
  proxy=(--no-proxy-headers)
fi
exec .venv/bin/uvicorn carecircle.asgi:application --lifespan off --host "$HOST" --port "$PORT" \
  "${proxy[@]}"
