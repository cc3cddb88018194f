"""Task search and page query counts on a generated data set.

Run against a database filled by ``generate_marketplace_data`` (never the dev one)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marketplace_bench \\
        .venv/bin/python scripts/benchmark_marketplace.py [--iterations 200] [--explain]

Times are server-side: the selector call (``search_tasks``) including
fetching the rows, over many varied, realistic queries per scenario; p50 and
p95 in milliseconds. Deep pages follow the cursor ``--depth`` pages, then
time the next one. Page query counts go through Django's test client as a
signed-in member; a page still answering 404 prints "n/a".
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organization  # noqa: E402
from accounts.tenancy import SESSION_KEY  # noqa: E402
from marketplace.models import Bid, BidInvitation, Category, Skill, Task  # noqa: E402
from marketplace.selectors import TaskFilters, search_tasks  # noqa: E402

COMMON_WORDS = ["website", "monthly", "payroll", "design", "support", "marketing", "cleaning", "accounts"]
MEDIUM_WORDS = [
    "booking website",
    "VAT return",
    "packaging design",
    "Microsoft 365",
    "GDPR",
    "newsletter",
    "translation German",
    "help desk",
    "trade fair",
    "bank reconciliation",
]
RARE_WORDS = [
    "sauerkraut",
    "kombucha",
    "terrazzo",
    "absinthe",
    "prosthetics",
    "marina",
    "kindergarten",
    "locksmith",
    "Gorgias",
    "Procreate",
    "distillery",
    "paddleboards",
]
SYNTAX = ['"year-end accounts"', "design -logo", "payroll or bookkeeping", '"office cleaning" Berlin']
EXCLUSIONS = ["-booked", "-website", "-monthly -design", "-cleaning"]  # nothing but excluded words
SORTS = ["newest", "budget_high", "budget_low", "deadline"]


@dataclass
class Pools:
    categories: list[str]
    skills: list[str]
    skills_by_category: dict[str, list[str]]
    countries: list[str]
    cities: list[tuple[str, str]]
    viewers: list[Organization | None]
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def words(self) -> str:
        roll = self.rng.random()
        pool = COMMON_WORDS if roll < 0.35 else MEDIUM_WORDS if roll < 0.7 else RARE_WORDS if roll < 0.9 else SYNTAX
        return self.rng.choice(pool)

    def some_filters(self, *, at_least: int = 1) -> dict[str, Any]:
        """One to three filters combined the way people do: a city within its country, skills of the category."""
        rng, today = self.rng, timezone.localdate()
        makers: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
            lambda p: {"category": rng.choice(self.categories)},
            lambda p: {"country": rng.choice(self.countries)},
            lambda p: dict(zip(("country", "city"), rng.choice(self.cities), strict=True)),
            lambda p: {"budget_min": rng.choice([50_000, 100_000, 300_000])},
            lambda p: {"budget_max": rng.choice([50_000, 200_000, 1_000_000])},
            lambda p: {"budget_type": rng.choice(["fixed", "hourly"])},
            lambda p: {"location_type": rng.choice(["onsite", "hybrid"] if "city" in p else ["remote", "onsite"])},
            lambda p: {"skills": [rng.choice(self.skills_by_category.get(p.get("category", ""), self.skills))]},
            lambda p: {"posted_since": (today - timedelta(days=rng.choice([7, 30, 90]))).isoformat()},
            lambda p: {"deadline_before": (today + timedelta(days=rng.choice([30, 60, 120]))).isoformat()},
        ]
        params: dict[str, Any] = {}
        for index in sorted(rng.sample(range(len(makers)), k=rng.randint(at_least, 3))):
            chosen = makers[index](params)
            if "country" in chosen and "city" in params:
                continue  # a country besides a city of another country finds nothing: see "no match"
            params.update(chosen)
        return params

    def impossible_filters(self) -> dict[str, Any]:
        """Filters nothing matches (a city in another country, a category's skill in another category)."""
        rng = self.rng
        if rng.random() < 0.5:
            country, city = rng.choice(self.cities)
            return {"country": rng.choice([c for c in self.countries if c != country]), "city": city}
        category = rng.choice(self.categories)
        other = rng.choice([slug for slug in self.skills_by_category if slug != category])
        return {"category": category, "skills": [rng.choice(self.skills_by_category[other])]}

    def viewer(self) -> Organization | None:
        return self.rng.choice(self.viewers)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50, p95, ordered[-1]


def timed_search(params: dict[str, Any], viewer: Organization | None, cursor: str = "") -> tuple[float, Any]:
    filters = TaskFilters.from_params(params)
    started = time.perf_counter()
    page = search_tasks(filters=filters, organization=viewer, cursor=cursor)
    return (time.perf_counter() - started) * 1000, page


def explain(params: dict[str, Any], viewer: Organization | None) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) each query one search runs (one to three)."""
    with CaptureQueriesContext(connection) as captured:
        search_tasks(filters=TaskFilters.from_params(params), organization=viewer)
    print(f"\n--- EXPLAIN {params} viewer={getattr(viewer, 'pk', None)}")
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"{plan}\n")


def run_scenarios(
    pools: Pools, iterations: int, depth: int, show_plans: bool, only: str = "", cold: bool = False
) -> list[tuple[str, float, float, float, int]]:
    scenarios: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("full-text, relevance", lambda: {"q": pools.words()}),
        ("full-text + filters, relevance", lambda: {"q": pools.words(), **pools.some_filters()}),
        ("full-text, newest", lambda: {"q": pools.words(), "sort": "newest"}),
        ("full-text + filters, newest", lambda: {"q": pools.words(), "sort": "newest", **pools.some_filters()}),
        ("browse, newest (no filters)", lambda: {"sort": "newest"}),
        ("filters only, newest", lambda: {"sort": "newest", **pools.some_filters()}),
        *(
            (f"filters only, {sort}", lambda sort=sort: {"sort": sort, **pools.some_filters()})  # type: ignore[misc]
            for sort in ("budget_high", "budget_low", "deadline")
        ),
        *(
            (f"no filters, {sort}", lambda sort=sort: {"sort": sort})  # type: ignore[misc]
            for sort in ("budget_high", "budget_low", "deadline")
        ),
        *(
            (f"full-text, {sort}", lambda sort=sort: {"q": pools.words(), "sort": sort})  # type: ignore[misc]
            for sort in ("budget_high", "budget_low", "deadline")
        ),
        ("filters matching nothing, any sort", lambda: {"sort": pools.rng.choice(SORTS), **pools.impossible_filters()}),
        (
            "full-text + filters matching nothing",
            lambda: {"q": pools.words(), "sort": pools.rng.choice(SORTS), **pools.impossible_filters()},
        ),
        (
            "only exclusions + filters, any sort",
            lambda: {
                "q": pools.rng.choice(EXCLUSIONS),
                "sort": pools.rng.choice(["relevance", *SORTS]),
                **pools.some_filters(),
            },
        ),
    ]
    results = []
    for name, make in scenarios:
        if only not in name:
            continue
        samples, rows = [], 0
        timed: list[tuple[float, dict[str, Any], Organization | None]] = []
        warm_up = 0 if cold else 5
        for index in range(iterations + warm_up):
            params, viewer = make(), pools.viewer()
            elapsed, page = timed_search(params, viewer)
            if index >= warm_up:  # the first few warm the cache, unless the cold cache is measured
                samples.append(elapsed)
                rows += len(page.tasks)
                timed.append((elapsed, params, viewer))
        results.append((name, *percentiles(samples), rows // max(1, len(samples))))
        print(f"{name:<40} p50 {results[-1][1]:7.1f} ms   p95 {results[-1][2]:7.1f} ms", flush=True)
        if show_plans:
            slowest = sorted(timed, key=lambda item: item[0], reverse=True)
            for elapsed, params, viewer in slowest[:5]:
                print(f"  {elapsed:6.1f} ms  {params} viewer={getattr(viewer, 'pk', None)}")
            explain(slowest[0][1], slowest[0][2])

    deep_cases: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("relevance", lambda: {"q": pools.rng.choice(COMMON_WORDS + MEDIUM_WORDS)}),
        ("relevance + filters", lambda: {"q": pools.rng.choice(COMMON_WORDS + MEDIUM_WORDS), **pools.some_filters()}),
        *((sort, lambda sort=sort: {"sort": sort}) for sort in SORTS),  # type: ignore[misc]
        ("newest + filter", lambda: {"sort": "newest", **pools.some_filters()}),
        ("full-text, newest", lambda: {"q": pools.rng.choice(COMMON_WORDS + MEDIUM_WORDS), "sort": "newest"}),
    ]
    for label, make in deep_cases:
        if only not in f"page {depth + 1}, {label}":
            continue
        samples, rows = [], 0
        deep: list[tuple[float, dict[str, Any], Organization | None, str]] = []
        # Each sample follows ``depth`` pages first, so there are fewer; but at least 20, or the p95 of
        # a handful is their slowest (of 10: the 10th), and one hiccup of a shared machine reads as the tail.
        for _ in range(max(20, iterations // 5)):
            params, viewer = make(), pools.viewer()
            cursor = ""
            for _page in range(depth):
                _elapsed, page = timed_search(params, viewer, cursor)
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
            if not cursor:
                continue
            elapsed, page = timed_search(params, viewer, cursor)
            samples.append(elapsed)
            rows += len(page.tasks)
            deep.append((elapsed, params, viewer, cursor))
        if samples:
            name = f"page {depth + 1}, {label}"
            results.append((name, *percentiles(samples), rows // len(samples)))
            print(f"{name:<40} p50 {results[-1][1]:7.1f} ms   p95 {results[-1][2]:7.1f} ms", flush=True)
        if show_plans:
            for elapsed, params, viewer, cursor in sorted(deep, key=lambda item: item[0], reverse=True)[:5]:
                print(f"  {elapsed:6.1f} ms  {params} viewer={getattr(viewer, 'pk', None)} cursor={cursor}")
    return results


def oracle(pools: Pools, searches: int, depth: int = 10) -> None:
    """Every sort's first ``depth`` pages against one plain query of its matches in the order it claims.

    The page sizes vary page by page (1-100, as the API allows); a search
    must return the plain query's tasks in its order. Prints the mismatches.
    """
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Case, Value, When

    from marketplace.selectors import matching_tasks, task_search_query
    from marketplace.selectors.search import cursors as search_cursors

    mismatches = 0
    for number in range(searches):
        sort = ["relevance", *SORTS][number % 5]
        params: dict[str, Any] = {"sort": sort, "q": pools.words()}
        if pools.rng.random() < 0.6:
            params.update(pools.some_filters())
        viewer = pools.viewer()
        filters = TaskFilters.from_params(params)
        walked, cursor, sizes, ended = [], "", [], False
        for _page in range(depth):
            size = pools.rng.choice([1, 5, 20, 20, 50, 100])
            page = search_tasks(filters=filters, organization=viewer, cursor=cursor, page_size=size)
            walked += [task.pk for task in page.tasks]
            sizes.append(size)
            if not page.next_cursor:
                ended = True
                break
            cursor = page.next_cursor
        matches = matching_tasks(filters=filters, organization=viewer)
        if sort == "relevance":
            tier = Case(When(title_vector=task_search_query(filters.q), then=Value(1)), default=Value(2))
            matches = matches.annotate(title_vector=SearchVector("title", config="english"), tier=tier)
            ordering = ["tier", "-published_at", "-id"]
        else:
            ordering = search_cursors._order_by(search_cursors._ORDERINGS[sort])
        expected = list(matches.order_by(*ordering).values_list("pk", flat=True)[: len(walked) + 1])
        if walked != expected[: len(walked)] or (ended and len(expected) > len(walked)):
            mismatches += 1
            print(f"  MISMATCH {params} viewer={getattr(viewer, 'pk', None)} sizes={sizes}", flush=True)
    print(f"oracle: {searches} searches, {depth} pages deep at most, {mismatches} mismatches", flush=True)


def page_query_counts() -> list[tuple[str, str, str]]:
    """Queries per page view, as the biggest client and as a supplier."""
    client_org = (
        Organization.objects.filter(is_personal=False, tasks__status="open").order_by("-pk").first()
    )  # a firm with open tasks
    biggest = Task.objects.values("organization").annotate(n=Count("id")).order_by("-n").first()
    big_client = Organization.objects.filter(pk=biggest["organization"]).first() if biggest else client_org
    assert big_client is not None
    task = (
        Task.objects.filter(organization=big_client, status="open", bids__isnull=False)
        .annotate(n=Count("bids"))
        .order_by("-n")
        .first()
    )
    owner = Membership.objects.filter(organization=big_client).select_related("user").order_by("pk").first()
    bid = Bid.objects.filter(task=task).select_related("supplier").first() if task else None
    supplier_member = Membership.objects.filter(organization=bid.supplier).first() if bid else None
    results = []

    def count(label: str, url: str, membership: Membership | None) -> None:
        client = Client()
        if membership is not None:
            client.force_login(membership.user)
            session = client.session
            session[SESSION_KEY] = membership.organization_id
            session.save()
        client.get(url)  # warm: the first request loads templates, URL conf, content types
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        value = "n/a" if status == 404 else f"{len(captured)}" if status == 200 else f"{len(captured)} (HTTP {status})"
        slowest = max((float(q["time"]) * 1000 for q in captured.captured_queries), default=0.0)
        timing = "" if status == 404 else f"{elapsed:6.0f} ms (slowest query {slowest:.0f} ms)"
        results.append((label, url, value))
        print(f"{label:<40} {value:>6}   {timing:<32} {url}", flush=True)

    count("browse (anonymous)", reverse("task-list"), None)
    count("browse (supplier)", reverse("task-list"), supplier_member)
    count("browse, full-text + filter (supplier)", reverse("task-list") + "?q=website&country=DE", supplier_member)
    if task is not None:
        count("task detail (client)", reverse("task-detail", kwargs={"task_id": task.pk}), owner)
        count("task detail (supplier)", reverse("task-detail", kwargs={"task_id": task.pk}), supplier_member)
        count("comparison (client)", reverse("task-comparison", kwargs={"task_id": task.pk}), owner)
    count("client dashboard (biggest client)", reverse("client-dashboard"), owner)
    count("messages (biggest client)", reverse("thread-list"), owner)
    busiest = Bid.objects.values("supplier").annotate(n=Count("id")).order_by("-n").first()
    bidder = Membership.objects.filter(organization=busiest["supplier"]).order_by("pk").first() if busiest else None
    count("messages (busiest supplier)", reverse("thread-list"), bidder)
    count("bids (busiest supplier)", reverse("bid-list"), bidder)
    count("supplier directory", reverse("supplier-list"), bidder)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200, help="timed searches per scenario")
    parser.add_argument("--depth", type=int, default=50, help="pages to follow before timing a deep page")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each scenario's slowest query"
    )
    parser.add_argument("--skip-search", action="store_true", help="only count the queries of the pages")
    parser.add_argument("--skip-pages", action="store_true", help="only time the searches")
    parser.add_argument("--only", default="", help="only the search scenarios whose name holds this text")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="time every search, the first ones too (restart the database and drop the OS cache first)",
    )
    parser.add_argument("--oracle", type=int, default=0, help="check this many searches against plain queries")
    args = parser.parse_args()
    logging.getLogger("django_structlog").setLevel(logging.WARNING)  # one line per request drowns the table

    tasks = Task.objects.count()
    print(f"database {connection.settings_dict['NAME']!r}: {tasks:,} tasks, {Bid.objects.count():,} bids\n")
    if tasks < 1000:
        sys.exit("Generate data first: manage.py generate_marketplace_data (into a database of its own).")
    invited = list(BidInvitation.objects.values_list("supplier", flat=True).order_by("-pk")[:20])
    suppliers = list(Organization.objects.filter(pk__in=invited))
    clients = list(Organization.objects.filter(is_personal=False).exclude(skills=[]).order_by("pk")[:5])
    by_category: dict[str, list[str]] = {}
    for category, skill in Skill.objects.filter(category__isnull=False).values_list("category__slug", "slug"):
        by_category.setdefault(category, []).append(skill)
    pools = Pools(
        categories=list(Category.objects.values_list("slug", flat=True)),
        skills=list(Skill.objects.values_list("slug", flat=True)),
        skills_by_category=by_category,
        countries=["GB", "DE", "US", "FR", "NL", "ES", "PL", "IE", "CH"],
        cities=[("DE", "Berlin"), ("GB", "London"), ("US", "Chicago"), ("FR", "Lyon"), ("PL", "Warsaw")],
        viewers=[None, None, *suppliers[:10], *clients],
    )
    if not args.skip_search:
        print(f"Task search, {args.iterations} varied queries per scenario (milliseconds)")
        run_scenarios(pools, args.iterations, args.depth, args.explain, args.only, args.cold)
        print()
    if args.oracle:
        oracle(pools, args.oracle)
        return
    if args.skip_pages:
        return
    print("Queries per page view")
    page_query_counts()


if __name__ == "__main__":
    main()
