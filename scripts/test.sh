#!/usr/bin/env bash
# Runs the whole test suite: unit tests, property tests and the end-to-end
# suite (the real HTTP router on real object stores, and the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
# The end-to-end suite starts the edi-hub binary itself (crash and
# multi-process tests), so build it first.
cargo build --workspace --bins --locked
cargo test --workspace --locked "$@"
