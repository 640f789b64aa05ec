"""Signing in to the dashboard with a council account, in a real browser:
headless Debian Chromium through the sign-in page of a real OpenID provider
(the certified oidc-provider from npm, started by scripts/browser-test.sh
with accounts whose email claims are known), against the demo hub started
with single sign-on.

A submitter (mapped by email with the `edi-hub user` command while the hub
serves the store) and an analyst (mapped through a group in the `groups`
claim, by a steward through the API) sign in and see what their role
sees; an unmapped person sees only the page saying to ask the hub's
steward; a request that changes something without the session's CSRF
token is refused; sign-out ends the session on the hub. The sign-in round
trip is timed and printed.
"""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest

URL = os.environ.get("EDI_HUB_URL", "http://127.0.0.1:8080")
ISSUER = os.environ.get("EDI_HUB_OIDC_ISSUER_URL", "")
DATA_DIR = os.environ.get("EDI_HUB_DATA_DIR", "")
STEWARD = os.environ.get("EDI_HUB_STEWARD", "")
SHOTS = os.environ.get("EDI_HUB_SCREENSHOTS", "target/screenshots")
BINARY = os.environ.get("EDI_HUB_BINARY", "target/debug/edi-hub")

# The provider's test accounts (tests/oidc-provider/provider.mjs).
SUBMITTER = {"login": "submitter", "email": "sam.submitter@harrow.example.gov.uk", "name": "Sam Submitter"}
ANALYST = {"login": "analyst", "email": "ana.analyst@london.example.gov.uk", "name": "Ana Analyst"}
UNMAPPED = {"login": "unmapped", "email": "uma.unmapped@camden.example.gov.uk", "name": "Uma Unmapped"}
GOOD_CSV = b"ethnicity,case_type,count\nblack,disciplinary,4\nwhite,disciplinary,6\nasian,grievance,0\n"

pytestmark = pytest.mark.skipif(not ISSUER, reason="the hub has no OpenID provider (run scripts/browser-test.sh)")

TIMINGS = []


def api(path, method="GET", body=None, cookie=None, token=STEWARD, headers=None):
    """The hub's answer (status, JSON body) with a steward token or a session cookie."""
    request = urllib.request.Request(URL + path, method=method, data=body)
    if cookie:
        request.add_header("Cookie", cookie)
    elif token:
        request.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@pytest.fixture(scope="module")
def mapped():
    """The submitter mapped by email (the command line, on the served store);
    the analyst's group mapped to the analyst role (a steward, through the API)."""
    out = subprocess.run(
        [BINARY, "user", "add", "--data-dir", DATA_DIR, "--email", SUBMITTER["email"].upper(),
         "--role", "submitter", "--organisation", "E09000015"],
        capture_output=True, text=True, check=True,
    )
    assert "submitter of E09000015 (Harrow)" in out.stdout, out
    status, body = api(
        "/api/v1/role-claims/data-task-group", "PUT", json.dumps({"role": "analyst"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, body
    status, listed = api("/api/v1/users")
    assert status == 200
    assert any(u["email"] == SUBMITTER["email"] for u in listed["users"]), listed
    assert not any(u["email"] == UNMAPPED["email"] for u in listed["users"])
    # The hub re-reads the mappings every two seconds; a sign-in reads them afresh anyway.
    return listed


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    errors = []
    ctx.on("page", lambda page: page.on("pageerror", lambda e: errors.append(str(e))))
    yield ctx
    ctx.close()
    assert not errors, errors


def sign_in(page, account, *, expect_dashboard=True):
    """Signs in through the provider's login page; returns the round-trip times (ms)."""
    callbacks = []
    page.on("requestfinished", lambda r: callbacks.append(r) if "/auth/callback" in r.url else None)
    page.goto(URL + "/")
    page.wait_for_selector("#sso:not([hidden])", timeout=30000)
    assert page.is_visible("#token-input"), "pasting a token stays possible"
    started = time.monotonic()
    page.click("#sso")
    page.wait_for_selector("input[name=login]", timeout=30000)
    at_provider = time.monotonic()
    assert page.url.startswith(ISSUER), page.url
    page.fill("input[name=login]", account["login"])
    page.fill("input[name=password]", "any password")
    submitted = time.monotonic()
    page.click("button[type=submit]")
    if expect_dashboard:
        page.wait_for_selector("#who:not(:empty)", timeout=30000)
        page.wait_for_selector("main[data-state=ready], main[data-state=error]", timeout=60000)
    else:
        page.wait_for_selector("#sign-in-result", timeout=30000)
    done = time.monotonic()
    timing = {
        "account": account["login"],
        "to_provider_ms": round((at_provider - started) * 1000),
        "back_to_hub_ms": round((done - submitted) * 1000),
        "machine_total_ms": round(((at_provider - started) + (done - submitted)) * 1000),
    }
    if callbacks:
        # The hub's callback alone: code exchange, ID token checks, the session stored.
        t = callbacks[-1].timing
        timing["hub_callback_ms"] = round(t["responseEnd"] - t["requestStart"])
    TIMINGS.append(timing)
    return timing


def session_cookie(context):
    cookies = [c for c in context.cookies(URL) if c["name"].endswith("edi-hub-session")]
    assert len(cookies) == 1, context.cookies()
    return cookies[0]


def test_a_submitter_signs_in_sees_their_borough_and_uploads(context, mapped):
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r))
    sign_in(page, SUBMITTER)
    who = page.inner_text("#who")
    assert SUBMITTER["name"] in who and SUBMITTER["email"] in who, who
    assert "Submitter for Harrow" in who, who
    assert page.is_hidden("#sso") and page.is_hidden("#signin"), "signed in: no sign-in offers"
    assert page.is_visible("#signout")
    cookie = session_cookie(context)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert cookie["secure"] is False, "an http public URL"
    assert 0 < cookie["expires"] - time.time() <= 8 * 3600 + 60, "a bounded lifetime"
    assert page.evaluate("document.cookie") == "", "the page's scripts cannot read the session"
    page.screenshot(path=f"{SHOTS}/sign-in-submitter-desktop.png", full_page=True)

    # The upload view: checking (a POST) and submitting (a PUT) both carry the CSRF token.
    page.evaluate("document.getElementById('view').dataset.state = 'navigating'")
    page.goto(f"{URL}/#/upload")
    page.wait_for_selector("main[data-state=ready]", timeout=60000)
    assert "Harrow" in page.inner_text("#upload-organisation")
    quarter = page.eval_on_selector_all("#pick-period option", "os => os.map(o => o.value)")[-1]
    page.set_input_files(
        "#upload-file", files=[{"name": f"harrow_casework_{quarter}.csv", "mimeType": "text/csv", "buffer": GOOD_CSV}]
    )
    page.click("#check-button")
    page.wait_for_selector("#check-ok", timeout=30000)
    page.click("#submit-button")
    page.wait_for_selector("#submit-ok", timeout=30000)
    changing = [r for r in requests if r.method in ("POST", "PUT") and "/api/v1/" in r.url]
    assert changing, "the view sent its check and upload"
    for r in changing:
        headers = r.all_headers()
        assert headers.get("x-csrf-token"), r.url
        assert headers.get("origin") == URL, (r.url, headers.get("origin"))
        assert "authorization" not in headers, "a session, not a token"
    status, listed = api(f"/api/v1/submissions?organisation=E09000015&dataset=casework&period={quarter}")
    assert status == 200 and listed["submissions"][0]["id"] in page.inner_text("#receipt-table")
    status, events = api("/api/v1/audit?action=upload&limit=1000")
    assert any(e["actor"] == SUBMITTER["email"] and e["submission_id"] == listed["submissions"][0]["id"]
               for e in events["events"]), "the upload is logged under the person's email"


def test_an_analyst_mapped_by_group_sees_benchmarks_but_may_not_upload(context, mapped):
    page = context.new_page()
    sign_in(page, ANALYST)
    who = page.inner_text("#who")
    assert ANALYST["email"] in who and "Analyst" in who and "Harrow" not in who, who
    page.evaluate("document.getElementById('view').dataset.state = 'navigating'")
    page.goto(f"{URL}/#/metric")
    page.wait_for_selector("main[data-state=ready]", timeout=60000)
    assert page.query_selector_all("table tbody tr"), "the benchmark table is drawn"
    page.screenshot(path=f"{SHOTS}/sign-in-analyst-desktop.png", full_page=True)
    cookie = session_cookie(context)
    status, me = api("/api/v1/whoami", cookie=f"{cookie['name']}={cookie['value']}")
    assert status == 200 and me["role"] == "analyst" and me["organisation"] is None, me
    # An upload is refused by the access table, exactly as for an analyst token.
    status, problem = api(
        "/api/v1/submissions/E09000015/casework/2025-Q1", "PUT", GOOD_CSV,
        cookie=f"{cookie['name']}={cookie['value']}",
        headers={"Content-Type": "text/csv", "Origin": URL, "X-CSRF-Token": me["session"]["csrf_token"]},
    )
    assert status == 403, problem


def test_an_unmapped_person_is_told_to_ask_the_steward_and_sees_nothing_else(context, mapped):
    page = context.new_page()
    responses = []
    page.on("response", lambda r: responses.append(r))
    sign_in(page, UNMAPPED, expect_dashboard=False)
    text = page.inner_text("body")
    assert "Ask the hub's steward for access" in text, text
    assert UNMAPPED["email"] in text
    assert page.query_selector("nav") is None and page.query_selector("table") is None, "nothing else"
    assert [r.status for r in responses if "/auth/callback" in r.url] == [403]
    assert not [c for c in context.cookies(URL) if c["name"].endswith("edi-hub-session")], "no session"
    page.screenshot(path=f"{SHOTS}/sign-in-unmapped-desktop.png", full_page=True)
    # The dashboard still has nobody signed in.
    page.goto(URL + "/")
    page.wait_for_selector("#sso:not([hidden])", timeout=30000)
    assert "Sign in" in page.inner_text("main h1")
    status, events = api("/api/v1/audit?action=sign_in&outcome=denied&limit=1000")
    assert any(e["actor"] == UNMAPPED["email"] for e in events["events"]), events


def test_a_change_without_the_csrf_token_is_refused(context, mapped):
    page = context.new_page()
    sign_in(page, SUBMITTER)
    script = """async ({withToken}) => {
        const who = await (await fetch('/api/v1/whoami', {credentials: 'same-origin'})).json();
        const headers = {'Content-Type': 'text/csv'};
        if (withToken) headers['X-CSRF-Token'] = who.session.csrf_token;
        const r = await fetch('/api/v1/validate/casework', {
            method: 'POST', headers, body: 'ethnicity,case_type,count\\nblack,disciplinary,4\\n',
            credentials: 'same-origin', referrerPolicy: 'same-origin'});
        return [r.status, await r.text()];
    }"""
    status, body = page.evaluate(script, {"withToken": False})
    assert status == 403, body
    assert "CSRF" in json.loads(body)["detail"]
    status, body = page.evaluate(script, {"withToken": True})
    assert status == 200, body
    status, events = api("/api/v1/audit?action=csrf_refused&limit=1000")
    assert any(e["actor"] == SUBMITTER["email"] for e in events["events"]), events


def test_sign_out_ends_the_session_on_the_hub(context, mapped):
    page = context.new_page()
    sign_in(page, SUBMITTER)
    cookie = session_cookie(context)
    header = f"{cookie['name']}={cookie['value']}"
    assert api("/api/v1/whoami", cookie=header)[0] == 200
    page.click("#signout")
    page.wait_for_selector("#sso:not([hidden])", timeout=30000)
    assert page.is_hidden("#signed-in")
    assert "Sign in" in page.inner_text("main h1")
    assert not [c for c in context.cookies(URL) if c["name"].endswith("edi-hub-session")], "the cookie is gone"
    status, problem = api("/api/v1/whoami", cookie=header)
    assert status == 401, "the old cookie no longer works: the session ended on the hub"
    status, events = api("/api/v1/audit?action=sign_out&limit=1000")
    assert any(e["actor"] == SUBMITTER["email"] for e in events["events"]), events
    # Signing in again (the provider remembers the person) is quick.
    page.reload()
    page.wait_for_selector("#sso:not([hidden])", timeout=30000)
    started = time.monotonic()
    page.click("#sso")
    page.wait_for_selector("#who:not(:empty), input[name=login]", timeout=30000)
    TIMINGS.append({"account": "submitter (provider session kept)",
                    "machine_total_ms": round((time.monotonic() - started) * 1000)})


def test_zz_report_the_sign_in_round_trip(capsys):
    """Prints the measured round trips (last, after the others have run)."""
    assert TIMINGS, "no sign-in was timed"
    with capsys.disabled():
        print()
        for t in TIMINGS:
            print(f"sign-in round trip ({t['account']}): {json.dumps(t)}")
    with open(f"{SHOTS}/sign-in-timings.json", "w") as f:
        json.dump(TIMINGS, f, indent=1)
