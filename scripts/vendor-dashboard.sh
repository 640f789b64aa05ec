#!/usr/bin/env bash
# Refreshes the dashboard's chart libraries (Observable Plot and d3) from
# npm, at the versions pinned in scripts/dashboard-vendor/package-lock.json,
# into crates/edi-hub-server/assets/dashboard/vendor/. The copied minified
# files are committed: building the hub never needs npm. To upgrade, change
# the versions in package.json, run `npm install --package-lock-only` there,
# then this script, and commit all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
src=scripts/dashboard-vendor
out=crates/edi-hub-server/assets/dashboard/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src/package.json" "$src/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --silent)
mkdir -p "$out"
cp "$work/node_modules/d3/dist/d3.min.js" "$out/d3.min.js"
cp "$work/node_modules/@observablehq/plot/dist/plot.umd.min.js" "$out/plot.umd.min.js"
{
  echo "Vendored by scripts/vendor-dashboard.sh from npm:"
  for p in d3 @observablehq/plot; do
    v=$(node -p "require('$work/node_modules/$p/package.json').version")
    echo
    echo "== $p $v =="
    cat "$work/node_modules/$p/LICENSE"*
  done
} > "$out/LICENSES.txt"
ls -l "$out"
