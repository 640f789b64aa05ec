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
# shellcheck source=scripts/demo-hub.sh
source scripts/demo-hub.sh
start_demo_hub --rate-limit 0
export EDI_HUB_URL="$hub_url"
EDI_HUB_TOKEN="$hub_analyst" "$venv/bin/python" examples/python/benchmarks.py
EDI_HUB_TOKEN="$hub_analyst" "$venv/bin/python" examples/python/benchmarks.py \
  --metric workforce_share --param group=black_african --param pay_band=6
EDI_HUB_TOKEN="$hub_submitter" "$venv/bin/python" examples/python/benchmarks.py --metric casework_rl
echo "client examples: the Python example ran against the demo hub"
