"""What the page-speed work must not change: what pages say, and that they say it now.

Task cards come from a cache keyed by what they show (``task_cards``); option lists
are escaped once per process (``core.widgets``). Neither may show stale or
unescaped text, and the browse page must work without its cache.
"""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django import forms
from django.core.cache import cache
from django.db.models import F
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from core.widgets import QuickSelect, country_choices, options_html
from marketplace import services
from marketplace.models import Category, Skill
from marketplace.templatetags.marketplace_tags import load_skill_names, task_cards
from tests.factories import open_task

pytestmark = pytest.mark.django_db


def cards(response) -> str:
    return response.content.decode().split('<div class="task-list">', 1)[1].split('<nav class="pager"', 1)[0]


def test_cards_read_from_the_cache_are_the_cards_the_template_renders(client, firm):
    tasks = [open_task(firm, title=f"Payroll run {n}") for n in range(3)]

    first = cards(client.get(reverse("task-list")))
    card = get_template("marketplace/_task_card.html")
    unrenderable = mock.Mock(template=card.template, render=mock.Mock(side_effect=AssertionError("rendered again")))
    with mock.patch("core.fragments.get_template", return_value=unrenderable):
        second = cards(client.get(reverse("task-list")))

    assert first == second
    shown = [task for task in reversed(tasks)]
    names = load_skill_names(slug for task in shown for slug in task.skills)
    for task in shown:
        direct = render_to_string("marketplace/_task_card.html", {"task": task, "skill_names": names})
        assert task.title in direct
        assert direct.strip() in first


def test_an_edited_task_shows_its_new_terms_at_once(client, firm):
    task = open_task(firm, title="Monthly payroll")
    assert "Monthly payroll" in cards(client.get(reverse("task-list")))

    terms = services.task_input_from(task)
    terms.title = "Quarterly payroll"
    services.update_task(actor=firm.owner, task=task, data=terms)
    firm.name = "Northwind Holdings"
    firm.save()

    shown = cards(client.get(reverse("task-list")))
    assert "Quarterly payroll" in shown
    assert "Monthly payroll" not in shown
    assert "Northwind Holdings" in shown


def test_cards_are_the_same_for_every_viewer_but_keep_the_viewers_time_zone(client, firm, other_firm):
    open_task(firm, title="Bookkeeping")
    other_firm.time_zone = "Pacific/Auckland"
    other_firm.save()
    supplier = other_firm.owner
    member = type(client)()
    member.force_login(supplier)

    anonymous = cards(client.get(reverse("task-list")))
    signed_in = cards(member.get(reverse("task-list")))

    stamp = re.compile(r'datetime="([^"]+)"')
    assert stamp.search(anonymous).group(1).endswith("+00:00")
    assert stamp.search(signed_in).group(1).endswith(("+12:00", "+13:00"))


def test_browse_works_when_the_cache_is_down(client, firm):
    open_task(firm, title="Payroll for a bakery")
    down = RedisConnectionError("Redis is not answering")
    with (
        mock.patch.object(cache, "get_many", side_effect=down),
        mock.patch.object(cache, "set_many", side_effect=down),
    ):
        response = client.get(reverse("task-list"))

    assert response.status_code == 200
    assert "Payroll for a bakery" in cards(response)


def test_task_cards_tag_escapes_through_the_template(firm):
    task = open_task(firm, title='<script>alert("x")</script>')
    task.organization, task.category = firm, Category.objects.get(pk=task.category_id)

    html = task_cards([task], {})

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# --- option lists ---------------------------------------------------------------------


def test_options_are_escaped_and_the_chosen_one_is_selected():
    choices = [("a", "Plain"), ('"><script>', "<b>Bold</b> & 'quoted'"), ("c", "Other")]

    html = options_html(choices, '"><script>')

    assert "<script>" not in html
    assert "<b>" not in html
    assert '<option value="&quot;&gt;&lt;script&gt;" selected>&lt;b&gt;Bold&lt;/b&gt; &amp; &#x27;quoted&#x27;' in html
    assert '<option value="a">Plain</option>' in html
    assert html.count(" selected") == 1


def test_browse_form_keeps_the_chosen_country_and_category(client):
    category = Category.objects.order_by("pk").first()

    page = client.get(reverse("task-list"), {"country": "DE", "category": category.slug}).content.decode()

    assert '<option value="DE" selected>Germany</option>' in page
    assert f'<option value="{category.slug}" selected>' in page
    assert page.count("<option") > 250  # every country is still offered


class Both(forms.Form):
    quick = forms.ChoiceField(required=True, widget=QuickSelect, help_text="Where")
    stock = forms.ChoiceField(required=True, help_text="Where")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Any country"), *country_choices()]
        self.fields["quick"].choices = choices
        self.fields["stock"].choices = choices


def _normalised(html: str, name: str) -> tuple[set[str], str]:
    """The select's attributes (in any order) and its options, whitespace aside."""
    html = html.replace(f'name="{name}"', 'name="x"').replace(f"id_{name}", "id_x")
    opening, rest = html.split(">", 1)
    return set(re.findall(r'[\w-]+(?:="[^"]*")?', opening.removeprefix("<select"))), re.sub(r"\s+<", "<", rest.strip())


@pytest.mark.parametrize("data", [None, {"quick": "FR", "stock": "FR"}, {"quick": "nope", "stock": "nope"}])
def test_quick_select_renders_what_djangos_select_renders(data):
    form = Both(data)
    if data:
        form.is_valid()  # errors add aria-invalid and aria-describedby

    assert _normalised(str(form["quick"]), "quick") == _normalised(str(form["stock"]), "stock")


# --- the supplier directory's count ----------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [{}, {"category": "payroll"}, {"country": "DE"}, {"q": "bake"}, {"skills": ["payroll"]}, {"min_rating": 4}],
)
def test_the_directory_counts_what_it_lists(firm, other_firm, filters):
    from accounts.models import Organization
    from marketplace.selectors import SupplierFilters, count_suppliers, search_suppliers

    payroll = list(Skill.objects.filter(category__slug="payroll").values_list("slug", flat=True)[:1])
    for n, (country, skills) in enumerate([("DE", payroll), ("FR", payroll), ("DE", ["logo-design"]), ("DE", [])]):
        Organization.objects.create(
            name=f"Bakery {n}", slug=f"bakery-{n}", country=country, skills=skills, offers_services=True
        )
    filters = SupplierFilters(**{**filters, "skills": payroll if "skills" in filters else []})

    counted = count_suppliers(filters=filters, exclude=firm)

    assert counted == search_suppliers(filters=filters, exclude=firm).count()
    assert counted == len(list(search_suppliers(filters=filters, exclude=firm)))


# --- anonymous visitors' public pages, cached briefly ----------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 30


def test_anonymous_browse_is_served_from_the_cache_within_the_period(client, firm, page_cache):
    task = open_task(firm, title="Payroll for a bakery")
    first = client.get(reverse("task-list"), {"q": "bakery"})

    with mock.patch("marketplace.selectors.search_tasks", side_effect=AssertionError("rendered again")):
        again = client.get(reverse("task-list"), {"q": "bakery"})
        detail = client.get(task.get_absolute_url())  # another URL: rendered
        detail_again = client.get(task.get_absolute_url())

    assert again.status_code == 200
    assert again.content == first.content
    assert "Payroll for a bakery" in detail.content.decode()
    assert detail_again.content == detail.content


def test_members_always_get_a_fresh_page(client, firm, other_firm, page_cache):
    open_task(firm, title="Payroll for a bakery")
    client.get(reverse("task-list"))  # an anonymous visitor fills the cache
    member = type(client)()
    member.force_login(other_firm.owner)

    open_task(firm, title="Cleaning for a school")
    page = member.get(reverse("task-list")).content.decode()

    assert "Cleaning for a school" in page
    assert "Cleaning for a school" not in client.get(reverse("task-list")).content.decode()  # within the period


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page_and_it_is_not_kept(client, firm, page_cache):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage

    open_task(firm, title="Payroll for a bakery")
    storage = CookieStorage(mock.Mock(COOKIES={}))
    storage.add(constants.SUCCESS, "You have signed out.")
    response = mock.Mock(cookies={})
    storage.update(response)
    client.cookies["messages"] = response.set_cookie.call_args.args[1]

    with_message = client.get(reverse("task-list")).content.decode()
    client.cookies.pop("messages", None)
    plain = client.get(reverse("task-list")).content.decode()

    assert "You have signed out." in with_message
    assert "You have signed out." not in plain


def test_pages_are_rendered_when_the_cache_is_down(client, firm, page_cache):
    open_task(firm, title="Payroll for a bakery")
    down = RedisConnectionError("Redis is not answering")
    with mock.patch.object(cache, "get", side_effect=down), mock.patch.object(cache, "set", side_effect=down):
        response = client.get(reverse("task-list"))

    assert response.status_code == 200
    assert "Payroll for a bakery" in response.content.decode()


@pytest.mark.parametrize("uses", ["csrf", "nonce"])
def test_a_page_that_used_a_token_or_nonce_of_its_own_is_not_kept(rf, page_cache, uses):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from core.web import cached_for_anonymous

    rendered = []

    @cached_for_anonymous
    def view(request):
        rendered.append(1)
        if uses == "csrf":
            get_token(request)
        else:
            request._csp_nonce = "abc"
        return HttpResponse("<p>page</p>")

    for _ in range(2):
        request = rf.get("/tasks/?q=own")
        request.user, request.session = AnonymousUser(), {}
        request._messages = FallbackStorage(request)
        view(request)

    assert len(rendered) == 2


# --- the supplier directory, a page at a time --------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"country": "DE"},
        {"min_rating": 3},
        {"q": "bake"},
        {"skills": ["payroll", "bookkeeping"], "country": "FR"},
        {"category": "payroll", "min_rating": 4},
        {"city": "berlin"},
        {"rate_max": 8_000, "currency": "EUR"},
        {"rate_max": 9_000},
    ],
)
def test_the_directory_pages_list_what_the_full_search_lists_in_its_order(firm, other_firm, filters):
    from django.utils import timezone

    from accounts.models import Organization
    from contracts.models import Contract, Review
    from marketplace.selectors import SupplierDirectory, SupplierFilters, search_suppliers

    def reviewed(subject: Organization, *ratings: int, revealed: bool = True) -> None:
        for rating in ratings:
            contract = Contract.objects.create(
                client=firm, supplier=subject, title="Earlier work", currency="EUR", status="completed",
            )  # fmt: skip
            Review.objects.create(
                contract=contract, author=firm, subject=subject, rating=rating, communication_rating=rating,
                revealed_at=timezone.now() if revealed else None,
            )  # fmt: skip

    made = [
        Organization.objects.create(
            name=name,
            slug=f"s-{n}",
            country=country,
            city="Berlin" if country == "DE" else "Paris",
            skills=["payroll"] if n % 3 else ["bookkeeping", "payslips"],
            offers_services=True,
            hourly_rate=4_000 + 1_000 * n if n % 2 else None,
            hourly_rate_currency="GBP" if n % 4 == 1 else "EUR",
        )
        for n, (name, country) in enumerate(
            [("Bakery A", "DE"), ("Bakery B", "FR"), ("Cakes", "DE"), ("Alpha", "DE"), ("Zed", "FR"), ("Mid", "DE")]
            + [(f"Plain {n}", "DE" if n % 2 else "FR") for n in range(7)]
        )
    ]
    reviewed(made[0], 4, 5)
    reviewed(made[1], 5)
    reviewed(made[2], 2)
    reviewed(made[3], 4, 5)  # ties with made[0]: the name decides
    reviewed(made[4], 1, revealed=False)  # not revealed: unrated
    Organization.objects.create(name="No skills", slug="none", skills=[], offers_services=True)
    Organization.objects.create(name="Pure client", slug="client", skills=["payroll"], offers_services=False)
    chosen = SupplierFilters(**filters)
    expected = [
        (row.pk, row.rating, row.review_count, row.completed_contracts)
        for row in search_suppliers(filters=chosen, exclude=firm).order_by(
            F("rating").desc(nulls_last=True), "name", "id"
        )
    ]
    assert expected  # every case lists someone

    directory = SupplierDirectory(filters=chosen, exclude=firm)
    paged = [
        (row.pk, row.rating, row.review_count, row.completed_contracts)
        for start in range(0, len(expected) + 3, 3)
        for row in directory[start : start + 3]
    ]

    assert paged == expected
    assert directory.count() == len(expected)


# --- reference data kept in the process (core.memo, load_skill_names) ------------------------------


def test_a_category_renamed_by_staff_shows_on_the_next_page(client, firm):
    task = open_task(firm, title="Quarterly VAT return")
    assert task.category.name in client.get(reverse("task-list")).content.decode()

    category = Category.objects.get(pk=task.category_id)
    category.name = "Tax & VAT (renamed)"
    category.save()  # the admin saves through the model: the signal drops this process's copy

    page = client.get(reverse("task-list") + "?q=nothing-matches-this").content.decode()
    assert "Tax &amp; VAT (renamed)" in page


def test_the_category_copy_of_another_process_expires_within_a_minute(firm):
    from core.memo import Memo

    loads = []
    memo = Memo(lambda: loads.append(1) or len(loads), seconds=60)
    with mock.patch("core.memo.time.monotonic", return_value=1000.0):
        assert memo.get() == memo.get() == 1
    with mock.patch("core.memo.time.monotonic", return_value=1059.0):
        assert memo.get() == 1
    with mock.patch("core.memo.time.monotonic", return_value=1060.5):
        assert memo.get() == 2  # loaded again
    memo.clear()
    assert memo.get() == 3


def test_a_skill_renamed_by_staff_shows_at_once_and_known_names_cost_no_query(firm, django_assert_num_queries):
    open_task(firm, title="Payroll for ten people", skills=["Payroll"])
    assert load_skill_names(["payroll"]) == {"payroll": "Payroll"}
    with django_assert_num_queries(0):
        assert load_skill_names(["payroll"]) == {"payroll": "Payroll"}

    skill = Skill.objects.get(slug="payroll")
    skill.name = "Payroll (DE)"
    skill.save()

    with django_assert_num_queries(1):
        assert load_skill_names(["payroll"]) == {"payroll": "Payroll (DE)"}


# --- one task as a viewer may see it: the row decides the common cases, the queryset the others -------


@pytest.mark.parametrize("visibility", ["public", "invite_only"])
def test_a_task_page_is_found_exactly_when_the_visibility_rule_says_so(firm, other_firm, visibility):
    from core.exceptions import NotFound
    from marketplace import selectors
    from marketplace.models import Task, TaskStatus
    from tests.factories import OrganizationFactory, bid_input, make_member

    invited, bidder, stranger = other_firm, OrganizationFactory(name="Bidder Ltd"), OrganizationFactory()
    make_member(bidder, role="owner")
    task = open_task(firm, visibility=visibility)
    services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=invited)
    if visibility == "public":
        services.submit_bid(actor=bidder.memberships.get().user, task=task, supplier=bidder, data=bid_input())
    viewers = {"client": firm, "invited": invited, "bidder": bidder, "stranger": stranger, "anonymous": None}

    seen = {}
    for status in TaskStatus.values:
        Task.objects.filter(pk=task.pk).update(status=status)
        for name, organization in viewers.items():
            expected = Task.objects.visible_to(organization).filter(pk=task.pk).exists()
            try:
                selectors.get_task_for_viewer(task_id=task.pk, organization=organization)
                found = True
            except NotFound:
                found = False
            assert found == expected, (status, name)
            seen[status, name] = found

    # The rule itself, so that the comparison above compares something.
    assert all(seen[status, "client"] for status in TaskStatus.values)
    assert seen["open", "invited"]
    assert not seen["draft", "invited"]
    assert not seen["draft", "stranger"]
    assert seen["open", "anonymous"] == (visibility == "public")
    assert not seen["cancelled", "anonymous"]
    if visibility == "public":
        assert seen["cancelled", "bidder"]
        assert not seen["cancelled", "stranger"]
