#!/usr/bin/env bash
# Runs the Python client example (examples/python/benchmarks.py) against a
# live hub serving the demo data set: as an analyst (redacted answers) and as
# a borough's submitter, reading the same benchmark through CSV and through
# Arrow and checking both agree. Its pinned requirements go into their own
# virtual environment under target/. Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pyexamples
req=examples/python/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"
fi
bin=target/debug/edi-hub
data=$(mktemp -d)
log=$(mktemp)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" demo --listen "127.0.0.1:$port" --data-dir "$data" --rate-limit 0 > "$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on" "$log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
grep -q "listening on" "$log" || { echo "the demo hub did not start"; cat "$log"; exit 1; }
analyst=$(awk '/demo analyst/ {print $3}' "$log")
submitter=$(awk '/demo submitter/ {print $4}' "$log")
export EDI_HUB_URL="http://127.0.0.1:$port"
EDI_HUB_TOKEN="$analyst" "$venv/bin/python" examples/python/benchmarks.py
EDI_HUB_TOKEN="$analyst" "$venv/bin/python" examples/python/benchmarks.py \
  --metric workforce_share --param group=black_african --param pay_band=6
EDI_HUB_TOKEN="$submitter" "$venv/bin/python" examples/python/benchmarks.py --metric casework_rl
echo "client examples: the Python example ran against the demo hub"
