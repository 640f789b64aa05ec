#!/usr/bin/env bash
# Refreshes the dashboard's chart libraries (Observable Plot and d3) from
# npm, at the versions pinned in scripts/dashboard-vendor/package-lock.json,
# into crates/edi-hub-api/assets/dashboard/vendor/. The copied minified
# files are committed: building the hub never needs npm. To upgrade, change
# the versions in package.json, run `npm install --package-lock-only` there,
# then this script, and commit all of it.
set -euo pipefail
cd "$(dirname "$0")/.."
src=scripts/dashboard-vendor
out=crates/edi-hub-api/assets/dashboard/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src/package.json" "$src/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --silent)
version() { node -p "require('$work/node_modules/$1/package.json').version"; }
d3=$(version d3)
plot=$(version @observablehq/plot)
# Versioned file names: the hub lets browsers cache them for a year.
rm -rf "$out"
mkdir -p "$out"
cp "$work/node_modules/d3/dist/d3.min.js" "$out/d3-$d3.min.js"
cp "$work/node_modules/@observablehq/plot/dist/plot.umd.min.js" "$out/plot-$plot.umd.min.js"
{
  echo "Vendored by scripts/vendor-dashboard.sh from npm:"
  for p in d3 @observablehq/plot; do
    echo
    echo "== $p $(version "$p") =="
    cat "$work/node_modules/$p/LICENSE"*
  done
} > "$out/LICENSES.txt"
ls -l "$out"
echo "If a version changed, update the file names in crates/edi-hub-api/assets/dashboard/index.html"
echo "and in the asset table of crates/edi-hub-api/src/dashboard.rs."
