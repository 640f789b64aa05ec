#!/usr/bin/env bash
# The committed OpenAPI document is valid OpenAPI 3.1 (openapi-spec-validator)
# and generates a working Python client (openapi-python-client), which then
# reads the metric catalogue and a benchmark from a live demo hub.
# Run by scripts/test.sh after the Python tools are installed in target/pyenv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pyenv
"$venv/bin/openapi-spec-validator" openapi/openapi.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$out" && "$OLDPWD/$venv/bin/openapi-python-client" generate --path "$OLDPWD/openapi/openapi.json" --meta none > generate.log 2>&1) \
  || { cat "$out/generate.log"; exit 1; }
test -d "$out/edi_hub_api_client" || { cat "$out/generate.log"; exit 1; }
# shellcheck source=scripts/demo-hub.sh
source scripts/demo-hub.sh
start_demo_hub --rate-limit 0
trap 'kill "$hub_pid" 2>/dev/null || true; rm -rf "$hub_data" "$hub_log" "$out"' EXIT
EDI_HUB_URL="$hub_url" EDI_HUB_TOKEN="$hub_analyst" PYTHONPATH="$out" "$venv/bin/python" tests/openapi/use_generated_client.py
