"""Property-based: random and extreme input never answers 5xx.

Every HTML form (posted through the test client by a signed-in member),
every input serializer of the API (directly, and through its endpoint), and
the query strings of every list page (anonymous and signed in) get values
hypothesis makes up: huge and negative numbers, NUL and other controls,
zero-width text, very long text, any Unicode, wrong types and deep nesting.
A 4xx (or a 200 that ignores the nonsense) is fine; a 500 is a bug.

Bounded so the suite stays quick: a few examples per target, no deadline
(the first request of a test pays for template loading). Set
``HYPOTHESIS_PROFILE_HOSTILE=hostile-long`` for a longer hunt.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts import forms as account_forms
from accounts.api import serializers as account_serializers
from accounts.models import Membership, Role
from core import limits
from core.money import RATE_CURRENCIES
from marketplace.api import serializers as marketplace_serializers
from marketplace.forms import bids as bid_forms
from marketplace.forms import messaging as message_forms
from marketplace.forms import tasks as task_forms
from marketplace.models import Category, Thread
from marketplace.tests.api_support import make_org, signed_in, submit
from tests.factories import open_task

pytestmark = pytest.mark.django_db

settings.register_profile(
    "hostile",
    max_examples=4,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "hostile-long",
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE_HOSTILE", "hostile"))

API = "/api/v1"

# --- what hostile input looks like --------------------------------------------------------------

EXTREME_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u200b\u200c\u200d\ufeff",
    "\u202etxt.exe",
    "\u3164",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}{% debug %}",
    "x" * 60_000,
    "9" * 5_000,
    "9" * 25,
    "-99999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "١٢٣",
    "²",
    "2,800.00",
    "€1.005",
    "0.001",
    "2024-02-30",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "2030-01-01T25:61",
    "\r\nSet-Cookie: x=1",
    "%00",
    "../../etc/passwd",
    "💥" * 200,
    "a," * 5_000,
]
EXTREME_INTS = [0, -1, 1, 2**15, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**12, 10**12 + 1, 10**20, 10**400]

texts = st.one_of(
    st.sampled_from(EXTREME_TEXT),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
)
integers = st.one_of(st.sampled_from(EXTREME_INTS), st.integers())
# What an HTML form can send: text, in one or several values.
form_values = st.one_of(texts, integers.map(str))
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    integers,
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
# Hundreds of levels deep: past any limit a parser could recurse to.
deep_json = st.one_of(st.sampled_from([33, 1_000, 10_000, 100_000]), st.integers(min_value=30, max_value=3_000)).map(
    lambda depth: "[" * depth + "]" * depth
)


# The few values that broke something once, tried on every target without chance deciding.
CORE_TEXT = ["a\x00b", "\u200b\ufeff", "x" * 60_000, '"><script>alert(1)</script>\r\n']
CORE_NUMBERS = ["99999999999999999999", "1000000000000", "-1", "9" * 5_000]


def _looks_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.replace(",", "").replace(".", "").isdigit())


def sweep(valid: dict[str, Any], *, as_json: bool = False) -> list[dict[str, Any]]:
    """Bodies every target gets: all fields set to one extreme, and the valid body with every number set to one.

    The second kind reaches the services (the other fields stay valid), where
    products of numbers (rate x hours) are computed.
    """
    numbers: list[Any] = [int(n) if as_json and n.lstrip("-").isdigit() and len(n) < 100 else n for n in CORE_NUMBERS]
    bodies = [dict.fromkeys(valid, value) for value in [*CORE_TEXT, *numbers]]
    numeric = [name for name, value in valid.items() if _looks_numeric(value)]
    bodies += [{**valid, **dict.fromkeys(numeric, value)} for value in numbers]
    return bodies + product_sweep(valid, as_json=as_json)


# Amounts and the counts they are multiplied by (a rate times hours is an amount too).
MONEY_FIELDS = frozenset({"budget_amount", "hourly_rate_min", "hourly_rate_max", "hourly_rate", "amount"})
COUNT_FIELDS = frozenset({"hours_cap", "estimated_hours"})
# Each fits its own column (or nearly); their product does not fit a bigint.
PRODUCTS = [(10**13, 10**6), (10**11, 10**9), (999_999_999_999, 100_000), (4 * 10**18, 3)]


def product_sweep(valid: dict[str, Any], *, as_json: bool = False) -> list[dict[str, Any]]:
    """The valid body with every amount and every count large together, for each pair of ``PRODUCTS``."""
    money = [name for name in valid if name in MONEY_FIELDS]
    counts = [name for name in valid if name in COUNT_FIELDS]
    if not (money and counts):
        return []
    shape = (lambda value: value) if as_json else str
    return [
        {**valid, **dict.fromkeys(money, shape(amount)), **dict.fromkeys(counts, shape(count))}
        for amount, count in PRODUCTS
    ]


def magnitudes(valid: dict[str, Any], *, as_json: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """The valid body with each number replaced by its own power of ten, so products of them vary widely."""
    numeric = [name for name, value in valid.items() if _looks_numeric(value)]
    power = st.integers(min_value=0, max_value=20).map(lambda k: 10**k if as_json else str(10**k))
    return st.fixed_dictionaries(dict.fromkeys(numeric, power)).map(lambda numbers: {**valid, **numbers})


def posted(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A form's fields, each either its valid value or a hostile one, plus a few stray fields."""
    fields = {name: st.one_of(st.just(value), form_values) for name, value in valid.items()}
    return st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries(fields),
        st.dictionaries(st.text(min_size=1, max_size=12), form_values, max_size=2),
    )


def sent(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON body: each known field valid or any JSON value, plus stray keys."""
    fields = {name: st.one_of(st.just(value), json_values) for name, value in valid.items()}
    return st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries(fields),
        st.dictionaries(st.text(max_size=12), json_values, max_size=2),
    )


def query(names: list[str]) -> st.SearchStrategy[dict[str, list[str]]]:
    """A query string: known parameters and stray ones, each once or repeated."""
    keys = st.one_of(st.sampled_from(names), st.text(max_size=10))
    return st.dictionaries(keys, st.lists(form_values, min_size=1, max_size=2), max_size=6)


def query_sweep(names: list[str]) -> list[dict[str, str]]:
    """Every known parameter at once, set to each extreme."""
    return [dict.fromkeys(names, value) for value in ["a\x00b", "\u200b", "x" * 5_000, *CORE_NUMBERS[:3]]]


def assert_no_server_error(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


# --- the world the requests act in ------------------------------------------------------------------


@pytest.fixture
def world(firm, other_firm) -> SimpleNamespace:
    """A client firm with open, hourly and draft tasks; a supplier with a bid and a thread; a second bidder."""
    Membership.objects.get_or_create(user=firm.owner, organization=firm, defaults={"role": Role.OWNER})
    fixed = open_task(firm, title="Payroll run")
    hourly_task = open_task(
        firm,
        title="Bookkeeping hours",
        budget_type="hourly",
        budget_amount=None,
        hourly_rate_min=4_000,
        hourly_rate_max=6_000,
        hours_cap=limits.MAX_HOURS,  # room for bids whose rate times hours is huge
    )
    from marketplace import services
    from tests.factories import task_input

    draft = services.create_task(actor=firm.owner, organization=firm, data=task_input(title="A draft"))
    bid = submit(fixed, other_firm)
    thread = Thread.objects.get(task=fixed, supplier=other_firm)
    bidder = make_org("Second Bidder")
    member = Membership.objects.get(organization=firm, user=firm.owner)
    return SimpleNamespace(
        firm=firm,
        supplier=other_firm,
        bidder=bidder,
        fixed=fixed,
        hourly=hourly_task,
        draft=draft,
        bid=bid,
        thread=thread,
        membership=member,
        client=signed_in(firm.owner, firm),
        supplier_client=signed_in(other_firm.owner, other_firm),
        bidder_client=signed_in(bidder.owner, bidder),
    )


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _moment(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def task_form(w: SimpleNamespace) -> dict[str, Any]:
    return {
        "title": "Quarterly VAT returns",
        "description": "File our VAT returns.",
        "category": str(Category.objects.get(slug="payroll").pk),
        "skills": "VAT, Xero",
        "budget_type": "hourly",
        "currency": "EUR",
        "budget_amount": "2,800.00",
        "hourly_rate_min": "40",
        "hourly_rate_max": "60",
        "hours_cap": "100",
        "deadline": _day(40),
        "bidding_closes_at": _moment(10),
        "location_type": "remote",
        "country": "DE",
        "city": "Berlin",
        "postal_code": "10115",
        "visibility": "public",
        "in_house_cost_estimate": "4,500",
        "action": "publish",
    }


def bid_form(w: SimpleNamespace) -> dict[str, Any]:
    return {
        "amount": "2,800.00",
        "hourly_rate": "50",
        "estimated_hours": "80",
        "start_date": _day(3),
        "delivery_date": _day(45),
        "availability_hours_per_week": "20",
        "cover_letter": "We run payroll for 120 firms.",
        "milestones-TOTAL_FORMS": "2",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "20",
        "milestones-0-title": "Set-up",
        "milestones-0-amount": "800",
        "milestones-0-due_date": _day(10),
        "milestones-1-title": "Runs",
        "milestones-1-amount": "2000",
        "milestones-1-due_date": _day(45),
    }


# (name, who posts, path, valid fields)
HTML_FORMS: list[tuple[str, str, Any, Any]] = [
    ("task create", "client", lambda w: "/tasks/new/", task_form),
    ("task edit", "client", lambda w: f"/tasks/{w.draft.pk}/edit/", task_form),
    ("invite", "client", lambda w: f"/tasks/{w.fixed.pk}/invite/", lambda w: {"supplier": str(w.bidder.pk)}),
    ("fixed bid", "bidder", lambda w: f"/tasks/{w.fixed.pk}/bid/", bid_form),
    ("hourly bid", "bidder", lambda w: f"/tasks/{w.hourly.pk}/bid/", bid_form),
    ("bid edit", "supplier", lambda w: f"/bids/{w.bid.pk}/edit/", bid_form),
    ("decline", "client", lambda w: f"/bids/{w.bid.pk}/decline/", lambda w: {"reason": "Too dear."}),
    (
        "weights",
        "client",
        lambda w: f"/tasks/{w.fixed.pk}/compare/",
        lambda w: {"price": "3", "experience": "2", "reviews": "1", "geography": "0"},
    ),
    ("message", "supplier", lambda w: f"/messages/{w.thread.pk}/", lambda w: {"body": "Hello"}),
    (
        "saved search",
        "supplier",
        lambda w: "/saved-searches/",
        lambda w: {"name": "Payroll", "notify": "on", "query": "q=payroll&budget_min=100"},
    ),
    (
        "organization settings",
        "client",
        lambda w: "/settings/organization/",
        lambda w: {
            "name": "Northwind",
            "headline": "We trade",
            "about": "About us",
            "country": "DE",
            "city": "Berlin",
            "time_zone": "Europe/Berlin",
            "languages": "English, German",
            "skills": "Payroll",
            "hourly_rate": "85.50",
            "hourly_rate_currency": "EUR",
            "website": "https://example.com",
            "portfolio_links": "https://example.com/a",
        },
    ),
    ("organization create", "client", lambda w: "/organizations/new/", lambda w: {"name": "New firm"}),
    ("switch", "client", lambda w: "/organizations/switch/", lambda w: {"organization": str(w.firm.pk)}),
    ("profile", "client", lambda w: "/settings/profile/", lambda w: {"name": "Alice"}),
    ("token", "client", lambda w: "/settings/api-tokens/", lambda w: {"name": "Sync", "expires_at": _day(30)}),
    ("member invite", "client", lambda w: "/settings/members/", lambda w: {"email": "a@b.test", "role": "member"}),
    (
        "member role",
        "client",
        lambda w: f"/settings/members/{w.membership.pk}/role/",
        lambda w: {"role": "admin"},
    ),
    (
        "open thread",
        "client",
        lambda w: f"/tasks/{w.fixed.pk}/messages/{w.supplier.pk}/",
        lambda w: {"body": "Hi"},
    ),
    # allauth's forms, drawn by the product's templates.
    ("login", "anonymous", lambda w: "/accounts/login/", lambda w: {"login": "a@b.test", "password": "secret"}),
    (
        "signup",
        "anonymous",
        lambda w: "/accounts/signup/",
        lambda w: {"email": "new@b.test", "password1": "correct-horse-battery", "password2": "correct-horse-battery"},
    ),
    ("password reset", "anonymous", lambda w: "/accounts/password/reset/", lambda w: {"email": "a@b.test"}),
    (
        "password change",
        "client",
        lambda w: "/accounts/password/change/",
        lambda w: {"oldpassword": "correct-horse-battery", "password1": "x-Y-z-12345", "password2": "x-Y-z-12345"},
    ),
    ("email", "client", lambda w: "/accounts/email/", lambda w: {"email": "second@b.test", "action_add": ""}),
]


def _client_of(w: SimpleNamespace, who: str) -> Client:
    if who == "anonymous":
        return Client()
    return {"client": w.client, "supplier": w.supplier_client, "bidder": w.bidder_client}[who]


@pytest.mark.parametrize(("name", "who", "path", "valid"), HTML_FORMS, ids=[form[0] for form in HTML_FORMS])
def test_html_forms_never_answer_5xx(world, name, who, path, valid):
    client, url, fields = _client_of(world, who), path(world), valid(world)

    def check(body: dict[str, Any]) -> None:
        assert_no_server_error(client.post(url, body), f"POST {name} {_short(body)}")

    for body in sweep(fields):
        check(body)

    @settings(PROFILE)
    @given(body=st.one_of(posted(fields), magnitudes(fields)))
    def random_bodies(body: dict[str, Any]) -> None:
        check(body)

    random_bodies()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "…"


# --- the query strings of list pages ------------------------------------------------------------------

BROWSE_PARAMS = [
    "q",
    "category",
    "skills",
    "budget_type",
    "budget_min",
    "budget_max",
    "budget_from",
    "budget_to",
    "location_type",
    "country",
    "city",
    "deadline_before",
    "posted_since",
    "sort",
    "cursor",
    "page",
    "status",
    "min_rating",
    "rate_max",
    "currency",
    "task",
    "weights",
    "next",
]
PUBLIC_PAGES = {"home", "browse", "task"}
PAGES: list[tuple[str, Any]] = [
    ("home", lambda w: "/"),
    ("browse", lambda w: "/tasks/"),
    ("task", lambda w: f"/tasks/{w.fixed.pk}/"),
    ("suppliers", lambda w: "/suppliers/"),
    ("dashboard", lambda w: "/my-tasks/"),
    ("bids", lambda w: "/bids/"),
    ("bid", lambda w: f"/bids/{w.bid.pk}/"),
    ("task bids", lambda w: f"/tasks/{w.fixed.pk}/bids/"),
    ("comparison", lambda w: f"/tasks/{w.fixed.pk}/compare/"),
    ("messages", lambda w: "/messages/"),
    ("thread", lambda w: f"/messages/{w.thread.pk}/"),
    ("saved searches", lambda w: "/saved-searches/"),
    ("organizations", lambda w: "/organizations/"),
    ("organization", lambda w: f"/organizations/{w.firm.slug}/"),
    ("members", lambda w: "/settings/members/"),
    ("tokens", lambda w: "/settings/api-tokens/"),
]


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[page[0] for page in PAGES])
def test_list_page_query_strings_never_answer_5xx(world, name, path):
    url, clients = path(world), {True: Client(), False: world.client}

    def check(params: dict[str, Any], anonymous: bool) -> None:
        response = clients[anonymous].get(url, params)
        assert_no_server_error(response, f"GET {name} {_short(params)}")

    for params in query_sweep(BROWSE_PARAMS):
        check(params, anonymous=False)
        if name in PUBLIC_PAGES:
            check(params, anonymous=True)

    @settings(PROFILE)
    @given(params=query(BROWSE_PARAMS), anonymous=st.booleans())
    def random_queries(params: dict[str, Any], anonymous: bool) -> None:
        check(params, anonymous)

    random_queries()


# Random text seldom names a currency, so the budget bounds are also read in each real one (the
# exponent-0 yen and the two-decimal rest), as the browse page and the API take them.
budget_queries = st.fixed_dictionaries(
    {"currency": st.one_of(st.sampled_from(RATE_CURRENCIES), st.sampled_from(RATE_CURRENCIES).map(str.lower), texts)},
    optional={name: form_values for name in ("budget_from", "budget_to", "budget_min", "budget_max")},
)


@pytest.mark.parametrize("path", ["/tasks/", "/api/v1/tasks/"])
def test_budget_bounds_in_any_currency_never_answer_5xx(world, path):
    @settings(PROFILE)
    @given(params=budget_queries, anonymous=st.booleans())
    def bounds(params: dict[str, Any], anonymous: bool) -> None:
        client = Client() if anonymous else world.client
        assert_no_server_error(client.get(path, params), f"GET {path} {_short(params)}")

    bounds()


# --- the API, endpoint by endpoint -------------------------------------------------------------------------


def api_task(w: SimpleNamespace) -> dict[str, Any]:
    return {
        "title": "Books",
        "description": "Monthly books.",
        "category": Category.objects.get(slug="payroll").pk,
        "skills": ["payroll"],
        "budget_type": "hourly",
        "currency": "EUR",
        "budget_amount": 100_000,
        "hourly_rate_min": 1_000,
        "hourly_rate_max": 2_000,
        "hours_cap": 10,
        "deadline": _day(40),
        "bidding_closes_at": (timezone.now() + timedelta(days=10)).isoformat(),
        "location_type": "onsite",
        "country": "DE",
        "city": "Berlin",
        "postal_code": "10115",
        "visibility": "public",
        "in_house_cost_estimate": 5_000,
        "publish": True,
    }


def api_bid(w: SimpleNamespace) -> dict[str, Any]:
    return {
        "amount": 280_000,
        "hourly_rate": 5_000,
        "estimated_hours": 80,
        "start_date": _day(3),
        "delivery_date": _day(45),
        "availability_hours_per_week": 20,
        "cover_letter": "We can.",
        "milestones": [{"title": "All", "amount": 280_000, "due_date": _day(40)}],
    }


# (name, who, method, path, valid body)
API_WRITES: list[tuple[str, str, str, Any, Any]] = [
    ("task create", "client", "post", lambda w: f"{API}/tasks/", api_task),
    ("task update", "client", "patch", lambda w: f"{API}/tasks/{w.draft.pk}/", api_task),
    ("fixed bid", "bidder", "post", lambda w: f"{API}/tasks/{w.fixed.pk}/bids/", api_bid),
    ("hourly bid", "bidder", "post", lambda w: f"{API}/tasks/{w.hourly.pk}/bids/", api_bid),
    ("bid update", "supplier", "patch", lambda w: f"{API}/bids/{w.bid.pk}/", api_bid),
    ("decline", "client", "post", lambda w: f"{API}/bids/{w.bid.pk}/decline/", lambda w: {"reason": "No."}),
    ("shortlist", "client", "post", lambda w: f"{API}/bids/{w.bid.pk}/shortlist/", lambda w: {"shortlisted": True}),
    (
        "invite",
        "client",
        "post",
        lambda w: f"{API}/tasks/{w.fixed.pk}/invitations/",
        lambda w: {"supplier": w.bidder.pk, "message": "Bid?"},
    ),
    (
        "weights",
        "client",
        "put",
        lambda w: f"{API}/tasks/{w.fixed.pk}/comparison/",
        lambda w: {"weights": {"price": 3, "experience": 2}},
    ),
    (
        "thread",
        "client",
        "post",
        lambda w: f"{API}/threads/",
        lambda w: {"task": w.fixed.pk, "supplier": w.supplier.pk},
    ),
    ("message", "supplier", "post", lambda w: f"{API}/threads/{w.thread.pk}/messages/", lambda w: {"body": "Hi"}),
    (
        "saved search",
        "supplier",
        "post",
        lambda w: f"{API}/saved-searches/",
        lambda w: {"name": "Payroll", "filters": {"q": "payroll", "budget_min": 100, "skills": ["payroll"]}},
    ),
    ("me", "client", "patch", lambda w: f"{API}/me/", lambda w: {"name": "Alice"}),
    (
        "organization",
        "client",
        "patch",
        lambda w: f"{API}/organizations/{w.firm.pk}/",
        lambda w: {
            "name": "Northwind",
            "about": "We trade.",
            "skills": ["Payroll"],
            "languages": ["English"],
            "hourly_rate": 8_500,
            "website": "https://example.com",
            "portfolio_links": ["https://example.com/a"],
            "country": "DE",
        },
    ),
    ("organization create", "client", "post", lambda w: f"{API}/organizations/", lambda w: {"name": "New firm"}),
    ("token", "client", "post", lambda w: f"{API}/api-tokens/", lambda w: {"name": "Sync", "expires_in_days": 30}),
    ("invitation", "client", "post", lambda w: f"{API}/invitations/", lambda w: {"email": "a@b.test", "role": "admin"}),
    ("accept", "bidder", "post", lambda w: f"{API}/invitations/accept/", lambda w: {"token": "nope"}),
    (
        "membership",
        "client",
        "patch",
        lambda w: f"{API}/memberships/{w.membership.pk}/",
        lambda w: {"role": "admin"},
    ),
    (
        "token exchange",
        "anonymous",
        "post",
        lambda w: f"{API}/auth/token/",
        lambda w: {"email": w.firm.owner.email, "password": "wrong", "organization": w.firm.pk},
    ),
]


def _api_client_of(w: SimpleNamespace, who: str) -> APIClient:
    if who == "anonymous":
        return APIClient()
    return _client_of(w, who)  # type: ignore[return-value]  # signed_in() gives APIClients


@pytest.mark.parametrize(
    ("name", "who", "method", "path", "valid"), API_WRITES, ids=[endpoint[0] for endpoint in API_WRITES]
)
def test_api_writes_never_answer_5xx(world, name, who, method, path, valid):
    send, url, fields = getattr(_api_client_of(world, who), method), path(world), valid(world)

    def check(body: Any) -> None:
        assert_no_server_error(send(url, body, format="json"), f"{method.upper()} {name} {_short(body)}")

    for body in sweep(fields, as_json=True):
        check(body)

    @settings(PROFILE)
    @given(body=st.one_of(sent(fields), magnitudes(fields, as_json=True), json_values))
    def random_bodies(body: Any) -> None:
        check(body)

    random_bodies()


RAW_BODIES = st.one_of(
    deep_json,
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.just(b'{"title": "' + b"x" * 200_000 + b'"}'),
    st.just(b"1" * 5_000),
    st.just(b'{"a": NaN, "b": Infinity}'),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/json; charset=no-such-charset",
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=xyz",
        "application/xml",
    ]
)


def test_api_raw_bodies_never_answer_5xx(world):
    def check(body: bytes, content_type: str) -> None:
        response = world.client.generic("POST", f"{API}/tasks/", body, content_type=content_type)
        assert_no_server_error(response, f"POST a {content_type} body {_short(body)}")

    for depth in (33, 1_000, 10_000, 100_000):
        check(("[" * depth + "]" * depth).encode(), "application/json")
        check(('{"a":' * depth + "1" + "}" * depth).encode(), "application/json")

    @settings(PROFILE, max_examples=PROFILE.max_examples * 4)
    @given(body=RAW_BODIES, content_type=CONTENT_TYPES)
    def random_bodies(body: bytes, content_type: str) -> None:
        check(body, content_type)

    random_bodies()


API_READS: list[tuple[str, Any]] = [
    ("tasks", lambda w: f"{API}/tasks/"),
    ("suppliers", lambda w: f"{API}/suppliers/"),
    ("bids", lambda w: f"{API}/bids/"),
    ("task bids", lambda w: f"{API}/tasks/{w.fixed.pk}/bids/"),
    ("comparison", lambda w: f"{API}/tasks/{w.fixed.pk}/comparison/"),
    ("threads", lambda w: f"{API}/threads/"),
    ("messages", lambda w: f"{API}/threads/{w.thread.pk}/messages/"),
    ("saved searches", lambda w: f"{API}/saved-searches/"),
    ("organizations", lambda w: f"{API}/organizations/"),
    ("memberships", lambda w: f"{API}/memberships/"),
    ("categories", lambda w: f"{API}/categories/"),
    ("tokens", lambda w: f"{API}/api-tokens/"),
]


@pytest.mark.parametrize(("name", "path"), API_READS, ids=[read[0] for read in API_READS])
def test_api_query_strings_never_answer_5xx(world, name, path):
    url, names = path(world), [*BROWSE_PARAMS, "page_size"]

    def check(params: dict[str, Any]) -> None:
        assert_no_server_error(world.client.get(url, params), f"GET {name} {_short(params)}")

    for params in query_sweep(names):
        check(params)

    @settings(PROFILE)
    @given(params=query(names))
    def random_queries(params: dict[str, Any]) -> None:
        check(params)

    random_queries()


# --- every input serializer and every form, directly ---------------------------------------------------------


def _input_serializers() -> list[type[serializers.Serializer]]:
    found = []
    marketplace_modules = [
        importlib.import_module(f"{marketplace_serializers.__name__}.{module.name}")
        for module in pkgutil.iter_modules(marketplace_serializers.__path__)
    ]
    for module in (*marketplace_modules, account_serializers):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, serializers.Serializer) and cls.__module__ == module.__name__:
                writable = [field for field in cls().fields.values() if not field.read_only]
                if writable:
                    found.append(cls)
    return found


INPUT_SERIALIZERS = _input_serializers()


def test_the_sweep_covers_the_input_serializers():
    names = {cls.__name__ for cls in INPUT_SERIALIZERS}
    assert {"TaskWriteSerializer", "BidWriteSerializer", "SavedSearchCreateSerializer", "MeUpdateSerializer"} <= names


@pytest.mark.parametrize("serializer_class", INPUT_SERIALIZERS, ids=[cls.__name__ for cls in INPUT_SERIALIZERS])
def test_input_serializers_refuse_nonsense_with_validation_errors_only(serializer_class):
    names = [name for name, field in serializer_class().fields.items() if not field.read_only]

    def check(body: Any) -> None:
        serializer = serializer_class(data=body)
        if serializer.is_valid():
            assert isinstance(serializer.validated_data, dict)

    for body in sweep(dict.fromkeys(names, 1), as_json=True):
        check(body)

    @settings(PROFILE, max_examples=PROFILE.max_examples * 3)
    @given(body=st.one_of(st.fixed_dictionaries({}, optional=dict.fromkeys(names, json_values)), json_values))
    def random_bodies(body: Any) -> None:
        check(body)

    random_bodies()


def _form_classes() -> list[type[forms.Form]]:
    found = []
    for module in (task_forms, bid_forms, message_forms, account_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.Form) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


FORM_CLASSES = _form_classes()


def _build_form(cls: type[forms.Form], data: dict[str, Any], w: SimpleNamespace) -> forms.Form:
    extra = {"task": w.hourly, "organization": w.firm, "currency": "EUR"}
    accepted = inspect.signature(cls.__init__).parameters
    return cls(data, **{name: value for name, value in extra.items() if name in accepted})


# What each form hands on after cleaning: these must not fail on what cleaning let through.
FORM_OUTPUTS = ("task_input", "to_input", "filters", "to_filters", "profile_changes", "expiry", "to_weights")


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=[cls.__name__ for cls in FORM_CLASSES])
def test_forms_clean_nonsense_into_errors_only(world, form_class):
    names = list(_build_form(form_class, {}, world).fields)

    def check(body: dict[str, Any]) -> None:
        form = _build_form(form_class, body, world)
        if form.is_valid():
            for output in FORM_OUTPUTS:
                method = getattr(form, output, None)
                if callable(method) and not inspect.signature(method).parameters:
                    method()

    for body in sweep(dict.fromkeys(names, "1")):
        check(body)

    @settings(PROFILE, max_examples=PROFILE.max_examples * 2)
    @given(body=st.fixed_dictionaries({}, optional=dict.fromkeys(names, form_values)))
    def random_bodies(body: dict[str, Any]) -> None:
        check(body)

    random_bodies()


# --- the excerpt's shortcut ---------------------------------------------------------------------------------


MARKDOWNISH = st.text(alphabet=st.sampled_from("ab 0\t\n\r\x0b\x0c-=+#>*_`.)1\u00a0\u2028é"), max_size=40)


@settings(PROFILE, max_examples=300)
@given(text=st.one_of(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300), MARKDOWNISH))
def test_the_plain_text_shortcut_says_what_the_renderer_says(text):
    """``plain_text`` skips the Markdown renderer for text without markup; it must come out the same."""
    from html import unescape

    import nh3

    from core.markdown import plain_text, render_markdown

    rendered = " ".join(unescape(nh3.clean(render_markdown(text), tags=set(), clean_content_tags=set())).split())

    assert plain_text(text) == rendered
