"""A real browser for the tests: Debian's chromium, headless, driven by Playwright.

No browser is ever downloaded: Playwright starts the system's ``chromium``.  Where none
is installed the browser tests skip, saying why, except where ``BRIEFGEN_REQUIRE_BROWSER``
is set (CI sets it): there a missing browser fails them.

``axe(page)`` runs axe-core in the page (the copy that axe-playwright-python carries)
and returns its violations.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Flags for a browser on a machine without a network: no background connections, no
# component updates, no sync; as root, no sandbox.
CHROMIUM_ARGS = ["--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-sandbox"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def no_browser(why: str) -> None:
    """Skip, or fail where a browser is required (CI)."""
    if os.environ.get("BRIEFGEN_REQUIRE_BROWSER"):
        pytest.fail(f"the browser tests must run here, but {why}")
    pytest.skip(f"browser tests skipped: {why} (scripts/install-test-tools installs "
                "Debian's chromium)")


@pytest.fixture(scope="module")
def browser():
    """One headless chromium for the tests of a module (Playwright's event loop ends with
    it, so the tests after it may run event loops of their own)."""
    path = chromium_path()
    if path is None:
        no_browser("no chromium is installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    """A fresh page at desktop width, in a context of its own."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        yield context.new_page()
    finally:
        context.close()


def axe(page) -> list[dict]:
    """axe-core's violations on the page, each as axe reports it (``id``, ``nodes``...)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return results.response["violations"]


def described(violations: list[dict]) -> str:
    """Violations as lines a failing test prints."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at "
                     f"{[n['target'] for n in v['nodes']][:5]}" for v in violations)
