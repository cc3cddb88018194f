"""Task search: ranking, filters, visibility and keyset paging (``marketplace.selectors.search_tasks``)."""

from __future__ import annotations

import base64
import json
import math
import random
import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.postgres.search import SearchVector
from django.core.management import call_command
from django.db import connection
from django.db.models import Case, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organization
from core.money import RATE_CURRENCIES
from marketplace import selectors, services
from marketplace.models import BidInvitation, Category, Task
from marketplace.selectors import TaskFilters, encode_cursor, search_tasks
from marketplace.selectors.search import cursors as search_cursors
from marketplace.selectors.search import pages as search_pages
from marketplace.selectors.search import planner as search_planner
from marketplace.selectors.search import words as search_words
from tests.factories import OrganizationFactory, make_member, open_task

pytestmark = pytest.mark.django_db


def search(organization=None, **params):  # type: ignore[no-untyped-def]
    """Every result of a search, following the cursor page by page."""
    filters = TaskFilters.from_params(params)
    found, cursor = [], ""
    for _ in range(100):
        page = search_tasks(filters=filters, organization=organization, cursor=cursor, page_size=3)
        found += page.tasks
        if not page.next_cursor:
            return found
        cursor = page.next_cursor
    raise AssertionError("the cursor never ran out")


def titles(tasks):  # type: ignore[no-untyped-def]
    return [task.title for task in tasks]


@pytest.fixture
def supplier(db):  # type: ignore[no-untyped-def]
    organization = OrganizationFactory(name="Pixel & Pine Studio", skills=["Logo design"])
    organization.owner = make_member(organization, role="owner")
    return organization


class TestRanking:
    def test_title_matches_outrank_description_matches(self, firm):
        in_title = open_task(firm, title="Kombucha label design", description="Labels for a new drink.")
        in_description = open_task(firm, title="Label design", description="Labels for our kombucha bottles.")

        found = search(q="kombucha")

        assert [task.pk for task in found] == [in_title.pk, in_description.pk]  # the newer one comes second

    def test_words_must_all_match_and_phrases_and_exclusions_work(self, firm):
        open_task(firm, title="Office cleaning in Berlin", description="Three evenings a week.")
        open_task(firm, title="Window cleaning", description="An office in Munich.")
        open_task(firm, title="Berlin payroll", description="Forty staff.")

        assert titles(search(q="cleaning berlin")) == ["Office cleaning in Berlin"]
        assert titles(search(q='"office cleaning"')) == ["Office cleaning in Berlin"]
        assert set(titles(search(q="cleaning -berlin"))) == {"Window cleaning"}

    @pytest.mark.parametrize("frequency", [1.0, 0.0])
    def test_relevance_puts_every_title_match_first_then_description_matches_newest_first(
        self, firm, monkeypatch, frequency
    ):
        # Common words (looked for by scanning tiny windows) and rare ones (through the indexes) alike:
        # an old title match still comes before every description match, and nothing is left out.
        monkeypatch.setattr(search_planner, "WALK", 2)
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", 1)
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: frequency)
        oldest = open_task(firm, title="Kombucha branding", description="A new brand.")
        Task.objects.filter(pk=oldest.pk).update(published_at=timezone.now() - timedelta(days=3))
        described = [open_task(firm, title=f"Job {n}", description="Kombucha deliveries.") for n in range(4)]
        titled = open_task(firm, title="Kombucha labels", description="Labels.")
        for _ in range(4):
            open_task(firm, title="Payroll", description="Nothing to drink.")

        found = search(q="kombucha")

        assert [task.pk for task in found] == [titled.pk, oldest.pk, *(task.pk for task in reversed(described))]
        assert [task.tier for task in found] == [1, 1, 2, 2, 2, 2]

    def test_a_title_match_must_match_as_a_whole_too(self, firm):
        # "-berlin" excludes a task whose description says Berlin, even though its title alone matches.
        in_description = open_task(firm, title="Office cleaning", description="Our office in Berlin.")
        plain = open_task(firm, title="Window cleaning", description="Our shop in Munich.")
        described = open_task(firm, title="Windows", description="Cleaning our shop in Lyon.")

        assert search(q="cleaning -berlin") == [plain, described]
        assert in_description not in search(q="-berlin")

    @pytest.mark.parametrize("sort", selectors.SORTS)
    @pytest.mark.parametrize("frequency", [1.0, 0.0])
    def test_a_search_takes_a_bounded_number_of_queries(
        self, firm, django_assert_max_num_queries, monkeypatch, sort, frequency
    ):
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: frequency)
        for n in range(25):
            open_task(firm, title=f"Payroll {n}", country="DE" if n % 2 else "FR")
        filters = TaskFilters.from_params({"q": "payroll", "sort": sort, "category": "payroll", "country": "DE"})
        most = 12 if sort == "relevance" else 6  # one search per tier

        with django_assert_max_num_queries(most):
            page = search_tasks(filters=filters, organization=firm)
        with django_assert_max_num_queries(most):
            search_tasks(filters=filters, organization=firm, cursor=page.next_cursor or "")

    def test_browsing_without_words_takes_two_queries_however_sparse_the_filters(
        self, firm, django_assert_num_queries, monkeypatch
    ):
        for n in range(25):
            open_task(firm, title=f"Payroll {n}", country="FR" if n == 0 else "DE")
        for sort in ("newest", "budget_high", "budget_low", "deadline"):
            filters = TaskFilters.from_params({"sort": sort, "category": "payroll", "country": "DE"})
            with django_assert_num_queries(2):  # the walk, the page's rows
                assert len(search_tasks(filters=filters, organization=firm).tasks) == 20
        monkeypatch.setattr(search_planner, "WALK", 3)
        filters = TaskFilters.from_params({"country": "FR"})
        with django_assert_num_queries(2):  # the walk finds nothing in 3 tasks; the sparse match through the filters
            assert titles(search_tasks(filters=filters, organization=firm).tasks) == ["Payroll 0"]

    def test_word_frequency_comes_from_the_statistics(self, firm):
        for n in range(30):
            open_task(firm, title="Payroll run", description="Monthly payroll." if n % 3 else "Kombucha payroll.")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE marketplace_task")
        for stats in search_words._lexeme_stats.values():
            stats["loaded"] = -math.inf

        payroll, kombucha = selectors.word_frequency("payroll"), selectors.word_frequency("kombucha")

        assert payroll == pytest.approx(1.0)
        assert 0.2 < kombucha < 0.5
        assert selectors.word_frequency("payroll kombucha") == kombucha  # the rarest of words that must all appear
        assert selectors.word_frequency("kombucha or bakery") > kombucha  # alternatives add up
        assert selectors.word_frequency("-payroll") == 1.0
        assert selectors.word_frequency("the") == 0.0  # stop words only
        assert selectors.word_frequency("payroll", titles=True) == pytest.approx(1.0)
        assert selectors.word_frequency("kombucha", titles=True) < 1.0  # in no title: rarer than any listed


class TestFilters:
    @pytest.fixture
    def tasks(self, firm):  # type: ignore[no-untyped-def]
        design = Category.objects.get(slug="design").pk
        today = timezone.localdate()
        made = {
            "payroll": open_task(firm, title="Payroll", skills=["Payroll", "DATEV"], budget_amount=300_000),
            "logo": open_task(
                firm,
                title="Logo",
                category_id=design,
                skills=["Logo design"],
                budget_amount=80_000,
                location_type="onsite",
                country="DE",
                city="Berlin",
                deadline=today + timedelta(days=20),
            ),
            "hourly": open_task(
                firm,
                title="Hourly help",
                budget_type="hourly",
                budget_amount=None,
                hourly_rate_min=3_000,
                hourly_rate_max=5_000,
                hours_cap=10,
                skills=["Help desk"],
                location_type="hybrid",
                country="FR",
                city="Lyon",
            ),
            "old": open_task(firm, title="Old post", skills=["Bookkeeping"], country="DE", budget_amount=1_000_000),
        }
        Task.objects.filter(pk=made["old"].pk).update(published_at=timezone.now() - timedelta(days=40))
        return made

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"category": "design"}, {"logo"}),
            ({"skills": "datev"}, {"payroll"}),
            ({"skills": ["payroll", "logo-design"]}, set()),  # all the skills, not any
            ({"budget_type": "hourly"}, {"hourly"}),
            ({"budget_min": 300_000}, {"payroll", "old"}),
            ({"budget_max": 80_000}, {"logo", "hourly"}),  # the hourly cap is 50.00 x 10 h
            ({"location_type": "onsite"}, {"logo"}),
            ({"country": "de"}, {"logo", "old"}),
            ({"country": "DE", "city": "berlin"}, {"logo"}),
            ({"deadline_before": "DEADLINE"}, {"logo"}),
            ({"posted_since": "WEEK_AGO"}, {"payroll", "logo", "hourly"}),
            ({"category": "design", "country": "FR"}, set()),
        ],
    )
    def test_each_filter_narrows_to_the_tasks_that_match_it(self, tasks, params, expected):
        today = timezone.localdate()
        replace = {
            "DEADLINE": (today + timedelta(days=30)).isoformat(),
            "WEEK_AGO": (today - timedelta(days=7)).isoformat(),
        }
        params = {key: replace.get(value, value) if isinstance(value, str) else value for key, value in params.items()}

        found = search(**params, sort="newest")

        assert {task.pk for task in found} == {tasks[name].pk for name in expected}

    def test_posted_since_includes_the_whole_day_in_the_current_time_zone(self, firm, settings):
        task = open_task(firm)
        start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time()))
        Task.objects.filter(pk=task.pk).update(published_at=start_of_day)

        assert search(posted_since=timezone.localdate().isoformat()) == [task]
        assert search(posted_since=(timezone.localdate() + timedelta(days=1)).isoformat()) == []

    def test_an_unknown_category_finds_nothing(self, tasks):
        assert search(category="no-such-category") == []


class TestBudgetCurrency:
    """The bounds are minor units of ``currency`` and match only the tasks priced in it."""

    @pytest.fixture
    def priced(self, firm):  # type: ignore[no-untyped-def]
        return {
            "euros": open_task(firm, title="Payroll in Lyon", budget_amount=300_000),
            "pounds": open_task(firm, title="Payroll in Leeds", currency="GBP", budget_amount=300_000),
        }

    @pytest.mark.parametrize("sort", ["newest", "budget_high", "budget_low", "deadline"])
    def test_a_bound_in_pounds_finds_the_tasks_priced_in_pounds_and_not_in_euros(self, priced, sort):
        assert search(budget_min=100_000, currency="GBP", sort=sort) == [priced["pounds"]]
        assert search(budget_max=500_000, currency="gbp", sort=sort) == [priced["pounds"]]

    def test_a_bound_without_a_currency_is_in_euros(self, priced):
        filters = TaskFilters.from_params({"budget_min": 100_000})

        assert filters.currency == "EUR"
        assert filters.as_params() == {"budget_min": 100_000, "currency": "EUR"}
        assert search(budget_min=100_000) == [priced["euros"]]

    def test_a_currency_without_a_bound_is_not_kept_and_narrows_nothing(self, priced):
        filters, refused = TaskFilters.read({"currency": "GBP"})

        assert (filters.currency, filters.as_params(), refused) == ("", {}, [])
        assert {task.pk for task in search(currency="GBP")} == {task.pk for task in priced.values()}

    def test_an_unknown_currency_is_left_out_with_the_bounds_and_said_so(self, priced):
        filters, refused = TaskFilters.read({"budget_min": "100000", "currency": "XYZ"})

        assert filters.as_params() == {}
        assert refused == [
            "Budget currency: “XYZ” is not a currency this search can use, so it and the budget were left out."
        ]
        assert TaskFilters.read({"currency": "XYZ"})[1] == [
            "Budget currency: “XYZ” is not a currency this search can use, so it was left out."
        ]

    def test_a_bound_left_out_is_named_with_its_currency(self):
        _, refused = TaskFilters.read({"budget_max": "lots", "currency": "JPY"})

        assert refused == ["Budget up to (JPY): “lots” is not an amount this search can use, so it was left out."]


class TestVisibility:
    def test_invite_only_tasks_appear_only_to_the_client_and_invited_suppliers(self, firm, other_firm, supplier):
        task = open_task(firm, title="Confidential audit", visibility="invite_only")
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=supplier)

        assert search(organization=firm, q="audit") == [task]
        assert search(organization=supplier, q="audit") == [task]
        assert search(organization=other_firm, q="audit") == []
        assert search(organization=None, q="audit") == []

    @pytest.mark.parametrize("status", ["draft", "closed", "cancelled"])
    def test_tasks_not_open_never_appear(self, firm, other_firm, status):
        if status == "draft":
            services.create_task(actor=firm.owner, organization=firm, data=_input(title="Quiet audit"))
        else:
            task = open_task(firm, title="Quiet audit")
            verb = services.close_task if status == "closed" else services.cancel_task
            verb(actor=firm.owner, task=task)

        for viewer in (firm, other_firm, None):
            assert search(organization=viewer, q="audit") == []
            assert search(organization=viewer) == []

    def test_tasks_whose_bidding_closed_do_not_appear(self, firm):
        task = open_task(firm)
        Task.objects.filter(pk=task.pk).update(bidding_closes_at=timezone.now() - timedelta(minutes=1))

        assert search() == []

    def test_browsing_shows_the_open_tasks_the_one_visibility_rule_shows(self, firm, other_firm, supplier):
        public = open_task(firm, title="Public payroll")
        invite_only = open_task(firm, title="Invited audit", visibility="invite_only")
        services.invite_supplier_to_bid(actor=firm.owner, task=invite_only, supplier=supplier)
        open_task(firm, title="Uninvited audit", visibility="invite_only")
        hidden = open_task(firm, title="Hidden audit", visibility="invite_only")
        services.invite_supplier_to_bid(actor=firm.owner, task=hidden, supplier=supplier)
        Task.objects.filter(pk=hidden.pk).update(status="hidden")

        for viewer in (firm, supplier, other_firm, None):
            browsed = {task.pk for task in search(organization=viewer)}
            visible = set(Task.objects.visible_to(viewer).filter(status="open").values_list("pk", flat=True))
            assert browsed == visible, viewer
        assert {task.pk for task in search(organization=supplier)} == {public.pk, invite_only.pk}


def _input(**overrides):  # type: ignore[no-untyped-def]
    from tests.factories import task_input

    return task_input(**overrides)


class TestKeysetPaging:
    @pytest.fixture
    def many(self, firm):  # type: ignore[no-untyped-def]
        """Thirteen tasks, with ties on every sort key, all matching "audit"."""
        today = timezone.localdate()
        made = []
        for n in range(13):
            made.append(
                open_task(
                    firm,
                    title="Audit" if n % 3 else f"Audit of branch {n}",  # identical texts rank the same
                    description="Annual audit." if n % 2 else "Annual audit of the accounts.",
                    budget_amount=100_000 * (1 + n % 3),
                    deadline=today + timedelta(days=30 + n % 2),
                )
            )
        same_moment = timezone.now() - timedelta(hours=1)
        Task.objects.filter(pk__in=[task.pk for task in made[:6]]).update(published_at=same_moment)
        return made

    @pytest.mark.parametrize("sort", selectors.SORTS)
    def test_the_cursor_walks_every_result_once_in_order(self, many, sort):
        filters = TaskFilters.from_params({"q": "audit", "sort": sort})
        everything = search_tasks(filters=filters, organization=None, page_size=100).tasks

        walked = search(q="audit", sort=sort)

        assert len(everything) == 13
        assert [task.pk for task in walked] == [task.pk for task in everything]
        assert _is_sorted(everything, sort)

    @pytest.mark.parametrize("sort", selectors.SORTS)
    @pytest.mark.parametrize(
        ("windows", "frequency"), [((1, 2), 1.0), ((2, 5), 1.0), ((1, 100), 1.0), ((3, 4), 1.0), ((2, 3), 0.0)]
    )
    def test_the_bounded_scans_and_the_sparse_fetch_together_miss_nothing(
        self, many, firm, monkeypatch, sort, windows, frequency
    ):
        # With tiny scan windows a search takes every path part of the way.
        open_task(firm, title="Payroll", description="Nothing to check.")  # a candidate that does not match
        filters = TaskFilters.from_params({"q": "audit", "sort": sort})
        expected = [task.pk for task in search_tasks(filters=filters, organization=None, page_size=100).tasks]
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", windows[0])
        monkeypatch.setattr(search_planner, "WIDE_WINDOW", windows[1])
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: frequency)

        walked = search(q="audit", sort=sort)

        assert len(expected) == 13
        assert [task.pk for task in walked] == expected

    @pytest.mark.parametrize("sort", selectors.SORTS)
    @pytest.mark.parametrize(("scan", "growth", "wide"), [(1, 2, 3), (1, 2, 100), (2, 3, 7), (1, 1, 5)])
    def test_widening_bands_find_what_one_unbanded_query_finds(self, many, firm, monkeypatch, sort, scan, growth, wide):
        # Words that go with the order: only the dearest tasks match, so the cheapest-first
        # search finds nothing in its first window and must widen band after band.
        today = timezone.localdate()
        for n in range(8):
            open_task(firm, title=f"Cheap chore {n}", budget_amount=1_000 + n, deadline=today + timedelta(days=20))
        filters = TaskFilters.from_params({"q": "audit", "sort": sort})
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: 0.0)  # one sorted fetch
        expected = [task.pk for task in search_tasks(filters=filters, organization=None, page_size=100).tasks]
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: 1.0)
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", scan)
        monkeypatch.setattr(search_planner, "BAND_GROWTH", growth)
        monkeypatch.setattr(search_planner, "WIDE_WINDOW", wide)

        walked = search(q="audit", sort=sort)

        assert len(expected) == 13
        assert [task.pk for task in walked] == expected

    @pytest.mark.parametrize("sort", ["newest", "budget_high", "budget_low", "deadline"])
    def test_walking_without_words_sees_every_open_task(self, many, sort):
        walked = search(sort=sort)

        assert sorted(task.pk for task in walked) == sorted(task.pk for task in many)

    @pytest.mark.parametrize(
        "cursor",
        [
            "not base64 at all!",
            "e30",  # {}
            base64.urlsafe_b64encode(b"[1, 2, 3]").decode(),
            base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", 5]).encode()).decode(),  # naive time
            base64.urlsafe_b64encode(json.dumps(["yesterday", 5]).encode()).decode(),
            base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+00:00", "5"]).encode()).decode(),
            base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+00:00", 10**40]).encode()).decode(),
            base64.urlsafe_b64encode(json.dumps([None, None]).encode()).decode(),
            base64.urlsafe_b64encode(b"\xff\xfe").decode(),
            encode_cursor([300_000, 7]),  # a budget cursor given to the newest sort
        ],
    )
    def test_a_malformed_cursor_is_ignored_and_the_first_page_comes_back(self, many, cursor):
        filters = TaskFilters.from_params({"sort": "newest"})
        first = search_tasks(filters=filters, organization=None, page_size=5)

        page = search_tasks(filters=filters, organization=None, cursor=cursor, page_size=5)

        assert [task.pk for task in page.tasks] == [task.pk for task in first.tasks]

    @pytest.mark.parametrize(
        "cursor",
        [
            base64.urlsafe_b64encode(b"[NaN, 5]").decode(),
            encode_cursor([0.0991, 5, None]),  # a rank cursor of the earlier relevance
            encode_cursor([0.0991, 5, "2026-01-01T00:00:00+00:00"]),
            encode_cursor([3, "2026-01-01T00:00:00+00:00", 5]),  # no such tier
            encode_cursor([True, "2026-01-01T00:00:00+00:00", 5]),
        ],
    )
    def test_a_relevance_cursor_it_cannot_read_is_ignored(self, many, cursor):
        filters = TaskFilters.from_params({"q": "audit"})
        first = search_tasks(filters=filters, organization=None, page_size=5)

        page = search_tasks(filters=filters, organization=None, cursor=cursor, page_size=5)

        assert [task.pk for task in page.tasks] == [task.pk for task in first.tasks]


def by_tier(filters, organization):  # type: ignore[no-untyped-def]
    """Relevance's claim as one plain query: title matches first, then the rest, newest first within each.

    "The title matches" spelled independently of the search (the title parsed again, not the vector's
    weight-A lexemes), so the two definitions are checked against each other too.
    """
    query = selectors.task_search_query(filters.q)
    tier = Case(When(title_vector=query, then=Value(1)), default=Value(2))
    matches = selectors.matching_tasks(filters=filters, organization=organization)
    matches = matches.annotate(title_vector=SearchVector("title", config="english"), tier=tier)
    return list(matches.order_by("tier", "-published_at", "-id"))


def plain_order(filters, organization):  # type: ignore[no-untyped-def]
    """Every match of ``filters`` in the order its sort claims, from one plain query."""
    sort = filters.effective_sort if filters.q or filters.effective_sort != "relevance" else "newest"
    if sort == "relevance":
        return by_tier(filters, organization)
    ordering = search_cursors._order_by(search_cursors._ORDERINGS[sort])
    return list(selectors.matching_tasks(filters=filters, organization=organization).order_by(*ordering))


def _is_sorted(tasks, sort):  # type: ignore[no-untyped-def]
    keys = {
        "relevance": lambda t: (t.tier, -t.published_at.timestamp(), -t.pk),
        "newest": lambda t: (-t.published_at.timestamp(), -t.pk),
        "budget_high": lambda t: (-t.budget_amount, -t.pk),
        "budget_low": lambda t: (t.budget_amount, t.pk),
        "deadline": lambda t: (t.deadline, t.pk),
    }
    key = keys[sort]
    return [key(t) for t in tasks] == sorted(key(t) for t in tasks)


class TestBoundedSteps:
    """Walks, bands and sparse fetches cut short at every step find exactly what one plain query finds."""

    COMBINATIONS = [
        {},
        {"category": "design"},
        {"skills": ["django"]},
        {"category": "design", "skills": ["django"]},  # a category's skill in another category: nothing
        {"country": "DE"},
        {"country": "DE", "city": "Berlin", "location_type": "onsite"},
        {"budget_min": 200_000},
        {"budget_max": 150_000, "category": "payroll"},
        {"budget_type": "fixed", "posted_since": "2000-01-01"},
        {"q": "audit"},
        {"q": "audit", "country": "FR"},
        {"q": "website", "budget_min": 200_000},
        {"q": "website", "category": "payroll"},
        {"q": '"annual audit" -branch', "skills": ["payroll"]},
    ]

    @pytest.fixture
    def varied(self, firm, other_firm, supplier):  # type: ignore[no-untyped-def]
        """Thirty tasks of two clients that differ on every filter, with ties on every sort key."""
        today, now = timezone.localdate(), timezone.now()
        places = [("DE", "Berlin", "onsite"), ("FR", "Paris", "hybrid"), ("", "", "remote")]
        kinds = [
            ("payroll", ["payroll"], "Annual audit of the payroll"),
            ("design", ["logo-design"], "Website and logo"),
            ("software-development", ["django", "python"], "Website in Django"),
        ]
        made = []
        for n in range(30):
            category, skills, words = kinds[n % 3]
            country, city, location_type = places[(n // 3) % 3]
            made.append(
                open_task(
                    firm if n % 4 else other_firm,
                    title=f"{words} for branch {n}" if n % 5 == 0 else words,
                    description="Annual audit." if n % 2 else "Monthly bookkeeping.",
                    category_id=Category.objects.get(slug=category).pk,
                    skills=skills,
                    country=country,
                    city=city,
                    location_type=location_type,
                    budget_amount=100_000 * (1 + n % 4),
                    deadline=today + timedelta(days=30 + n % 5),
                )
            )
        for index, task in enumerate(made):  # published in an order unlike creation, with ties
            Task.objects.filter(pk=task.pk).update(published_at=now - timedelta(hours=(index * 7) % 11))
        return made

    @pytest.mark.parametrize("sort", ["newest", "budget_high", "budget_low", "deadline"])
    def test_every_step_cut_short_finds_what_one_plain_query_finds(self, varied, supplier, monkeypatch, sort):
        ordering = search_cursors._ORDERINGS[sort]
        monkeypatch.setattr(search_planner, "WALK", 3)
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", 2)
        monkeypatch.setattr(search_planner, "BAND_GROWTH", 2)
        monkeypatch.setattr(search_planner, "WIDE_WINDOW", 9)
        checked = 0
        soon = (timezone.localdate() + timedelta(days=32)).isoformat()
        for params in [*self.COMBINATIONS, {"deadline_before": soon}, {"q": "audit", "deadline_before": soon}]:
            filters = TaskFilters.from_params({**params, "sort": sort})
            plain = selectors.matching_tasks(filters=filters, organization=supplier)
            expected = list(plain.order_by(*search_cursors._order_by(ordering)).values_list("pk", flat=True))
            for frequency in (1.0, 0.0):  # words looked for by scanning, or through the full-text index
                monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False, f=frequency: f)

                walked = [task.pk for task in search(supplier, **params, sort=sort)]

                assert walked == expected, f"{params} with word frequency {frequency}"
                checked += bool(expected)
        assert checked >= 20  # most combinations find something

    @pytest.mark.parametrize("frequency", [1.0, 0.0])
    def test_relevance_with_every_step_cut_short_finds_every_match_in_tier_order(
        self, varied, supplier, monkeypatch, frequency
    ):
        monkeypatch.setattr(search_planner, "WALK", 3)
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", 2)
        monkeypatch.setattr(search_planner, "BAND_GROWTH", 2)
        monkeypatch.setattr(search_planner, "WIDE_WINDOW", 9)
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: frequency)
        for params in [*self.COMBINATIONS, {"q": "website -django"}, {"q": "-audit", "country": "DE"}]:
            if not params.get("q"):
                continue
            expected = [task.pk for task in by_tier(TaskFilters.from_params(params), supplier)]

            assert [task.pk for task in search(supplier, **params)] == expected, params

    def test_words_absent_from_the_newest_candidates_skip_the_bands(self, varied, supplier, monkeypatch):
        # "kombucha" is in no task. When the first window of the newest candidates holds no match, the
        # newest sort (and relevance, the newest within each tier) asks the full-text indexes at once
        # instead of walking bands of the newest tasks first (each band's boundary is a query: OFFSET).
        # Sorts whose key may go with the words (the cheapest tasks seldom need a website) still band.
        monkeypatch.setattr(search_planner, "WALK", 30)  # the first window fills: the bands would follow
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", 2)
        monkeypatch.setattr(search_planner, "BAND_GROWTH", 2)
        monkeypatch.setattr(search_planner, "WIDE_WINDOW", 9)
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: 1.0)

        def bands(**params):  # type: ignore[no-untyped-def]
            with CaptureQueriesContext(connection) as queries:
                found = [task.pk for task in search(supplier, **params)]
            expected = [task.pk for task in plain_order(TaskFilters.from_params(params), supplier)]
            assert found == expected, params
            return sum("OFFSET" in query["sql"] for query in queries)

        for filters in ({"category": "design"}, {"country": "FR"}, {"budget_type": "fixed"}):
            assert bands(q="kombucha", **filters) == 0, filters
            assert bands(q="kombucha", sort="newest", **filters) == 0, filters
            assert bands(q="kombucha", sort="budget_low", **filters) > 0, filters
        # Rare in titles, common in descriptions: the second tier still finds them all, in order.
        bands(q="bookkeeping", category="design")

    def test_band_edges_are_remembered_and_change_nothing_but_the_queries(self, varied, supplier, monkeypatch):
        # Any edge is correct; finding one walks the sort key's index (OFFSET), so a search that starts
        # its bands where another did reuses that one's edges.
        monkeypatch.setattr(search_planner, "WALK", 30)
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", 2)
        monkeypatch.setattr(search_planner, "BAND_GROWTH", 2)
        monkeypatch.setattr(search_planner, "WIDE_WINDOW", 9)
        monkeypatch.setattr(search_words, "word_frequency", lambda q, titles=False: 1.0)
        params = {"q": "kombucha", "sort": "budget_low"}

        def searched():  # type: ignore[no-untyped-def]
            with CaptureQueriesContext(connection) as queries:
                found = [task.pk for task in search(supplier, **params)]
            return found, sum("OFFSET" in query["sql"] for query in queries)

        first, first_edges = searched()
        again, edges_again = searched()

        assert first_edges > 0
        assert edges_again == 0
        assert first == again == [t.pk for t in plain_order(TaskFilters.from_params(params), supplier)]


@pytest.mark.parametrize(
    ("q", "lexemes"),
    [
        ("booking website", {"book", "websit"}),  # two words: both asked of the index
        ("booking website design", {"book", "websit", "design"}),  # the two rarest of three
        ('"year-end accounts"', {"year-end", "year", "end", "account"}),  # a phrase: one
        ("payroll or bookkeeping", {"payrol", "bookkeep"}),  # alternatives: the whole query
    ],
)
def test_a_band_asks_the_index_for_the_rarest_required_words(q, lexemes, monkeypatch):
    # Equal shares: the order of the lexemes decides which are "rarest", so only counts are pinned.
    monkeypatch.setattr(search_words, "_lexeme_shares", lambda found, titles=False: dict.fromkeys(found, 0.1))
    condition = search_words._words_in_band(q)
    sql = str(Task.objects.filter(condition).query)
    indexed = [part for part in sql.split(" AND ") if "COALESCE" not in part and "@@" in part]
    asked = {lexeme for part in indexed for lexeme in lexemes if f"'{lexeme}'" in part}

    expected = {"booking website": 2, "booking website design": 2, '"year-end accounts"': 1}.get(q)
    if expected is None:  # alternatives: the whole query through the index
        assert [part for part in indexed if "websearch_to_tsquery" in part], sql
    else:
        assert len(indexed) == expected, sql
        assert len(asked) == expected


class TestOracle:
    """Every sort's pages, for many searches and page sizes, against one plain query of all their matches.

    On generated data (the vocabulary, places and budgets of the benchmark's million tasks, at a small
    scale) with tiny walks, scan windows and bands, so every step of the search runs and ends part of
    the way: a search must return the same tasks in the same order as the plain query, every one of them
    reachable by following the cursor, whatever the page size of each page.
    """

    WORDS = [
        "website",
        "monthly",
        "design",
        "payroll",
        "booking website",
        "help desk",
        "moving company",
        '"year-end accounts"',
        "payroll or bookkeeping",
        "design -logo",
        "-booked",
        "-website -monthly",
        "kombucha",
        "the",  # stop words only: nothing
    ]
    PAGE_SIZES = [1, 2, 3, 7, 20, 50, 100]

    def test_every_sort_pages_through_exactly_the_plain_querys_matches(self, monkeypatch):
        call_command("generate_marketplace_data", tasks=1500, orgs=40, bids_per_task=0.2, seed=11, stdout=StringIO())
        for stats in search_words._lexeme_stats.values():
            stats["loaded"] = -math.inf  # the generator analysed the tables: read the statistics afresh
        monkeypatch.setattr(search_planner, "WALK", 40)
        monkeypatch.setattr(search_planner, "SCAN_WINDOW", 8)
        monkeypatch.setattr(search_planner, "BAND_GROWTH", 3)
        monkeypatch.setattr(search_planner, "WIDE_WINDOW", 300)
        real_frequency = search_words.word_frequency
        invited = BidInvitation.objects.values_list("supplier", flat=True).first()
        viewers = [None, Organization.objects.get(pk=invited)]
        category = Category.objects.filter(tasks__status="open").values_list("slug", flat=True).first()
        filter_sets = [
            {},
            {"category": category},
            {"country": "DE"},
            {"budget_type": "hourly"},
            {"budget_min": 200_000, "location_type": "remote"},
            {"country": "DE", "city": "Berlin"},
            {"category": category, "budget_max": 150_000},
        ]
        rng = random.Random(5)
        checked, reached, deep = 0, 0, 0
        for sort in selectors.SORTS:
            for words in [""] * 3 + self.WORDS:
                params = {"sort": sort, **rng.choice(filter_sets)}
                if words:
                    params["q"] = words
                viewer = rng.choice(viewers)
                # The statistics' choice of paths, or every search scanning, or every search through the indexes.
                mode = rng.choice(["statistics", 1.0, 0.0])
                monkeypatch.setattr(
                    search_words,
                    "word_frequency",
                    real_frequency if mode == "statistics" else (lambda q, titles=False, m=mode: m),
                )
                filters = TaskFilters.from_params(params)
                expected = [task.pk for task in plain_order(filters, viewer)]

                walked, sizes, cursor = [], [], ""
                for _ in range(len(expected) + 2):
                    size = rng.choice(self.PAGE_SIZES)
                    page = search_tasks(filters=filters, organization=viewer, cursor=cursor, page_size=size)
                    walked += [task.pk for task in page.tasks]
                    sizes.append(size)
                    assert len(page.tasks) == size or not page.next_cursor, (params, mode, sizes)
                    if not page.next_cursor:
                        break
                    cursor = page.next_cursor

                assert walked == expected, (params, viewer, mode, sizes)
                checked += 1
                reached += len(walked)
                deep += len(sizes) > 3
        assert checked == len(selectors.SORTS) * (3 + len(self.WORDS))
        # Most searches find plenty (budget bounds match only the generator's EUR tasks, about half),
        assert reached > 3000
        assert deep > 20  # over many pages


class TestPageRows:
    """The page's rows come from SQL written once per sort (``core.joins``), not from the ORM: the same rows."""

    @pytest.mark.parametrize("sort", ["newest", "budget_high", "budget_low", "deadline"])
    @pytest.mark.parametrize("ids_as", ["list", "subquery"])
    def test_the_rows_are_the_orms_field_for_field(self, firm, other_firm, sort, ids_as, django_assert_num_queries):
        weighed = open_task(firm, title="Payroll", budget_amount=50_000)
        Task.objects.filter(pk=weighed.pk).update(comparison_weights={"price": 5})  # a JSON column, converted
        open_task(other_firm, title="Logo", budget_amount=20_000, skills=["svg", "branding"], country="DE")
        open_task(firm, title="Audit", budget_amount=50_000, in_house_cost_estimate=None)
        ordering = search_cursors._ORDERINGS[sort]
        order_by = search_cursors._order_by(ordering)
        everything = Task.objects.order_by(*order_by)
        ids = list(everything.values_list("pk", flat=True)) if ids_as == "list" else everything.values("pk")[:10]
        expected = list(
            Task.objects.filter(pk__in=ids)
            .select_related("category", "organization")
            .defer("search_vector")
            .order_by(*order_by)
        )

        with django_assert_num_queries(1):
            rows = search_pages.load_tasks(ids, ordering)

        assert [row.pk for row in rows] == [task.pk for task in expected]
        for row, task in zip(rows, expected, strict=True):
            for loaded, orm in ((row, task), (row.category, task.category), (row.organization, task.organization)):
                fields = [f for f in loaded._meta.concrete_fields if f.name != "search_vector"]
                assert [f.value_from_object(loaded) for f in fields] == [f.value_from_object(orm) for f in fields]
                assert not loaded._state.adding
            assert row.get_deferred_fields() == {"search_vector"}

    def test_no_ids_cost_no_query(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert search_pages.load_tasks([], search_cursors._ORDERINGS["newest"]) == []


# --- the walk's SQL, compiled once per shape -------------------------------------------------------------

_SORTS = ["newest", "budget_high", "budget_low", "deadline"]


def _cursor(sort: str, draw_int: int, day: int):  # type: ignore[no-untyped-def]
    key = {
        "newest": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=draw_int % 100_000),
        "deadline": (datetime(2026, 1, 1) + timedelta(days=day)).date(),
    }.get(sort, draw_int)
    return [key, abs(draw_int) + 1]


_filters = st.fixed_dictionaries(
    {},
    optional={
        "category": st.sampled_from(["bookkeeping", "design", "it-support"]),
        "skills": st.lists(st.sampled_from(["payroll", "datev", "logo", "vat"]), min_size=1, max_size=3),
        "budget_type": st.sampled_from(["fixed", "hourly"]),
        "budget_min": st.integers(0, 10**12),
        "budget_max": st.integers(0, 10**12),
        "currency": st.sampled_from(RATE_CURRENCIES),  # narrows only with a bound, so a shape of its own then
        "location_type": st.sampled_from(["remote", "onsite", "hybrid"]),
        "country": st.sampled_from(["DE", "FR", "ES"]),
        "city": st.sampled_from(["Berlin", 'O\'Brien "quoted"']),
        "deadline_before": st.dates(),
        "posted_since": st.dates(),
    },
)


class TestCompiledWalk:
    @staticmethod
    def _windows_built(monkeypatch):  # type: ignore[no-untyped-def]
        """The walks the ORM builds from now on (a fresh process's compiled walks: none)."""
        search_planner._compiled_walk.cache_clear()
        built = []
        window = search_planner._window
        monkeypatch.setattr(
            search_planner, "_window", lambda where, examined: built.append(where) or window(where, examined)
        )
        return built

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        filters=_filters,
        organization_id=st.one_of(st.none(), st.integers(1, 10**9)),
        sort=st.sampled_from(_SORTS),
        cursors=st.lists(st.tuples(st.integers(-(10**12), 10**12), st.integers(0, 3000)), max_size=2),
        examined=st.sampled_from([search_planner.WALK, search_planner.WALK * search_planner.BAND_GROWTH]),
    )
    def test_the_compiled_walk_is_the_orms_own_sql_and_values(self, filters, organization_id, sort, cursors, examined):
        organization = None if organization_id is None else Organization(pk=organization_id)
        ordering = search_cursors._ORDERINGS[sort]
        after = [_cursor(sort, number, day) for number, day in cursors]
        where = search_planner._Where.of(
            TaskFilters(**filters),
            organization,
            now=timezone.now(),
            ordering=ordering,
            after=after[0] if after else None,
        )
        for walked_to in after[1:]:
            where = where.then(walked_to)

        sql, params = search_planner._numbered_walk(where, examined=examined)

        orm_sql, orm_params = search_planner._window(where, examined).query.sql_with_params()
        assert sql == f"SELECT w.*, row_number() OVER () AS n FROM ({orm_sql}) AS w (id, key, meets)"
        assert params == list(orm_params)

    def test_a_search_of_a_shape_seen_before_asks_the_orm_for_nothing(self, firm, supplier, monkeypatch):
        built = self._windows_built(monkeypatch)
        logo = open_task(firm, title="Logo for a bakery", skills=["logo"])
        payroll = open_task(firm, title="Payroll for March", skills=["payroll"])

        # The same filters with other values, and the same again: one shape.
        found = [search(supplier, skills=skill) for skill in ("logo", "payroll", "logo")]

        assert [titles(tasks) for tasks in found] == [[logo.title], [payroll.title], [logo.title]]
        assert len(built) == 1  # compiling the shape, once

    def test_a_filter_by_the_day_posted_is_built_by_the_orm_each_time(self, firm, supplier, monkeypatch):
        built = self._windows_built(monkeypatch)
        task = open_task(firm, title="Fresh task")
        day = timezone.localdate().isoformat()

        assert titles(search(supplier, posted_since=day)) == [task.title]
        assert titles(search(supplier, posted_since=day)) == [task.title]
        assert len(built) == 2


# The covering indexes each walk scans (migrations 0003, 0004, 0013), by the sort's first key, and the one
# by place, through which sparse filters' few matches come in any order.
_WALK_INDEXES = {
    "published_at": ["task_open_newest_cover", "task_open_place_cover"],
    "budget_amount": ["task_open_budget_cover", "task_open_category_budget_cover", "task_open_place_cover"],
    "deadline": ["task_open_deadline_cover", "task_open_place_cover"],
}


def _index_columns(name: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE c.relname = %s",
            [name],
        )
        return {column for (column,) in cursor.fetchall()}


@pytest.mark.parametrize("sort", ["newest", "budget_high", "budget_low", "deadline"])
def test_every_column_a_walk_reads_is_in_the_index_it_walks(sort):
    """A column missing from a covering index turns the walk's index-only scan into a read of the
    table per entry looked at: 20,000 of them for one page (a budget bound's currency did that)."""
    every_filter = {name: value for name, value in search_planner._FILTER_STAND_INS.items()}
    filters = TaskFilters(**every_filter, skills=["payroll"], posted_since=datetime(2026, 1, 1).date())
    ordering = search_cursors._ORDERINGS[sort]
    where = search_planner._Where.of(
        filters, Organization(pk=1), now=timezone.now(), ordering=ordering, after=_cursor(sort, 7, 3)
    )
    sql, _ = search_planner._window(where, search_planner.WALK).query.sql_with_params()
    read = set(re.findall(r'"marketplace_task"\."(\w+)"', sql)) - {"status"}  # the indexes' predicate

    for index in _WALK_INDEXES[ordering[0][0]]:
        assert read - _index_columns(index) == set(), index
