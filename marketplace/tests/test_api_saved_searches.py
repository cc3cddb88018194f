"""Saved searches through the API: what the saved-searches page does, scoped to the user in the acting organization.

The page saves the browse filters with a name and the digest on or off, lists
them and deletes them; so does the API, through ``services.save_search`` and
``services.delete_saved_search``. Another organization's member, and another
member of the same organization, find nothing.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from marketplace import services
from marketplace.models import SavedSearch
from marketplace.services.searches import MAX_SAVED_SEARCHES
from marketplace.tests.api_support import API, error, row, signed_in, with_token
from tests.factories import make_member, open_task

pytestmark = pytest.mark.django_db

URL = f"{API}/saved-searches/"


def detail(saved: SavedSearch) -> str:
    return f"{URL}{saved.pk}/"


@pytest.fixture
def saved(other_firm) -> SavedSearch:
    """The supplier's search for payroll work, digest on."""
    return services.save_search(
        actor=other_firm.owner, organization=other_firm, name="Payroll", filters={"q": "payroll", "skills": ["datev"]}
    )


class TestCreate:
    def test_a_member_saves_the_search_filters_for_itself_in_the_acting_organization(self, other_firm, supplier_api):
        # Given the task search's filters, as its query string takes them
        filters = {"q": "payroll", "skills": ["payroll", "datev"], "budget_min": 100_000, "country": "pt"}

        # When the supplier saves them with the digest off
        response = supplier_api.post(
            URL, {"name": "  Payroll in Portugal ", "filters": filters, "notify": False}, format="json"
        )

        # Then they are kept for the user in the organization, cleaned as the browse page cleans them
        assert response.status_code == 201, response.content
        saved = SavedSearch.objects.get(pk=response.json()["id"])
        assert (saved.organization, saved.user) == (other_firm, other_firm.owner)
        assert saved.name == "Payroll in Portugal"
        assert saved.filters == {
            "q": "payroll",
            "skills": ["payroll", "datev"],
            "budget_min": 100_000,
            "currency": "EUR",  # a bound without a currency is in euros, and is kept saying so
            "country": "PT",
        }
        assert saved.notify is False
        body = response.json()
        assert body["filters"] == saved.filters
        assert body["notify"] is False
        assert body["tasks_url"].startswith("http://testserver/api/v1/tasks/?")

    def test_without_filters_it_is_every_open_task_with_the_digest_on(self, supplier_api):
        response = supplier_api.post(URL, {"name": "Everything"}, format="json")

        assert response.status_code == 201, response.content
        saved = SavedSearch.objects.get()
        assert saved.filters == {}
        assert saved.notify is True
        assert response.json()["tasks_url"] == "http://testserver/api/v1/tasks/"

    def test_its_tasks_url_runs_the_search(self, firm, supplier_api):
        wanted = open_task(firm, title="Payroll for a bakery", budget_amount=50_000)
        open_task(firm, title="Payroll for a bank", budget_amount=900_000)
        created = supplier_api.post(URL, {"name": "Cheap", "filters": {"budget_max": 60_000}}, format="json")

        response = supplier_api.get(created.json()["tasks_url"])

        assert response.status_code == 200
        assert [task["id"] for task in response.json()["results"]] == [wanted.pk]

    def test_a_bound_in_pounds_is_kept_with_its_currency_and_finds_tasks_priced_in_it(self, firm, supplier_api):
        pounds = open_task(firm, title="Payroll in Leeds", currency="GBP", budget_amount=50_000)
        open_task(firm, title="Payroll in Lyon", budget_amount=50_000)

        created = supplier_api.post(
            URL, {"name": "Cheap in pounds", "filters": {"budget_max": 60_000, "currency": "gbp"}}, format="json"
        )

        assert created.status_code == 201, created.content
        assert SavedSearch.objects.get().filters == {"budget_max": 60_000, "currency": "GBP"}
        response = supplier_api.get(created.json()["tasks_url"])
        assert [task["id"] for task in response.json()["results"]] == [pounds.pk]

    def test_an_api_token_saves_in_its_own_organization_whatever_the_body_says(self, firm, other_firm):
        user = other_firm.owner
        make_member(firm, role="member", user=user)

        response = with_token(user, other_firm).post(URL, {"name": "Mine", "organization": firm.pk}, format="json")

        assert response.status_code == 201
        assert SavedSearch.objects.get().organization == other_firm

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "  "}, "name"),
            ({}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"name": "Bad", "filters": {"budget_min": "lots"}}, "filters.budget_min"),
            ({"name": "Bad", "filters": {"sort": "cheapest"}}, "filters.sort"),
            ({"name": "Bad", "filters": {"budget_max": 500, "currency": "XYZ"}}, "filters.currency"),
            ({"name": "Bad", "filters": {"deadline_before": "next week"}}, "filters.deadline_before"),
            ({"name": "Bad", "notify": "perhaps"}, "notify"),
        ],
    )
    def test_bad_input_is_a_field_error_and_nothing_is_saved(self, supplier_api, body, field):
        response = supplier_api.post(URL, body, format="json")

        assert response.status_code == 400, response.content
        assert field in error(response)["fields"]
        assert not SavedSearch.objects.exists()

    def test_a_user_keeps_a_limited_number(self, other_firm, supplier_api):
        for number in range(MAX_SAVED_SEARCHES):
            services.save_search(actor=other_firm.owner, organization=other_firm, name=f"Search {number}", filters={})

        response = supplier_api.post(URL, {"name": "One more"}, format="json")

        assert response.status_code == 400
        assert str(MAX_SAVED_SEARCHES) in error(response)["message"]
        assert SavedSearch.objects.count() == MAX_SAVED_SEARCHES


class TestRead:
    def test_the_list_holds_the_users_searches_in_the_acting_organization_only(self, firm, other_firm, saved):
        user = other_firm.owner
        make_member(firm, role="member", user=user)
        services.save_search(actor=user, organization=firm, name="As the client firm", filters={})
        colleague = make_member(other_firm, role="member")
        services.save_search(actor=colleague, organization=other_firm, name="A colleague's", filters={})

        results = signed_in(user, other_firm).get(URL).json()["results"]

        assert [(item["id"], item["name"]) for item in results] == [(saved.pk, "Payroll")]
        assert results[0]["filters"] == {"q": "payroll", "skills": ["datev"]}

    def test_one_is_read_by_its_id(self, supplier_api, saved):
        response = supplier_api.get(detail(saved))

        assert response.status_code == 200
        assert response.json()["name"] == "Payroll"
        assert response.json()["notify"] is True

    def test_anonymous_visitors_are_refused(self, saved):
        for response in (APIClient().get(URL), APIClient().get(detail(saved))):
            assert response.status_code == 401
            assert error(response)["code"] == "not_authenticated"


class TestDelete:
    def test_the_user_deletes_one(self, supplier_api, saved):
        response = supplier_api.delete(detail(saved))

        assert response.status_code == 204
        assert not SavedSearch.objects.exists()
        assert supplier_api.delete(detail(saved)).status_code == 404

    def test_a_missing_one_looks_like_a_foreign_one(self, supplier_api):
        response = supplier_api.delete(f"{URL}999999/")

        assert response.status_code == 404
        assert error(response)["code"] == "not_found"


class TestOtherPeoplesSearches:
    @pytest.fixture(params=["stranger", "colleague"])
    def someone_else(self, request, other_firm):
        """A member of another organization, or another member of the same one: saved searches are personal."""
        if request.param == "stranger":
            stranger = request.getfixturevalue("stranger")
            return signed_in(stranger.owner, stranger)
        return signed_in(make_member(other_firm, role="admin"), other_firm)

    def test_they_are_404_to_read_and_to_delete_and_nothing_changes(self, someone_else, saved):
        before = row(SavedSearch, saved.pk)

        read = someone_else.get(detail(saved))
        deleted = someone_else.delete(detail(saved))

        assert (read.status_code, deleted.status_code) == (404, 404)
        assert error(read)["code"] == "not_found"
        assert row(SavedSearch, saved.pk) == before
        assert someone_else.get(URL).json()["results"] == []

    def test_the_users_own_search_is_404_when_acting_in_another_organization(self, firm, other_firm, saved):
        user = other_firm.owner
        make_member(firm, role="member", user=user)

        assert signed_in(user, firm).get(detail(saved)).status_code == 404
        assert with_token(user, firm).delete(detail(saved)).status_code == 404
        assert SavedSearch.objects.filter(pk=saved.pk).exists()
