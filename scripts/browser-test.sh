#!/usr/bin/env bash
# Real-browser tests of the dashboard: headless Debian Chromium, driven by
# Playwright for Python (pytest), against a live hub serving the demo data;
# every view is also checked with axe-core (WCAG 2.2 A and AA rules).
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
# axe-core, the accessibility rules engine tests/browser/test_accessibility.py
# injects into every view, from npm at the version pinned in
# tests/browser/axe/package-lock.json (installed under target/, reinstalled
# when the lock file changes).
axe=target/axe
if ! command -v npm > /dev/null; then
  echo "installing Debian's npm package for axe-core"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends npm > /dev/null
fi
if [ ! -f "$axe/node_modules/axe-core/axe.min.js" ] || ! cmp -s tests/browser/axe/package-lock.json "$axe/package-lock.json"; then
  rm -rf "$axe"
  mkdir -p "$axe"
  cp tests/browser/axe/package.json tests/browser/axe/package-lock.json "$axe/"
  (cd "$axe" && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi
export EDI_HUB_AXE="$PWD/$axe/node_modules/axe-core/axe.min.js"
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
# The measured figures (report PDF pages and size, axe results per view and
# width) are printed after the tests, pass or fail.
rm -f "$EDI_HUB_SCREENSHOTS/report-pdf.txt" "$EDI_HUB_SCREENSHOTS/axe-results.txt"
status=0
"$python" -m pytest tests/browser -q -p no:cacheprovider "$@" || status=$?
for measured in report-pdf.txt axe-results.txt; do
  if [ -f "$EDI_HUB_SCREENSHOTS/$measured" ]; then cat "$EDI_HUB_SCREENSHOTS/$measured"; fi
done
exit "$status"
