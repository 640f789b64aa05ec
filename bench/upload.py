#!/usr/bin/env python3
"""Upload and validation timings of large CSV files against a real hub.

Builds nothing: run `cargo build --release` first. Starts `edi-hub serve`
on a temporary data directory, creates a submitter token, then times:

* POST /api/v1/validate/workforce with a 100,000-row CSV (it has duplicate
  combinations past row 30,240, so the answer is a 422 listing problems:
  every row is still decoded and checked);
* PUT of the largest valid workforce file (30,240 rows: every detailed
  ethnicity code x pay band x sex x age band x disability x both flags);
* PUT of a 100,000-row valid file is impossible for the hub's datasets
  (no dataset has 100,000 distinct dimension combinations), so the
  100,000-row timing is the validation one.

Usage: python3 bench/upload.py [--runs N]
"""

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("EDI_HUB_BINARY", os.path.join(ROOT, "target", "release", "edi-hub"))

DETAILED = [
    "asian_bangladeshi", "asian_chinese", "asian_indian", "asian_pakistani", "asian_other",
    "black_african", "black_caribbean", "black_other", "mixed_white_asian",
    "mixed_white_black_african", "mixed_white_black_caribbean", "mixed_other", "white_british",
    "white_irish", "white_gypsy_irish_traveller", "white_roma", "white_other", "other_arab",
    "other_any", "not_stated",
]


def workforce_csv(rows):
    header = "ethnicity,pay_band,sex,age_band,disability,top_5_percent,senior_leadership,headcount,fte\n"
    combos = itertools.product(
        DETAILED, range(1, 7), ["female", "male", "not_stated"],
        ["16_24", "25_34", "35_44", "45_54", "55_64", "65_plus", "not_stated"],
        ["disabled", "not_disabled", "not_stated"], ["true", "false"], ["true", "false"],
    )
    lines = []
    for i, combo in enumerate(itertools.cycle(list(combos))):
        if i >= rows:
            break
        n = (i * 7919) % 40
        lines.append(",".join(map(str, combo)) + f",{n},{n * 0.9:.1f}\n")
    return (header + "".join(lines)).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, token, body=None):
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", "text/csv")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            status, payload = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read()
    return status, time.perf_counter() - start, payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="edi-hub-bench-")
    token = subprocess.check_output(
        [BINARY, "token", "create", "--data-dir", data, "--role", "submitter", "--organisation", "E09000015"],
        text=True,
    ).strip()
    port = free_port()
    hub = subprocess.Popen(
        [BINARY, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}", "--rate-limit", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        big = workforce_csv(100_000)
        valid = workforce_csv(30_240)
        results = {}
        for name, method, path, body, expect in [
            ("validate 100,000 rows (422)", "POST", "/api/v1/validate/workforce", big, 422),
            ("upload 30,240 rows (201)", "PUT", "/api/v1/submissions/E09000015/workforce/2025-Q1", valid, 201),
        ]:
            times = []
            for _ in range(args.runs):
                status, seconds, payload = request(method, base + path, token, body)
                assert status == expect, (status, payload[:300])
                times.append(seconds)
            results[name] = times
            print(f"{name}: {len(body) / 1e6:.1f} MB, median {statistics.median(times) * 1000:.0f} ms, "
                  f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {args.runs} runs")
        print(json.dumps({k: [round(t, 4) for t in v] for k, v in results.items()}))
    finally:
        hub.terminate()
        hub.wait()


if __name__ == "__main__":
    main()
