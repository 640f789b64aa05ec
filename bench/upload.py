#!/usr/bin/env python3
"""Upload and validation timings of large CSV and Excel files against a real hub.

Builds nothing: run `cargo build --release` first. Starts `edi-hub serve`
on a temporary data directory, creates a submitter token, then times:

* POST /api/v1/validate/workforce with a 100,000-row CSV (it has duplicate
  combinations past row 30,240, so the answer is a 422 listing problems:
  every row is still decoded and checked);
* PUT of the largest valid workforce file (30,240 rows: every detailed
  ethnicity code x pay band x sex x age band x disability x both flags);
* POST /api/v1/validate/workforce and PUT of the same 30,240 rows as an
  Excel workbook (.xlsx, written here as Excel writes one: a shared strings
  table, numbers as numbers, flags as booleans), beside the CSV's
  validation time;
* PUT of a 100,000-row valid file is impossible for the hub's datasets
  (no dataset has 100,000 distinct dimension combinations), so the
  100,000-row timing is the validation one.

Usage: python3 bench/upload.py [--runs N]   (EDI_HUB_BINARY: another binary)
"""

import argparse
import io
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
import zipfile
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("EDI_HUB_BINARY", os.path.join(ROOT, "target", "release", "edi-hub"))
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


def column_letter(i):
    letters = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def xlsx_of_csv(csv_bytes, sheet="workforce"):
    """The CSV as an Excel workbook, written as Excel writes one: text in a
    shared strings table, numbers as numbers, true/false as booleans."""
    lines = csv_bytes.decode().splitlines()
    strings, index = [], {}

    def shared(text):
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    rows = []
    for r, line in enumerate(lines, start=1):
        cells = []
        for c, field in enumerate(line.split(",")):
            ref = f"{column_letter(c)}{r}"
            if field == "":
                continue
            if r > 1 and field in ("true", "false"):
                cells.append(f'<c r="{ref}" t="b"><v>{1 if field == "true" else 0}</v></c>')
                continue
            try:
                float(field)
                numeric = r > 1
            except ValueError:
                numeric = False
            if numeric:
                cells.append(f'<c r="{ref}"><v>{field}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{shared(field)}</v></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(t)}</t></si>" for t in strings) + "</sst>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
            + "".join(rows) + "</sheetData></worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, token, body=None, content_type=CSV):
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Content-Type", content_type)
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
        workbook = xlsx_of_csv(valid)
        validate, submit = "/api/v1/validate/workforce", "/api/v1/submissions/E09000015/workforce/2025-Q1"
        results = {}
        for name, method, path, body, content_type, expect in [
            ("validate 100,000 rows (422)", "POST", validate, big, CSV, 422),
            ("upload 30,240 rows (201)", "PUT", submit, valid, CSV, 201),
            ("validate 30,240 rows, CSV (200)", "POST", validate, valid, CSV, 200),
            ("validate 30,240 rows, Excel (200)", "POST", validate, workbook, XLSX, 200),
            ("upload 30,240 rows, Excel (201)", "PUT", submit, workbook, XLSX, 201),
        ]:
            times = []
            for _ in range(args.runs):
                status, seconds, payload = request(method, base + path, token, body, content_type)
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
