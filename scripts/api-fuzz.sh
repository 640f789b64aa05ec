#!/usr/bin/env bash
# API conformance fuzzing: schemathesis, with all its checks, against a live
# hub serving the demo data set, once as a steward and once as a submitter.
# Fails on any 5xx, any answer that violates the OpenAPI spec, any accepted
# bad input or ignored authentication. Run by scripts/test.sh after the Rust
# tests (which build target/debug/edi-hub and install schemathesis).
set -euo pipefail
cd "$(dirname "$0")/.."
st=target/pyenv/bin/st
# shellcheck source=scripts/demo-hub.sh
source scripts/demo-hub.sh
start_demo_hub --rate-limit 0
# One worker: CPython 3.11's AST parser is not thread-safe, and schemathesis
# (through Hypothesis) parses source while describing strategies.
for token in "$hub_steward" "$hub_submitter"; do
  "$st" --config-file tests/schemathesis.toml run "$hub_url/openapi.json" --url "$hub_url" \
    -H "Authorization: Bearer $token" --checks all --max-examples 25 --workers 1 --seed 1
done
