#!/usr/bin/env python3
"""Side-by-side benchmark: the hub over HTTP against DuckDB in-process, on
the same generated data, in one run.

1. Builds the hub (`cargo build --release`, unless --no-build) and installs
   DuckDB (pinned in bench/requirements.txt) into target/benchenv.
2. Generates the stores with `edi-hub bench-store`, every quarter published:
   London scale (33 boroughs x 8 quarters: 264 workforce uploads, about
   32,000 workforce rows) in a temporary directory, and national scale (the
   row volume of 350 organisations on the hub's 33 codes, every quarter
   from 2000-Q1: see the README's performance section) kept in
   target/bench-stores/ and reused while the quarter is the same.
3. Serves each with `edi-hub serve` (release build, default settings but no
   rate limit) and asks distinct `workforce_share` questions (group x pay
   band x quarter, in a shuffled order, so none is answered from the
   answer cache) one at a time over HTTP with `edi-hub bench-http`, as an
   analyst: the time includes disclosure control, summary rows and JSON.
4. Asks DuckDB the same questions: the same per-borough sums over the
   same quarter's Parquet files (read_parquet of the files, as the hub's
   store holds them), and over a table loaded into memory once.
5. Checks the figures agree (a steward's unredacted answers against
   DuckDB's sums), then measures start-up (process start to the first
   answer), peak memory after a sweep over every quarter (national),
   cached answers against /healthz, requests per second with one and two
   hub processes on one store, and how soon a release made on one process
   is served by the other.

Prints every figure and the ratios; writes them to target/bench-results.json.

With --profile, the serving process is profiled with `perf` while it
answers the uncached questions, and the top entries are printed; with
--serve-binary, another build (an earlier version's) serves the same
stores, so two versions are compared on the same data.

Usage: python3 bench/compare.py [--no-build] [--skip-national] [--fresh]
       [--profile] [--serve-binary PATH] [--results FILE]
"""

import argparse
import glob
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target", "benchenv")
REQUIREMENTS = os.path.join(ROOT, "bench", "requirements.txt")
BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "edi-hub")
# The binary that serves (default: BINARY); another build's, to compare versions.
SERVE_BINARY = None


def ensure_venv():
    """Re-runs this script inside target/benchenv, with DuckDB installed."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    stamp = os.path.join(VENV, "requirements.txt")
    current = os.path.exists(stamp) and open(stamp).read() == open(REQUIREMENTS).read()
    if not current:
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([os.path.join(VENV, "bin", "pip"), "install", "--quiet",
                               "--disable-pip-version-check", "-r", REQUIREMENTS])
        shutil.copy(REQUIREMENTS, stamp)
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def run_json(args):
    return json.loads(subprocess.check_output([BINARY] + args, text=True))


def token(data, role, organisation=None):
    args = [BINARY, "token", "create", "--data-dir", data, "--role", role]
    if organisation:
        args += ["--organisation", organisation]
    return subprocess.check_output(args, text=True).strip()


def get(url, token_value, method="GET", body=None, content_type=None):
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Authorization", f"Bearer {token_value}")
    if content_type:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Hub:
    """An `edi-hub serve` process on a data directory."""

    def __init__(self, data, probe_path, probe_token, extra=(), cpu=None):
        self.started = time.perf_counter()
        pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
        self.process = subprocess.Popen(
            [*pin, SERVE_BINARY or BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--rate-limit", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        for line in self.process.stdout:
            if "listening on " in line:
                self.base = line.split("listening on ")[1].split()[0]
                break
        else:
            raise RuntimeError("edi-hub serve stopped before it listened")
        # Keep reading its log (a line per request) so it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()
        self.listening = time.perf_counter() - self.started
        # Ready to answer: the first benchmark answer.
        while True:
            status, _ = get(self.base + probe_path, probe_token)
            if status == 200:
                break
            time.sleep(0.02)
        self.ready = time.perf_counter() - self.started

    def cpu_seconds(self):
        """CPU time the process has used (user and system)."""
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.terminate()
        self.process.wait()


def bench_http(bases, token_value, paths, clients=1, requests=None, seconds=60):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths) + "\n")
        name = f.name
    args = ["bench-http", "--token", token_value, "--paths", name, "--clients", str(clients),
            "--seconds", str(seconds)]
    for b in bases:
        args += ["--base", b]
    if requests:
        args += ["--requests", str(requests)]
    try:
        return run_json(args)
    finally:
        os.unlink(name)


def sql_of(q, source):
    def codes(cs):
        return ", ".join(f"'{c}'" for c in cs) or "NULL"
    where = f"pay_band = {q['pay_band']}" if q["pay_band"] else "TRUE"
    straddling = f"ethnicity IN ({codes(q['straddling'])})" if q["straddling"] else "FALSE"
    return (
        "SELECT organisation, period, "
        f"sum(CASE WHEN {where} AND ethnicity IN ({codes(q['inside'])}) THEN CAST(headcount AS DOUBLE) ELSE 0 END), "
        f"sum(CASE WHEN {where} AND ethnicity <> 'not_stated' THEN CAST(headcount AS DOUBLE) ELSE 0 END), "
        f"sum(CASE WHEN {where} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {straddling} THEN 1 ELSE 0 END) "
        f"FROM {source} GROUP BY organisation, period"
    )


def figures(rows):
    """Per organisation: (numerator, denominator, value), as the hub builds them."""
    out = {}
    for organisation, _period, num, den, matched, straddling in rows:
        if matched > 0 and straddling == 0:
            out[organisation] = (num, den, num / den * 100 if den > 0 else None)
    return out


def duckdb_times(con, questions, files_of, in_memory):
    times = []
    for q in questions:
        if in_memory:
            source = f"workforce WHERE period = '{q['period']}'"
            sql = sql_of(q, "workforce").replace("FROM workforce", f"FROM {source}")
        else:
            listed = ", ".join(f"'{f}'" for f in files_of(q["period"]))
            sql = sql_of(q, f"read_parquet([{listed}])")
        t = time.perf_counter()
        figures(con.execute(sql).fetchall())
        times.append(time.perf_counter() - t)
    times.sort()
    return times


def pct(times, p):
    return times[min(len(times) - 1, round((len(times) - 1) * p))] * 1000


def check_figures(base, steward, con, questions, files_of, n=30):
    """A steward's unredacted answers against DuckDB's sums, for n questions."""
    checked = 0
    for q in questions[:n]:
        status, body = get(base + q["path"], steward)
        assert status == 200, (status, body[:300])
        hub = {r["organisation"]: (r["numerator"], r["denominator"])
               for r in json.loads(body)["rows"] if r["scope"] == "organisation"}
        listed = ", ".join(f"'{f}'" for f in files_of(q["period"]))
        duck = figures(con.execute(sql_of(q, f"read_parquet([{listed}])")).fetchall())
        assert set(hub) == set(duck), (q["path"], sorted(set(hub) ^ set(duck)))
        for o, (num, den) in hub.items():
            assert (num, den) == (duck[o][0], duck[o][1]), (q["path"], o, (num, den), duck[o])
        checked += 1
    return checked


def measure_scale(name, data, report, args, results):
    import duckdb

    questions = report["questions"]
    random.Random(1).shuffle(questions)
    analyst, steward = token(data, "analyst"), token(data, "steward")
    latest = report["periods"][-1]
    probe = f"/api/v1/benchmarks/declaration_rate?period={latest}"
    hub = Hub(data, probe, analyst)
    out = {"scale": name, "store": {k: v for k, v in report.items() if k != "questions"}}
    out["startup_listening_s"] = hub.listening
    out["startup_ready_s"] = hub.ready
    print(f"\n== {name} scale: {report['submissions']} submissions, {report['rows']:,} rows, "
          f"{report['latest_workforce_rows']:,} workforce rows in {latest}; "
          f"generated in {report['load_seconds']:.1f} s, published in {report['publish_seconds']:.1f} s")
    print(f"start-up: listening after {hub.listening:.2f} s, first answer after {hub.ready:.2f} s")

    def files_of(period):
        return sorted(glob.glob(os.path.join(data, "data", "workforce", period, "*", "*.parquet")))

    try:
        paths = [q["path"] for q in questions]
        profiler = Profiler(hub, name) if args.profile else None
        cpu = hub.cpu_seconds()
        h = bench_http([hub.base], analyst, paths)
        # Less sensitive than the wall clock to other work on a shared machine.
        h["cpu_ms_per_answer"] = (hub.cpu_seconds() - cpu) * 1000 / h["requests"]
        if profiler:
            out["profile"] = profiler.stop()
        out["hub"] = h
        print(f"hub over HTTP ({h['requests']} distinct workforce_share questions, analyst, one at a time): "
              f"p50 {h['p50_ms']:.2f} ms, p90 {h['p90_ms']:.2f} ms, p99 {h['p99_ms']:.2f} ms; "
              f"the serving process's CPU time {h['cpu_ms_per_answer']:.2f} ms per answer "
              f"(tables built on each quarter's first question included)")
        con = duckdb.connect()
        out["figures_checked"] = check_figures(hub.base, steward, con, questions, files_of)
        print(f"figures: a steward's answers to {out['figures_checked']} questions equal DuckDB's sums")
        parquet = duckdb_times(con, questions, files_of, in_memory=False)
        periods = sorted({q["period"] for q in questions})
        listed = ", ".join(f"'{f}'" for p in periods for f in files_of(p))
        con.execute(f"CREATE TABLE workforce AS SELECT * FROM read_parquet([{listed}])")
        memory = duckdb_times(con, questions, files_of, in_memory=True)
        out["duckdb_parquet"] = {"p50_ms": pct(parquet, 0.5), "p99_ms": pct(parquet, 0.99)}
        out["duckdb_memory"] = {"p50_ms": pct(memory, 0.5), "p99_ms": pct(memory, 0.99)}
        out["ratio_parquet"] = h["p50_ms"] / out["duckdb_parquet"]["p50_ms"]
        out["ratio_memory"] = h["p50_ms"] / out["duckdb_memory"]["p50_ms"]
        print(f"DuckDB {duckdb.__version__} in-process over the quarter's Parquet files: "
              f"p50 {pct(parquet, 0.5):.2f} ms, p99 {pct(parquet, 0.99):.2f} ms")
        print(f"DuckDB in-process over a table loaded into memory once: "
              f"p50 {pct(memory, 0.5):.2f} ms, p99 {pct(memory, 0.99):.2f} ms")
        print(f"ratio hub / DuckDB (p50): {out['ratio_parquet']:.2f} against Parquet files, "
              f"{out['ratio_memory']:.2f} against a table in memory (target <= 1.0)")
        if name == "national":
            sweep(hub, analyst, report, out)
        else:
            extra_london(hub, data, analyst, report, out, args)
        out["hub_peak_rss_mib"] = hub.peak_rss_mib()
        print(f"hub peak resident memory: {out['hub_peak_rss_mib']:.0f} MiB")
    finally:
        hub.stop()
    results[name] = out
    return out


class Profiler:
    """`perf record` of the serving process while the uncached questions are timed."""

    def __init__(self, hub, name):
        if shutil.which("perf") is None:
            raise SystemExit("--profile needs perf (Debian's linux-perf)")
        self.data = os.path.join(ROOT, "target", f"bench-profile-{name}.data")
        self.process = subprocess.Popen(
            ["perf", "record", "-F", "999", "-g", "-o", self.data, "-p", str(hub.process.pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

    def stop(self, top=15):
        self.process.send_signal(2)
        self.process.wait()
        report = subprocess.run(["perf", "report", "-i", self.data, "--no-children", "--stdio",
                                 "--sort", "symbol", "-g", "none", "--percent-limit", "0.5"],
                                capture_output=True, text=True).stdout
        entries = []
        for line in report.splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[0].endswith("%") and parts[1].startswith("["):
                entries.append({"percent": float(parts[0].rstrip("%")), "symbol": parts[2].strip()[:110]})
        entries = entries[:top]
        print(f"profile of the serving process ({self.data}), top {len(entries)} by own time:")
        for e in entries:
            print(f"  {e['percent']:5.1f}%  {e['symbol']}")
        return entries


def sweep(hub, analyst, report, out):
    """Every quarter's profile (all six datasets) once: tables come and go within the budget."""
    paths = [f"/api/v1/organisations/E09000015/profile?period={p}" for p in report["periods"]]
    h = bench_http([hub.base], analyst, paths)
    out["sweep"] = h
    out["sweep_rss_mib"] = hub.rss_mib()
    print(f"sweep: a profile (every metric, six datasets) for each of {len(paths)} quarters: "
          f"p50 {h['p50_ms']:.1f} ms, {h['seconds']:.1f} s in all; resident memory after it "
          f"{out['sweep_rss_mib']:.0f} MiB")


def extra_london(hub, data, analyst, report, out, args):
    latest = report["periods"][-1]
    cached = f"/api/v1/benchmarks/workforce_share?period={latest}"
    get(hub.base + cached, analyst)
    c = bench_http([hub.base], analyst, [cached], clients=16, requests=10**9, seconds=args.seconds)
    hz = bench_http([hub.base], analyst, ["/healthz"], clients=16, requests=10**9, seconds=args.seconds)
    out["cached_rps"], out["healthz_rps"] = c["requests_per_second"], hz["requests_per_second"]
    print(f"cached answers: {c['requests_per_second']:.0f} requests/s, /healthz {hz['requests_per_second']:.0f} "
          f"requests/s: {c['requests_per_second'] / hz['requests_per_second'] * 100:.0f}% (target >= 50%)")
    # Replicas: uncached questions (each asked once) on one process, then spread over two.
    groups = sorted({q["group"] for q in report["questions"]})
    def distinct(flag):
        paths = [f"/api/v1/benchmarks/workforce_share?period={p}&group={g}&senior_leadership={flag}"
                 f"&top_5_percent={t}" + (f"&pay_band={b}" if b else "")
                 for p in report["periods"] for g in groups for b in [None, 1, 2, 3, 4, 5, 6]
                 for t in ["true", "false"]]
        random.Random(2).shuffle(paths)
        return paths
    probe = f"/api/v1/benchmarks/declaration_rate?period={latest}"
    second = Hub(data, probe, analyst)
    try:
        one = bench_http([hub.base], analyst, distinct("true"), clients=8, seconds=args.seconds)
        two = bench_http([hub.base, second.base], analyst, distinct("false"), clients=8, seconds=args.seconds)
        out["replicas"] = {"one": one, "two": two}
        print(f"uncached requests/s, 8 clients: one process {one['requests_per_second']:.0f} "
              f"(p50 {one['p50_ms']:.2f} ms), two processes on the store {two['requests_per_second']:.0f} "
              f"(p50 {two['p50_ms']:.2f} ms): x{two['requests_per_second'] / one['requests_per_second']:.2f}")
        out["propagation_s"] = propagation(hub, second, data, latest)
        print(f"a new upload and release on one process served by the other after {out['propagation_s']:.2f} s "
              f"(target <= 5 s)")
    finally:
        second.stop()
    # The same with each process held to one core of its own (fresh processes, empty caches).
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        first = Hub(data, probe, analyst, cpu=0)
        try:
            one = bench_http([first.base], analyst, distinct("true"), clients=8, seconds=args.seconds)
            second = Hub(data, probe, analyst, cpu=1)
            try:
                two = bench_http([first.base, second.base], analyst, distinct("false"), clients=8,
                                 seconds=args.seconds)
            finally:
                second.stop()
        finally:
            first.stop()
        out["replicas_one_core_each"] = {"one": one, "two": two}
        print(f"the same, each process on one core of its own: one process {one['requests_per_second']:.0f}, "
              f"two processes {two['requests_per_second']:.0f}: x{two['requests_per_second'] / one['requests_per_second']:.2f}")


def propagation(one, two, data, period):
    """Uploads a revised file and publishes it on `one`; seconds until `two` serves the release."""
    submitter, steward = token(data, "submitter", "E09000001"), token(data, "steward")
    csv = "ethnicity,headcount\nwhite_british,400\nblack_african,120\nasian_indian,90\nnot_stated,12\n"
    status, body = get(f"{one.base}/api/v1/submissions/E09000001/workforce/{period}", submitter, "PUT",
                       csv.encode(), "text/csv")
    assert status == 201, body
    started = time.perf_counter()
    status, body = get(f"{one.base}/api/v1/periods/{period}/releases", steward, "POST")
    assert status == 201, body
    release = json.loads(body)["release"]
    question = f"/api/v1/benchmarks/workforce_share?period={period}&group=black_african"
    while True:
        status, body = get(two.base + question, steward)
        rows = json.loads(body)["rows"] if status == 200 else []
        if any(r.get("organisation") == "E09000001" and r.get("release") == release
               and r.get("numerator") == 120 for r in rows):
            return time.perf_counter() - started
        if time.perf_counter() - started > 30:
            raise RuntimeError("the second process did not serve the release within 30 s")
        time.sleep(0.05)


def store(scale, args):
    """Generates the store of `scale` (national: reused from target/bench-stores while current)."""
    if scale == "london":
        data = tempfile.mkdtemp(prefix="edi-hub-london-")
        shutil.rmtree(data)
        return data, run_json(["bench-store", "--scale", "london", "--data-dir", data])
    keep = os.path.join(ROOT, "target", "bench-stores")
    quarter = f"{time.gmtime().tm_year}-Q{(time.gmtime().tm_mon - 1) // 3 + 1}"
    data = os.path.join(keep, f"national-{quarter}")
    saved = data + ".json"
    if os.path.exists(saved) and not args.fresh:
        return data, json.load(open(saved))
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(keep, exist_ok=True)
    print("generating the national-scale store (a few minutes; kept in target/bench-stores/)...", flush=True)
    report = run_json(["bench-store", "--scale", "national", "--data-dir", data])
    json.dump(report, open(saved, "w"))
    return data, report


def upload_timing():
    """The largest valid workforce file, uploaded by bench/upload.py."""
    out = subprocess.check_output([sys.executable, os.path.join(ROOT, "bench", "upload.py"), "--runs", "5"],
                                  text=True, env={**os.environ, "EDI_HUB_BINARY": BINARY})
    print(out.strip())
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-build", action="store_true", help="use target/release/edi-hub as it is")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="generate the national store again")
    parser.add_argument("--seconds", type=int, default=5, help="per throughput measurement")
    parser.add_argument("--binary", help="the edi-hub to run (default: the release build)")
    parser.add_argument("--serve-binary", help="another edi-hub to serve with (e.g. an earlier version's)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the serving process with perf while it answers the uncached questions")
    parser.add_argument("--results", default=os.path.join(ROOT, "target", "bench-results.json"),
                        help="where to write every figure as JSON")
    args = parser.parse_args()
    global BINARY, SERVE_BINARY
    BINARY = os.path.abspath(args.binary) if args.binary else BINARY
    SERVE_BINARY = os.path.abspath(args.serve_binary) if args.serve_binary else None
    if not (args.no_build or args.binary):
        subprocess.check_call(["cargo", "build", "--release", "--workspace", "--bins", "--locked"], cwd=ROOT)
    results = {"machine": machine()}
    print(f"machine: {results['machine']}")
    london_dir, london = store("london", args)
    try:
        measure_scale("london", london_dir, london, args, results)
    finally:
        shutil.rmtree(london_dir, ignore_errors=True)
    if not args.skip_national:
        national_dir, national = store("national", args)
        measure_scale("national", national_dir, national, args, results)
        ratio = results["national"]["hub"]["p50_ms"] / results["london"]["hub"]["p50_ms"]
        results["national_over_london"] = ratio
        cpu = results["national"]["hub"]["cpu_ms_per_answer"] / results["london"]["hub"]["cpu_ms_per_answer"]
        results["national_over_london_cpu"] = cpu
        print(f"\nnational / London one-quarter answer (p50): {ratio:.2f} (target <= 2); "
              f"CPU time per answer: {cpu:.2f}")
    results["upload"] = upload_timing()
    summary(results)
    with open(args.results, "w") as f:
        json.dump(results, f, indent=2)


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) / 1024 / 1024
    except (OSError, StopIteration):
        mem = 0
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB memory"


def summary(r):
    print("\n== summary")
    for name in ["london", "national"]:
        if name not in r:
            continue
        s = r[name]
        print(f"{name:<9} hub p50 {s['hub']['p50_ms']:.2f} ms | DuckDB Parquet p50 {s['duckdb_parquet']['p50_ms']:.2f} ms "
              f"(ratio {s['ratio_parquet']:.2f}) | DuckDB in memory p50 {s['duckdb_memory']['p50_ms']:.2f} ms "
              f"(ratio {s['ratio_memory']:.2f}) | ready after {s['startup_ready_s']:.2f} s | "
              f"peak RSS {s['hub_peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    ensure_venv()
    main()
