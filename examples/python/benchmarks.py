#!/usr/bin/env python3
"""Read EDI Hub benchmarks into pandas, once as CSV and once as Arrow.

Usage:
    export EDI_HUB_URL=http://127.0.0.1:8080 EDI_HUB_TOKEN=edi_...
    python benchmarks.py [--metric workforce_share] [--period 2025-Q1] [--param group=black]

The URL and token can also be given as --url and --token (the variables are
safer: a command-line argument can be seen by other users of the machine).
Without --period, the latest published quarter is used.

A value that disclosure control withholds is "[c]" in CSV (read as NA with
na_values=["[c]"]) and null in Arrow (NA in pandas): never a number.
"""

import argparse
import io
import os
import sys

import pandas as pd
import pyarrow.ipc
import requests


def get(url, token, path, params):
    """GETs a hub path; stops with the hub's explanation on an error."""
    r = requests.get(
        f"{url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    if r.status_code != 200:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text
        sys.exit(f"{path}: {r.status_code}: {detail}")
    return r


def latest_period(url, token):
    """The latest published quarter (analysts see a quarter once it is released)."""
    rounds = get(url, token, "/api/v1/periods", {}).json()["periods"]
    published = [p["period"] for p in rounds if p["state"] == "published"]
    if not published:
        sys.exit("the hub has published no quarter yet")
    return max(published)


def benchmarks_csv(url, token, metric, params):
    """A benchmark as a DataFrame, through CSV."""
    r = get(url, token, f"/api/v1/benchmarks/{metric}", {**params, "format": "csv"})
    return pd.read_csv(
        io.StringIO(r.text),
        na_values=["[c]"],
        keep_default_na=False,
        dtype={"organisation": "string", "name": "string"},
    )


def benchmarks_arrow(url, token, metric, params):
    """A benchmark as a DataFrame, through an Arrow IPC stream."""
    r = get(url, token, f"/api/v1/benchmarks/{metric}", {**params, "format": "arrow"})
    table = pyarrow.ipc.open_stream(r.content).read_all()
    return table.to_pandas()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("EDI_HUB_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--token", default=os.environ.get("EDI_HUB_TOKEN"))
    ap.add_argument("--metric", default="workforce_share")
    ap.add_argument("--period", help="YYYY-Qn (default: the latest quarter with data)")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="a metric parameter, e.g. group=black or pay_band=4 (repeatable)")
    args = ap.parse_args()
    if not args.token:
        sys.exit("give a token: set EDI_HUB_TOKEN (or --token)")
    url = args.url.rstrip("/")
    params = dict(p.split("=", 1) for p in args.param)
    params["period"] = args.period or latest_period(url, args.token)

    via_csv = benchmarks_csv(url, args.token, args.metric, params)
    via_arrow = benchmarks_arrow(url, args.token, args.metric, params)

    # Both routes give the same table: same rows, same withheld cells.
    assert len(via_csv) == len(via_arrow), (len(via_csv), len(via_arrow))
    assert via_csv["value"].isna().tolist() == via_arrow["value"].isna().tolist()
    shown = via_csv["value"].notna()
    assert (via_csv["value"][shown] - via_arrow["value"][shown]).abs().max() < 1e-9 or not shown.any()

    organisations = via_arrow[via_arrow["scope"] == "organisation"]
    summaries = via_arrow[via_arrow["scope"] != "organisation"]
    withheld = int(organisations["value"].isna().sum())
    print(f"{args.metric} {params['period']} {dict((k, v) for k, v in params.items() if k != 'period')}")
    print(f"{len(organisations)} organisations ({withheld} values withheld, shown as NA), "
          f"{len(summaries)} summary rows; CSV and Arrow agree")
    print()
    # Nullable integers, so a missing rank (a withheld value) prints as <NA>.
    top = organisations.sort_values("rank", na_position="last").head(10).astype({"rank": "Int64"})
    print(top[["rank", "name", "value", "numerator", "denominator"]].to_string(index=False))
    print()
    summaries = summaries.astype({"contributors": "Int64"})
    print(summaries[["name", "value", "contributors", "q1", "median", "q3"]].to_string(index=False))


if __name__ == "__main__":
    main()
