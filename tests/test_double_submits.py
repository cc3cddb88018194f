"""A submission sent twice acts once: every form that posts and every POST of the API (issue 7, "Double submits").

Pages: the URL resolver is walked, so every product route that takes a POST
must be marked ``core.idempotency.submit_once`` and have a case below (a new
one fails here until it does); every form that posts, in every template,
carries ``{% submit_token %}``; and each case, sent twice with one token,
acts once: one object, one audit record, both copies sent to the same page.

API: every POST operation of the schema documents and honours
``Idempotency-Key`` and has a case below; the same key with the same body
replays the first answer, with another body answers 422.

Two copies racing at once (two threads, two database connections, a
barrier) create exactly one task, through a page and through the API.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import ApiToken, Invitation, Membership, Organization, Role
from accounts.tenancy import SESSION_KEY
from contracts import services as contract_services
from contracts.models import Contract, ContractVersion, Signature
from contracts.terms import MilestoneTerms, Terms
from contracts.tests.conftest import proposal_form
from core.idempotency import DUPLICATE_FORM_MESSAGE, HEADER, REPLAYED_HEADER, TOKEN_FIELD, new_form_token
from core.models import AuditEvent
from marketplace import services
from marketplace.comparison import DEFAULT_WEIGHTS
from marketplace.models import (
    Bid,
    BidAttachment,
    BidInvitation,
    Category,
    Message,
    SavedSearch,
    Task,
    TaskAttachment,
    Thread,
)
from tests.factories import OrganizationFactory, UserFactory, bid_input, make_member, task_input
from tests.support import signed_in

API = "/api/v1"
TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def pdf(name: str = "brief.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 the same file each time", content_type="application/pdf")


def again(data: dict[str, Any]) -> dict[str, Any]:
    """The same data, ready to be sent again: the test client reads files to their end."""
    for value in data.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, SimpleUploadedFile):
                item.seek(0)
    return data


# --- the scene: two firms with a task, a bid, a conversation, and what the settings pages manage ------


@dataclass
class Scene:
    client_org: Organization
    owner: Any
    member: Any
    supplier: Organization
    supplier_owner: Any
    task: Task  # open, public, with a file; the supplier bid on it
    other_task: Task  # open, public, no bids yet
    draft: Task
    bid: Bid
    thread: Thread
    message: Message
    saved_search: SavedSearch
    invitation: Invitation  # pending, to the invitee
    invitation_token: str
    invitee: Any
    api_token: ApiToken
    contract: Any  # drafted from an accepted bid on a task of its own

    def as_(self, who: str, api: bool = False) -> Client:
        user, organization = {
            "client": (self.owner, self.client_org),
            "signer": (self.owner, self.client_org),  # the client's owner, who has just typed the password again
            "supplier": (self.supplier_owner, self.supplier),
            "invitee": (self.invitee, None),
        }[who]
        client = signed_in(user, organization, client=APIClient() if api else Client())
        if who == "signer":
            client.post(reverse("account_reauthenticate"), {"password": "correct-horse-battery"})
        return client


@pytest.fixture
def scene(db, settings, tmp_path) -> Scene:
    settings.MEDIA_ROOT = tmp_path
    client_org = OrganizationFactory(name="Northwind Trading")
    owner = make_member(client_org, role=Role.OWNER)
    member = make_member(client_org, role=Role.MEMBER)
    supplier = OrganizationFactory(name="Pixel & Pine Studio", skills=["Logo design"])
    supplier_owner = make_member(supplier, role=Role.OWNER)
    task = services.create_task(
        actor=owner, organization=client_org, data=task_input(), publish=True, attachments=[pdf()]
    )
    other_task = services.create_task(
        actor=owner, organization=client_org, data=task_input(title="Office cleaning"), publish=True
    )
    draft = services.create_task(actor=owner, organization=client_org, data=task_input(title="A draft"))
    bid = services.submit_bid(
        actor=supplier_owner, supplier=supplier, task=task, data=bid_input(), attachments=[pdf("offer.pdf")]
    )
    thread = services.get_or_create_thread(task=task, supplier=supplier)
    message = services.send_message(
        actor=owner, organization=client_org, thread=thread, body="When can you start?", attachments=[pdf("n.pdf")]
    )
    saved_search = services.save_search(actor=owner, organization=client_org, name="Payroll", filters={"q": "payroll"})
    invitee = UserFactory(email="invitee@example.test")
    invitation, invitation_token = account_services.invite_member(
        actor=owner, organization=client_org, email=invitee.email
    )
    api_token, _secret = account_services.create_api_token(actor=owner, organization=client_org, name="CI")
    hired = services.create_task(
        actor=owner, organization=client_org, data=task_input(title="Label design"), publish=True
    )
    winning = services.submit_bid(actor=supplier_owner, supplier=supplier, task=hired, data=bid_input())
    services.accept_bid(actor=owner, bid=winning)
    return Scene(
        client_org=client_org,
        owner=owner,
        member=member,
        supplier=supplier,
        supplier_owner=supplier_owner,
        task=task,
        other_task=other_task,
        draft=draft,
        bid=bid,
        thread=thread,
        message=message,
        saved_search=saved_search,
        invitation=invitation,
        invitation_token=invitation_token,
        invitee=invitee,
        api_token=api_token,
        contract=winning.contract,
    )


# --- what the forms post ---------------------------------------------------------------------------


def task_form(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data = {
        "title": "Quarterly VAT returns",
        "description": "File our VAT returns every quarter.",
        "category": Category.objects.get(slug="accounting-and-bookkeeping").pk,
        "skills": "VAT returns, Xero",
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": "2,800.00",
        "deadline": (today + timedelta(days=40)).isoformat(),
        "bidding_closes_at": f"{today + timedelta(days=10)}T12:00",  # the same in both copies, to the second
        "location_type": "remote",
        "visibility": "public",
        "action": "publish",
    }
    data.update(overrides)
    return data


def bid_form(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "amount": "2,800.00",
        "start_date": (today + timedelta(days=3)).isoformat(),
        "delivery_date": (today + timedelta(days=45)).isoformat(),
        "availability_hours_per_week": "20",
        "cover_letter": "We run payroll for 120 firms like yours.",
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "20",
        "milestones-0-title": "Everything",
        "milestones-0-amount": "2,800.00",
        "milestones-0-due_date": (today + timedelta(days=45)).isoformat(),
    }
    data.update(overrides)
    return data


def organization_profile_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Northwind Trading GmbH",
        "headline": "Payroll",
        "country": "AT",
        "city": "Vienna",
        "time_zone": "Europe/Vienna",
        "languages": "German",
        "skills": "Payroll",
        "hourly_rate": "85.50",
        "hourly_rate_currency": "EUR",
        "website": "https://northwind.example",
        "portfolio_links": "",
    }
    data.update(overrides)
    return data


@dataclass(frozen=True)
class FormCase:
    """One posting route: who posts what to it; ``created`` counts what a creating form makes."""

    route: str
    actor: str
    kwargs: Callable[[Scene], dict[str, Any]]
    data: Callable[[Scene], dict[str, Any]]
    created: Callable[[Scene], int] | None = None
    first_status: int = 302  # the API token page shows the secret in place (200) instead of redirecting

    def __str__(self) -> str:
        return self.route


def _none(scene: Scene) -> dict[str, Any]:
    return {}


def _contract(scene: Scene, **more: Any) -> dict[str, Any]:
    return {"contract_id": scene.contract.pk, **more}


def _sent_for_signing(scene: Scene) -> dict[str, Any]:
    """The contract waits for signatures; the client's owner agreed to sign electronically."""
    contract_services.send_for_signing(actor=scene.owner, organization=scene.client_org, contract=scene.contract)
    contract_services.give_consent(user=scene.owner)
    return _contract(scene)


def _signed_on_paper_by_the_supplier(scene: Scene) -> dict[str, Any]:
    _sent_for_signing(scene)
    signature = contract_services.sign(
        actor=scene.supplier_owner,
        organization=scene.supplier,
        contract=scene.contract,
        data=contract_services.SignatureInput(
            sha256=scene.contract.current_version.sha256, method="in_person", scan=pdf("signed.pdf")
        ),
    )
    return _contract(scene, signature_id=signature.pk)


def _offer_terms(scene: Scene) -> Terms:
    """What a client offers the supplier directly: one milestone of 900.00 EUR."""
    starter = contract_services.offer_terms(
        client=scene.client_org, supplier=scene.supplier, currency="EUR", hourly=False
    )
    milestone = MilestoneTerms(
        key="m1", title="Logo", amount=90_000, due_date=timezone.localdate() + timedelta(days=30)
    )
    return replace(starter, title="A logo, offered", scope="Our new logo.", price=90_000, milestones=(milestone,))


def _paper_signature(scene: Scene) -> int:
    return Signature.objects.get(contract=scene.contract, method="in_person").pk


def _sign_form(scene: Scene) -> dict[str, Any]:
    scene.contract.refresh_from_db()
    return {"sha256": scene.contract.current_version.sha256, "intent": "on", "method": "typed", "typed_name": "Jo"}


def _active(scene: Scene) -> dict[str, Any]:
    """The contract signed by both sides: active."""
    _sent_for_signing(scene)
    contract_services.give_consent(user=scene.supplier_owner)
    for user, organization in ((scene.owner, scene.client_org), (scene.supplier_owner, scene.supplier)):
        scene.contract.refresh_from_db()
        data = contract_services.SignatureInput(
            sha256=scene.contract.current_version.sha256, method="typed", typed_name="Jo"
        )
        contract_services.sign(actor=user, organization=organization, contract=scene.contract, data=data)
    return _contract(scene)


FORM_CASES = [
    # Forms that create something: counted.
    FormCase(
        "task-create",
        "client",
        _none,
        lambda s: task_form(),
        lambda s: Task.objects.filter(title__contains="VAT").count(),
    ),
    FormCase(
        "bid-create",
        "supplier",
        lambda s: {"task_id": s.other_task.pk},
        lambda s: bid_form(),
        lambda s: Bid.objects.filter(task=s.other_task).count(),
    ),
    FormCase(
        "thread-detail",
        "supplier",
        lambda s: {"thread_id": s.thread.pk},
        lambda s: {"body": "We can start on Monday.", "attachments": [pdf("plan.pdf")]},
        lambda s: Message.objects.filter(thread=s.thread).count(),
    ),
    FormCase(
        "thread-open",
        "client",
        lambda s: {"task_id": s.task.pk, "supplier_id": s.supplier.pk},
        _none,
    ),
    FormCase(
        "saved-search-list",
        "client",
        _none,
        lambda s: {"name": "Cleaning in Berlin", "query": "q=cleaning&city=Berlin", "notify": "on"},
        lambda s: SavedSearch.objects.filter(name="Cleaning in Berlin").count(),
    ),
    FormCase(
        "organization-create",
        "client",
        _none,
        lambda s: {"name": "Initech", "headline": ""},
        lambda s: Organization.objects.filter(name="Initech").count(),
    ),
    FormCase(
        "member-list",
        "client",
        _none,
        lambda s: {"email": "ada@example.test", "role": Role.MEMBER},
        lambda s: Invitation.objects.filter(email="ada@example.test").count(),
    ),
    FormCase(
        "api-token-list",
        "client",
        _none,
        lambda s: {"name": "Accounting sync", "expires_at": (timezone.localdate() + timedelta(days=30)).isoformat()},
        lambda s: ApiToken.objects.filter(name="Accounting sync").count(),
        first_status=200,
    ),
    FormCase(
        "task-invite",
        "client",
        lambda s: {"task_id": s.other_task.pk},
        lambda s: {"supplier": s.supplier.pk, "message": "Your portfolio fits."},
        lambda s: BidInvitation.objects.filter(task=s.other_task).count(),
    ),
    FormCase(
        "invitation-accept",
        "invitee",
        lambda s: {"token": s.invitation_token},
        _none,
        lambda s: Membership.objects.filter(organization=s.client_org, user=s.invitee).count(),
    ),
    FormCase(  # an edit that uploads a file: two copies would attach it twice
        "task-edit",
        "client",
        lambda s: {"task_id": s.other_task.pk},
        lambda s: {**task_form(title="Office cleaning", action="save"), "attachments": [pdf("floor-plan.pdf")]},
        lambda s: TaskAttachment.objects.filter(task=s.other_task).count(),
    ),
    FormCase(
        "bid-edit",
        "supplier",
        lambda s: {"bid_id": s.bid.pk},
        lambda s: {**bid_form(), "attachments": [pdf("references.pdf")]},
        lambda s: BidAttachment.objects.filter(bid=s.bid).count(),
    ),
    # Forms that change state: the second copy must answer like the first, not with "already done".
    FormCase("task-publish", "client", lambda s: {"task_id": s.draft.pk}, _none),
    FormCase("task-close", "client", lambda s: {"task_id": s.task.pk}, _none),
    FormCase("task-cancel", "client", lambda s: {"task_id": s.task.pk}, _none),
    FormCase("saved-search-delete", "client", lambda s: {"saved_search_id": s.saved_search.pk}, _none),
    FormCase("bid-withdraw", "supplier", lambda s: {"bid_id": s.bid.pk}, _none),
    FormCase("bid-shortlist", "client", lambda s: {"bid_id": s.bid.pk}, lambda s: {"shortlisted": "1"}),
    FormCase("bid-decline", "client", lambda s: {"bid_id": s.bid.pk}, lambda s: {"reason": "Over budget."}),
    FormCase("bid-accept", "client", lambda s: {"bid_id": s.bid.pk}, lambda s: {"confirm": "yes"}),
    FormCase("task-comparison", "client", lambda s: {"task_id": s.task.pk}, lambda s: {**DEFAULT_WEIGHTS, "price": 5}),
    FormCase(
        "member-role",
        "client",
        lambda s: {"membership_id": Membership.objects.get(user=s.member, organization=s.client_org).pk},
        lambda s: {"role": Role.ADMIN},
    ),
    FormCase(
        "member-remove",
        "client",
        lambda s: {"membership_id": Membership.objects.get(user=s.member, organization=s.client_org).pk},
        _none,
    ),
    FormCase("invitation-revoke", "client", lambda s: {"invitation_id": s.invitation.pk}, _none),
    FormCase("api-token-revoke", "client", lambda s: {"token_id": s.api_token.pk}, _none),
    FormCase("organization-settings", "client", _none, lambda s: organization_profile_form()),
    FormCase("user-profile", "client", _none, lambda s: {"name": "Alice Example"}),
    # Signing a contract.
    FormCase("contract-send", "client", _contract, lambda s: {"order": "any"}),
    FormCase(
        "contract-sign",
        "signer",
        _sent_for_signing,
        _sign_form,
        lambda s: Signature.objects.filter(contract=s.contract, method="typed").count(),
    ),
    FormCase(
        "contract-hand-over",
        "client",
        _sent_for_signing,
        lambda s: {"to": make_member(s.client_org, role=Role.ADMIN).pk},
    ),
    FormCase("contract-confirm-signature", "client", _signed_on_paper_by_the_supplier, _none),
    # Ending an active contract (confirmed): the second copy must not end it twice or answer "already ended".
    FormCase(
        "contract-end", "client", _active, lambda s: {"reason": "Budget cut.", "insourced": "on", "confirm": "yes"}
    ),
    FormCase(  # an offer makes a contract: two copies would make two
        "contract-offer",
        "client",
        lambda s: {"slug": s.supplier.slug},
        lambda s: proposal_form(_offer_terms(s)),
        lambda s: Contract.objects.filter(task__isnull=True).count(),
    ),
    FormCase(  # a proposal makes a version: two copies would make two
        "contract-propose",
        "supplier",
        lambda s: {"contract_id": s.contract.pk},
        lambda s: proposal_form(s.contract.terms, title="Label design, revised"),
        lambda s: ContractVersion.objects.filter(contract=s.contract).count(),
    ),
]

# Routes that take a POST but need no token: repeating them is the same as doing them once.
UNGUARDED_POSTS = {
    "organization-switch": "changes which organization the session acts for; nothing is created or sent",
    "verify-document": "checks an uploaded PDF and answers; nothing is created, kept or sent",
}


# --- every posting route is guarded and has a case -------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: Callable[..., Any]

    def __str__(self) -> str:
        return self.name


def _walk(resolver: URLResolver, prefix: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace is None and not str(entry.pattern).startswith(("api/", "admin/", "accounts/")):
                routes += _walk(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name and not (prefix + str(entry.pattern)).startswith("api/"):
            routes.append(Route(entry.name, prefix + str(entry.pattern), entry.callback))
    return routes


# The product's pages; the admin, allauth's account pages (accounts/) and the API are not among them.
PAGES = _walk(get_resolver())


def test_the_walk_sees_the_products_pages():
    names = {route.name for route in PAGES}

    assert {"task-create", "bid-create", "thread-detail", "organization-create", "home"} <= names
    assert not any(route.pattern.startswith(("api/", "admin/", "accounts/")) for route in PAGES)


def test_every_guarded_page_has_a_double_submit_case_and_every_case_is_guarded():
    guarded = {route.name for route in PAGES if getattr(route.view, "submit_once", False)}

    assert guarded == {case.route for case in FORM_CASES}


def _attachment_for(route: str, scene: Scene) -> int:
    owner = route.split("-")[0]
    if owner == "task":
        return scene.task.attachments.get().pk
    if owner == "bid":
        return scene.bid.attachments.get().pk
    return scene.message.attachments.get().pk


PARAMETERS: dict[str, Callable[[Scene, str], Any]] = {
    "task_id": lambda s, r: s.task.pk,
    "bid_id": lambda s, r: s.bid.pk,
    "thread_id": lambda s, r: s.thread.pk,
    "saved_search_id": lambda s, r: s.saved_search.pk,
    "supplier_id": lambda s, r: s.supplier.pk,
    "slug": lambda s, r: s.client_org.slug,
    "attachment_id": lambda s, r: _attachment_for(r, s),
    "contract_id": lambda s, r: s.contract.pk,
    "signature_id": lambda s, r: _signed_on_paper_by_the_supplier(s)["signature_id"],
    "number": lambda s, r: 1,
    "older": lambda s, r: 1,
    "newer": lambda s, r: 1,
}


@pytest.mark.parametrize(
    "route",
    [r for r in PAGES if not getattr(r.view, "submit_once", False) and r.name not in UNGUARDED_POSTS],
    ids=str,
)
def test_a_page_without_a_token_takes_no_post(route: Route, scene: Scene):
    """So every route that does take one is in the list above: guarded, with a case."""
    parameters = re.findall(r"<(?:\w+:)?(\w+)>", route.pattern)
    missing = [name for name in parameters if name not in PARAMETERS]
    assert not missing, f"{route.name} takes {missing}: add them to PARAMETERS in tests/test_double_submits.py"
    url = reverse(route.name, kwargs={name: PARAMETERS[name](scene, route.name) for name in parameters})

    response = scene.as_("client").post(url, {TOKEN_FIELD: new_form_token()})

    assert response.status_code == 405, (
        f"{route.name} takes a POST ({response.status_code}): mark its view core.idempotency.submit_once, add "
        "{% submit_token %} to its forms and a FormCase here, or list it in UNGUARDED_POSTS with the reason"
    )


# --- every form that posts carries the token ---------------------------------------------------------

FORM = re.compile(r"<form\b(?P<attributes>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
UNGUARDED_ACTIONS = re.compile(r"""\{%\s*url\s+['"](organization-switch|account_logout|verify-document)['"]""")
# allauth's own pages (sign in, sign up, password, two-factor) post to its views, not to ours.
THIRD_PARTY_TEMPLATES = ("account", "mfa", "allauth", "socialaccount", "api")


def posting_forms() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES)
        if relative.parts[0] in THIRD_PARTY_TEMPLATES:
            continue
        for match in FORM.finditer(path.read_text()):
            if re.search(r"""method\s*=\s*["']?post""", match["attributes"], re.I):
                found.append((str(relative), match["attributes"], match["body"]))
    return found


def test_the_product_has_posting_forms_to_check():
    assert len(posting_forms()) >= 30


def test_every_form_that_posts_carries_a_one_time_token():
    missing = [
        f"{template}: <form{attributes[:120]}>"
        for template, attributes, body in posting_forms()
        if "{% submit_token %}" not in body and not UNGUARDED_ACTIONS.search(attributes)
    ]

    assert missing == [], "Add {% submit_token %} after {% csrf_token %} in these forms"


def test_the_token_is_a_hidden_field_with_a_fresh_value_each_time(scene):
    page = scene.as_("client").get(reverse("task-create")).content.decode()
    again = scene.as_("client").get(reverse("task-create")).content.decode()

    pattern = rf'<input type="hidden" name="{TOKEN_FIELD}" value="([A-Za-z0-9_-]{{32}})">'
    tokens, tokens_again = re.findall(pattern, page), re.findall(pattern, again)
    assert tokens
    assert tokens_again
    assert tokens != tokens_again


# --- sent twice, acted on once ----------------------------------------------------------------------


@pytest.mark.parametrize("case", FORM_CASES, ids=str)
def test_a_form_sent_twice_acts_once(case: FormCase, scene: Scene):
    # Given a form as it was rendered once, with its token
    client = scene.as_(case.actor)
    url = reverse(case.route, kwargs=case.kwargs(scene))
    token = new_form_token()
    before = case.created(scene) if case.created else 0

    # When it is sent twice
    data = {**case.data(scene), TOKEN_FIELD: token}
    first = client.post(url, again(data))
    audit_after_first = list(AuditEvent.objects.values_list("pk", flat=True))
    second = client.post(url, again(data))

    # Then the first acted, and the second was answered with where the first went, doing nothing
    assert first.status_code == case.first_status, first.content.decode()[:3000]
    assert second.status_code == 302
    expected = first["Location"] if case.first_status == 302 else url
    assert second["Location"] == expected
    assert DUPLICATE_FORM_MESSAGE in [str(m) for m in second.wsgi_request._messages]
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == audit_after_first
    if case.created:
        assert case.created(scene) == before + 1


def test_a_post_without_a_token_acts_each_time_as_before(scene):
    """The defect as reported, still there for a client that leaves the token out: pages always send it."""
    client = scene.as_("client")

    client.post(reverse("task-create"), task_form())
    client.post(reverse("task-create"), task_form())

    assert Task.objects.filter(title="Quarterly VAT returns", status="open").count() == 2


def test_the_rendered_token_is_what_makes_the_second_copy_a_replay(scene):
    client = scene.as_("client")
    page = client.get(reverse("task-create")).content.decode()
    token = re.search(rf'name="{TOKEN_FIELD}" value="([^"]+)"', page)[1]  # type: ignore[index]

    data = {**task_form(), TOKEN_FIELD: token}
    first = client.post(reverse("task-create"), data)
    second = client.post(reverse("task-create"), data)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Task.objects.filter(title="Quarterly VAT returns").count() == 1


def test_a_form_changed_and_sent_again_from_the_same_page_is_a_new_submission(scene):
    # Back to the form, another title, sent again: the user meant a second task.
    client = scene.as_("client")
    token = new_form_token()

    client.post(reverse("task-create"), {**task_form(), TOKEN_FIELD: token})
    client.post(reverse("task-create"), {**task_form(title="Quarterly VAT returns, Austria"), TOKEN_FIELD: token})

    assert Task.objects.filter(title__startswith="Quarterly VAT returns").count() == 2


def test_a_form_shown_again_with_errors_keeps_nothing_so_it_can_be_corrected_and_sent(scene):
    client = scene.as_("client")
    token = new_form_token()

    refused = client.post(reverse("task-create"), {**task_form(title=""), TOKEN_FIELD: token})
    refused_again = client.post(reverse("task-create"), {**task_form(title=""), TOKEN_FIELD: token})
    accepted = client.post(reverse("task-create"), {**task_form(), TOKEN_FIELD: token})

    assert refused.status_code == refused_again.status_code == 400
    assert accepted.status_code == 302
    assert Task.objects.filter(title="Quarterly VAT returns").count() == 1


def test_another_user_with_the_same_token_is_not_answered_with_the_first_users_page(scene):
    token = new_form_token()
    data = {"name": "Cleaning in Berlin", "query": "q=cleaning", "notify": "on", TOKEN_FIELD: token}

    scene.as_("client").post(reverse("saved-search-list"), data)
    scene.as_("supplier").post(reverse("saved-search-list"), data)

    assert SavedSearch.objects.filter(name="Cleaning in Berlin").count() == 2


def test_a_long_next_address_is_kept_for_the_second_copy(scene):
    client = scene.as_("client")
    page = reverse("task-detail", kwargs={"task_id": scene.task.pk}) + "?note="
    back = page + "x" * (2040 - len(page))  # just under the longest "next" Django accepts (2048)
    data = {"next": back, TOKEN_FIELD: new_form_token()}

    first = client.post(reverse("task-close", kwargs={"task_id": scene.task.pk}), data)
    second = client.post(reverse("task-close", kwargs={"task_id": scene.task.pk}), data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"] == back


def test_a_token_expires_with_its_time_to_live(scene, settings):
    from core.models import IdempotencyRecord

    client = scene.as_("client")
    token = new_form_token()
    client.post(reverse("task-create"), {**task_form(), TOKEN_FIELD: token})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))

    client.post(reverse("task-create"), {**task_form(), TOKEN_FIELD: token})

    assert Task.objects.filter(title="Quarterly VAT returns").count() == 2


# --- API: Idempotency-Key ---------------------------------------------------------------------------


def task_payload(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    payload: dict[str, Any] = {
        "title": "Quarterly VAT returns",
        "description": "Prepare and file our VAT returns every quarter.",
        "category": Category.objects.get(slug="accounting-and-bookkeeping").pk,
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": 150_000,
        "deadline": (today + timedelta(days=60)).isoformat(),
        "bidding_closes_at": f"{today + timedelta(days=14)}T12:00:00Z",
        "skills": ["VAT returns"],
        "publish": True,
    }
    payload.update(overrides)
    return payload


def bid_payload(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    payload: dict[str, Any] = {
        "amount": 280_000,
        "start_date": (today + timedelta(days=3)).isoformat(),
        "availability_hours_per_week": 20,
        "delivery_date": (today + timedelta(days=45)).isoformat(),
        "cover_letter": "We run payroll for 120 firms like yours.",
        "milestones": [{"title": "All", "amount": 280_000, "due_date": (today + timedelta(days=45)).isoformat()}],
    }
    payload.update(overrides)
    return payload


@dataclass(frozen=True)
class ApiCase:
    """One POST operation: who sends which body; ``other`` is a different body for the same key."""

    operation: str  # the schema's path
    actor: str
    path: Callable[[Scene], str]
    body: Callable[[Scene], dict[str, Any]]
    other: Callable[[Scene], dict[str, Any]] | None  # None: an action without a body
    created: Callable[[Scene], int] | None = None
    multipart: bool = False

    def send(self, client: Any, scene: Scene, body: dict[str, Any], key: str | None = "k-1") -> Any:
        headers = {HEADER: key} if key is not None else {}
        fmt = "multipart" if self.multipart else "json"
        return client.post(self.path(scene), again(body), format=fmt, headers=headers)

    def __str__(self) -> str:
        return self.operation


API_CASES = [
    ApiCase(
        "/api/v1/tasks/",
        "client",
        lambda s: f"{API}/tasks/",
        lambda s: task_payload(),
        lambda s: task_payload(title="Annual accounts"),
        lambda s: Task.objects.filter(title="Quarterly VAT returns").count(),
    ),
    ApiCase(
        "/api/v1/tasks/{task_id}/bids/",
        "supplier",
        lambda s: f"{API}/tasks/{s.other_task.pk}/bids/",
        lambda s: bid_payload(),
        lambda s: bid_payload(cover_letter="Another letter."),
        lambda s: Bid.objects.filter(task=s.other_task).count(),
    ),
    ApiCase(
        "/api/v1/tasks/{task_id}/attachments/",
        "client",
        lambda s: f"{API}/tasks/{s.other_task.pk}/attachments/",
        lambda s: {"attachments": [pdf("floor-plan.pdf")]},
        lambda s: {"attachments": [pdf("another.pdf")]},
        lambda s: TaskAttachment.objects.filter(task=s.other_task).count(),
        multipart=True,
    ),
    ApiCase(
        "/api/v1/bids/{bid_id}/attachments/",
        "supplier",
        lambda s: f"{API}/bids/{s.bid.pk}/attachments/",
        lambda s: {"attachments": [pdf("references.pdf")]},
        lambda s: {"attachments": [SimpleUploadedFile("references.pdf", b"%PDF-1.4 other bytes")]},
        lambda s: BidAttachment.objects.filter(bid=s.bid).count(),
        multipart=True,
    ),
    ApiCase(
        "/api/v1/tasks/{task_id}/invitations/",
        "client",
        lambda s: f"{API}/tasks/{s.other_task.pk}/invitations/",
        lambda s: {"supplier": s.supplier.pk, "message": "Your portfolio fits."},
        lambda s: {"supplier": s.supplier.pk, "message": "Something else."},
        lambda s: BidInvitation.objects.filter(task=s.other_task).count(),
    ),
    ApiCase(
        "/api/v1/threads/",
        "client",
        lambda s: f"{API}/threads/",
        lambda s: {"task": s.task.pk, "supplier": s.supplier.pk},
        lambda s: {"task": s.other_task.pk, "supplier": s.supplier.pk},
        None,  # the bid opened it already: open_thread finds it, with or without a key
    ),
    ApiCase(
        "/api/v1/threads/{thread_id}/messages/",
        "supplier",
        lambda s: f"{API}/threads/{s.thread.pk}/messages/",
        lambda s: {"body": "We can start on Monday."},
        lambda s: {"body": "Tuesday, then."},
        lambda s: Message.objects.filter(thread=s.thread).count(),
    ),
    ApiCase(
        "/api/v1/saved-searches/",
        "client",
        lambda s: f"{API}/saved-searches/",
        lambda s: {"name": "Cleaning", "filters": {"q": "cleaning"}, "notify": True},
        lambda s: {"name": "Cleaning", "filters": {"q": "cleaning"}, "notify": False},
        lambda s: SavedSearch.objects.filter(name="Cleaning").count(),
    ),
    ApiCase(
        "/api/v1/organizations/",
        "client",
        lambda s: f"{API}/organizations/",
        lambda s: {"name": "Initech"},
        lambda s: {"name": "Initrode"},
        lambda s: Organization.objects.filter(name="Initech").count(),
    ),
    ApiCase(
        "/api/v1/invitations/",
        "client",
        lambda s: f"{API}/invitations/",
        lambda s: {"email": "ada@example.test", "role": "member"},
        lambda s: {"email": "ada@example.test", "role": "admin"},
        lambda s: Invitation.objects.filter(email="ada@example.test").count(),
    ),
    ApiCase(
        "/api/v1/invitations/accept/",
        "invitee",
        lambda s: f"{API}/invitations/accept/",
        lambda s: {"token": s.invitation_token},
        lambda s: {"token": "another-token"},
        lambda s: Membership.objects.filter(organization=s.client_org, user=s.invitee).count(),
    ),
    ApiCase(
        "/api/v1/api-tokens/",
        "client",
        lambda s: f"{API}/api-tokens/",
        lambda s: {"name": "Accounting sync"},
        lambda s: {"name": "Payroll sync"},
        lambda s: ApiToken.objects.filter(name="Accounting sync").count(),
    ),
    # State changes: the second copy answers like the first instead of "already done" (409).
    ApiCase(
        "/api/v1/tasks/{task_id}/publish/",
        "client",
        lambda s: f"{API}/tasks/{s.draft.pk}/publish/",
        _none,
        lambda s: {"note": "different"},
    ),
    ApiCase("/api/v1/tasks/{task_id}/close/", "client", lambda s: f"{API}/tasks/{s.task.pk}/close/", _none, None),
    ApiCase("/api/v1/tasks/{task_id}/cancel/", "client", lambda s: f"{API}/tasks/{s.task.pk}/cancel/", _none, None),
    ApiCase("/api/v1/bids/{bid_id}/withdraw/", "supplier", lambda s: f"{API}/bids/{s.bid.pk}/withdraw/", _none, None),
    ApiCase("/api/v1/bids/{bid_id}/accept/", "client", lambda s: f"{API}/bids/{s.bid.pk}/accept/", _none, None),
    ApiCase(
        "/api/v1/bids/{bid_id}/shortlist/",
        "client",
        lambda s: f"{API}/bids/{s.bid.pk}/shortlist/",
        lambda s: {"shortlisted": True},
        lambda s: {"shortlisted": False},
    ),
    ApiCase(
        "/api/v1/bids/{bid_id}/decline/",
        "client",
        lambda s: f"{API}/bids/{s.bid.pk}/decline/",
        lambda s: {"reason": "Over budget."},
        lambda s: {"reason": "Too late."},
    ),
    ApiCase("/api/v1/threads/{thread_id}/read/", "client", lambda s: f"{API}/threads/{s.thread.pk}/read/", _none, None),
    # Contracts.
    ApiCase(
        "/api/v1/contracts/",
        "client",
        lambda s: f"{API}/contracts/",
        lambda s: _offer_body(s),
        lambda s: {**_offer_body(s), "title": "Another offer"},
        lambda s: Contract.objects.filter(task__isnull=True).count(),
    ),
    ApiCase(
        "/api/v1/contracts/{contract_id}/versions/",
        "supplier",
        lambda s: f"{API}/contracts/{s.contract.pk}/versions/",
        lambda s: {"title": "Label design, revised", "note": "A clearer title."},
        lambda s: {"title": "Label design, revised again"},
        lambda s: ContractVersion.objects.filter(contract=s.contract).count(),
    ),
    ApiCase(
        "/api/v1/contracts/{contract_id}/send/",
        "client",
        lambda s: f"{API}/contracts/{s.contract.pk}/send/",
        lambda s: {"order": "supplier_first"},
        lambda s: {"order": "client_first"},
    ),
    ApiCase(
        "/api/v1/contracts/{contract_id}/sign/",
        "signer",
        lambda s: f"{API}/contracts/{s.contract.pk}/sign/",
        lambda s: _api_signature(s, typed_name="Jo Owner"),
        lambda s: _api_signature(s, typed_name="J. Owner"),
        lambda s: Signature.objects.filter(contract=s.contract, method="typed").count(),
    ),
    ApiCase(
        "/api/v1/contracts/{contract_id}/hand-over/",
        "client",
        lambda s: f"{API}/contracts/{s.contract.pk}/hand-over/",
        lambda s: {"to": _sent_for_signing(s) and make_member(s.client_org, role=Role.ADMIN).pk},
        lambda s: {"to": s.owner.pk},
    ),
    ApiCase(  # the path names the signature the body's set-up makes
        "/api/v1/contracts/{contract_id}/signatures/{signature_id}/confirm/",
        "client",
        lambda s: f"{API}/contracts/{s.contract.pk}/signatures/{_paper_signature(s)}/confirm/",
        lambda s: _signed_on_paper_by_the_supplier(s) and {},
        None,
    ),
    ApiCase(  # an amendment makes a version: two copies would make two
        "/api/v1/contracts/{contract_id}/amendments/",
        "supplier",
        lambda s: f"{API}/contracts/{s.contract.pk}/amendments/",
        lambda s: {"title": "Label design, amended"} if _active(s) else {},
        lambda s: {"title": "Label design, amended again"},
        lambda s: ContractVersion.objects.filter(contract=s.contract).count(),
    ),
    ApiCase(
        "/api/v1/contracts/{contract_id}/terminate/",
        "client",
        lambda s: f"{API}/contracts/{s.contract.pk}/terminate/",
        lambda s: {"reason": "Budget cut."} if _active(s) else {},
        lambda s: {"reason": "Another reason."},
    ),
]
# Signing in makes a token but has no signed-in caller to scope a key to; checking a PDF writes nothing.
NO_IDEMPOTENCY_KEY = {
    "/api/v1/auth/token/": "anonymous: exchanges a password for a token",
    "/api/v1/verify/": "public and read-only: checks an uploaded PDF, keeps nothing",
}


def _offer_body(scene: Scene) -> dict[str, Any]:
    terms = _offer_terms(scene)
    milestones = [{"title": m.title, "amount": m.amount} for m in terms.milestones]
    fields = {"title": terms.title, "scope": terms.scope, "currency": "EUR", "price": terms.price}
    return {"supplier_organization": scene.supplier.pk, **fields, "milestones": milestones}


def _api_signature(scene: Scene, **more: Any) -> dict[str, Any]:
    """The contract waits for signatures (the client's owner agreed to sign electronically): its hash, typed."""
    _sent_for_signing(scene)
    scene.contract.refresh_from_db()
    return {"sha256": scene.contract.current_version.sha256, "method": "typed", **more}


@pytest.fixture
def schema(db) -> dict[str, Any]:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_every_post_operation_documents_the_key_and_has_a_case(schema):
    posts = {path for path, operations in schema["paths"].items() if "post" in operations}
    documented = {
        path
        for path in posts
        if HEADER in {p["name"] for p in schema["paths"][path]["post"].get("parameters", []) if p["in"] == "header"}
        and "422" in schema["paths"][path]["post"]["responses"]
    }

    assert documented == posts - set(NO_IDEMPOTENCY_KEY)
    assert {case.operation for case in API_CASES} == documented


@pytest.mark.parametrize("case", API_CASES, ids=str)
def test_a_request_sent_twice_with_one_key_acts_once_and_answers_the_same(case: ApiCase, scene: Scene):
    # Given a client that sends a request with a key
    client = scene.as_(case.actor, api=True)
    before = case.created(scene) if case.created else 0

    # When it sends it again (a retry after a timeout)
    body = case.body(scene)
    first = case.send(client, scene, body)
    audit_after_first = list(AuditEvent.objects.values_list("pk", flat=True))
    second = case.send(client, scene, body)

    # Then the second answer is the first one, replayed, and nothing happened twice
    assert first.status_code < 300, first.content
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert second[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == audit_after_first
    if case.created:
        assert case.created(scene) == before + 1


@pytest.mark.parametrize("case", [case for case in API_CASES if case.other is not None], ids=str)
def test_the_same_key_with_another_body_is_refused_and_changes_nothing(case: ApiCase, scene: Scene):
    client = scene.as_(case.actor, api=True)
    assert case.send(client, scene, case.body(scene)).status_code < 300
    audit_after_first = list(AuditEvent.objects.values_list("pk", flat=True))
    counted = case.created(scene) if case.created else 0

    response = case.send(client, scene, case.other(scene))  # type: ignore[misc]

    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == audit_after_first
    if case.created:
        assert case.created(scene) == counted


def test_without_a_key_the_api_acts_on_every_request_as_before(scene):
    client = scene.as_("client", api=True)

    client.post(f"{API}/tasks/", task_payload(), format="json")
    client.post(f"{API}/tasks/", task_payload(), format="json")

    assert Task.objects.filter(title="Quarterly VAT returns").count() == 2


# --- two copies at the same moment -----------------------------------------------------------------


def race(send: Callable[[], Any], copies: int = 2) -> list[Any]:
    """Send ``copies`` requests at once, each from its own thread (and database connection)."""
    barrier = threading.Barrier(copies)
    answers: list[Any] = [None] * copies

    def one(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            answers[index] = send()
        finally:
            connection.close()  # each thread has its own connection: leave none open

    threads = [threading.Thread(target=one, args=(index,)) for index in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.django_db(transaction=True)
def test_a_task_form_sent_twice_at_the_same_moment_makes_one_task(scene):
    client = scene.as_("client")
    data = {**task_form(), TOKEN_FIELD: new_form_token()}

    answers = race(lambda: client.post(reverse("task-create"), data))

    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Task.objects.filter(title="Quarterly VAT returns").count() == 1
    task = Task.objects.get(title="Quarterly VAT returns")
    actions = list(
        AuditEvent.objects.filter(target_type="marketplace.task", target_id=str(task.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions
    assert len(actions) == len(set(actions)), f"one audit record per real change: {actions}"


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_twice_at_the_same_moment_is_sent_once(scene):
    client = scene.as_("supplier")
    data = {"body": "We can start on Monday.", TOKEN_FIELD: new_form_token()}

    answers = race(lambda: client.post(reverse("thread-detail", kwargs={"thread_id": scene.thread.pk}), data))

    assert [answer.status_code for answer in answers] == [302, 302]
    assert Message.objects.filter(thread=scene.thread, body="We can start on Monday.").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_api_request_sent_twice_at_the_same_moment_with_one_key_acts_once(scene):
    client = scene.as_("client", api=True)
    body = task_payload()

    answers = race(lambda: client.post(f"{API}/tasks/", body, format="json", headers={HEADER: "retry-42"}))

    assert sorted(answer.status_code for answer in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(answer.get(REPLAYED_HEADER, "") for answer in answers) == ["", "true"]
    assert Task.objects.filter(title="Quarterly VAT returns").count() == 1


# --- the key's rules ----------------------------------------------------------------------------------


def test_a_malformed_key_is_refused_with_the_error_body(scene):
    client = scene.as_("client", api=True)

    response = client.post(f"{API}/tasks/", task_payload(), format="json", headers={HEADER: "x" * 256})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {HEADER: ["Use 1 to 255 printable ASCII characters, such as a UUID."]}
    assert not Task.objects.filter(title="Quarterly VAT returns").exists()


def test_a_key_belongs_to_its_user_and_organization(scene):
    body = {"name": "Cleaning", "filters": {"q": "cleaning"}, "notify": True}
    personal = Organization.objects.get(memberships__user=scene.owner, is_personal=True)
    in_personal = scene.as_("client", api=True)
    session = in_personal.session
    session[SESSION_KEY] = personal.pk
    session.save()

    scene.as_("client", api=True).post(f"{API}/saved-searches/", body, format="json", headers={HEADER: "k"})
    scene.as_("supplier", api=True).post(f"{API}/saved-searches/", body, format="json", headers={HEADER: "k"})
    in_personal.post(f"{API}/saved-searches/", body, format="json", headers={HEADER: "k"})

    assert SavedSearch.objects.filter(name="Cleaning").count() == 3


def test_a_refused_request_keeps_nothing_so_the_key_can_send_the_corrected_one(scene):
    client = scene.as_("client", api=True)

    refused = client.post(f"{API}/tasks/", task_payload(title=""), format="json", headers={HEADER: "k"})
    corrected = client.post(f"{API}/tasks/", task_payload(), format="json", headers={HEADER: "k"})

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert REPLAYED_HEADER not in corrected


def test_a_key_acts_again_once_its_time_to_live_is_over(scene, settings):
    from core.models import IdempotencyRecord

    client = scene.as_("client", api=True)
    client.post(f"{API}/tasks/", task_payload(), format="json", headers={HEADER: "k"})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))

    again_ = client.post(f"{API}/tasks/", task_payload(), format="json", headers={HEADER: "k"})

    assert again_.status_code == 201
    assert REPLAYED_HEADER not in again_
    assert Task.objects.filter(title="Quarterly VAT returns").count() == 2


def test_the_beat_job_forgets_expired_keys_only(scene, settings):
    from core.models import IdempotencyRecord
    from core.tasks import purge_idempotency_records

    client = scene.as_("client", api=True)
    client.post(f"{API}/saved-searches/", {"name": "Old", "filters": {}}, format="json", headers={HEADER: "old"})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS + 1))
    client.post(f"{API}/saved-searches/", {"name": "New", "filters": {}}, format="json", headers={HEADER: "new"})

    assert purge_idempotency_records() == 1

    assert IdempotencyRecord.objects.count() == 1
    assert "core.purge_idempotency_records" in {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}


def test_a_kept_answer_is_unreadable_without_the_key_yet_replays_a_token_secret_to_its_holder(scene):
    from core.models import IdempotencyRecord

    client = scene.as_("client", api=True)
    key = "d2f1c3a4-0b9e-4f6a-9c57-0c1d2e3f4a5b"
    first = client.post(f"{API}/api-tokens/", {"name": "Accounting sync"}, format="json", headers={HEADER: key})
    secret = first.json()["token"]

    record = IdempotencyRecord.objects.get()
    assert secret not in record.response_body
    assert key not in record.key_digest
    replayed = client.post(f"{API}/api-tokens/", {"name": "Accounting sync"}, format="json", headers={HEADER: key})
    assert replayed.json()["token"] == secret
