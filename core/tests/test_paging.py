"""One pager for every paged list: its links keep the page's other parameters, encoded."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_links_keep_the_other_parameters_encoded_and_replace_the_page():
    request = RequestFactory().get("/bids/", {"status": 'a&b="c"', "page": "2"})
    page = Paginator(range(30), 10).page(2)

    html = render_to_string("_pager.html", {"page": page, "newer_first": True}, request=request)

    assert 'href="?status=a%26b%3D%22c%22&amp;page=1">← Newer</a>' in html
    assert 'href="?status=a%26b%3D%22c%22&amp;page=3">Older →</a>' in html
    assert "Page 2 of 3" in html


def test_a_single_page_has_no_pager():
    request = RequestFactory().get("/bids/")

    assert render_to_string("_pager.html", {"page": Paginator(range(3), 10).page(1)}, request=request).strip() == ""
