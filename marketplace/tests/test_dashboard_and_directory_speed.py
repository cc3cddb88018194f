"""What the speed work on the client dashboard and the supplier directory must not change.

The dashboard's page of tasks runs SQL compiled once per process
(``selectors.ClientDashboard``) and its rows come from a cache keyed by what
they show (``{% dashboard_rows %}``): each client sees its own tasks, with its
own user's unread counts, and a change shows at once.
"""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import Organization
from marketplace import services
from marketplace.models import Category, Task, Thread
from tests.factories import bid_input, make_member, open_task, task_input
from tests.support import signed_in

pytestmark = pytest.mark.django_db


def cache_down():  # type: ignore[no-untyped-def]
    """The cache's reads and writes of many keys fail as with Redis gone (the fragments use only those)."""
    down = RedisConnectionError("Redis is not answering")
    return mock.patch.multiple(cache, get_many=mock.Mock(side_effect=down), set_many=mock.Mock(side_effect=down))


def rows(response) -> str:
    """The dashboard table's body, whitespace between tags aside."""
    body = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.sub(r">\s+<", "><", body).strip()


def titles(response) -> list[str]:
    return re.findall(r'class="dashboard-title" href="[^"]+">([^<]*)</a>', response.content.decode())


@pytest.fixture
def supplier(other_firm):
    Organization.objects.filter(pk=other_firm.pk).update(skills=["payroll"], offers_services=True)
    other_firm.refresh_from_db()
    return other_firm


def bid_and_message(task: Task, supplier: Organization, *bodies: str) -> Thread:
    services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())
    thread = services.open_thread(actor=supplier.owner, organization=supplier, task=task, supplier=supplier)
    for body in bodies:
        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body=body)
    return thread


# --- the client dashboard --------------------------------------------------------------------------------


def test_each_client_counts_its_own_tasks_per_status(firm, other_firm):
    open_task(firm, title="Open one")
    open_task(firm, title="Open two")
    draft = services.create_task(actor=firm.owner, organization=firm, data=task_input(title="A draft"), publish=False)
    open_task(other_firm, title="Not ours")

    for _ in range(2):  # the second round runs the SQL compiled in the first
        counts = [
            signed_in(organization.owner, organization).get(reverse("client-dashboard")).context["counts"]
            for organization in (firm, other_firm)
        ]
        assert counts == [{"open": 2, draft.status: 1}, {"open": 1}]


def test_each_client_sees_its_own_tasks_and_counts_through_the_compiled_query(firm, supplier):
    third = Organization.objects.create(name="Third Ltd", slug="third-ltd")
    third.owner = make_member(third, role="owner")
    ours = open_task(firm, title="Our payroll")
    theirs = open_task(third, title="Their cleaning")
    bid_and_message(ours, supplier, "Hello", "Any news?")
    bid_and_message(theirs, supplier, "Hi")
    colleague = make_member(firm, role="member")

    for _ in range(2):  # the second round runs the SQL compiled in the first
        mine = signed_in(firm.owner, firm).get(reverse("client-dashboard"))
        other = signed_in(third.owner, third).get(reverse("client-dashboard"))
        ours_for_colleague = signed_in(colleague, firm).get(reverse("client-dashboard"))

        assert titles(mine) == ["Our payroll"]
        assert titles(other) == ["Their cleaning"]
        assert [(t.bid_count, t.unread_count) for t in mine.context["tasks"]] == [(1, 2)]
        assert [(t.bid_count, t.unread_count) for t in other.context["tasks"]] == [(1, 1)]
        assert [t.unread_count for t in ours_for_colleague.context["tasks"]] == [2]

    services.mark_thread_read(user=firm.owner, thread=Thread.objects.get(task=ours))
    assert [t.unread_count for t in signed_in(firm.owner, firm).get(reverse("client-dashboard")).context["tasks"]] == [
        0
    ]
    assert [t.unread_count for t in signed_in(colleague, firm).get(reverse("client-dashboard")).context["tasks"]] == [2]


def test_status_tabs_and_pages_list_what_the_queryset_lists(firm, settings):
    from marketplace.selectors import client_dashboard_tasks

    for n in range(23):
        open_task(firm, title=f"Open {n:02}")
    for n in range(3):
        services.create_task(actor=firm.owner, organization=firm, data=task_input(title=f"Draft {n}"))
    client = signed_in(firm.owner, firm)
    expected = [t.title for t in client_dashboard_tasks(organization=firm, user=firm.owner)]

    listed = titles(client.get(reverse("client-dashboard"))) + titles(
        client.get(reverse("client-dashboard"), {"page": 2})
    )
    drafts = titles(client.get(reverse("client-dashboard"), {"status": "draft"}))

    assert listed == expected
    assert drafts == ["Draft 2", "Draft 1", "Draft 0"]


def test_the_dashboard_costs_the_same_queries_with_one_task_or_a_full_page(firm, supplier):
    client = signed_in(firm.owner, firm)
    bid_and_message(open_task(firm), supplier, "Hello")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("client-dashboard"))
    for n in range(25):
        bid_and_message(open_task(firm, title=f"Task {n}"), supplier, "Hello")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("client-dashboard"))

    # The user with their memberships (accounts.auth_backends), the header's tabs and unread conversations
    # (marketplace.selectors.activity), the status counts, the page.
    assert len(one.captured_queries) == len(many.captured_queries) == 4


def test_rows_read_from_the_cache_are_the_rows_the_template_renders(firm, supplier):
    for n in range(3):
        bid_and_message(open_task(firm, title=f"Payroll run {n}"), supplier, "Hello")
    client = signed_in(firm.owner, firm)

    first = rows(client.get(reverse("client-dashboard")))
    row = get_template("marketplace/tasks/_dashboard_row.html")
    unrenderable = mock.Mock(template=row.template, render=mock.Mock(side_effect=AssertionError("rendered again")))
    with mock.patch("core.fragments.get_template", return_value=unrenderable):
        second = rows(client.get(reverse("client-dashboard")))

    assert first == second
    for task in client.get(reverse("client-dashboard")).context["tasks"]:
        assert re.sub(r">\s+<", "><", row.render({"task": task})).strip() in first


def test_a_change_to_what_a_row_shows_shows_at_once(firm, supplier):
    task = open_task(firm, title="Monthly payroll")
    client = signed_in(firm.owner, firm)
    before = rows(client.get(reverse("client-dashboard")))
    assert "Monthly payroll" in before
    assert 'class="muted">0<' in before

    thread = bid_and_message(task, supplier, "Hello")
    after_bid = rows(client.get(reverse("client-dashboard")))
    services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Still there?")
    after_message = rows(client.get(reverse("client-dashboard")))
    Category.objects.filter(pk=task.category_id).update(name="Renamed category")
    Task.objects.filter(pk=task.pk).update(title="Quarterly payroll")  # even a write that skips save()
    after_rename = rows(client.get(reverse("client-dashboard")))

    assert re.search(r'class="count-link"[^>]*>1<', after_bid)
    assert re.search(r'class="unread-pill"[^>]*>1<', after_bid)
    assert re.search(r'class="unread-pill"[^>]*>2<', after_message)
    assert "Renamed category" in after_rename
    assert "Quarterly payroll" in after_rename
    assert "Monthly payroll" not in after_rename


def test_rows_keep_the_viewers_time_zone(firm):
    task = open_task(firm)
    closes = timezone.now().replace(hour=23, minute=30, second=0, microsecond=0) + timedelta(days=3)
    Task.objects.filter(pk=task.pk).update(bidding_closes_at=closes)
    client = signed_in(firm.owner, firm)
    in_utc = rows(client.get(reverse("client-dashboard")))

    # An hour away, on the same day as UTC now: only the zone tells the rows apart.
    zone = "Etc/GMT-1" if timezone.now().hour < 22 else "Etc/GMT+1"
    Organization.objects.filter(pk=firm.pk).update(time_zone=zone)
    in_zone = rows(client.get(reverse("client-dashboard")))

    assert ", 23:30<" in in_utc
    assert ", 23:30<" not in in_zone
    assert ", 00:30<" in in_zone or ", 22:30<" in in_zone


def test_the_dashboard_works_when_the_cache_is_down(firm):
    open_task(firm, title="Payroll for a bakery")
    client = signed_in(firm.owner, firm)
    with cache_down():
        response = client.get(reverse("client-dashboard"))

    assert response.status_code == 200
    assert titles(response) == ["Payroll for a bakery"]


def test_rows_escape_what_clients_wrote(firm):
    open_task(firm, title='<script>alert("x")</script>')

    page = signed_in(firm.owner, firm).get(reverse("client-dashboard")).content.decode()
    again = signed_in(firm.owner, firm).get(reverse("client-dashboard")).content.decode()

    for shown in (page, again):
        assert "<script>alert" not in shown
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in shown


# --- the supplier directory -------------------------------------------------------------------------------


def cards(response) -> str:
    body = response.content.decode().split('<div class="supplier-grid">', 1)[1].split("</section>", 1)[0]
    return re.sub(r">\s+<", "><", body).strip()


def test_card_bodies_read_from_the_cache_are_the_bodies_the_template_renders(firm, supplier):
    for n in range(3):
        Organization.objects.create(
            name=f"Bakery {n}", slug=f"bakery-{n}", skills=["payroll"], offers_services=True, headline="Bread"
        )
    client = signed_in(firm.owner, firm)

    first = cards(client.get(reverse("supplier-list")))
    body = get_template("marketplace/suppliers/_supplier_card_body.html")
    unrenderable = mock.Mock(template=body.template, render=mock.Mock(side_effect=AssertionError("rendered again")))
    with mock.patch("core.fragments.get_template", return_value=unrenderable):
        response = client.get(reverse("supplier-list"))

    assert cards(response) == first
    for row in response.context["suppliers"]:
        direct = body.render({"supplier": row, "skill_names": response.context["skill_names"]})
        assert re.sub(r">\s+<", "><", direct).strip() in first


def test_a_suppliers_new_figures_and_profile_show_at_once(firm, supplier):
    from contracts.models import Contract, Review

    client = signed_in(firm.owner, firm)
    contract = Contract.objects.create(
        client=firm, supplier=supplier, title="Earlier work", currency="EUR", status="completed",
    )  # fmt: skip
    review = Review.objects.create(contract=contract, author=firm, subject=supplier, rating=4, communication_rating=4)
    before = cards(client.get(reverse("supplier-list")))
    assert "No reviews yet" in before
    assert "1 contract<" in before

    Review.objects.filter(pk=review.pk).update(revealed_at=timezone.now())  # only the rating changes
    revealed = cards(client.get(reverse("supplier-list")))
    Organization.objects.filter(pk=supplier.pk).update(headline="Payroll <b>done</b> right")  # skips save()
    edited = cards(client.get(reverse("supplier-list")))

    assert "No reviews yet" not in revealed
    assert "4.0" in revealed
    assert "(1 review)" in revealed
    assert "Payroll &lt;b&gt;done&lt;/b&gt; right" in edited


def test_the_directory_works_when_the_cache_is_down(firm, supplier):
    client = signed_in(firm.owner, firm)
    with cache_down():
        response = client.get(reverse("supplier-list"))

    assert response.status_code == 200
    assert supplier.name in cards(response)


def test_the_directory_filters_keep_the_chosen_options(firm, supplier):
    page = (
        signed_in(firm.owner, firm)
        .get(reverse("supplier-list"), {"country": "DE", "min_rating": "3", "currency": "GBP", "rate_max": "80"})
        .content.decode()
    )

    assert '<option value="DE" selected>Germany</option>' in page
    assert '<option value="3" selected>3 stars and up</option>' in page
    assert '<option value="GBP" selected>GBP</option>' in page
    assert page.count(" selected>") == 4  # and "All categories"
    assert page.count("<option") > 250  # every country is still offered
