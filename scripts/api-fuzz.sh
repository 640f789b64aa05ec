#!/usr/bin/env bash
# API conformance fuzzing: schemathesis, with all its checks, against a live
# hub serving the demo data set, once as a steward and once as a submitter.
# Fails on any 5xx, any answer that violates the OpenAPI spec, any accepted
# bad input or ignored authentication. Run by scripts/test.sh after the Rust
# tests (which build target/debug/edi-hub and install schemathesis).
set -euo pipefail
cd "$(dirname "$0")/.."
st=target/pyenv/bin/st
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
steward=$(awk '/demo steward/ {print $3}' "$log")
submitter=$(awk '/demo submitter/ {print $4}' "$log")
url="http://127.0.0.1:$port"
# One worker: CPython 3.11's AST parser is not thread-safe, and schemathesis
# (through Hypothesis) parses source while describing strategies.
for token in "$steward" "$submitter"; do
  "$st" --config-file tests/schemathesis.toml run "$url/openapi.json" --url "$url" \
    -H "Authorization: Bearer $token" --checks all --max-examples 25 --workers 1 --seed 1
done
