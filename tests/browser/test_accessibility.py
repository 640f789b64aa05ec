"""Accessibility: axe-core (pinned in tests/browser/axe/package-lock.json,
installed by scripts/browser-test.sh) runs its WCAG 2.2 A and AA rules in
every view of the dashboard, the printable report included, for each role
(their views differ: a submitter uploads and sees its own borough in full
and provisional, an analyst only checks files, a steward sees everything),
at desktop (1280 px) and phone (375 px) width, with every table view open.
Each run prints the number of rules passed and the violations, also saved
in target/screenshots/axe-results.txt; any violation fails the test.
"""

import os

import pytest

from support import SHOTS, TOKENS, Session

AXE = os.environ.get("EDI_HUB_AXE", "target/axe/node_modules/axe-core/axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
VIEWS = ["metric", "trend", "payband", "profile", "report", "coverage", "upload"]
ROLES = ["steward", "analyst", "submitter"]
RESULTS = f"{SHOTS}/axe-results.txt"
BAD_CSV = b"ethnicity,pay_band,headcount\nBlack,7,12\nblack,4,-3\nblack,4,5\n"


def run_axe(page, label):
    """Runs axe-core in the page; returns (passes, violations) and records them."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        with open(AXE, encoding="utf-8") as f:
            page.evaluate(f.read() + "\n;undefined")
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
            return {version: axe.version, passes: r.passes.length, incomplete: r.incomplete.length,
                    violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 6).map(n => n.target.join(" ") + " -- " + (n.failureSummary || "").replace(/\\s+/g, " "))}))};
        }""",
        TAGS,
    )
    line = (f"axe {result['version']} {label}: {result['passes']} rules passed, "
            f"{len(result['violations'])} violations" +
            "".join(f"\n  {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in result["violations"]))
    print(line)
    if not os.path.exists(RESULTS):
        with open(RESULTS, "w") as f:
            f.write(f"axe-core rules tagged {', '.join(TAGS)} (scripts/browser-test.sh starts this file afresh)\n")
    with open(RESULTS, "a") as f:
        f.write(line + "\n")
    return result


def open_all_details(page):
    for d in page.query_selector_all("details"):
        d.evaluate("e => e.open = true")


def check(page, label):
    result = run_axe(page, label)
    assert result["passes"] > 10, label
    assert not result["violations"], f"{label}: " + "; ".join(
        f"{v['id']}: {v['help']} ({' | '.join(v['nodes'])})" for v in result["violations"])


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_passes_axe(browser, view, role, width):
    s = Session(browser, role, WIDTHS[width])
    try:
        page = s.open(view)
        if view in ("metric", "trend", "payband"):
            assert page.query_selector("main figure svg[role=img][aria-label]"), "each chart is an image with a text alternative"
        open_all_details(page)
        check(page, f"{view} as {role} at {width} width ({WIDTHS[width]['width']} px)")
    finally:
        s.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_sign_in_and_upload_problems_pass_axe(browser, width):
    s = Session(browser, None, WIDTHS[width])
    try:
        s.page.wait_for_selector("main h1")
        check(s.page, f"sign-in page at {width} width ({WIDTHS[width]['width']} px)")
        s.sign_in(TOKENS["submitter"])
        page = s.open("upload")
        page.select_option("#pick-dataset", "workforce")
        page.set_input_files("#upload-file", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
        page.click("#check-button")
        page.wait_for_selector("#problems-table")
        check(page, f"upload with a file's problems listed, as submitter at {width} width ({WIDTHS[width]['width']} px)")
    finally:
        s.close()
