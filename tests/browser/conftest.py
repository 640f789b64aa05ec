"""Fixtures of the browser tests: one headless Chromium for the whole run,
and signed-in pages closed (and checked) after each test."""

import pytest
from playwright.sync_api import sync_playwright

from support import ARGS, CHROMIUM, DESKTOP, Session


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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
