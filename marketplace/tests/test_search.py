"""Task search: ranking, filters, visibility and keyset paging (``marketplace.selectors.search_tasks``)."""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime, timedelta

import pytest
from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import F
from django.utils import timezone

from marketplace import selectors, services
from marketplace.models import Category, Task
from marketplace.selectors import TaskFilters, encode_cursor, search_tasks
from marketplace.selectors import search as search_selectors
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
    organization = OrganizationFactory(name="Pixel & Pine Studio")
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

    def test_relevance_ranks_a_common_words_matches_among_the_newest_tasks(self, firm, monkeypatch):
        # Ranking every match of a common word would be too slow; the newest tasks' matches are ranked.
        monkeypatch.setattr(search_selectors, "RELEVANCE_WINDOW", 4)
        monkeypatch.setattr(search_selectors, "word_frequency", lambda q: 1.0)
        oldest = open_task(firm, title="Kombucha branding", description="A kombucha brand.")
        Task.objects.filter(pk=oldest.pk).update(published_at=timezone.now() - timedelta(days=3))
        newer = [open_task(firm, title=f"Job {n}", description="Kombucha deliveries.") for n in range(4)]

        found = search(q="kombucha")

        assert {task.pk for task in found} == {task.pk for task in newer}

    @pytest.mark.parametrize("frequency", [1.0, 0.0])
    def test_rare_words_or_few_recent_matches_have_every_match_ranked(self, firm, monkeypatch, frequency):
        monkeypatch.setattr(search_selectors, "RELEVANCE_WINDOW", 4)
        monkeypatch.setattr(search_selectors, "word_frequency", lambda q: frequency)
        oldest = open_task(firm, title="Kombucha branding", description="A kombucha brand.")
        Task.objects.filter(pk=oldest.pk).update(published_at=timezone.now() - timedelta(days=3))
        newer = open_task(firm, title="Job", description="Kombucha deliveries.")
        for _ in range(4):
            open_task(firm, title="Payroll", description="Nothing to drink.")

        found = search(q="kombucha")

        assert [task.pk for task in found] == [oldest.pk, newer.pk]

    @pytest.mark.parametrize("sort", selectors.SORTS)
    @pytest.mark.parametrize("frequency", [1.0, 0.0])
    def test_a_search_takes_a_bounded_number_of_queries(
        self, firm, django_assert_max_num_queries, monkeypatch, sort, frequency
    ):
        monkeypatch.setattr(search_selectors, "word_frequency", lambda q: frequency)
        for n in range(25):
            open_task(firm, title=f"Payroll {n}", country="DE" if n % 2 else "FR")
        filters = TaskFilters.from_params({"q": "payroll", "sort": sort, "category": "payroll", "country": "DE"})

        with django_assert_max_num_queries(6):
            page = search_tasks(filters=filters, organization=firm)
        with django_assert_max_num_queries(6):
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
        monkeypatch.setattr(search_selectors, "WALK", 3)
        filters = TaskFilters.from_params({"country": "FR"})
        with django_assert_num_queries(2):  # the walk finds nothing in 3 tasks; the sparse match through the filters
            assert titles(search_tasks(filters=filters, organization=firm).tasks) == ["Payroll 0"]

    def test_word_frequency_comes_from_the_statistics(self, firm):
        for n in range(30):
            open_task(firm, title="Payroll run", description="Monthly payroll." if n % 3 else "Kombucha payroll.")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE marketplace_task")
        search_selectors._lexeme_stats["loaded"] = -math.inf

        payroll, kombucha = selectors.word_frequency("payroll"), selectors.word_frequency("kombucha")

        assert payroll == pytest.approx(1.0)
        assert 0.2 < kombucha < 0.5
        assert selectors.word_frequency("payroll kombucha") == kombucha  # the rarest of words that must all appear
        assert selectors.word_frequency("kombucha or bakery") > kombucha  # alternatives add up
        assert selectors.word_frequency("-payroll") == 1.0
        assert selectors.word_frequency("the") == 0.0  # stop words only


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
        monkeypatch.setattr(search_selectors, "SCAN_WINDOW", windows[0])
        monkeypatch.setattr(search_selectors, "WIDE_WINDOW", windows[1])
        monkeypatch.setattr(search_selectors, "RELEVANCE_WINDOW", windows[0])
        monkeypatch.setattr(search_selectors, "word_frequency", lambda q: frequency)

        walked = search(q="audit", sort=sort)

        assert len(expected) == 13
        if sort == "relevance":  # ranks the window's matches when they fill a page, else all of them
            assert len({task.pk for task in walked}) == len(walked)
            assert {task.pk for task in walked} <= set(expected)
        else:
            assert [task.pk for task in walked] == expected

    @pytest.mark.parametrize("sort", ["newest", "budget_high", "budget_low", "deadline"])
    @pytest.mark.parametrize(("scan", "growth", "wide"), [(1, 2, 3), (1, 2, 100), (2, 3, 7), (1, 1, 5)])
    def test_widening_bands_find_what_one_unbanded_query_finds(self, many, firm, monkeypatch, sort, scan, growth, wide):
        # Words that go with the order: only the dearest tasks match, so the cheapest-first
        # search finds nothing in its first window and must widen band after band.
        today = timezone.localdate()
        for n in range(8):
            open_task(firm, title=f"Cheap chore {n}", budget_amount=1_000 + n, deadline=today + timedelta(days=20))
        filters = TaskFilters.from_params({"q": "audit", "sort": sort})
        monkeypatch.setattr(search_selectors, "word_frequency", lambda q: 0.0)  # no bands: one sorted fetch
        expected = [task.pk for task in search_tasks(filters=filters, organization=None, page_size=100).tasks]
        monkeypatch.setattr(search_selectors, "word_frequency", lambda q: 1.0)
        monkeypatch.setattr(search_selectors, "SCAN_WINDOW", scan)
        monkeypatch.setattr(search_selectors, "BAND_GROWTH", growth)
        monkeypatch.setattr(search_selectors, "WIDE_WINDOW", wide)

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

    def test_a_rank_cursor_with_nan_is_ignored(self, many):
        filters = TaskFilters.from_params({"q": "audit"})
        first = search_tasks(filters=filters, organization=None, page_size=5)
        cursor = base64.urlsafe_b64encode(b"[NaN, 5]").decode()

        page = search_tasks(filters=filters, organization=None, cursor=cursor, page_size=5)

        assert [task.pk for task in page.tasks] == [task.pk for task in first.tasks]


def _is_sorted(tasks, sort):  # type: ignore[no-untyped-def]
    keys = {
        "relevance": lambda t: (-t.rank, -t.pk),
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
        ordering = search_selectors._ORDERINGS[sort]
        monkeypatch.setattr(search_selectors, "WALK", 3)
        monkeypatch.setattr(search_selectors, "SCAN_WINDOW", 2)
        monkeypatch.setattr(search_selectors, "BAND_GROWTH", 2)
        monkeypatch.setattr(search_selectors, "WIDE_WINDOW", 9)
        checked = 0
        soon = (timezone.localdate() + timedelta(days=32)).isoformat()
        for params in [*self.COMBINATIONS, {"deadline_before": soon}, {"q": "audit", "deadline_before": soon}]:
            filters = TaskFilters.from_params({**params, "sort": sort})
            plain = selectors.matching_tasks(filters=filters, organization=supplier)
            expected = list(plain.order_by(*search_selectors._order_by(ordering)).values_list("pk", flat=True))
            for frequency in (1.0, 0.0):  # words looked for by scanning, or through the full-text index
                monkeypatch.setattr(search_selectors, "word_frequency", lambda q, f=frequency: f)

                walked = [task.pk for task in search(supplier, **params, sort=sort)]

                assert walked == expected, f"{params} with word frequency {frequency}"
                checked += bool(expected)
        assert checked >= 20  # most combinations find something

    def test_relevance_ranks_every_match_in_order_when_the_window_holds_them_all(self, varied, supplier):
        for params in self.COMBINATIONS:
            if not params.get("q"):
                continue
            filters = TaskFilters.from_params(params)
            rank = SearchRank(F("search_vector"), selectors.task_search_query(filters.q))
            plain = selectors.matching_tasks(filters=filters, organization=supplier).annotate(rank=rank)
            expected = list(plain.order_by("-rank", "-id").values_list("pk", flat=True))

            assert [task.pk for task in search(supplier, **params)] == expected, params

    @pytest.mark.parametrize(("window", "reach"), [(2, 3), (3, 30), (5, 8)])
    def test_a_narrow_relevance_window_pages_through_its_own_matches_once(
        self, varied, supplier, monkeypatch, window, reach
    ):
        monkeypatch.setattr(search_selectors, "RELEVANCE_WINDOW", window)
        monkeypatch.setattr(search_selectors, "WALK", reach)
        monkeypatch.setattr(search_selectors, "word_frequency", lambda q: 1.0)
        filters = TaskFilters.from_params({"q": "audit"})
        everything = set(selectors.matching_tasks(filters=filters, organization=supplier).values_list("pk", flat=True))

        walked = search(supplier, q="audit")

        assert walked
        assert len({task.pk for task in walked}) == len(walked)
        assert {task.pk for task in walked} <= everything
        assert [task.rank for task in walked] == sorted((task.rank for task in walked), reverse=True)
