"""The printable borough report in a real browser: the dashboard's report
view shows the hub's report (GET /api/v1/organisations/{organisation}/report)
with the API's figures for the same token, and printed to PDF on A4 in
headless Chromium it takes at most three pages, with no table row, sentence
or chart split across two pages and each heading on the page of what it
heads. The page count and PDF size are printed (and saved in
target/screenshots/report-pdf.txt); the PDF is saved beside the screenshots.
"""

import io
import json
import re
import unicodedata

import pytest
from pypdf import PdfReader

from support import OWN, SHOTS, api, get, js_number, latest_period

def squash(text):
    """Text without whitespace (a PDF's text extraction spaces words its own way), colons (the labels' are drawn by CSS) and ligatures."""
    return re.sub(r"[\s:]+", "", unicodedata.normalize("NFKC", text or ""))


def open_report(session, role, organisation, period):
    s = session(role=role)
    page = s.open(f"report?organisation={organisation}&period={period}")
    page.wait_for_selector("#report")
    return s, page


def check_figures(page, organisation, period, role):
    """Every figure of the report view equals the profile API's for the same token; counts what it saw."""
    profile = get(f"/api/v1/organisations/{organisation}/profile?period={period}", role)
    seen = {"value": 0, "suppressed": 0, "empty": 0}
    for answer in profile["metrics"]:
        metric, unit = answer["metric"], answer["unit"]
        rows = {r["scope"]: r for r in answer["rows"]}
        own = next((r for r in answer["rows"] if r["scope"] == "organisation"), None)
        cells = page.query_selector_all(f'#report-table td[data-metric="{metric}"][data-column="value"]')
        assert len(cells) >= 3, metric
        for cell in cells:
            scope = cell.get_attribute("data-scope")
            row = own if scope == "organisation" else rows.get(scope)
            text = cell.text_content().strip()
            if row is None:
                assert text == "–", (metric, scope, text)
                seen["empty"] += 1
            elif "value" in row["suppressed"]:
                assert text == "[c]" and cell.get_attribute("data-suppressed") == "true", (metric, scope, text)
                assert cell.get_attribute("data-value") is None
                seen["suppressed"] += 1
            elif row["value"] is None:
                assert text == "–", (metric, scope, text)
                seen["empty"] += 1
            else:
                assert float(cell.get_attribute("data-value")) == row["value"], (metric, scope)
                assert text == js_number(row["value"], unit), (metric, scope, text)
                seen["value"] += 1
        sentence = page.text_content(f'#report li[data-metric="{metric}"]')
        if own and "value" not in own["suppressed"] and own["value"] is not None:
            assert js_number(own["value"], unit) in sentence, sentence
        elif own and "value" in own["suppressed"]:
            assert "withheld [c]" in sentence and " than London" not in sentence, sentence
    return profile, seen


TARGETS = [
    {"metric": "workforce_share", "parameters": {"senior_leadership": "true"},
     "target": 35.0, "by": "2027-Q4", "visibility": "shared"},
    {"metric": "casework_rl", "parameters": {"case_type": "grievance"},
     "target": 1.0, "by": "2027-Q4", "visibility": "private"},
    {"metric": "pay_gap_mean", "parameters": {"group": "black"},
     "target": 2.0, "by": "2028-Q2", "visibility": "shared"},
] + [
    # More than the report lists (5): it still prints on three pages.
    {"metric": "workforce_share", "parameters": {"pay_band": str(band)},
     "target": 40.0, "by": f"2028-Q{band % 4 + 1}", "visibility": "shared"}
    for band in range(1, 7)
]
REPORT_TARGETS = 5
ATTENTION = {"off_track": 0, "no_data": 1, "on_track": 2, "achieved": 3}


@pytest.fixture
def targets():
    """Action-plan targets recorded through the API by the demo submitter (deleted afterwards)."""
    created = []
    try:
        for request in TARGETS:
            status, body, _ = api(f"/api/v1/organisations/{OWN}/targets", "submitter", "POST",
                                  json.dumps(request).encode(), "application/json")
            assert status == 201, body
            created.append(body["id"])
        yield created
    finally:
        for target in created:
            status, body, _ = api(f"/api/v1/organisations/{OWN}/targets/{target}", "submitter", "DELETE")
            assert status in (200, 204), body


def test_the_report_prints_on_at_most_three_a4_pages_and_shows_the_apis_figures(session, targets):
    period = latest_period()
    s, page = open_report(session, "submitter", OWN, period)
    profile, seen = check_figures(page, OWN, period, "submitter")
    # The targets, as the profile gives them to the same token.
    shown = page.eval_on_selector_all("#report-targets tbody tr", "rs => rs.map(r => r.dataset.target)")
    assert set(targets) <= {t["id"] for t in profile["targets"]} and len(profile["targets"]) > REPORT_TARGETS
    # The report lists five, those needing attention first, and counts the rest.
    first = sorted(profile["targets"], key=lambda t: (ATTENTION[t["status"]], t["by"], t["id"]))[:REPORT_TARGETS]
    assert shown == [t["id"] for t in first], (shown, first)
    more = page.get_attribute("#report-more-targets", "data-more")
    assert int(more) == len(profile["targets"]) - REPORT_TARGETS
    units = {a["metric"]: a["unit"] for a in profile["metrics"]}
    for t in first:
        cell = lambda column: page.text_content(f'#report-targets tr[data-target="{t["id"]}"] [data-column="{column}"]').strip()
        assert cell("target") == js_number(t["target"], units[t["metric"]])
        latest = t["latest"]
        expected = "no data" if latest is None else (
            f"{js_number(latest['value'], units[t['metric']]) if latest['value'] is not None else '–'} ({latest['period']})")
        assert cell("latest") == expected, t
        assert cell("status") == t["status"].replace("_", " ")
    assert seen["value"] >= 20, seen
    assert page.is_visible("#print-report")
    assert page.locator("#report figure.measure-chart svg[role=img][aria-label]").count() == 10
    page.screenshot(path=f"{SHOTS}/report-desktop.png", full_page=True)

    # Printed: the dashboard's own header, tabs, pickers and footer are left out.
    page.emulate_media(media="print")
    for chrome in (".top", ".tabs", ".foot", ".report-controls"):
        assert page.is_hidden(chrome), chrome
    pdf = page.pdf(format="A4", print_background=True)
    with open(f"{SHOTS}/report-{OWN}-{period}.pdf", "wb") as f:
        f.write(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    pages = [squash(p.extract_text()) for p in reader.pages]
    box = reader.pages[0].mediabox
    line = f"report PDF ({OWN}, {period}, as its submitter): {len(pages)} A4 pages, {len(pdf)} bytes"
    print(line)
    with open(f"{SHOTS}/report-pdf.txt", "w") as f:
        f.write(line + "\n")
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2, ("A4 in points", box)
    assert 1 <= len(pages) <= 3, line

    # No table row, sentence, chart or definition split across pages: each one's text lies wholly on one page.
    blocks = page.eval_on_selector_all(
        "#report tr, #report li, #report figure.measure-chart figcaption, #report .report-meta div",
        "els => els.map(e => e.innerText)",
    )
    assert len(blocks) > 30
    for text in blocks:
        t = squash(text)
        assert any(t in p for p in pages), f"split across two pages (or missing): {text!r}"
    # Each heading is on the page of the first row (or line) of what it heads.
    sections = page.eval_on_selector_all(
        "#report section",
        """ss => ss.map(s => [s.querySelector('h2').innerText,
                               (s.querySelector('tbody tr, li, figcaption, p') || s).innerText])""",
    )
    for heading, first in sections:
        h, f = squash(heading), squash(first)
        assert any(h in p and f in p for p in pages), f"{heading!r} is not on the page of {first!r}"
    # The figures in the PDF are the API's.
    for answer in profile["metrics"]:
        own = next((r for r in answer["rows"] if r["scope"] == "organisation"), None)
        if own and own["value"] is not None and "value" not in own["suppressed"]:
            assert any(squash(js_number(own["value"], answer["unit"])) in p for p in pages)
    # Provisional or the release, as the API says.
    source = page.get_attribute("#report-source", "data-release")
    own_releases = {r["release"] for a in profile["metrics"] for r in a["rows"] if r["scope"] == "organisation"}
    if None in own_releases:
        assert source == "provisional"
    else:
        assert source == str(profile["metrics"][0]["releases"][0]["release"])


def find_withheld_borough(period):
    """A borough whose profile withholds one of its own values from an analyst."""
    for code in ["E09000001"] + [f"E090000{n:02d}" for n in range(2, 34)]:
        profile = get(f"/api/v1/organisations/{code}/profile?period={period}")
        for answer in profile["metrics"]:
            own = next((r for r in answer["rows"] if r["scope"] == "organisation"), None)
            if own and "value" in own["suppressed"]:
                return code
    pytest.fail("no borough's profile withholds a value from an analyst in the demo data")


def test_an_analyst_sees_c_where_the_api_withholds_and_the_release(session):
    period = latest_period()
    code = find_withheld_borough(period)
    s, page = open_report(session, "analyst", code, period)
    _, seen = check_figures(page, code, period, "analyst")
    assert seen["suppressed"] >= 1, seen
    assert "[c]" in page.text_content("#report-c-note")
    assert page.get_attribute("#report-source", "data-release") != "provisional"
    page.screenshot(path=f"{SHOTS}/report-analyst-desktop.png", full_page=True)


def test_an_unpublished_quarter_is_refused_for_an_analyst(session):
    rounds = get("/api/v1/periods")["periods"]
    collecting = [p["period"] for p in rounds if p["state"] == "collecting"]
    assert collecting, "the demo leaves its latest quarter collecting"
    status, problem, _ = api(f"/api/v1/organisations/{OWN}/report?period={collecting[0]}", "analyst")
    assert status == 404 and "not been published" in problem["detail"], problem
    # Harrow's own submitter reads it, provisional.
    s, page = open_report(session, "submitter", OWN, collecting[0])
    assert page.get_attribute("#report-source", "data-release") == "provisional"
    assert "Provisional" in page.text_content("#report-source")
