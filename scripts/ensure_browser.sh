#!/usr/bin/env bash
# Browser tests drive Debian's Chromium. Install it when missing and the machine allows it;
# under CI=true a missing browser is an error, never a silent skip.
set -u
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "apt-get could not install chromium." >&2
fi
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: no browser at $CHROMIUM and it could not be installed; CI needs the browser tests." >&2
  exit 1
fi
echo "WARNING: no browser at $CHROMIUM; browser tests will be skipped (set CHROMIUM_PATH)." >&2
