"""The marketplace API: tasks (search, create, read, edit, transitions, invitations) and the bid comparison.

Each endpoint is tried by an anonymous visitor, a member of another organization (foreign ids
answer 404), a member who may see the object but not do this to it, and one who may; refusals
change nothing, successes change the database and, where the service audits, the audit log.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from core.models import AuditEvent
from marketplace import comparison, services
from marketplace.models import Bid, BidInvitation, Category, Message, Task, Thread
from marketplace.tests.api_support import (
    API,
    audited,
    count_queries,
    error,
    one_milestone,
    row,
    signed_in,
    submit,
    task_payload,
    with_token,
)
from tests.factories import make_member, open_task

pytestmark = pytest.mark.django_db


# --- anonymous visitors --------------------------------------------------------------------------


PRIVATE_ENDPOINTS = [
    ("post", "/tasks/"),
    ("get", "/tasks/{task}/"),
    ("patch", "/tasks/{task}/"),
    ("post", "/tasks/{task}/publish/"),
    ("post", "/tasks/{task}/close/"),
    ("post", "/tasks/{task}/cancel/"),
    ("post", "/tasks/{task}/invitations/"),
    ("get", "/tasks/{task}/bids/"),
    ("post", "/tasks/{task}/bids/"),
    ("get", "/tasks/{task}/comparison/"),
    ("put", "/tasks/{task}/comparison/"),
    ("patch", "/tasks/{task}/comparison/"),
    ("get", "/bids/"),
    ("get", "/bids/{bid}/"),
    ("patch", "/bids/{bid}/"),
    ("post", "/bids/{bid}/withdraw/"),
    ("post", "/bids/{bid}/accept/"),
    ("post", "/bids/{bid}/shortlist/"),
    ("post", "/bids/{bid}/decline/"),
    ("get", "/threads/"),
    ("post", "/threads/"),
    ("get", "/threads/{thread}/"),
    ("get", "/threads/{thread}/messages/"),
    ("post", "/threads/{thread}/messages/"),
    ("post", "/threads/{thread}/read/"),
    ("get", "/suppliers/"),
]


@pytest.mark.parametrize(("method", "path"), PRIVATE_ENDPOINTS)
def test_anonymous_visitors_are_refused_and_change_nothing(method, path, task, bid):
    thread = Thread.objects.get(task=task, supplier=bid.supplier)
    url = API + path.format(task=task.pk, bid=bid.pk, thread=thread.pk)
    before = (row(Task, task.pk), row(Bid, bid.pk), Task.objects.count(), Message.objects.count())

    response = getattr(APIClient(), method)(url, {}, format="json")

    assert response.status_code == 401, (url, response.content)
    assert error(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert (row(Task, task.pk), row(Bid, bid.pk), Task.objects.count(), Message.objects.count()) == before


def test_anonymous_visitors_read_the_categories():
    response = APIClient().get(f"{API}/categories/")

    assert response.status_code == 200
    slugs = [category["slug"] for category in response.json()]
    assert "payroll" in slugs
    assert set(response.json()[0]) == {"id", "slug", "name", "description"}


# --- GET tasks/ : the search ---------------------------------------------------------------------


class TestTaskSearch:
    URL = f"{API}/tasks/"

    def test_anonymous_visitors_see_open_public_tasks_without_private_fields(self, firm, task, draft):
        invite_only = open_task(firm, title="Secret audit", visibility="invite_only")

        response = APIClient().get(self.URL)

        assert response.status_code == 200
        body = response.json()
        ids = [item["id"] for item in body["results"]]
        assert ids == [task.pk]
        assert draft.pk not in ids
        assert invite_only.pk not in ids
        item = body["results"][0]
        assert "in_house_cost_estimate" not in item
        assert "comparison_weights" not in item
        assert item["budget_amount"] == 300_000
        assert item["currency"] == "EUR"
        assert item["client"]["id"] == firm.pk
        assert item["deadline"] == task.deadline.isoformat()
        assert body["next"] is None

    def test_the_client_sees_its_estimate_and_invited_suppliers_see_invite_only_tasks(self, firm, other_firm, task):
        invite_only = open_task(firm, title="Secret audit", visibility="invite_only")
        services.invite_supplier_to_bid(actor=firm.owner, task=invite_only, supplier=other_firm)

        as_client = signed_in(firm.owner, firm).get(self.URL).json()["results"]
        as_supplier = signed_in(other_firm.owner, other_firm).get(self.URL).json()["results"]

        assert {item["in_house_cost_estimate"] for item in as_client} == {450_000}
        assert {item["id"] for item in as_supplier} == {task.pk, invite_only.pk}
        assert all("in_house_cost_estimate" not in item for item in as_supplier)

    def test_filters_are_those_of_the_browse_page(self, firm):
        cheap = open_task(firm, title="Payroll for a bakery", budget_amount=50_000)
        dear = open_task(firm, title="Payroll for a bank", budget_amount=900_000)
        onsite = open_task(
            firm,
            title="Clean the office",
            description="Weekly cleaning.",
            category_id=Category.objects.get(slug="cleaning-and-facilities").pk,
            location_type="onsite",
            country="PT",
            city="Porto",
            budget_amount=100_000,
            skills=["Office cleaning"],
        )
        client = APIClient()

        def ids(**params: Any) -> list[int]:
            response = client.get(self.URL, params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["results"]]

        assert ids(budget_min=60_000, budget_max=800_000) == [onsite.pk]
        assert ids(q="bank") == [dear.pk]
        assert ids(category="cleaning-and-facilities", country="PT", city="porto") == [onsite.pk]
        assert ids(location_type="onsite") == [onsite.pk]
        assert ids(sort="budget_low") == [cheap.pk, onsite.pk, dear.pk]
        assert ids(skills="payroll,datev", sort="budget_high") == [dear.pk, cheap.pk]

    def test_budget_bounds_are_in_the_currency_asked_for(self, firm):
        open_task(firm, title="Payroll in Lyon", budget_amount=300_000)
        pounds = open_task(firm, title="Payroll in Leeds", currency="GBP", budget_amount=300_000)
        yen = open_task(firm, title="Payroll in Osaka", currency="JPY", budget_amount=1_500)
        client = APIClient()

        def ids(**params: Any) -> list[int]:
            response = client.get(self.URL, params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["results"]]

        assert ids(budget_min=100_000, currency="GBP") == [pounds.pk]
        assert ids(budget_min=100_000, currency="gbp") == [pounds.pk]
        assert ids(budget_min=1_000, budget_max=2_000, currency="JPY") == [yen.pk]  # yen have no minor unit
        assert len(ids(currency="GBP")) == 3  # without a bound it narrows nothing

    def test_the_keyset_cursor_walks_every_page_once(self, firm):
        tasks = [open_task(firm, title=f"Payroll run {n}", budget_amount=10_000 * (n + 1)) for n in range(5)]
        client = APIClient()
        seen: list[int] = []
        url: str | None = f"{self.URL}?sort=budget_low&page_size=2"
        pages = 0

        while url:
            body = client.get(url).json()
            seen += [item["id"] for item in body["results"]]
            url = body["next"]
            pages += 1

        assert seen == [task.pk for task in tasks]
        assert pages == 3

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"cursor": "not-a-cursor"}, "cursor"),
            ({"budget_min": "-1"}, "budget_min"),
            ({"budget_max": "lots"}, "budget_max"),
            ({"budget_max": "500", "currency": "XYZ"}, "currency"),
            ({"currency": "€"}, "currency"),
            ({"deadline_before": "next week"}, "deadline_before"),
            ({"sort": "cheapest"}, "sort"),
            ({"page_size": "500"}, "page_size"),
        ],
    )
    def test_malformed_filters_are_field_errors(self, params, field):
        response = APIClient().get(self.URL, params)

        assert response.status_code == 400
        assert error(response)["code"] == "validation_error"
        assert field in error(response)["fields"]

    def test_query_count_does_not_grow_with_rows(self, firm, other_firm):
        client = signed_in(other_firm.owner, other_firm)
        open_task(firm)
        one = count_queries(client, self.URL)
        for n in range(19):
            open_task(firm, title=f"Payroll {n}")

        assert len(client.get(self.URL).json()["results"]) == 20
        assert count_queries(client, self.URL) == one

    def test_a_token_lists_tasks_with_their_attachments_in_four_queries(self, firm, other_firm, settings, tmp_path):
        # The token (with user, organization and membership), the walk, the page's rows, their attachments.
        settings.MEDIA_ROOT = tmp_path
        client = with_token(other_firm.owner, other_firm)
        client.get(self.URL)  # the first call records when the token was last used
        for n in range(3):
            task = open_task(firm, title=f"Payroll {n}")
            upload = SimpleUploadedFile(f"brief-{n}.pdf", b"%PDF-1.4 x", content_type="application/pdf")
            services.add_task_attachments(actor=firm.owner, task=task, uploads=[upload])

        assert count_queries(client, self.URL) == 4
        results = client.get(self.URL).json()["results"]
        assert [[a["name"] for a in task["attachments"]] for task in results] == [
            ["brief-2.pdf"],
            ["brief-1.pdf"],
            ["brief-0.pdf"],
        ]


# --- POST tasks/ ----------------------------------------------------------------------------------


class TestTaskCreate:
    URL = f"{API}/tasks/"

    def test_a_member_posts_a_draft_for_the_acting_organization_only(self, firm, member, other_firm):
        response = signed_in(member, firm).post(
            self.URL, task_payload(organization=other_firm.pk, status="open"), format="json"
        )

        assert response.status_code == 201, response.content
        task = Task.objects.get(pk=response.json()["id"])
        assert task.organization == firm
        assert task.created_by == member
        assert task.status == "draft"
        assert task.budget_amount == 150_000
        assert task.skills == ["vat-returns", "xero"]
        assert response.json()["in_house_cost_estimate"] == 200_000
        assert audited("task.created", firm, task)

    def test_publish_opens_it_for_bids(self, firm):
        response = signed_in(firm.owner, firm).post(self.URL, task_payload(publish=True), format="json")

        assert response.status_code == 201, response.content
        task = Task.objects.get(pk=response.json()["id"])
        assert task.status == "open"
        assert task.published_at is not None
        assert response.json()["status"] == "open"
        assert audited("task.published", firm, task)

    def test_an_api_token_posts_for_its_own_organization_whatever_the_body_says(self, firm, other_firm):
        user = other_firm.owner
        make_member(firm, role=Role.MEMBER, user=user)

        response = with_token(user, other_firm).post(self.URL, task_payload(organization=firm.pk), format="json")

        assert response.status_code == 201
        assert Task.objects.get(pk=response.json()["id"]).organization == other_firm
        assert not Task.objects.filter(organization=firm).exists()

    def test_hourly_tasks_take_rates_and_a_cap(self, firm):
        response = signed_in(firm.owner, firm).post(
            self.URL,
            task_payload(
                budget_type="hourly", budget_amount=None, hourly_rate_min=4_000, hourly_rate_max=6_000, hours_cap=100
            ),
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["budget_amount"] == 600_000

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            ({"budget_amount": 0}, {"budget_amount"}),
            ({"budget_amount": -500}, {"budget_amount"}),
            ({"in_house_cost_estimate": 0}, {"in_house_cost_estimate"}),
            ({"deadline": "2020-01-01"}, {"deadline", "bidding_closes_at"}),
            ({"bidding_closes_at": "2020-01-01T00:00:00Z"}, {"bidding_closes_at"}),
            ({"budget_type": "hourly", "hourly_rate_min": 6_000, "hourly_rate_max": 4_000}, {"hourly_rate_max"}),
            ({"location_type": "onsite"}, {"city"}),
            ({"currency": "XYZ"}, {"currency"}),
            ({"category": 999_999}, {"category"}),
            ({"budget_amount": "a lot"}, {"budget_amount"}),
            ({"budget_amount": 10**30}, {"budget_amount"}),
            ({"country": "XX"}, {"country"}),
        ],
    )
    def test_bad_terms_are_field_errors_and_nothing_is_saved(self, firm, overrides, fields):
        response = signed_in(firm.owner, firm).post(self.URL, task_payload(**overrides), format="json")

        assert response.status_code == 400, response.content
        assert error(response)["code"] == "validation_error"
        assert fields <= set(error(response)["fields"])
        assert not Task.objects.exists()

    def test_every_problem_comes_in_one_answer_with_the_pages_words(self, firm):
        # Given a publish with no category, a past deadline, bidding closing after it and no budget
        payload = task_payload(
            deadline="2020-01-01", bidding_closes_at="2030-01-01T10:00:00Z", budget_amount=None, publish=True
        )
        del payload["category"]

        response = signed_in(firm.owner, firm).post(self.URL, payload, format="json")

        # Then one 400 names all four, the rules in the task form's words
        assert response.status_code == 400, response.content
        fields = error(response)["fields"]
        assert set(fields) == {"category", "deadline", "bidding_closes_at", "budget_amount"}
        assert fields["deadline"] == ["The deadline must be in the future."]
        assert fields["bidding_closes_at"] == ["Bidding must close before the deadline."]
        assert fields["budget_amount"] == ["Enter a budget above zero."]
        assert not Task.objects.exists()

    def test_an_unreadable_field_is_told_once_beside_the_rules(self, firm):
        payload = task_payload(budget_amount="a lot", deadline="soon", title=" ")

        response = signed_in(firm.owner, firm).post(self.URL, payload, format="json")

        fields = error(response)["fields"]
        assert set(fields) == {"budget_amount", "deadline", "title"}
        assert len(fields["budget_amount"]) == len(fields["deadline"]) == 1
        assert fields["title"] == ["Give the task a title."]

    def test_an_hourly_task_needs_its_cap_to_be_published(self, firm):
        payload = task_payload(budget_type="hourly", hourly_rate_min=4_000, publish=True)

        response = signed_in(firm.owner, firm).post(self.URL, payload, format="json")

        assert response.status_code == 400
        assert set(error(response)["fields"]) == {"hourly_rate_max", "hours_cap"}
        assert not Task.objects.exists()

    def test_every_missing_field_is_named(self, firm):
        response = signed_in(firm.owner, firm).post(self.URL, {}, format="json")

        assert response.status_code == 400
        assert {"title", "description", "category", "budget_type", "currency", "deadline", "bidding_closes_at"} <= set(
            error(response)["fields"]
        )


# --- tasks/{id}/ ------------------------------------------------------------------------------------


class TestTaskDetail:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/"

    def test_the_client_sees_its_private_fields(self, client_api, task):
        response = client_api.get(self.url(task))

        assert response.status_code == 200
        body = response.json()
        assert body["in_house_cost_estimate"] == 450_000
        assert body["comparison_weights"] == {}
        assert body["category"]["slug"] == "payroll"

    def test_a_supplier_sees_a_listed_task_without_them(self, supplier_api, task):
        response = supplier_api.get(self.url(task))

        assert response.status_code == 200
        assert "in_house_cost_estimate" not in response.json()

    def test_another_organization_gets_404_for_a_draft(self, stranger_api, draft):
        response = stranger_api.get(self.url(draft))

        assert response.status_code == 404
        assert error(response)["code"] == "not_found"

    def test_an_api_token_reads_only_as_its_own_organization(self, firm, other_firm, draft):
        user = other_firm.owner
        make_member(firm, role=Role.OWNER, user=user)  # also an owner of the client firm

        response = with_token(user, other_firm).get(self.url(draft))

        assert response.status_code == 404

    def test_a_missing_task_looks_like_a_foreign_one(self, client_api):
        assert client_api.get(f"{API}/tasks/999999/").status_code == 404


class TestTaskUpdate:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/"

    def test_a_member_of_the_client_edits_and_bidders_get_a_revision(self, firm, member, task):
        response = signed_in(member, firm).patch(self.url(task), {"budget_amount": 350_000}, format="json")

        assert response.status_code == 200, response.content
        task.refresh_from_db()
        assert task.budget_amount == 350_000
        assert task.title == "Monthly payroll for 40 employees"  # left out: unchanged
        assert task.revisions.get().changes == {"budget_amount": [300_000, 350_000]}
        assert response.json()["budget_amount"] == 350_000
        assert audited("task.updated", firm, task)

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_anyone_else_gets_404_and_changes_nothing(self, request, who, task, draft):
        api = request.getfixturevalue(who)
        for target in (task, draft):
            before = row(Task, target.pk)

            response = api.patch(self.url(target), {"title": "Mine now"}, format="json")

            assert response.status_code == 404
            assert row(Task, target.pk) == before

    def test_bad_terms_are_field_errors(self, client_api, task):
        before = row(Task, task.pk)

        response = client_api.patch(
            self.url(task), {"budget_amount": -5, "deadline": "2001-01-01", "title": ""}, format="json"
        )

        assert response.status_code == 400
        assert {"budget_amount", "deadline", "title"} <= set(error(response)["fields"])
        assert row(Task, task.pk) == before

    def test_an_edit_reports_what_it_cannot_read_with_the_rules_it_breaks(self, client_api, task):
        before = row(Task, task.pk)

        terms = {"deadline": "soon", "bidding_closes_at": "2001-01-01T00:00:00Z", "title": ""}

        response = client_api.patch(self.url(task), terms, format="json")

        assert response.status_code == 400
        fields = error(response)["fields"]
        assert set(fields) == {"deadline", "bidding_closes_at", "title"}
        assert fields["bidding_closes_at"] == ["Bidding must close in the future."]
        assert row(Task, task.pk) == before

    def test_a_closed_task_can_no_longer_be_edited(self, firm, client_api, task):
        services.close_task(actor=firm.owner, task=task)
        before = row(Task, task.pk)

        response = client_api.patch(self.url(task), {"title": "Again"}, format="json")

        assert response.status_code == 400
        assert row(Task, task.pk) == before


class TestTaskTransitions:
    def url(self, task, verb) -> str:
        return f"{API}/tasks/{task.pk}/{verb}/"

    def test_a_member_publishes_a_draft(self, firm, member, draft):
        response = signed_in(member, firm).post(self.url(draft, "publish"))

        assert response.status_code == 200, response.content
        draft.refresh_from_db()
        assert draft.status == "open"
        assert response.json()["status"] == "open"
        assert audited("task.published", firm, draft)

    def test_closing_declines_the_live_bids(self, firm, client_api, task, bid):
        response = client_api.post(self.url(task, "close"))

        assert response.status_code == 200
        task.refresh_from_db()
        bid.refresh_from_db()
        assert task.status == "closed"
        assert bid.status == "declined"
        assert audited("task.closed", firm, task)

    def test_cancelling(self, firm, client_api, draft):
        response = client_api.post(self.url(draft, "cancel"))

        assert response.status_code == 200
        draft.refresh_from_db()
        assert draft.status == "cancelled"
        assert audited("task.cancelled", firm, draft)

    def test_a_refused_transition_is_409(self, firm, client_api, draft):
        services.cancel_task(actor=firm.owner, task=draft)

        response = client_api.post(self.url(draft, "publish"))

        assert response.status_code == 409
        assert error(response)["code"] == "invalid_transition"
        draft.refresh_from_db()
        assert draft.status == "cancelled"

    @pytest.mark.parametrize("verb", ["publish", "close", "cancel"])
    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_moves_a_task(self, request, verb, who, task, bid):
        api = request.getfixturevalue(who)
        before = (row(Task, task.pk), row(Bid, bid.pk))

        response = api.post(self.url(task, verb))

        assert response.status_code == 404
        assert (row(Task, task.pk), row(Bid, bid.pk)) == before
        assert not AuditEvent.objects.filter(action__in=["task.closed", "task.cancelled"]).exists()


class TestInvitations:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/invitations/"

    def test_the_client_invites_a_supplier_once(self, firm, other_firm, client_api, task):
        first = client_api.post(self.url(task), {"supplier": other_firm.pk, "message": "Bid please"}, format="json")
        again = client_api.post(self.url(task), {"supplier": other_firm.pk}, format="json")

        assert first.status_code == 201, first.content
        assert again.status_code == 200
        invitation = BidInvitation.objects.get(task=task)
        assert invitation.supplier == other_firm
        assert invitation.message == "Bid please"
        assert first.json()["id"] == again.json()["id"] == invitation.pk
        assert audited("task.supplier_invited", firm, task)

    def test_inviting_your_own_organization_is_a_field_error(self, firm, client_api, task):
        firm.skills, firm.offers_services = ["Payroll"], True  # it offers services too, so the directory lists it
        firm.save()

        response = client_api.post(self.url(task), {"supplier": firm.pk}, format="json")

        assert response.status_code == 400
        assert "supplier" in error(response)["fields"]
        assert not BidInvitation.objects.exists()

    def test_an_unknown_supplier_is_404(self, client_api, task):
        response = client_api.post(self.url(task), {"supplier": 999_999}, format="json")

        assert response.status_code == 404
        assert not BidInvitation.objects.exists()

    def test_an_organization_the_directory_does_not_list_answers_like_an_unknown_id(self, client_api, task, stranger):
        """A client firm (no skills) and a personal organization cannot be invited, nor told apart from no one."""
        personal = Organization.objects.get(is_personal=True, memberships__user=stranger.owner)
        unknown = client_api.post(self.url(task), {"supplier": 999_999}, format="json")

        for organization in (stranger, personal):
            response = client_api.post(self.url(task), {"supplier": organization.pk}, format="json")

            assert (response.status_code, response.json()) == (404, unknown.json())
        assert not BidInvitation.objects.exists()

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_invites(self, request, who, stranger, task):
        response = request.getfixturevalue(who).post(self.url(task), {"supplier": stranger.pk}, format="json")

        assert response.status_code == 404
        assert not BidInvitation.objects.exists()


# --- tasks/{id}/comparison/ ------------------------------------------------------------------------


class TestComparison:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/comparison/"

    def test_the_client_compares_the_live_bids(self, client_api, task, bid, stranger):
        cheaper = submit(task, stranger, amount=200_000, milestones=[one_milestone(200_000)])

        response = client_api.get(self.url(task))

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["weights"] == comparison.DEFAULT_WEIGHTS
        assert {row["bid"]["id"] for row in body["rows"]} == {bid.pk, cheaper.pk}
        first = body["rows"][0]
        assert [factor["factor"] for factor in first["factors"]] == list(comparison.FACTORS)
        price = {row["bid"]["id"]: row["factors"][0] for row in body["rows"]}
        assert price[cheaper.pk]["score"] > price[bid.pk]["score"]
        assert price[cheaper.pk]["explanation"]
        assert price[cheaper.pk]["evidence"] == "your budget, your in-house estimate and 1 other bid"
        communication = {row["bid"]["id"]: row["factors"][3] for row in body["rows"]}
        assert communication[cheaper.pk]["thin"] is True
        savings = {row["bid"]["id"]: row["savings"] for row in body["rows"]}
        assert savings[cheaper.pk]["amount"] == 450_000 - 200_000
        assert savings[cheaper.pk]["currency"] == "EUR"

    def test_weights_in_the_query_are_tried_without_saving(self, client_api, task, bid):
        response = client_api.get(self.url(task), {"weights": "price:5,reputation:0"})

        assert response.status_code == 200
        assert response.json()["weights"]["price"] == 5
        assert response.json()["weights"]["reputation"] == 0
        task.refresh_from_db()
        assert task.comparison_weights == {}

    @pytest.mark.parametrize("weights", ["price:9", "speed:3", "price", "price:-1"])
    def test_bad_weights_in_the_query_are_a_field_error(self, client_api, task, weights):
        response = client_api.get(self.url(task), {"weights": weights})

        assert response.status_code == 400
        assert "weights" in error(response)["fields"]

    def test_patch_saves_the_weights_given(self, client_api, task, bid):
        response = client_api.patch(self.url(task), {"weights": {"price": 5}}, format="json")

        assert response.status_code == 200, response.content
        task.refresh_from_db()
        assert task.comparison_weights == {"price": 5}
        assert response.json()["weights"]["price"] == 5
        assert client_api.get(self.url(task)).json()["weights"]["price"] == 5

    def test_put_sets_them_all(self, firm, client_api, task):
        services.set_comparison_weights(actor=firm.owner, task=task, weights={"geography": 0})

        response = client_api.put(self.url(task), {"weights": {"price": 4}}, format="json")

        assert response.status_code == 200
        task.refresh_from_db()
        assert task.comparison_weights == {**comparison.DEFAULT_WEIGHTS, "price": 4}

    @pytest.mark.parametrize("weights", [{"price": 7}, {"speed": 2}, {"price": "high"}])
    def test_bad_weights_are_refused_and_nothing_is_saved(self, client_api, task, weights):
        response = client_api.patch(self.url(task), {"weights": weights}, format="json")

        assert response.status_code == 400
        assert error(response)["fields"]
        task.refresh_from_db()
        assert task.comparison_weights == {}

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_compares(self, request, who, task, bid):
        api = request.getfixturevalue(who)

        assert api.get(self.url(task)).status_code == 404
        assert api.patch(self.url(task), {"weights": {"price": 0}}, format="json").status_code == 404
        task.refresh_from_db()
        assert task.comparison_weights == {}
