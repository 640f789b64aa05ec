#!/usr/bin/env bash
# Real-browser tests of the dashboard: headless Debian Chromium, driven by
# Playwright for Python (pytest), against a live hub serving the demo data,
# with single sign-on through a real OpenID provider (the certified
# oidc-provider from npm, scripts/oidc-provider.sh) beside API tokens; every
# view is also checked with axe-core (WCAG 2.2 A and AA rules).
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
# shellcheck source=scripts/oidc-provider.sh
source scripts/oidc-provider.sh
hub_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_oidc_provider "http://127.0.0.1:$hub_port"
start_demo_hub --public-url "http://127.0.0.1:$hub_port" --oidc-issuer "$oidc_issuer" \
  --oidc-client-id "$oidc_client_id" --oidc-client-secret-file "$oidc_client_secret_file" --oidc-role-claim groups
export EDI_HUB_URL="$hub_url"
export EDI_HUB_OIDC_ISSUER_URL="$oidc_issuer"
export EDI_HUB_DATA_DIR="$hub_data"
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
