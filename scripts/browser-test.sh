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
# The default rate limit (100 requests a second per token), as a real hub has.
# shellcheck source=scripts/demo-hub.sh
source scripts/demo-hub.sh
start_demo_hub
export EDI_HUB_URL="$hub_url"
EDI_HUB_STEWARD="$hub_steward"
EDI_HUB_ANALYST="$hub_analyst"
EDI_HUB_SUBMITTER="$hub_submitter"
EDI_HUB_SUBMITTER_ORG=E09000015
export EDI_HUB_STEWARD EDI_HUB_ANALYST EDI_HUB_SUBMITTER EDI_HUB_SUBMITTER_ORG
export EDI_HUB_CHROMIUM="$chromium"
export EDI_HUB_SCREENSHOTS="$PWD/target/screenshots"
mkdir -p "$EDI_HUB_SCREENSHOTS"
"$python" -m pytest tests/browser -q -p no:cacheprovider "$@"
