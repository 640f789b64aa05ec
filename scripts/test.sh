#!/usr/bin/env bash
# Runs the whole test suite: unit tests, property tests and the end-to-end
# suite (the real HTTP router on real object stores).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"
