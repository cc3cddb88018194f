"""``core.web.kept_content`` and its keys: a page's content rendered once per key of what it shows."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core.web import cache_key, kept_content

pytestmark = pytest.mark.django_db


def test_a_key_is_the_same_for_the_same_values_and_differs_for_others():
    assert cache_key("p", 1, "a", date(2026, 12, 8), (2, 3)) == cache_key("p", 1, "a", date(2026, 12, 8), (2, 3))
    assert cache_key("p", 1, "a") != cache_key("p", 1, "b")
    assert cache_key("p", 1) != cache_key("q", 1)


def test_a_part_shown_by_its_address_is_refused():
    with pytest.raises(TypeError, match="no stable repr"):
        cache_key("p", 1, object())


def test_content_is_rendered_once_per_key_and_built_only_when_rendered(settings):
    request = RequestFactory().get("/")
    cache.clear()
    built: list[int] = []

    def build() -> dict[str, object]:
        built.append(1)
        return {"content": "<b>"}

    def content(key: tuple[object, ...]) -> str:
        return str(kept_content(request, "_head_assets.html", key=key, build=build, seconds=60))

    first, again, other = content(("a",)), content(("a",)), content(("b",))

    assert first == again == other  # the template shows nothing of the context
    assert len(built) == 2  # once for ("a",), once for ("b",)
    content(("a",))
    assert len(built) == 2
