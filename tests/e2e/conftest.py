"""Browser tests: Playwright drives Debian's Chromium, headless, against a live server.

Every test here gets a fresh database (the live server needs committed data) and the persona
fixtures of ``sustain/conftest.py`` (through ``tests/conftest.py``). Chromium must be installed
(`make test` installs Debian's package when run as root); a missing browser fails the run with a
message, it is never skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# CI machines are small and busy: give assertions the same 10 s that actions get.
expect.set_options(timeout=10_000)

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make for
# their own set-up are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"
SCREENSHOT_DIR = Path(os.environ.get("SUSTAIN_SCREENSHOT_DIR", "var/screenshots")).resolve()
# axe impacts that fail a page; "moderate" and "minor" are reported, not fatal.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def chromium_path() -> str:
    path = os.environ.get("SUSTAIN_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Chromium is not installed: the browser tests need Debian's `chromium` "
            "(`apt-get install chromium`, which `make test` does as root) "
            "or SUSTAIN_CHROMIUM=/path.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        yield browser
        browser.close()


def _context(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Any]:
    """A factory of pages, each in its own browser context (its own cookies): two people."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> Page:
        context = _context(browser, live_server.url, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Page:
    result: Page = new_page()
    return result


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def htmx_idle(page: Page) -> None:
    """Wait until htmx has no request in flight and nothing left to swap or settle: a control
    changed while its panel is being replaced would be replaced with it."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, "
        ".htmx-added')"
    )


def check_accessibility(page: Page, name: str) -> None:
    """axe-core in the page: no serious or critical violation."""
    results = Axe().run(page)
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, f"accessibility problems on {name}:\n" + "\n".join(blocking)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOT_DIR.exists() and any(SCREENSHOT_DIR.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOT_DIR}")


def open_from_nav(page: Page, group: str, link: str) -> None:
    """Follow ``link`` of the main navigation's ``group`` ("Releases", "Knowledge base"): open
    the group's menu, then click the page in it, as a person does."""
    nav = page.get_by_role("navigation", name="Main")
    nav.locator("summary", has_text=group).click()
    nav.get_by_role("link", name=link, exact=True).click()
