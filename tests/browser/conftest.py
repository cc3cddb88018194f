"""Headless Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.accessibility import AccessibilityAudit

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "journeys"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: the test command installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def accessibility(request):  # type: ignore[no-untyped-def]
    """axe-core's findings on every page this test's browser sessions load (see accessibility.py)."""
    audit = AccessibilityAudit()
    request.node.accessibility = audit
    return audit


@pytest.fixture
def page_factory(browser, live_server, accessibility):  # type: ignore[no-untyped-def]
    """New isolated browser sessions (one per person in the journey), each audited by axe-core."""
    contexts = []

    def new_page(width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        accessibility.attach(context)
        contexts.append(context)
        return accessibility.watch(context.new_page())

    yield new_page
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):  # type: ignore[no-untyped-def]
    """Fail the journey itself, after its last step, when a page it visited has serious or critical violations."""
    result = yield
    audit = getattr(item, "accessibility", None)
    if audit is not None:
        audit.finish()
        report = audit.report()
        if report:
            pytest.fail(report, pytrace=False)
    return result


@pytest.fixture
def screenshot():  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:  # type: ignore[no-untyped-def]
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
