"""Shared by the browser tests: the live demo hub started by
scripts/browser-test.sh (its address and a token per role), the API as
the tests read it, and a signed-in browser page."""

import json
import os
import urllib.error
import urllib.request
from decimal import ROUND_HALF_UP, Decimal

URL = os.environ.get("EDI_HUB_URL", "http://127.0.0.1:8080")
TOKENS = {
    "steward": os.environ.get("EDI_HUB_STEWARD", ""),
    "analyst": os.environ.get("EDI_HUB_ANALYST", ""),
    "submitter": os.environ.get("EDI_HUB_SUBMITTER", ""),
}
OWN = os.environ.get("EDI_HUB_SUBMITTER_ORG", "E09000015")
CHROMIUM = os.environ.get("EDI_HUB_CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("EDI_HUB_SCREENSHOTS", "target/screenshots")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


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


class Session:
    """A signed-in page, recording every request URL, console line and page error."""

    def __init__(self, browser, role, viewport):
        self.context = browser.new_context(viewport=viewport)
        # A debug hub on a busy two-core machine checks a large file in
        # seconds, not milliseconds: wait up to a minute for what it shows.
        self.context.set_default_timeout(60000)
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


