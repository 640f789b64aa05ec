"""What the browser tests share: one headless Debian Chromium, driven by
Playwright (one Playwright instance per test run: its sync API runs one
event loop)."""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("EDI_HUB_CHROMIUM", "/usr/bin/chromium")
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


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
