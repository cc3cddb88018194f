"""The main pages run a fixed number of queries, however many rows they show.

Each page is measured for an organization with one member, invitation, token
and membership, and again with twenty of each; the counts must match, and
stay under a ceiling so a new N+1 or a careless extra query shows up here.
Run with ``-s`` to print the figures.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

PAGES = {
    "home (dashboard)": lambda org: reverse("home"),
    "settings": lambda org: reverse("settings"),
    "organization-list": lambda org: reverse("organization-list"),
    "organization-detail": lambda org: reverse("organization-detail", kwargs={"slug": org.slug}),
    "organization-settings": lambda org: reverse("organization-settings"),
    "member-list": lambda org: reverse("member-list"),
    "api-token-list": lambda org: reverse("api-token-list"),
    "user-profile": lambda org: reverse("user-profile"),
}
CEILING = 12


def build(rows: int):
    owner = UserFactory()
    organization = services.create_organization(actor=owner, name=f"Firm with {rows}")
    for n in range(rows):
        make_member(organization)
        services.invite_member(actor=owner, organization=organization, email=f"invitee{n}@example.test")
        services.create_api_token(actor=owner, organization=organization, name=f"token {n}")
        services.create_organization(actor=owner, name=f"Side firm {rows}-{n}")
    client = Client()
    client.force_login(owner)
    client.post(reverse("organization-switch"), {"organization": organization.pk})
    return client, organization


def count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_page_query_count_does_not_grow_with_rows(page):
    small_client, small_org = build(1)
    large_client, large_org = build(20)

    small = count(small_client, PAGES[page](small_org))
    large = count(large_client, PAGES[page](large_org))

    print(f"\n{page}: {small} queries with 1 row, {large} with 20")
    assert small == large
    assert small <= CEILING
