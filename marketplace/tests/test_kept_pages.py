"""Pages whose content is kept in the cache (``core.web.kept_content``) are never stale.

Each test renders a page (now in the cache), makes one change the page shows, and
compares what the cache serves with the page rendered from an empty cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from marketplace import services
from marketplace.api.serializers.tasks import LISTED_TASKS
from marketplace.models import Bid, Category, Message, Task, Thread
from marketplace.templatetags.marketplace_tags import forget_skill_names
from marketplace.tests.api_support import make_org, submit
from tests.factories import open_task, task_input
from tests.support import html, signed_in

pytestmark = pytest.mark.django_db

TOKENS = re.compile(r'name="(csrfmiddlewaretoken|submit_token)" value="[^"]*"')
Change = Callable[[Task, Organization, Organization], Any]


def _blank_tokens(page: str) -> str:
    return TOKENS.sub(r'name="\1" value=""', page)


def _served_and_fresh(client: Any, path: str) -> tuple[str, str]:
    """The page as the cache serves it now, and as it renders with nothing cached (tokens blanked)."""
    served = html(client.get(path))
    cache.clear()
    forget_skill_names()
    return _blank_tokens(served), _blank_tokens(html(client.get(path)))


def _check(client: Any, path: str, change: Callable[[], Any]) -> None:
    before = html(client.get(path))
    assert _blank_tokens(html(client.get(path))) == _blank_tokens(before)  # served from the cache now
    with TestCase.captureOnCommitCallbacks(execute=True):  # what runs after the change commits runs too
        change()
    served, fresh = _served_and_fresh(client, path)
    assert served == fresh
    assert served != _blank_tokens(before)  # the change shows


def _edited(task: Task, firm: Organization, supplier: Organization) -> Any:
    data = replace(task_input(), description="Run payroll weekly from now on.", budget_amount=320_000)
    return services.update_task(actor=firm.owner, task=task, data=data)


def _file_added(task: Task, firm: Organization, supplier: Organization) -> Any:
    upload = SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")
    return services.add_task_attachments(actor=firm.owner, task=task, uploads=[upload])


def _withdrawn(task: Task, firm: Organization, supplier: Organization) -> Any:
    bid = task.bids.get(supplier=supplier)
    return services.withdraw_bid(actor=supplier.owner, bid=bid)


TASK_PAGE_CHANGES: dict[str, Change] = {
    "the client edits the task": _edited,
    "the client attaches a file": _file_added,
    "the viewer bids": lambda task, firm, supplier: submit(task, supplier),
    "the client closes the task": lambda task, firm, supplier: services.close_task(actor=firm.owner, task=task),
    "bidding closes": lambda task, firm, supplier: Task.objects.filter(pk=task.pk).update(
        bidding_closes_at=timezone.now() - timedelta(seconds=1)
    ),
    "the client is renamed": lambda task, firm, supplier: Organization.objects.filter(pk=firm.pk).update(
        name="Acme Renamed", headline="Now with a headline"
    ),
    "the category is renamed": lambda task, firm, supplier: Category.objects.filter(pk=task.category_id).update(
        name="Payroll and wages"
    ),
}


@pytest.mark.parametrize("change", list(TASK_PAGE_CHANGES))
def test_a_bidders_task_page_follows_every_change(firm, other_firm, change):
    task = open_task(firm)
    client = signed_in(other_firm.owner, other_firm)
    _check(client, reverse("task-detail", args=[task.pk]), lambda: TASK_PAGE_CHANGES[change](task, firm, other_firm))


def test_a_bid_withdrawn_shows_on_the_kept_task_page(firm, other_firm):
    task = open_task(firm)
    submit(task, other_firm)
    client = signed_in(other_firm.owner, other_firm)
    _check(client, reverse("task-detail", args=[task.pk]), lambda: _withdrawn(task, firm, other_firm))


def test_bidders_never_see_each_others_bid_on_the_kept_page(firm, other_firm):
    task = open_task(firm)
    submit(task, other_firm)
    rival = make_org("Rival Bureau")
    path = reverse("task-detail", args=[task.pk])

    mine = html(signed_in(other_firm.owner, other_firm).get(path))
    theirs = html(signed_in(rival.owner, rival).get(path))

    assert "You already bid" in mine
    assert "You already bid" not in theirs
    assert "Place a bid" in theirs


def test_the_clients_own_task_page_is_never_kept(firm):
    task = open_task(firm)
    client = signed_in(firm.owner, firm)
    path = reverse("task-detail", args=[task.pk])
    assert "4,500.00" in html(client.get(path))

    # No save(), so no key of a kept page would change: only a page rendered each time shows it.
    Task.objects.filter(pk=task.pk).update(in_house_cost_estimate=999_900)

    assert "9,999.00" in html(client.get(path))


def _message(task: Task, firm: Organization, supplier: Organization) -> Any:
    thread = Thread.objects.get(task=task, supplier=supplier)
    return services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="A question.")


DASHBOARD_CHANGES: dict[str, Change] = {
    "a new task": lambda task, firm, supplier: open_task(firm, title="Quarterly VAT return"),
    "a bid arrives": lambda task, firm, supplier: submit(task, supplier),
    "the client closes a task": lambda task, firm, supplier: services.close_task(actor=firm.owner, task=task),
    "the client edits a task": _edited,
    "the organization is renamed": lambda task, firm, supplier: Organization.objects.filter(pk=firm.pk).update(
        name="Acme Renamed"
    ),
}


@pytest.mark.parametrize("change", list(DASHBOARD_CHANGES))
def test_the_kept_dashboard_follows_every_change(firm, other_firm, change):
    task = open_task(firm)
    client = signed_in(firm.owner, firm)
    _check(client, reverse("client-dashboard"), lambda: DASHBOARD_CHANGES[change](task, firm, other_firm))


def test_an_unread_message_shows_on_the_kept_dashboard(firm, other_firm):
    task = open_task(firm)
    submit(task, other_firm)
    client = signed_in(firm.owner, firm)
    _check(client, reverse("client-dashboard"), lambda: _message(task, firm, other_firm))


def test_two_clients_never_share_a_kept_dashboard(firm, other_firm):
    open_task(firm, title="Payroll of the firm")
    open_task(other_firm, title="Payroll of the other firm")

    ours = html(signed_in(firm.owner, firm).get(reverse("client-dashboard")))
    theirs = html(signed_in(other_firm.owner, other_firm).get(reverse("client-dashboard")))

    assert "Payroll of the firm" in ours
    assert "Payroll of the other firm" not in ours
    assert "Payroll of the other firm" in theirs
    assert "Payroll of the firm" not in theirs


def _answered_and_read(task: Task, firm: Organization, supplier: Organization) -> Any:
    _message(task, firm, supplier)
    thread = Thread.objects.get(task=task, supplier=supplier)
    return services.mark_thread_read(user=firm.owner, thread=thread)


def _retitled(task: Task, firm: Organization, supplier: Organization) -> Any:
    return services.update_task(actor=firm.owner, task=task, data=replace(task_input(), title="Payroll, retitled"))


MESSAGES_CHANGES: dict[str, Change] = {
    "a message arrives": _message,
    "a message arrives and the client reads it": _answered_and_read,
    "another bidder": lambda task, firm, supplier: submit(task, make_org("Rival Bureau")),
    "the supplier is renamed": lambda task, firm, supplier: Organization.objects.filter(pk=supplier.pk).update(
        name="Globex Renamed"
    ),
    "the task is retitled": _retitled,
    "the bid is declined": lambda task, firm, supplier: services.decline_bid(
        actor=firm.owner, bid=task.bids.get(supplier=supplier)
    ),
}


@pytest.mark.parametrize("change", list(MESSAGES_CHANGES))
def test_the_kept_messages_page_follows_every_change(firm, other_firm, change):
    task = open_task(firm)
    submit(task, other_firm)
    client = signed_in(firm.owner, firm)
    _check(client, reverse("thread-list"), lambda: MESSAGES_CHANGES[change](task, firm, other_firm))


def test_each_side_reads_the_conversation_as_its_own(firm, other_firm):
    task = open_task(firm, title="Payroll of the firm")
    submit(task, other_firm)

    as_client = html(signed_in(firm.owner, firm).get(reverse("thread-list")))
    as_supplier = html(signed_in(other_firm.owner, other_firm).get(reverse("thread-list")))

    assert f'<strong class="msg-thread-name">{other_firm.name}</strong>' in as_client
    assert f'<strong class="msg-thread-name">{firm.name}</strong>' in as_supplier


def _listed(name: str) -> Organization:
    organization = make_org(name)
    Organization.objects.filter(pk=organization.pk).update(skills=["payroll"], offers_services=True, city="Porto")
    return organization


DIRECTORY_CHANGES: dict[str, Change] = {
    "a supplier is renamed": lambda task, firm, supplier: Organization.objects.filter(pk=supplier.pk).update(
        name="Globex Renamed", headline="A new headline"
    ),
    "another supplier is listed": lambda task, firm, supplier: _listed("Porto Payroll"),
    "the viewer posts another task": lambda task, firm, supplier: open_task(firm, title="Quarterly VAT return"),
    "the viewer's task closes": lambda task, firm, supplier: services.close_task(actor=firm.owner, task=task),
    "a category is added": lambda task, firm, supplier: Category.objects.create(slug="audits", name="Audits"),
}


@pytest.mark.parametrize("change", list(DIRECTORY_CHANGES))
def test_the_kept_directory_follows_every_change(firm, supplier, change):
    task = open_task(firm)
    client = signed_in(firm.owner, firm)
    _check(client, reverse("supplier-list"), lambda: DIRECTORY_CHANGES[change](task, firm, supplier))


def test_an_invitation_shows_on_the_kept_directory_of_its_task(firm, supplier):
    task = open_task(firm)
    client = signed_in(firm.owner, firm)
    path = reverse("supplier-list") + f"?task={task.pk}"
    _check(client, path, lambda: services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=supplier))


def test_each_search_of_the_directory_is_kept_apart(firm, supplier):
    _listed("Porto Payroll")
    client = signed_in(firm.owner, firm)

    everyone = html(client.get(reverse("supplier-list")))
    in_porto = html(client.get(reverse("supplier-list") + "?city=Porto"))

    assert supplier.name in everyone
    assert "Porto Payroll" in everyone
    assert supplier.name not in in_porto
    assert "Porto Payroll" in in_porto


BROWSE_CHANGES: dict[str, Change] = {
    "a task is published": lambda task, firm, supplier: open_task(firm, title="Quarterly VAT return"),
    "a task on the page is edited": _retitled,
    "a task on the page closes": lambda task, firm, supplier: services.close_task(actor=firm.owner, task=task),
    "its client is renamed": lambda task, firm, supplier: Organization.objects.filter(pk=firm.pk).update(
        name="Acme Renamed"
    ),
    "a category is added": lambda task, firm, supplier: Category.objects.create(slug="audits", name="Audits"),
}


@pytest.mark.parametrize("path", ["/tasks/", "/tasks/?q=payroll&sort=newest"])
@pytest.mark.parametrize("change", list(BROWSE_CHANGES))
def test_the_kept_browse_page_follows_every_change(firm, other_firm, change, path):
    task = open_task(firm)
    client = signed_in(other_firm.owner, other_firm)
    _check(client, path, lambda: BROWSE_CHANGES[change](task, firm, other_firm))


def test_a_query_with_anything_unknown_or_refused_is_rendered_not_kept(firm, other_firm):
    open_task(firm)
    client = signed_in(other_firm.owner, other_firm)
    cache.clear()
    client.get("/tasks/")
    kept = len(_content_keys())

    for query in ["utm_source=mail", "budget_min=abc", "q=payroll&junk=1"]:
        assert client.get(f"/tasks/?{query}").status_code == 200

    assert len(_content_keys()) == kept


def _content_keys() -> list[bytes]:
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    return [key for key in client.keys("*") if b"content:marketplace/tasks/_task_list_content.html" in key]


@pytest.mark.parametrize(
    "name",
    [
        "task-detail",
        "task-comparison",
        "client-dashboard",
        "thread-list",
        "supplier-list",
        "task-list",
        "contract-list",
    ],
)
def test_kept_pages_render_when_the_cache_is_down(firm, other_firm, settings, name):
    task = open_task(firm, title="Payroll for a bakery")
    submit(task, other_firm)
    path = reverse(name, args=[task.pk]) if name.startswith("task-") and name != "task-list" else reverse(name)
    client = signed_in(firm.owner, firm)
    # The product's own backend, pointed at a port where no Redis answers: it fails open.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}

    response = client.get(path)

    assert response.status_code == 200
    assert "<footer" in html(response)


COMPARISON_CHANGES: dict[str, Change] = {
    "another bid": lambda task, firm, supplier: submit(task, make_org("Rival Bureau")),
    "a bid is shortlisted": lambda task, firm, supplier: services.shortlist_bid(
        actor=firm.owner, bid=task.bids.get(supplier=supplier)
    ),
    "a bid is declined": lambda task, firm, supplier: services.decline_bid(
        actor=firm.owner, bid=task.bids.get(supplier=supplier)
    ),
    "the weights change": lambda task, firm, supplier: services.set_comparison_weights(
        actor=firm.owner,
        task=task,
        weights={"price": 5, "reputation": 0, "communication": 1, "geography": 1, "flexibility": 1},
    ),
    "the supplier answers": _message,
    "the bidder is renamed": lambda task, firm, supplier: Organization.objects.filter(pk=supplier.pk).update(
        name="Globex Renamed"
    ),
    "the in-house estimate changes": lambda task, firm, supplier: services.update_task(
        actor=firm.owner, task=task, data=replace(task_input(), in_house_cost_estimate=200_000)
    ),
}


@pytest.mark.parametrize("change", list(COMPARISON_CHANGES))
def test_the_kept_comparison_follows_every_change(firm, other_firm, change):
    task = open_task(firm)
    submit(task, other_firm)
    client = signed_in(firm.owner, firm)
    path = reverse("task-comparison", args=[task.pk])
    _check(client, path, lambda: COMPARISON_CHANGES[change](Task.objects.get(pk=task.pk), firm, other_firm))


def _client_asks(task: Task, firm: Organization, supplier: Organization, *, hours_ago: float) -> None:
    """The client's question to the bidder, sent ``hours_ago``: the comparison counts how long it waits."""
    thread = Thread.objects.get(task=task, supplier=supplier)
    message = services.send_message(actor=firm.owner, organization=firm, thread=thread, body="When can you start?")
    type(message).objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))


def _answered_once_then_asked(task: Task, firm: Organization, supplier: Organization) -> None:
    """A question answered in 2 hours, 60 hours ago, and one unanswered for 50: the median counts the wait."""
    _client_asks(task, firm, supplier, hours_ago=60)
    _message(task, firm, supplier)
    Message.objects.filter(thread__task=task, sender_organization=supplier).update(
        created_at=timezone.now() - timedelta(hours=58)
    )
    _client_asks(task, firm, supplier, hours_ago=50)


def _waits_longer(task: Task, hours: float) -> None:
    Message.objects.filter(thread__task=task).update(created_at=F("created_at") - timedelta(hours=hours))


# The comparison is kept under what it is computed from (the bids, the suppliers, their records), not
# under its scores: these changes reach only the scoring's inputs.
COMPARISON_INPUT_CHANGES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "a question waits an hour longer": (
        lambda task, firm, supplier: _client_asks(task, firm, supplier, hours_ago=2),
        lambda task, firm, supplier: _waits_longer(task, 1),
    ),
    "an unanswered question waits a day longer past 48 hours": (
        lambda task, firm, supplier: _answered_once_then_asked(task, firm, supplier),
        lambda task, firm, supplier: _waits_longer(task, 24),
    ),
    "the bidder moves to another time zone": (
        lambda task, firm, supplier: None,
        lambda task, firm, supplier: Organization.objects.filter(pk=supplier.pk).update(time_zone="Asia/Tokyo"),
    ),
    "the bid's delivery date moves": (
        lambda task, firm, supplier: None,
        lambda task, firm, supplier: Bid.objects.filter(task=task, supplier=supplier).update(
            delivery_date=task.deadline + timedelta(days=3)
        ),
    ),
}


@pytest.mark.parametrize("change", list(COMPARISON_INPUT_CHANGES))
def test_the_kept_comparison_follows_its_inputs(firm, other_firm, change):
    task = open_task(firm, location_type="remote")
    submit(task, other_firm)
    Organization.objects.filter(pk=firm.pk).update(time_zone="Europe/Berlin")
    Organization.objects.filter(pk=other_firm.pk).update(time_zone="Europe/Paris")
    before, after = COMPARISON_INPUT_CHANGES[change]
    before(task, firm, other_firm)
    client = signed_in(firm.owner, firm)
    _check(client, reverse("task-comparison", args=[task.pk]), lambda: after(task, firm, other_firm))


def test_a_question_waiting_a_few_seconds_longer_is_the_same_kept_comparison(firm, other_firm):
    """Waits under 48 hours show as words to the minute: seconds more are the same page, served kept."""
    task = open_task(firm)
    submit(task, other_firm)
    _client_asks(task, firm, other_firm, hours_ago=3)
    client = signed_in(firm.owner, firm)
    path = reverse("task-comparison", args=[task.pk])
    client.get(path)
    Message.objects.filter(thread__task=task).update(created_at=F("created_at") - timedelta(seconds=1))

    response = client.get(path)

    assert "No reply yet to a message sent 3 h ago" in html(response) or "3 h ago" in html(response)
    assert "marketplace/bids/_comparison_content.html" not in [template.name for template in response.templates]


def test_a_member_who_may_not_accept_is_not_served_an_owners_comparison(firm, other_firm, member):
    task = open_task(firm)
    submit(task, other_firm)
    path = reverse("task-comparison", args=[task.pk])

    as_owner = html(signed_in(firm.owner, firm).get(path))
    as_member = html(signed_in(member, firm).get(path))

    assert "Only owners and admins" not in as_owner
    assert "Only owners and admins" in as_member


def test_every_form_of_a_kept_comparison_carries_this_visitors_tokens(firm, other_firm):
    task = open_task(firm)
    bid = submit(task, other_firm)
    submit(task, make_org("Rival Bureau"))
    client = signed_in(firm.owner, firm, client=Client(enforce_csrf_checks=True))
    path = reverse("task-comparison", args=[task.pk])
    first = html(client.get(path))
    second = html(client.get(path))  # from the cache
    content = second[second.index("<main") : second.index("</main>")]
    csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    submit_tokens = re.findall(r'name="submit_token" value="([^"]+)"', content)

    assert len(set(csrf)) == 1  # one masked token for the response, as {% csrf_token %} writes it
    assert len(set(submit_tokens)) == len(submit_tokens) > 2  # a one-time token per form
    assert set(submit_tokens).isdisjoint(re.findall(r'name="submit_token" value="([^"]+)"', first))
    response = client.post(
        reverse("bid-shortlist", args=[bid.pk]), {"csrfmiddlewaretoken": csrf[0], "submit_token": submit_tokens[0]}
    )

    assert response.status_code == 302
    bid.refresh_from_db()
    assert bid.status == "shortlisted"


# --- the API's task search: each row's representation kept in the process -----------------


def _api_rows(client: Any) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/tasks/")
    assert answer.status_code == 200
    return answer.json()["results"]


def _check_api(client: Any, change: Callable[[], Any]) -> None:
    """The search as served after a change equals one represented with nothing kept, and shows it."""
    before = _api_rows(client)
    assert _api_rows(client) == before  # kept now
    with TestCase.captureOnCommitCallbacks(execute=True):
        change()
    served = _api_rows(client)
    LISTED_TASKS.clear()
    assert served == _api_rows(client)
    assert served != before


API_LIST_CHANGES: dict[str, Change] = {
    **{name: TASK_PAGE_CHANGES[name] for name in ("the client edits the task", "the client attaches a file")},
    "the client is renamed": lambda task, firm, supplier: Organization.objects.filter(pk=firm.pk).update(
        name="Acme Renamed"
    ),
    "the client's address changes": lambda task, firm, supplier: Organization.objects.filter(pk=firm.pk).update(
        slug="acme-renamed"
    ),
    "the category is renamed": TASK_PAGE_CHANGES["the category is renamed"],
    "the category's address changes": lambda task, firm, supplier: Category.objects.filter(pk=task.category_id).update(
        slug="payroll-and-wages"
    ),
}


@pytest.mark.parametrize("change", list(API_LIST_CHANGES))
def test_the_api_task_search_follows_every_change(firm, other_firm, supplier_api, change):
    task = open_task(firm)
    _check_api(supplier_api, lambda: API_LIST_CHANGES[change](task, firm, other_firm))


def test_the_clients_own_tasks_are_represented_with_their_private_fields(firm, client_api, supplier_api):
    task = open_task(firm)
    assert "in_house_cost_estimate" not in _api_rows(supplier_api)[0]
    assert _api_rows(client_api)[0]["in_house_cost_estimate"] == 450_000

    Task.objects.filter(pk=task.pk).update(in_house_cost_estimate=999_900)  # no save(): no key would change

    assert _api_rows(client_api)[0]["in_house_cost_estimate"] == 999_900
    assert "in_house_cost_estimate" not in _api_rows(supplier_api)[0]


def test_the_kept_rows_name_the_host_asked(firm, other_firm):
    task = open_task(firm)
    _file_added(task, firm, other_firm)
    client = signed_in(other_firm.owner, other_firm)

    first = client.get("/api/v1/tasks/", HTTP_HOST="localhost").json()["results"][0]
    second = client.get("/api/v1/tasks/", HTTP_HOST="127.0.0.1").json()["results"][0]

    assert first["attachments"][0]["download_url"].startswith("http://localhost/")
    assert second["attachments"][0]["download_url"].startswith("http://127.0.0.1/")
