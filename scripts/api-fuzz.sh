#!/usr/bin/env bash
# API conformance fuzzing: schemathesis, with all its checks, against a live
# hub serving the demo data set, once as each role: steward, submitter and
# analyst (redacted reads; its uploads and the steward's operations must be a
# documented 403, which tests/schemathesis.toml allows, never a 5xx).
# Fails on any 5xx, any answer that violates the OpenAPI spec, any accepted
# bad input or ignored authentication. Run by scripts/test.sh after the Rust
# tests (which build target/debug/edi-hub and install schemathesis).
set -euo pipefail
cd "$(dirname "$0")/.."
st=target/pyenv/bin/st
# shellcheck source=scripts/demo-hub.sh
source scripts/demo-hub.sh
start_demo_hub --rate-limit 0
# Each pass needs its token: an empty one (a changed demo banner) would fuzz
# without authentication and still pass.
: "${hub_steward:?no demo steward token}" "${hub_submitter:?no demo submitter token}"
: "${hub_analyst:?no demo analyst token}"
# Slow is not wrong here: publishing a whole quarter, or a profile of all ten
# metrics, takes seconds in the debug build on a busy 2-core machine, so each
# request may take up to 2 minutes (speed is the benchmark's business).
# One worker: CPython 3.11's AST parser is not thread-safe, and schemathesis
# (through Hypothesis) parses source while describing strategies.
for token in "$hub_steward" "$hub_submitter" "$hub_analyst"; do
  "$st" --config-file tests/schemathesis.toml run "$hub_url/openapi.json" --url "$hub_url" \
    -H "Authorization: Bearer $token" --checks all --max-examples 25 --workers 1 --seed 1 \
    --request-timeout 120
done
