#!/usr/bin/env bash
# The production web server: uvicorn with WEB_CONCURRENCY worker processes on one socket (uvicorn
# supervises them and replaces one that dies). Several machines each run this behind the reverse
# proxy (deploy/nginx/carecircle.conf). It is scripts/web.sh (one place for HOST, PORT and which
# proxies' X-Forwarded-* headers to believe: FORWARDED_ALLOW_IPS) with the production options.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/web.sh --workers "${WEB_CONCURRENCY:-2}" --timeout-graceful-shutdown 30 \
  --no-server-header
