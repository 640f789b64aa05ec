"""The dashboard in a real browser: headless Debian Chromium driven by
Playwright, against a live demo hub started by scripts/browser-test.sh.

Each view loads (desktop and phone width, with screenshots under
target/screenshots/), the numbers shown equal the API's, suppressed cells
show as [c] exactly where the API suppresses, 95% intervals, the flag
against London and action-plan targets (recorded through the API) show as
the API gives them to the same viewer, the upload view lists a bad
file's problems and submits a good one, checks an Excel workbook (its
problems placed in the sheet), and the page loads nothing from
anywhere but the hub and never puts the token in a URL.
"""

import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from decimal import ROUND_HALF_UP, Decimal

import pytest

URL = os.environ.get("EDI_HUB_URL", "http://127.0.0.1:8080")
TOKENS = {
    "steward": os.environ.get("EDI_HUB_STEWARD", ""),
    "analyst": os.environ.get("EDI_HUB_ANALYST", ""),
    "submitter": os.environ.get("EDI_HUB_SUBMITTER", ""),
}
OWN = os.environ.get("EDI_HUB_SUBMITTER_ORG", "E09000015")
SHOTS = os.environ.get("EDI_HUB_SCREENSHOTS", "target/screenshots")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWS = ["metric", "trend", "payband", "profile", "coverage", "upload"]
SUPPRESSED_TEXT = "suppressed to protect individuals"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = os.environ.get("EDI_HUB_BINARY", "target/debug/edi-hub")


def api(path, role="analyst", method="GET", body=None, content_type=None):
    """The API's answer (status, JSON body, headers) for `path`."""
    request = urllib.request.Request(URL + path, method=method, data=body)
    request.add_header("Authorization", f"Bearer {TOKENS[role]}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), dict(e.headers)


def get(path, role="analyst"):
    status, body, _ = api(path, role)
    assert status == 200, (path, body)
    return body


def latest_period():
    """The latest published quarter (the demo's newest is still collecting)."""
    return max(p["period"] for p in get("/api/v1/periods")["periods"] if p["state"] == "published")


def periods():
    """Quarters with workforce returns."""
    return sorted({e["period"] for e in get("/api/v1/coverage")["coverage"] if e["dataset"] == "workforce"})


def number_in(text):
    """The number in a cell's text ("48.9%", "1.19", "1,234")."""
    m = re.search(r"-?[\d,]+(\.\d+)?", text)
    assert m, f"no number in {text!r}"
    return float(m.group(0).replace(",", ""))


def check_cell(cell, row, column, decimals):
    """A table cell shows the API's value: [c] when suppressed, else the number."""
    assert cell is not None, f"no cell for {column} of {row.get('name')}"
    if column in row.get("suppressed", []):
        assert cell.text_content().strip() == "[c]", (row, column)
        assert cell.get_attribute("data-suppressed") == "true"
        assert SUPPRESSED_TEXT in (cell.query_selector("abbr").get_attribute("title") or "")
        return "suppressed"
    value = row.get(column)
    if value is None:
        assert cell.text_content().strip() == "–", (row, column, cell.text_content())
        return "empty"
    assert float(cell.get_attribute("data-value")) == pytest.approx(value, rel=1e-12, abs=1e-12), (row, column)
    assert number_in(cell.text_content()) == pytest.approx(value, abs=0.5 * 10**-decimals + 1e-9), (row, column)
    return "value"


class Session:
    """A signed-in page, recording every request URL, console line and page error."""

    def __init__(self, browser, role, viewport):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.requests = []
        self.console = []
        self.errors = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(URL + "/")
        if role:
            self.sign_in(TOKENS[role])

    def sign_in(self, token):
        self.page.fill("#token-input", token)
        self.page.click("#signin button[type=submit]")
        self.page.wait_for_selector("#who:not(:empty)", timeout=20000)
        self.page.wait_for_selector("main[data-state=ready], main[data-state=error]", timeout=60000)

    def open(self, fragment):
        """Opens a view and waits until it has drawn (or failed)."""
        # A hash change does not reload the page: forget the last view's state first.
        self.page.evaluate("document.getElementById('view').dataset.state = 'navigating'")
        self.page.goto(f"{URL}/#/{fragment}")
        self.page.wait_for_selector("main[data-state=ready], main[data-state=error]", timeout=60000)
        assert self.page.get_attribute("main", "data-state") == "ready", self.page.inner_text("main")[:500]
        return self.page

    def close(self):
        assert not self.errors, self.errors
        blocked = [line for line in self.console if "Content Security Policy" in line]
        assert not blocked, blocked
        self.context.close()


@pytest.fixture
def session(browser):
    opened = []

    def make(role="analyst", viewport=DESKTOP):
        s = Session(browser, role, viewport)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def test_sign_in_banner_and_token_handling(session):
    s = session(role=None)
    page = s.page
    page.wait_for_selector("main h1")
    assert "Sign in" in page.inner_text("main h1")
    assert page.is_visible("#synthetic-banner"), "a demo hub's data is labelled synthetic"
    assert "Synthetic demo data" in page.inner_text("#synthetic-banner")
    page.screenshot(path=f"{SHOTS}/signin-desktop.png", full_page=True)
    s.sign_in(TOKENS["submitter"])
    assert "Submitter for Harrow" in page.inner_text("#who")
    assert page.input_value("#token-input") == ""
    assert page.evaluate("sessionStorage.getItem('edi-hub-token')") == TOKENS["submitter"]
    assert page.is_hidden("#signin")
    s.open("metric")
    for u in s.requests:
        assert TOKENS["submitter"] not in u, "the token never goes into a URL"
    assert not any(TOKENS["submitter"] in line for line in s.console), "nor into the console"
    page.click("#signout")
    assert page.evaluate("sessionStorage.getItem('edi-hub-token')") is None
    assert page.is_visible("#signin")


def test_a_bad_token_is_refused(session):
    s = session(role=None)
    s.page.fill("#token-input", "edi_0123456789abcdef_not-a-real-token-at-all-xxxxxxxxxxxxxxxxxx")
    s.page.click("#signin button[type=submit]")
    s.page.wait_for_selector("main .alert")
    assert "401" in s.page.inner_text("main .alert")
    assert s.page.is_visible("#signin")
    assert s.page.evaluate("sessionStorage.getItem('edi-hub-token')") is None


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("view", VIEWS)
def test_each_view_loads(session, view, width):
    s = session(role="submitter", viewport=DESKTOP if width == "desktop" else PHONE)
    page = s.open(view)
    assert page.get_attribute(f'.tabs a[data-view="{view}"]', "aria-current") == "page"
    assert page.inner_text("main h1")
    if view in ("metric", "trend", "payband"):
        svg = page.query_selector("main figure svg[aria-label]")
        assert svg is not None, "every chart has an accessible name"
        assert page.query_selector("main details.table-view table") is not None, "and a table view"
    if width == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{view} scrolls sideways at phone width ({overflow}px)"
    for d in page.query_selector_all("details.table-view"):
        d.evaluate("e => e.open = true")
    page.screenshot(path=f"{SHOTS}/{view}-{width}.png", full_page=True)


def test_benchmark_view_shows_the_apis_numbers(session):
    period = latest_period()
    answer = get(f"/api/v1/benchmarks/workforce_share?period={period}&group=black")
    s = session(role="analyst")
    page = s.open(f"metric?metric=workforce_share&period={period}&group=black")
    org_rows = [r for r in answer["rows"] if r["scope"] == "organisation"]
    assert len(page.query_selector_all("#org-table tbody tr")) == len(org_rows)
    for row in org_rows:
        tr = page.query_selector(f'#org-table tr[data-organisation="{row["organisation"]}"]')
        for column in ("value", "numerator", "denominator", "rank"):
            check_cell(tr.query_selector(f'[data-column="{column}"]'), row, column, 1 if column == "value" else 0)
    for row in answer["rows"]:
        if row["scope"] == "organisation":
            continue
        tr = page.query_selector(f'#summary-table tr[data-scope="{row["scope"]}"]')
        for column in ("value", "contributors", "min", "q1", "median", "q3", "max"):
            check_cell(tr.query_selector(f'[data-column="{column}"]'), row, column, 1)
    bars = page.query_selector_all('main figure svg g[aria-label="bar"] rect')
    assert len(bars) == sum(1 for r in org_rows if r["value"] is not None)


def find_suppressed():
    """A benchmark answer in which the API suppresses some organisation's value (analyst's view)."""
    period = latest_period()
    for group in ("black_other", "mixed_white_asian", "other_arab", "black_african", "asian_chinese"):
        for band in ("6", "5"):
            query = f"period={period}&group={group}&pay_band={band}"
            answer = get(f"/api/v1/benchmarks/workforce_share?{query}")
            hidden = [r for r in answer["rows"] if r["scope"] == "organisation" and "value" in r["suppressed"]]
            if hidden:
                return query, answer, hidden
    pytest.fail("the demo data has no suppressed cell to look at")


def test_suppressed_cells_show_as_c_never_as_zero(session):
    query, answer, hidden = find_suppressed()
    params = dict(urllib.parse.parse_qsl(query))
    s = session(role="analyst")
    page = s.open(f"metric?metric=workforce_share&{query}")
    for row in hidden:
        tr = page.query_selector(f'#org-table tr[data-organisation="{row["organisation"]}"]')
        assert check_cell(tr.query_selector('[data-column="value"]'), row, "value", 1) == "suppressed"
    placeholders = page.locator("main figure svg text", has_text="[c] suppressed")
    assert placeholders.count() == len(hidden), "each suppressed borough has a labelled placeholder, not a bar"
    assert page.locator("main figure .supp-note").count() >= 1, "and the chart explains [c]"
    # Pooled values leave those boroughs out, and the page names them.
    note = page.text_content("#pool-note")
    assert all(row["name"] in note for row in hidden), note
    london = next(r for r in answer["rows"] if r["scope"] == "london")
    tr = page.query_selector('#summary-table tr[data-scope="london"]')
    assert tr.query_selector('[data-column="contributors"]').text_content().strip() == str(london["contributors"])
    # The same cells on the pay band view of one such borough.
    org = hidden[0]["organisation"]
    family = params["group"].split("_")[0]
    page = s.open(f"payband?organisation={org}&period={params['period']}&groups={family}")
    tr = page.query_selector(
        f'#payband-table tr[data-group="{params["group"]}"][data-band="{params["pay_band"]}"]'
    )
    assert check_cell(tr.query_selector('[data-column="value"]'), hidden[0], "value", 1) == "suppressed"
    page.evaluate("document.querySelector('#payband-table').closest('details').open = true")
    page.screenshot(path=f"{SHOTS}/suppressed-payband-desktop.png", full_page=True)


def test_a_submitter_sees_its_own_borough_in_full_and_highlighted(session):
    query, answer, hidden = find_suppressed()
    own = next(r for r in get(f"/api/v1/benchmarks/workforce_share?{query}", "submitter")["rows"]
               if r.get("organisation") == OWN)
    s = session(role="submitter")
    page = s.open(f"metric?metric=workforce_share&{query}")
    tr = page.query_selector(f'#org-table tr[data-organisation="{OWN}"]')
    assert "own" in (tr.get_attribute("class") or "")
    assert "(you)" in tr.text_content()
    assert check_cell(tr.query_selector('[data-column="value"]'), own, "value", 1) in ("value", "empty")
    assert "(you)" in page.text_content("main figure svg")


def test_trend_view_shows_the_apis_numbers(session):
    ps = periods()
    frm, to = ps[0], ps[-1]
    answer = get(f"/api/v1/benchmarks/declaration_rate?from={frm}&to={to}", "submitter")
    s = session(role="submitter")
    page = s.open(f"trend?organisation={OWN}&metric=declaration_rate&from={frm}&to={to}")
    checked = 0
    for row in answer["rows"]:
        tr = page.query_selector(f'#trend-table tr[data-period="{row["period"]}"]')
        if row["scope"] == "organisation" and row["organisation"] == OWN:
            cells = tr.query_selector_all('[data-column="value"]')
            checked += check_cell(cells[0], row, "value", 1) == "value"
        elif row["scope"] == "london":
            cells = tr.query_selector_all('[data-column="value"]')
            check_cell(cells[1], row, "value", 1)
            check_cell(tr.query_selector('[data-column="median"]'), row, "median", 1)
    assert checked == len(ps)


def test_pay_band_view_shows_the_apis_numbers(session):
    period = latest_period()
    org = "E09000001"
    s = session(role="analyst")
    page = s.open(f"payband?organisation={org}&period={period}&groups=high")
    seen = set()
    for group in ("asian", "black", "mixed", "white", "other"):
        for band in ("1", "4", "6"):
            tr = page.query_selector(f'#payband-table tr[data-group="{group}"][data-band="{band}"]')
            for metric in ("workforce_share", "representation_ratio"):
                rows = get(f"/api/v1/benchmarks/{metric}?period={period}&group={group}&pay_band={band}")["rows"]
                row = next((r for r in rows if r.get("organisation") == org), None)
                cells = tr.query_selector_all('[data-column="value"]')
                cell = cells[0] if metric == "workforce_share" else cells[1]
                if row is None:
                    assert cell.text_content().strip() == "–"
                else:
                    seen.add(check_cell(cell, row, "value", 1 if metric == "workforce_share" else 2))
    assert "value" in seen
    assert len(page.query_selector_all("main .band-chart svg")) == 5


def test_profile_view_shows_the_apis_numbers(session):
    period = latest_period()
    profile = get(f"/api/v1/organisations/{OWN}/profile?period={period}", "submitter")
    s = session(role="submitter")
    page = s.open(f"profile?organisation={OWN}&period={period}")
    assert len(page.query_selector_all("#profile-table tbody tr")) == len(profile["metrics"])
    shown = 0
    for answer in profile["metrics"]:
        tr = page.query_selector(f'#profile-table tr[data-metric="{answer["metric"]}"]')
        cells = tr.query_selector_all('[data-column="value"]')
        decimals = 1 if answer["unit"] == "percent" else 2
        own = next((r for r in answer["rows"] if r["scope"] == "organisation"), None)
        london = next(r for r in answer["rows"] if r["scope"] == "london")
        if own:
            shown += check_cell(cells[0], own, "value", decimals) == "value"
            check_cell(tr.query_selector('[data-column="rank"]'), own, "rank", 0)
            check_cell(cells[1], london, "value", decimals)
    assert shown >= 8
    assert "targets" in page.inner_text("main").lower()


def test_coverage_grid_matches_the_api(session):
    coverage = get("/api/v1/coverage")["coverage"]
    held = {}
    for e in coverage:
        held.setdefault((e["organisation"], e["period"]), set()).add(e["dataset"])
    s = session(role="analyst")
    page = s.open("coverage")
    ps = sorted({e["period"] for e in coverage})
    assert len(page.query_selector_all("#coverage-grid tbody tr")) == 33
    for org in ("E09000001", "E09000015", "E09000033"):
        tr = page.query_selector(f'#coverage-grid tr[data-organisation="{org}"]')
        for p in ps:
            cell = tr.query_selector(f'td[data-period="{p}"]')
            assert int(cell.get_attribute("data-count")) == len(held.get((org, p), set()))
    page.select_option("#pick-dataset", "pay")
    page.wait_for_selector('main[data-state="ready"]')
    tr = page.query_selector('#coverage-grid tr[data-organisation="E09000015"]')
    cell = tr.query_selector(f'td[data-period="{ps[-1]}"]')
    assert ("pay" in held.get(("E09000015", ps[-1]), set())) == (cell.get_attribute("data-count") == "1")


BAD_CSV = b"ethnicity,pay_band,headcount\nBlack,7,12\nblack,4,-3\nblack,4,5\n"
GOOD_CSV = b"ethnicity,case_type,count\nblack,disciplinary,4\nwhite,disciplinary,6\nasian,grievance,0\n"


def test_upload_lists_every_problem_of_a_bad_file_then_submits_a_good_one(session):
    _, expected, _ = api("/api/v1/validate/workforce", "submitter", "POST", BAD_CSV, "text/csv")
    s = session(role="submitter")
    page = s.open("upload")
    assert "Harrow" in page.inner_text("#upload-organisation")
    page.select_option("#pick-dataset", "workforce")
    page.set_input_files("#upload-file", files=[{"name": "harrow-bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    page.click("#check-button")
    page.wait_for_selector("#problems-table")
    rows = page.query_selector_all("#problems-table tbody tr")
    assert len(rows) == len(expected["errors"]) == 3
    for tr, problem in zip(rows, expected["errors"]):
        cells = [c.inner_text().strip() for c in tr.query_selector_all("td, th")]
        assert cells == [str(problem["row"]), problem["column"], problem["message"]]
    assert page.is_disabled("#submit-button"), "a file with problems cannot be submitted"
    page.screenshot(path=f"{SHOTS}/upload-problems-desktop.png", full_page=True)

    # A good file, named after its dataset and quarter, for a quarter the demo left empty.
    quarter = page.eval_on_selector_all("#pick-period option", "os => os.map(o => o.value)")[-1]
    assert quarter not in periods()
    page.set_input_files(
        "#upload-file", files=[{"name": f"harrow_casework_{quarter}.csv", "mimeType": "text/csv", "buffer": GOOD_CSV}]
    )
    assert page.input_value("#pick-dataset") == "casework"
    assert page.input_value("#pick-period") == quarter
    page.click("#check-button")
    page.wait_for_selector("#check-ok")
    page.click("#submit-button")
    page.wait_for_selector("#submit-ok")
    receipt = page.inner_text("#receipt-table")
    listed = get(f"/api/v1/submissions?organisation={OWN}&dataset=casework&period={quarter}", "submitter")
    assert listed["submissions"][0]["id"] in receipt
    assert listed["submissions"][0]["rows"] == 3
    page.screenshot(path=f"{SHOTS}/upload-submitted-desktop.png", full_page=True)


def problem_cells(problem):
    """A problem as the upload view's table shows it."""
    row = "file" if problem["row"] is None else str(problem["row"])
    return [row, problem["column"] or "–", problem["message"]]


def test_an_excel_workbook_is_checked_with_its_problems_placed_in_the_sheet(session):
    # The ready-to-fill survey workbook, checked as casework and as survey.
    book = subprocess.check_output([BINARY, "template", "survey", "--format", "xlsx"])
    status, expected, _ = api("/api/v1/validate/casework", "submitter", "POST", book, XLSX)
    assert status == 422
    assert any(p["message"].startswith("sheet 'survey', cell B1: ") for p in expected["errors"]), expected
    s = session(role="submitter")
    page = s.open("upload")
    page.set_input_files("#upload-file", files=[{"name": "Staff survey.xlsx", "mimeType": XLSX, "buffer": book}])
    assert page.input_value("#pick-dataset") == "survey"
    page.select_option("#pick-dataset", "casework")
    page.click("#check-button")
    page.wait_for_selector("#problems-table")
    rows = page.query_selector_all("#problems-table tbody tr")
    assert len(rows) == len(expected["errors"])
    for tr, problem in zip(rows, expected["errors"]):
        cells = [c.inner_text().strip() for c in tr.query_selector_all("td, th")]
        assert cells == problem_cells(problem)
    page.screenshot(path=f"{SHOTS}/upload-excel-problems-desktop.png", full_page=True)
    page.select_option("#pick-dataset", "survey")
    page.click("#check-button")
    page.wait_for_selector("#check-ok")
    assert "4 data rows" in page.inner_text("#check-ok")


def test_an_analyst_can_check_but_not_submit(session):
    s = session(role="analyst")
    page = s.open("upload")
    assert "You can check files here" in page.inner_text("main")
    page.set_input_files("#upload-file", files=[{"name": "x.csv", "mimeType": "text/csv", "buffer": GOOD_CSV}])
    page.select_option("#pick-dataset", "casework")
    page.click("#check-button")
    page.wait_for_selector("#check-ok")
    assert page.is_disabled("#submit-button")


def test_keyboard_use_and_visible_focus(session):
    s = session(role="analyst")
    page = s.open("metric")
    page.reload()
    page.wait_for_selector("main[data-state=ready]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    seen = []
    for _ in range(6):
        page.keyboard.press("Tab")
        el = page.evaluate_handle("document.activeElement")
        seen.append(el.evaluate("e => e.id || e.textContent.trim().slice(0, 30)"))
        style = el.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).boxShadow")
        assert not style.startswith("none none"), f"no visible focus on {seen[-1]}"
    assert "pick-metric" in seen, seen
    # The tabs work from the keyboard too.
    page.focus('.tabs a[data-view="coverage"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("#coverage-grid")
    # The table view opens from the keyboard.
    page = s.open("trend")
    page.focus("details.table-view summary")
    page.keyboard.press("Enter")
    assert page.is_visible("#trend-table")


def test_everything_comes_from_the_hub_and_first_load_is_timed(session):
    s = session(role=None)
    s.page.wait_for_selector("main h1")
    timing = s.page.evaluate(
        """() => {
        const n = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource');
        return {load: n.loadEventEnd - n.startTime, dom: n.domContentLoadedEventEnd - n.startTime,
                transfer: n.transferSize + res.reduce((a, r) => a + r.transferSize, 0),
                decoded: n.decodedBodySize + res.reduce((a, r) => a + r.decodedBodySize, 0)};
    }"""
    )
    report = (f"first load: {timing['load']:.0f} ms (DOM ready {timing['dom']:.0f} ms), "
              f"{timing['transfer']} bytes transferred, {timing['decoded']} bytes decoded")
    print(report)
    with open(f"{SHOTS}/first-load.txt", "w") as f:
        f.write(report + "\n")
    assert all(u.startswith(URL) for u in s.requests), [u for u in s.requests if not u.startswith(URL)]
    s.sign_in(TOKENS["steward"])
    s.open("payband")
    assert all(u.startswith(URL) for u in s.requests), "no request leaves the hub"


def js_number(value, unit):
    """A value as the dashboard's formatNumber writes it (JavaScript's toFixed rounds a tie away from zero)."""
    if value is None:
        return "–"
    fixed = lambda places: str(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    if unit == "percent":
        return f"{fixed(1)}%"
    if unit == "ratio":
        return fixed(2)
    raise AssertionError(f"no format for unit {unit!r}")


def interval_text(row, unit):
    """The 95% interval cell of a benchmark row as the dashboard should show it."""
    if {"value", "lower_ci", "upper_ci"} & set(row["suppressed"]):
        return "[c]"
    if row["lower_ci"] is None or row["upper_ci"] is None:
        return "–"
    return f"{js_number(row['lower_ci'], unit)} to {js_number(row['upper_ci'], unit)}"


FLAG_TEXT = {"higher": "higher than London", "similar": "similar to London", "lower": "lower than London"}
STATUS_TEXT = {"achieved": "achieved", "on_track": "on track", "off_track": "off track", "no_data": "no data"}
VISIBILITY_TEXT = {"private": "this borough and data stewards", "shared": "everyone signed in"}


def own_value_withheld_from_others():
    """Workforce-share parameters at which the submitter's own value is suppressed for an analyst."""
    period = latest_period()
    for group in ("black_other", "mixed_white_asian", "other_arab", "asian_chinese", "black_african"):
        for band in ("6", "5"):
            query = f"period={period}&group={group}&pay_band={band}"
            rows = get(f"/api/v1/benchmarks/workforce_share?{query}")["rows"]
            own = next((r for r in rows if r.get("organisation") == OWN), None)
            if own and "value" in own["suppressed"]:
                return {"group": group, "pay_band": band}
    pytest.fail("the demo data withholds none of the submitter's values from an analyst")


def check_metric_view_intervals(s, metric, query):
    """Every borough row of the metric view shows the API's 95% interval and flag (for the same viewer)."""
    answer = get(f"/api/v1/benchmarks/{metric['id']}?{query}", "submitter")
    page = s.open(f"metric?metric={metric['id']}&{query}")
    org_rows = [r for r in answer["rows"] if r["scope"] == "organisation"]
    assert len(page.query_selector_all("#org-table tbody tr")) == len(org_rows)
    shown = {"interval": 0, "suppressed": 0, "flags": set()}
    for row in org_rows:
        tr = page.query_selector(f'#org-table tr[data-organisation="{row["organisation"]}"]')
        ci = tr.query_selector('[data-column="ci"]')
        expected = interval_text(row, answer["unit"])
        assert ci.text_content().strip() == expected, (row, ci.text_content())
        if expected == "[c]":
            assert ci.get_attribute("data-suppressed") == "true"
            shown["suppressed"] += 1
        elif expected != "–":
            shown["interval"] += 1
        flag = tr.query_selector('[data-column="compared_with_london"]')
        assert flag.text_content().strip() == (row["compared_with_london"] or "–"), (row, flag.text_content())
        if row["compared_with_london"]:
            assert row["compared_with_london"] in flag.query_selector(".badge").get_attribute("class")
            shown["flags"].add(row["compared_with_london"])
    assert f"Interval: {metric['confidence_interval']}." in page.text_content("main .definition")
    legend = page.text_content("main figure .legend")
    assert "95% confidence interval" in legend
    for flag, text in FLAG_TEXT.items():
        assert (text in legend) == (flag in shown["flags"]), (flag, legend)
    own = next((r for r in org_rows if r["organisation"] == OWN), None)
    if own and own["compared_with_london"]:
        assert FLAG_TEXT[own["compared_with_london"]] in page.text_content("main .headline")
    return page, shown


def check_targets_table(page, targets, units):
    """The profile's targets table shows exactly `targets` (the API's answer) as the API gives them."""
    rows = page.query_selector_all("#targets-table tbody tr")
    assert sorted(tr.get_attribute("data-target") for tr in rows) == sorted(t["id"] for t in targets)
    for t in targets:
        tr = page.query_selector(f'#targets-table tr[data-target="{t["id"]}"]')
        cell = lambda column: tr.query_selector(f'[data-column="{column}"]').text_content().strip()
        unit = units[t["metric"]]
        assert cell("target") == js_number(t["target"], unit), t
        assert cell("by") == t["by"], t
        latest = t["latest"]
        assert cell("latest") == ("no data" if latest is None else f"{js_number(latest['value'], unit)} ({latest['period']})"), t
        assert cell("status") == STATUS_TEXT[t["status"]], t
        assert t["status"] in tr.query_selector('[data-column="status"] .badge').get_attribute("class")
        assert cell("visibility") == VISIBILITY_TEXT[t["visibility"]], t


def test_intervals_significance_and_targets_are_shown_when_the_hub_reports_them(session):
    """95% intervals, the flag against London and action-plan targets, from the hub's real answers."""
    period = latest_period()
    metrics = {m["id"]: m for m in get("/api/v1/metrics")["metrics"]}
    units = {k: m["unit"] for k, m in metrics.items()}
    assert metrics["pay_gap_mean"]["confidence_interval"] is None
    s = session(role="submitter")

    # A percentage and a ratio with every kind of flag, then a query with suppressed boroughs.
    page, shown = check_metric_view_intervals(
        s, metrics["workforce_share"], f"period={period}&group=ethnic_minority&senior_leadership=true")
    assert shown["interval"] > 0 and shown["flags"], shown
    for d in page.query_selector_all("details.table-view"):
        d.evaluate("e => e.open = true")
    page.screenshot(path=f"{SHOTS}/metric-significance-desktop.png", full_page=True)
    _, ratio = check_metric_view_intervals(s, metrics["representation_ratio"], f"period={period}&group=black")
    assert ratio["interval"] > 0 and ratio["flags"], ratio
    query, _, _ = find_suppressed()
    _, hidden = check_metric_view_intervals(s, metrics["workforce_share"], query)
    assert hidden["suppressed"] > 0, hidden
    assert shown["flags"] | ratio["flags"] == set(FLAG_TEXT), "each flag is seen at least once"
    # A pay gap has no interval method: no interval or flag column.
    page = s.open(f"metric?metric=pay_gap_mean&period={period}")
    assert page.query_selector('#org-table [data-column="ci"]') is None
    assert page.query_selector('#org-table [data-column="compared_with_london"]') is None
    assert "95% confidence interval" not in page.text_content("main figure .legend")

    # Targets recorded through the API by the demo submitter.
    requests = [
        {"metric": "workforce_share", "parameters": {"senior_leadership": "true"},
         "target": 35.0, "by": "2027-Q4", "visibility": "shared"},
        {"metric": "workforce_share", "parameters": own_value_withheld_from_others(),
         "target": 5.0, "by": "2027-Q4", "visibility": "shared"},
        {"metric": "casework_rl", "parameters": {"case_type": "grievance"},
         "target": 1.0, "by": "2027-Q4", "visibility": "private"},
    ]
    created = []
    try:
        for request in requests:
            status, body, _ = api(f"/api/v1/organisations/{OWN}/targets", "submitter", "POST",
                                  json.dumps(request).encode(), "application/json")
            assert status == 201, body
            assert body["visibility"] == request["visibility"] and body["latest"] is not None, body
            created.append(body["id"])
        shared, withheld, private = created

        expected = get(f"/api/v1/organisations/{OWN}/profile?period={period}", "submitter")["targets"]
        assert set(created) <= {t["id"] for t in expected}
        page = s.open(f"profile?organisation={OWN}&period={period}")
        check_targets_table(page, expected, units)
        page.screenshot(path=f"{SHOTS}/profile-targets-desktop.png", full_page=True)

        # An analyst sees the shared targets only, the withheld value as no data.
        expected = get(f"/api/v1/organisations/{OWN}/profile?period={period}", "analyst")["targets"]
        ids = {t["id"] for t in expected}
        assert shared in ids and withheld in ids and private not in ids
        assert next(t for t in expected if t["id"] == withheld)["status"] == "no_data"
        page = session(role="analyst").open(f"profile?organisation={OWN}&period={period}")
        check_targets_table(page, expected, units)
    finally:
        for target in created:
            status, body, _ = api(f"/api/v1/organisations/{OWN}/targets/{target}", "submitter", "DELETE")
            assert status in (200, 204), body
