"""The marketplace API: the supplier directory."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organization
from contracts.models import Contract, Review
from marketplace import services
from marketplace.tests.api_support import (
    API,
    count_queries,
    error,
    make_org,
    submit,
)
from tests.factories import open_task

pytestmark = pytest.mark.django_db


# --- suppliers/ -----------------------------------------------------------------------------------------


class TestSuppliers:
    URL = f"{API}/suppliers/"

    @pytest.fixture
    def directory(self, firm, other_firm, stranger):
        Organization.objects.filter(pk=other_firm.pk).update(
            skills=["payroll"], country="PT", city="Porto", hourly_rate=4_000, hourly_rate_currency="EUR"
        )
        Organization.objects.filter(pk=stranger.pk).update(
            skills=["design"],
            offers_services=True,
            country="DE",
            city="Berlin",
            hourly_rate=9_000,
            hourly_rate_currency="EUR",
        )
        Organization.objects.filter(pk=firm.pk).update(skills=["payroll"], offers_services=True)
        return other_firm, stranger

    def test_lists_suppliers_but_not_the_acting_organization(self, client_api, firm, directory):
        results = client_api.get(self.URL).json()["results"]

        ids = {item["id"] for item in results}
        assert ids == {directory[0].pk, directory[1].pk}
        porto = next(item for item in results if item["id"] == directory[0].pk)
        assert porto["hourly_rate"] == 4_000
        assert porto["hourly_rate_currency"] == "EUR"
        assert porto["rating"] is None
        assert porto["review_count"] == 0

    def test_filters(self, client_api, directory):
        def ids(**params: Any) -> list[int]:
            response = client_api.get(self.URL, params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["results"]]

        porto, berlin = directory
        assert ids(skills="payroll") == [porto.pk]
        assert ids(country="de") == [berlin.pk]
        assert ids(rate_max=5_000, currency="eur") == [porto.pk]
        assert ids(q="initech") == [berlin.pk]

    def test_the_best_rated_come_first_and_the_cursor_walks_all(self, firm, client_api, directory):
        porto, berlin = directory
        extra = make_org("Hooli")
        Organization.objects.filter(pk=extra.pk).update(skills=["payroll"], offers_services=True)
        _review(firm, berlin, 5)

        seen: list[int] = []
        url: str | None = f"{self.URL}?page_size=1"
        while url:
            body = client_api.get(url).json()
            seen += [item["id"] for item in body["results"]]
            url = body["next"]

        assert seen[0] == berlin.pk
        assert sorted(seen) == sorted([porto.pk, berlin.pk, extra.pk])
        assert len(seen) == 3

    @pytest.mark.parametrize("params", [{"min_rating": "9"}, {"rate_max": "-3"}, {"min_rating": "good"}])
    def test_malformed_filters_are_field_errors(self, client_api, params):
        response = client_api.get(self.URL, params)

        assert response.status_code == 400
        assert set(params) <= set(error(response)["fields"])

    def test_query_count_does_not_grow_with_rows(self, client_api):
        Organization.objects.filter(pk=make_org("Supplier 0").pk).update(skills=["payroll"], offers_services=True)
        one = count_queries(client_api, self.URL)
        for n in range(1, 20):
            Organization.objects.filter(pk=make_org(f"Supplier {n}").pk).update(
                skills=["payroll"], offers_services=True
            )

        assert len(client_api.get(self.URL).json()["results"]) == 20
        assert count_queries(client_api, self.URL) == one


def _review(client_org, supplier, rating: int) -> None:
    """A revealed review of ``supplier`` after a contract (built through the services)."""
    task = open_task(client_org, title=f"Work for {supplier.name}")
    bid = submit(task, supplier)
    services.accept_bid(actor=client_org.owner, bid=bid)
    contract = Contract.objects.get(bid=bid)
    Review.objects.create(
        contract=contract,
        author=client_org,
        subject=supplier,
        rating=rating,
        communication_rating=rating,
        revealed_at=timezone.now(),
    )
