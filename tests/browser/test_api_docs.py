"""The API's readers (Swagger UI, Redoc) work in a real browser under the site's CSP."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.test_openapi import ACCOUNTS_ENDPOINTS


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_both_readers_render_under_the_sites_csp(live_server, page_factory):
    """In headless Chromium: the pages work with the strict CSP and fetch nothing from a CDN."""
    page = page_factory()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    # Anything that actually came back from another origin (CSP-blocked attempts never do).
    page.on(
        "response",
        lambda response: (
            None if response.url.startswith((live_server.url, "blob:", "data:")) else foreign.append(response.url)
        ),
    )

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= len(ACCOUNTS_ENDPOINTS)
    assert errors == []

    page.goto(f"{live_server.url}/api/redoc/")
    heading = page.locator("h1").first
    heading.wait_for(timeout=15_000)
    assert settings.SPECTACULAR_SETTINGS["TITLE"] in heading.inner_text()
    # Redoc's footer links a logo on its CDN: the CSP blocks it, which is what we want.
    assert [e for e in errors if "cdn.redoc.ly" not in e] == []
    assert foreign == []
