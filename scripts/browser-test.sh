#!/usr/bin/env bash
# Real-browser tests of the dashboard: headless Debian Chromium, driven by
# Playwright for Python (pytest), against a live hub serving the demo data.
# Installs Chromium from Debian's packages when it is missing (CI runs as
# root on a clean machine); Playwright's own browser download is never used.
# Run by scripts/test.sh (which builds target/debug/edi-hub and installs
# Playwright and pytest into target/pyenv). Screenshots go to target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  echo "installing Debian's chromium package for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium > /dev/null
fi
python=target/pyenv/bin/python
bin=target/debug/edi-hub
data=$(mktemp -d)
log=$(mktemp)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The default rate limit (100 requests a second per token), as a real hub has.
"$bin" demo --listen "127.0.0.1:$port" --data-dir "$data" > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on" "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
grep -q "listening on" "$log" || { echo "the demo hub did not start"; cat "$log"; exit 1; }
export EDI_HUB_URL="http://127.0.0.1:$port"
EDI_HUB_STEWARD=$(awk '/demo steward/ {print $3}' "$log")
EDI_HUB_ANALYST=$(awk '/demo analyst/ {print $3}' "$log")
EDI_HUB_SUBMITTER=$(awk '/demo submitter/ {print $4}' "$log")
EDI_HUB_SUBMITTER_ORG=E09000015
export EDI_HUB_STEWARD EDI_HUB_ANALYST EDI_HUB_SUBMITTER EDI_HUB_SUBMITTER_ORG
export EDI_HUB_CHROMIUM="$chromium"
export EDI_HUB_SCREENSHOTS="$PWD/target/screenshots"
mkdir -p "$EDI_HUB_SCREENSHOTS"
"$python" -m pytest tests/browser -q -p no:cacheprovider "$@"
