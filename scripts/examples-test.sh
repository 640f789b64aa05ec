#!/usr/bin/env bash
# Runs the client examples against a live hub serving the demo data set, as
# an analyst (redacted answers) and as a borough's submitter:
# - Python (examples/python/benchmarks.py): the same benchmark through CSV
#   and through Arrow, checking both agree; its pinned requirements go into
#   their own virtual environment under target/;
# - R (examples/R/benchmarks.R) on Debian's R and its httr2, readr and
#   jsonlite packages, installed when missing (Debian has no arrow package,
#   so the R example reads CSV here).
# Run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pyexamples
req=examples/python/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"
fi
r_packages="httr2 readr jsonlite"
r_ready() { command -v Rscript > /dev/null && Rscript -e "for (p in strsplit('$r_packages', ' ')[[1]]) library(p, character.only = TRUE)" > /dev/null 2>&1; }
if ! r_ready; then
  echo "installing Debian's R and the R example's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends r-base-core $(printf 'r-cran-%s ' $r_packages) > /dev/null
fi
# shellcheck source=scripts/demo-hub.sh
source scripts/demo-hub.sh
start_demo_hub --rate-limit 0
export EDI_HUB_URL="$hub_url"
EDI_HUB_TOKEN="$hub_analyst" "$venv/bin/python" examples/python/benchmarks.py
EDI_HUB_TOKEN="$hub_analyst" "$venv/bin/python" examples/python/benchmarks.py \
  --metric workforce_share --param group=black_african --param pay_band=6
EDI_HUB_TOKEN="$hub_submitter" "$venv/bin/python" examples/python/benchmarks.py --metric casework_rl
EDI_HUB_TOKEN="$hub_analyst" Rscript examples/R/benchmarks.R
EDI_HUB_TOKEN="$hub_analyst" Rscript examples/R/benchmarks.R workforce_share "" group=black_african pay_band=6
EDI_HUB_TOKEN="$hub_submitter" Rscript examples/R/benchmarks.R casework_rl
echo "client examples: the Python and R examples ran against the demo hub"
