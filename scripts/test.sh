#!/usr/bin/env bash
# Runs the whole test suite: unit tests, property tests and the end-to-end
# suite (the real HTTP router on real object stores, the real binary, and a
# real S3-compatible server), plus API fuzzing and the Python client example
# against a live demo hub.
set -euo pipefail
cd "$(dirname "$0")/.."

# Python tools the tests use (moto_server, an S3-compatible server,
# schemathesis, and Playwright with pytest), in a virtual environment under target/ so nothing outside
# the project changes.
venv=target/pyenv
if [ ! -x "$venv/bin/moto_server" ] || ! cmp -s tests/python-requirements.txt "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python-requirements.txt
  cp tests/python-requirements.txt "$venv/requirements.txt"
fi
export EDI_HUB_MOTO_SERVER="$PWD/$venv/bin/moto_server"

# The end-to-end suite starts the edi-hub binary itself (crash and
# multi-process tests), so build it first, with the same features as the
# tests (building every target at once avoids a second build of the dependencies).
cargo build --workspace --all-targets --locked

# API conformance fuzzing of a live hub against the OpenAPI spec.
./scripts/api-fuzz.sh

# The OpenAPI document validates as OpenAPI 3.1, and a Python client
# generated from it works against a live demo hub.
./scripts/openapi-client-test.sh

# The Python client example (pandas through CSV and Arrow) against a live demo hub.
./scripts/examples-test.sh

# The dashboard in a real browser (headless Chromium) against a live demo hub;
# screenshots in target/screenshots/.
./scripts/browser-test.sh

# Unit, property and end-to-end tests (the project has no doc tests).
cargo test --workspace --all-targets --locked "$@"
