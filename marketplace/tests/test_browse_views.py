"""HTML pages for finding work: browsing and searching tasks, and saved searches.

Anonymous visitors are served the public pages; members get theirs, and another organization's
ids answer 404 and change nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace import services
from marketplace.models import (
    Category,
    SavedSearch,
    Task,
)
from marketplace.tests.page_support import listed_task_ids
from tests.factories import OrganizationFactory, make_member, open_task, task_input
from tests.support import html, login_redirect, signed_in

pytestmark = pytest.mark.django_db


# --- browsing -------------------------------------------------------------------------------


class TestBrowse:
    def test_anonymous_visitors_see_open_public_tasks_but_no_drafts(self, client, firm):
        listed = open_task(firm, title="Payroll bureau wanted")
        draft = services.create_task(actor=firm.owner, organization=firm, data=task_input(title="Secret draft"))

        response = client.get(reverse("task-list"))

        assert response.status_code == 200
        assert listed_task_ids(response) == [listed.pk]
        assert draft.title not in html(response)
        assert "Showing 1 task" in html(response)

    def test_card_shows_the_terms_a_supplier_scans_for(self, client, firm):
        task = open_task(
            firm,
            budget_type="hourly",
            budget_amount=None,
            hourly_rate_min=4_000,
            hourly_rate_max=6_000,
            hours_cap=100,
            location_type="onsite",
            country="DE",
            city="Berlin",
        )
        terms = services.task_input_from(task)
        terms.hours_cap = 120
        services.update_task(actor=firm.owner, task=task, data=terms)

        page = html(client.get(reverse("task-list")))

        assert "€40.00–€60.00 / hour" in page
        assert "up to 120 h · cap €7,200.00" in page
        assert "On-site · Berlin, Germany" in page
        assert firm.name in page
        assert "Payroll</li>" in page
        assert "DATEV</li>" in page
        assert ">Edited<" in page

    def test_invite_only_task_is_invisible_to_suppliers_who_were_not_invited(self, firm, supplier, supplier_client):
        task = open_task(firm, visibility="invite_only")
        outsider = signed_in(make_member(OrganizationFactory()), None)

        assert task.pk not in listed_task_ids(supplier_client.get(reverse("task-list")))
        assert supplier_client.get(task.get_absolute_url()).status_code == 404
        assert outsider.get(task.get_absolute_url()).status_code == 404
        assert Client().get(task.get_absolute_url()).status_code == 404

        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=supplier)

        assert task.pk in listed_task_ids(supplier_client.get(reverse("task-list")))
        response = supplier_client.get(task.get_absolute_url())
        assert response.status_code == 200
        assert "invited you to bid" in html(response)


class TestBrowseFilters:
    @pytest.fixture
    def tasks(self, firm):
        today = timezone.localdate()
        payroll = open_task(
            firm,
            title="Payroll bureau wanted",
            description="Monthly payroll runs and filings.",
            skills=["Payroll", "DATEV"],
            budget_amount=300_000,
            location_type="onsite",
            country="DE",
            city="Berlin",
            deadline=today + timedelta(days=20),
        )
        logo = open_task(
            firm,
            title="Logo for a bakery",
            description="A friendly logo and a sign.",
            category_id=Category.objects.get(slug="design").pk,
            skills=["Illustration"],
            budget_type="hourly",
            budget_amount=None,
            hourly_rate_min=4_000,
            hourly_rate_max=6_000,
            hours_cap=100,
            location_type="remote",
            country="GB",
            city="London",
            deadline=today + timedelta(days=90),
        )
        # Published ten days ago: "posted since" leaves it out.
        Task.objects.filter(pk=logo.pk).update(published_at=timezone.now() - timedelta(days=10))
        return {"payroll": payroll, "logo": logo}

    def test_without_filters_both_are_listed(self, client, tasks):
        assert set(listed_task_ids(client.get(reverse("task-list")))) == {t.pk for t in tasks.values()}

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("q=payroll", "payroll"),
            ("category=design", "logo"),
            ("skills=DATEV", "payroll"),
            ("skills=payroll,datev", "payroll"),
            ("budget_type=hourly", "logo"),
            ("budget_from=4,000", "logo"),
            ("budget_to=3,500", "payroll"),
            ("budget_min=500000", "logo"),
            ("location_type=onsite", "payroll"),
            ("country=GB", "logo"),
            ("city=berlin", "payroll"),
            ("deadline_before={in_30_days}", "payroll"),
            ("posted_since={yesterday}", "payroll"),
        ],
    )
    def test_each_filter_narrows_the_results(self, client, tasks, query, expected):
        today = timezone.localdate()
        query = query.format(
            in_30_days=(today + timedelta(days=30)).isoformat(), yesterday=(today - timedelta(days=1)).isoformat()
        )

        response = client.get(reverse("task-list") + "?" + query)

        assert response.status_code == 200
        assert listed_task_ids(response) == [tasks[expected].pk]

    def test_sorting_by_budget(self, client, tasks):
        high = listed_task_ids(client.get(reverse("task-list") + "?sort=budget_high"))
        low = listed_task_ids(client.get(reverse("task-list") + "?sort=budget_low"))

        assert high == [tasks["logo"].pk, tasks["payroll"].pk]
        assert low == [tasks["payroll"].pk, tasks["logo"].pk]

    def test_filters_in_force_show_as_removable_chips(self, client, tasks):
        page = html(client.get(reverse("task-list") + "?category=payroll&budget_from=1000"))

        assert 'class="filter-chip"' in page
        assert "Budget from 1,000" in page
        assert 'value="1,000"' in page  # typed in major units, kept in the box


class TestBudgetCurrency:
    """The budget bounds are typed in a chosen currency and list only the tasks priced in it."""

    @pytest.fixture
    def priced(self, firm):  # type: ignore[no-untyped-def]
        return {
            "euros": open_task(firm, title="Payroll in Lyon", budget_amount=300_000),
            "pounds": open_task(firm, title="Payroll in Leeds", currency="GBP", budget_amount=300_000),
            "yen": open_task(firm, title="Payroll in Osaka", currency="JPY", budget_amount=1_500),
        }

    def test_a_bound_in_pounds_lists_the_tasks_priced_in_pounds_and_not_in_euros(self, client, priced):
        response = client.get(reverse("task-list"), {"budget_from": "1,000", "currency": "GBP"})

        assert listed_task_ids(response) == [priced["pounds"].pk]
        page = html(response)
        assert 'for="f-budget-from" data-budget-label="Budget from">Budget from (GBP)</label>' in page
        assert '<option value="GBP" selected>GBP</option>' in page
        assert "Budget from 1,000 GBP" in page  # the chip
        assert 'value="1,000"' in page  # in major units of the currency, kept in the box

    def test_typed_amounts_follow_the_currencys_minor_unit(self, client, priced):
        """A yen has no minor unit: 1,000 JPY is 1000 minor units, where 1,000 EUR is 100000."""
        in_yen = client.get(reverse("task-list"), {"budget_from": "1,000", "currency": "JPY"})
        above_the_task = client.get(reverse("task-list"), {"budget_from": "1,501", "currency": "JPY"})
        in_euros = client.get(reverse("task-list"), {"budget_to": "3,000", "currency": "EUR"})

        assert listed_task_ids(in_yen) == [priced["yen"].pk]
        assert "Budget from 1,000 JPY" in html(in_yen)
        assert listed_task_ids(above_the_task) == []
        assert listed_task_ids(in_euros) == [priced["euros"].pk]

    def test_a_bound_without_a_currency_is_in_euros_as_old_links_meant(self, client, priced):
        response = client.get(reverse("task-list"), {"budget_min": "100000"})

        assert listed_task_ids(response) == [priced["euros"].pk]
        assert "Budget from 1,000 EUR" in html(response)

    def test_an_unknown_currency_is_left_out_with_the_bounds_and_the_page_says_so(self, client, priced):
        response = client.get(reverse("task-list"), {"budget_from": "1,000", "currency": "XYZ"})

        said = "Budget currency: “XYZ” is not a currency this search can use, so it and the budget were left out."
        assert unescape(html(response)).count(said) == 1
        assert sorted(listed_task_ids(response)) == sorted(task.pk for task in priced.values())

    def test_a_currency_alone_narrows_nothing_but_stays_chosen(self, client, priced):
        response = client.get(reverse("task-list"), {"currency": "GBP"})

        assert sorted(listed_task_ids(response)) == sorted(task.pk for task in priced.values())
        page = html(response)
        assert '<option value="GBP" selected>GBP</option>' in page
        assert "filter-chip" not in page
        assert "data-refused-filters" not in page

    def test_dropping_the_last_bound_drops_its_currency(self, client, priced):
        response = client.get(reverse("task-list"), {"budget_to": "5,000", "currency": "GBP", "q": "payroll"})
        page = unescape(html(response))

        chip = re.search(r'<a href="([^"]*)" class="filter-chip">Budget up to 5,000 GBP<', page)
        assert chip is not None
        assert "currency" not in chip.group(1)
        assert "q=payroll" in chip.group(1)


class TestPagination:
    def test_next_page_follows_the_cursor_without_overlap(self, client, firm):
        created = [open_task(firm, title=f"Task number {n}") for n in range(25)]

        first = client.get(reverse("task-list"))
        next_link = re.search(r'rel="next" href="([^"]+)"', html(first))
        assert next_link, "page one links to the next page"
        second = client.get(unescape(next_link.group(1)))

        first_ids, second_ids = listed_task_ids(first), listed_task_ids(second)
        assert len(first_ids) == 20
        assert len(second_ids) == 5
        assert not set(first_ids) & set(second_ids)
        assert set(first_ids) | set(second_ids) == {task.pk for task in created}
        assert 'rel="next"' not in html(second)

    def test_cursor_keeps_the_filters_and_sort(self, client, firm):
        for n in range(21):
            open_task(firm, title=f"Payroll job {n}", budget_amount=100_000 + n)

        first = client.get(reverse("task-list") + "?budget_from=500&sort=budget_low")
        next_href = unescape(re.search(r'rel="next" href="([^"]+)"', html(first)).group(1))

        assert "budget_min=50000" in next_href
        assert "sort=budget_low" in next_href
        assert len(listed_task_ids(client.get(next_href))) == 1

    def test_a_malformed_cursor_starts_from_the_top(self, client, firm):
        task = open_task(firm)

        response = client.get(reverse("task-list") + "?cursor=not-a-cursor")

        assert response.status_code == 200
        assert listed_task_ids(response) == [task.pk]


class TestSaveThisSearch:
    def test_anonymous_visitors_are_asked_to_sign_in(self, client):
        page = html(client.get(reverse("task-list") + "?q=payroll"))

        assert "Sign in to save this search" in page

    def test_member_saves_the_current_filters(self, firm, client_of):
        response = client_of.post(
            reverse("saved-search-list"),
            {"name": "Payroll over 1k", "query": "category=payroll&budget_from=1,000&skills=DATEV", "notify": "on"},
        )

        assert response.status_code == 302
        saved = SavedSearch.objects.get(user=firm.owner, organization=firm)
        assert saved.name == "Payroll over 1k"
        assert saved.filters == {"category": "payroll", "skills": ["datev"], "budget_min": 100_000, "currency": "EUR"}
        assert saved.notify

    def test_a_search_without_a_name_is_refused_with_a_message(self, firm, client_of):
        response = client_of.post(reverse("saved-search-list"), {"name": "", "query": "q=payroll"})

        assert response.status_code == 400
        assert "Name the search" in html(response)
        assert not SavedSearch.objects.exists()


# --- saved searches ---------------------------------------------------------------------------------------------


class TestSavedSearches:
    @pytest.fixture
    def saved(self, firm):
        return services.save_search(
            actor=firm.owner,
            organization=firm,
            name="Payroll in Berlin",
            filters={"category": "payroll", "city": "Berlin"},
        )

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, saved):
        for path in (
            reverse("saved-search-list"),
            reverse("saved-search-delete", kwargs={"saved_search_id": saved.pk}),
        ):
            assert login_redirect(client.get(path), path)

    def test_lists_the_users_searches_with_links_that_reopen_them(self, saved, client_of):
        page = html(client_of.get(reverse("saved-search-list")))

        assert "Payroll in Berlin" in page
        assert reverse("task-list") + "?category=payroll&amp;city=Berlin" in page

    def test_a_search_saved_before_the_currency_choice_still_means_euros(self, firm, client_of):
        old = services.save_search(actor=firm.owner, organization=firm, name="Dear work", filters={})
        SavedSearch.objects.filter(pk=old.pk).update(filters={"budget_min": 100_000})  # as it was stored then

        page = html(client_of.get(reverse("saved-search-list")))

        assert "Budget from 1,000 EUR" in page
        assert reverse("task-list") + "?budget_min=100000&amp;currency=EUR" in page

    def test_another_member_of_the_organization_does_not_see_them(self, firm, saved):
        colleague = make_member(firm)
        client = signed_in(colleague, firm)

        assert "Payroll in Berlin" not in html(client.get(reverse("saved-search-list")))
        response = client.post(reverse("saved-search-delete", kwargs={"saved_search_id": saved.pk}))
        assert response.status_code == 404
        assert SavedSearch.objects.filter(pk=saved.pk).exists()

    def test_another_organizations_member_gets_404_and_nothing_changes(self, saved, supplier_client):
        path = reverse("saved-search-delete", kwargs={"saved_search_id": saved.pk})

        assert supplier_client.get(path).status_code == 404
        assert supplier_client.post(path).status_code == 404
        assert SavedSearch.objects.filter(pk=saved.pk).exists()

    def test_owner_deletes_by_post_only(self, saved, client_of):
        path = reverse("saved-search-delete", kwargs={"saved_search_id": saved.pk})

        assert client_of.get(path).status_code == 405
        response = client_of.post(path)

        assert response.status_code == 302
        assert not SavedSearch.objects.exists()
