"""Tenant isolation, checked on every route the URL resolver knows.

The test walks the whole resolver, so a new view is covered the moment it is
routed. Every route is one of:

- public: marked with ``core.routing.public`` (or listed among the
  third-party public routes): anonymous visitors are served, never sent to
  the login page;
- platform staff: Django's admin site, which sends everyone else to its login;
- private: anonymous visitors are sent to the login page (HTML) or refused
  with 401/403 (API).

A private route whose URL carries an object id is requested by a member of
another organization with the ids of this organization's objects, by every
method it allows, in the browser's session and (API routes) with an API token:
each answer is 404, the same answer an id that does not exist gets, and
nothing changes. A route whose URL parameter this test cannot fill fails with
a message saying what to add, so no route escapes the check.

Tasks and bids have sides: a bid is read by its bidder and the task's client,
but edited and withdrawn by the bidder only and decided on by the client only.
Every route of a task or a bid says which side may read and which may write
(:data:`SIDES`); the other side gets the same 404 (or 405 for a method the
route does not serve), never a 403 that would say the object is there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import services
from accounts.models import ApiToken, Invitation, Membership, Organization
from contracts import services as contract_services
from contracts.models import Contract, Signature
from core.routing import is_public_route
from marketplace import services as marketplace_services
from marketplace.models import (
    Bid,
    BidAttachment,
    BidInvitation,
    Message,
    MessageAttachment,
    SavedSearch,
    Task,
    TaskAttachment,
)
from tests.factories import UserFactory, bid_input, make_member, task_input

# URL parameters that carry a secret (a signed key, an invitation token), not
# an object id: knowing one is the permission, so they are not tenant-checked.
SECRET_PARAMETERS = frozenset({"key", "uidb36", "token"})
# Parameters that identify nothing private.
NEUTRAL_PARAMETERS = frozenset({"format", "slug"})
UNSAFE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: Callable[..., Any]
    parameters: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def is_public(self) -> bool:
        return is_public_route(self.name, self.view)

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def object_parameters(self) -> tuple[str, ...]:
        return tuple(p for p in self.parameters if p not in SECRET_PARAMETERS | NEUTRAL_PARAMETERS)

    def __str__(self) -> str:
        return f"{self.name} ({self.pattern})"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            child_ns = (
                f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (entry.namespace or namespace)
            )
            yield from _walk(entry, prefix + str(entry.pattern), child_ns)
        elif isinstance(entry, URLPattern):
            regex = entry.pattern.regex
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(
                name=name,
                pattern=prefix + str(entry.pattern),
                view=entry.callback,
                parameters=tuple(regex.groupindex),
            )


ROUTES = [route for route in _walk(get_resolver()) if route.name]
# Django admin keeps a few unnamed redirect routes of its own (staff-only).
UNNAMED = [route for route in _walk(get_resolver()) if not route.name and not route.pattern.startswith("admin/")]


def test_every_route_has_a_name():
    assert UNNAMED == [], "Name every route so the isolation test can build its URL"


def test_the_walk_sees_the_products_routes():
    names = {route.name for route in ROUTES}

    assert {"home", "health", "account_login", "admin:index"} <= names
    assert any(route.is_api for route in ROUTES)


# --- the world the checks run in -----------------------------------------------------


@dataclass
class World:
    victim: Organization
    victim_owner: Any
    victim_membership: Membership
    victim_invitation: Invitation
    victim_invitation_token: str
    victim_token: ApiToken
    victim_task: Any  # invite-only: the outsider was not invited
    victim_bid: Any  # a partner's bid on it, private to the two
    victim_thread: Any
    victim_saved_search: Any
    victim_contract: Any  # with the partner, in its second version, waiting for signatures
    victim_signature: Any  # the partner's, on paper, on that contract
    partner: Organization
    outsider: Any

    @property
    def attachments(self) -> dict[str, Any]:
        return {
            "task": self.victim_task.attachments.get(),
            "bid": self.victim_bid.attachments.get(),
            "message": MessageAttachment.objects.get(message__thread=self.victim_thread),
        }

    def snapshot(self) -> tuple[Any, ...]:
        """Everything an outsider might try to change in the victim organization."""
        organization = Organization.objects.get(pk=self.victim.pk)
        return (
            tuple(Membership.objects.filter(organization=organization).order_by("pk").values_list("pk", "role")),
            tuple(
                Invitation.objects.filter(organization=organization)
                .order_by("pk")
                .values_list("pk", "revoked_at", "accepted_at")
            ),
            tuple(ApiToken.objects.filter(organization=organization).order_by("pk").values_list("pk", "revoked_at")),
            organization.updated_at,
            tuple(
                Task.objects.filter(organization=organization).order_by("pk").values_list("pk", "status", "updated_at")
            ),
            tuple(
                Bid.objects.filter(task__organization=organization)
                .order_by("pk")
                .values_list("pk", "status", "updated_at")
            ),
            Message.objects.filter(thread__task__organization=organization).count(),
            tuple(BidInvitation.objects.filter(task__organization=organization).values_list("pk", flat=True)),
            tuple(
                SavedSearch.objects.filter(organization=organization)
                .order_by("pk")
                .values_list("pk", "name", "filters", "notify")
            ),
            tuple(TaskAttachment.objects.filter(task__organization=organization).order_by("pk").values_list("pk")),
            tuple(BidAttachment.objects.filter(bid__task__organization=organization).order_by("pk").values_list("pk")),
            tuple(
                MessageAttachment.objects.filter(message__thread__task__organization=organization)
                .order_by("pk")
                .values_list("pk")
            ),
            tuple(Task.objects.filter(organization=organization).values_list("comparison_weights", flat=True)),
            tuple(
                Contract.objects.filter(client=organization)
                .order_by("pk")
                .values_list("pk", "status", "current_version", "updated_at", "client_signer", "signing_order")
            ),
            tuple(
                Signature.objects.filter(contract__client=organization)
                .order_by("pk")
                .values_list("pk", "confirmed_at", "voided_at")
            ),
        )


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test file", content_type="application/pdf")


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    owner = UserFactory(email="owner@victim.test")
    victim = services.create_organization(actor=owner, name="Victim Firm")
    member = make_member(victim, role="member")
    invitation, invitation_token = services.invite_member(actor=owner, organization=victim, email="new@victim.test")
    token, _ = services.create_api_token(actor=owner, organization=victim, name="CI")

    partner_owner = UserFactory(email="owner@partner.test")
    partner = services.create_organization(actor=partner_owner, name="Partner Supplies", skills=["Payroll"])
    task = marketplace_services.create_task(
        actor=owner,
        organization=victim,
        data=task_input(visibility="invite_only"),
        publish=True,
        attachments=[pdf("brief.pdf")],
    )
    marketplace_services.invite_supplier_to_bid(actor=owner, task=task, supplier=partner)
    bid = marketplace_services.submit_bid(
        actor=partner_owner, supplier=partner, task=task, data=bid_input(), attachments=[pdf("offer.pdf")]
    )
    thread = marketplace_services.get_or_create_thread(task=task, supplier=partner)
    marketplace_services.send_message(
        actor=owner, organization=victim, thread=thread, body="When can you start?", attachments=[pdf("notes.pdf")]
    )
    saved = marketplace_services.save_search(actor=owner, organization=victim, name="Payroll", filters={"q": "payroll"})
    # A contract with the partner, in its second version: another task, another bid, accepted.
    hired = marketplace_services.create_task(actor=owner, organization=victim, data=task_input(), publish=True)
    winning = marketplace_services.submit_bid(actor=partner_owner, supplier=partner, task=hired, data=bid_input())
    marketplace_services.accept_bid(actor=owner, bid=winning)
    contract = Contract.objects.get(bid=winning)
    second = contract_services.propose_version(
        actor=partner_owner,
        organization=partner,
        contract=contract,
        terms=replace(contract.terms, title="Payroll, second version"),
    )
    # Sent for signatures; the partner signed on paper and uploaded the scan.
    contract_services.send_for_signing(actor=owner, organization=victim, contract=contract)
    signature = contract_services.sign(
        actor=partner_owner,
        organization=partner,
        contract=contract,
        data=contract_services.SignatureInput(sha256=second.sha256, method="in_person", scan=pdf("signed.pdf")),
    )

    outsider = UserFactory(email="outsider@elsewhere.test")
    services.create_organization(actor=outsider, name="Elsewhere Ltd")
    return World(
        victim=victim,
        victim_owner=owner,
        victim_membership=Membership.objects.get(user=member, organization=victim),
        victim_invitation=invitation,
        victim_invitation_token=invitation_token,
        victim_token=token,
        victim_task=task,
        victim_bid=bid,
        victim_thread=thread,
        victim_saved_search=saved,
        victim_contract=contract,
        victim_signature=signature,
        partner=partner,
        outsider=outsider,
    )


# How to fill each URL parameter with the id of one of the victim's objects.
# A new route with a new parameter fails below until a line is added here.
PARAMETER_VALUES: dict[str, Callable[[World], Any]] = {
    "membership_id": lambda w: w.victim_membership.pk,
    "invitation_id": lambda w: w.victim_invitation.pk,
    "token_id": lambda w: w.victim_token.pk,
    "organization_id": lambda w: w.victim.pk,
    "slug": lambda w: w.victim.slug,
    "task_id": lambda w: w.victim_task.pk,
    "bid_id": lambda w: w.victim_bid.pk,
    "thread_id": lambda w: w.victim_thread.pk,
    "saved_search_id": lambda w: w.victim_saved_search.pk,
    "contract_id": lambda w: w.victim_contract.pk,
    "number": lambda w: 1,  # a version of the contract
    "older": lambda w: 1,
    "newer": lambda w: 2,
    "signature_id": lambda w: w.victim_signature.pk,
    "supplier_id": lambda w: w.partner.pk,
    "token": lambda w: w.victim_invitation_token,
    "key": lambda w: "not-a-real-key",
    "uidb36": lambda w: "zz",
    "format": lambda w: "json",
}
# DRF routers name the id ``pk``; which object it means depends on the route.
PK_BY_ROUTE: dict[str, Callable[[World], Any]] = {
    "api-membership-detail": lambda w: w.victim_membership.pk,
    "api-invitation-detail": lambda w: w.victim_invitation.pk,
    "api-token-detail": lambda w: w.victim_token.pk,
    "api-organization-detail": lambda w: w.victim.pk,
}
# Django admin's own object ids: staff-only, so any value will do.
ADMIN_PARAMETERS = {"object_id": "1", "id": "1", "app_label": "auth", "content_type_id": "1", "url": "x"}


# Attachment ids belong to a task, a bid or a message, by route (the pages' and the API's).
ATTACHMENT_KIND_BY_ROUTE = {
    "task-attachment": "task",
    "bid-attachment": "bid",
    "message-attachment": "message",
    "marketplace-api:api-task-attachment": "task",
    "marketplace-api:api-bid-attachment": "bid",
    "marketplace-api:api-thread-attachment": "message",
}


UNKNOWN_ID = 2_000_000_000  # no object has it


def build_url(route: Route, world: World, *, unknown: bool = False) -> str:
    """The route's URL with the ids of the victim's objects, or (``unknown``) ids no object has."""
    kwargs: dict[str, Any] = {}
    for parameter in route.parameters:
        if unknown and parameter in route.object_parameters:
            kwargs[parameter] = UNKNOWN_ID
        elif route.is_admin and parameter in ADMIN_PARAMETERS:
            kwargs[parameter] = ADMIN_PARAMETERS[parameter]
        elif parameter == "attachment_id" and route.name in ATTACHMENT_KIND_BY_ROUTE:
            kwargs[parameter] = world.attachments[ATTACHMENT_KIND_BY_ROUTE[route.name]].pk
        elif parameter == "pk" and route.name.split(":")[-1] in PK_BY_ROUTE:
            kwargs[parameter] = PK_BY_ROUTE[route.name.split(":")[-1]](world)
        elif parameter in PARAMETER_VALUES:
            kwargs[parameter] = PARAMETER_VALUES[parameter](world)
        else:
            pytest.fail(
                f"Route {route} takes '{parameter}', which tests/test_isolation.py cannot fill: add it to "
                "PARAMETER_VALUES (or PK_BY_ROUTE for a router's pk) with an object of the victim organization."
            )
    return reverse(route.name, kwargs=kwargs)


def request(client: Client, method: str, url: str) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data={}, content_type="application/json")


ALL_METHODS = ("get", *UNSAFE_METHODS)


def answers(client: Client, url: str, *, api: bool = False, methods: tuple[str, ...] = ALL_METHODS) -> dict[str, Any]:
    """The answer to each method (GET first, then the unsafe ones): its status, and for the API its error body."""
    found: dict[str, Any] = {}
    for method in methods:
        response = request(client, method, url)
        body = response.json() if api and response.status_code >= 400 else None
        found[method] = (response.status_code, body)
    return found


def outsider_client(world: World, *, by_token: bool) -> Client:
    """The outsider signed in to the browser, or calling the API with a token of its organization."""
    if not by_token:
        client = Client()
        client.force_login(world.outsider)
        return client
    organization = Organization.objects.get(name="Elsewhere Ltd")
    _token, secret = services.create_api_token(actor=world.outsider, organization=organization, name="probe")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_anonymous_visitors_as_declared(route: Route, world: World):
    client = Client()
    url = build_url(route, world)

    response = client.get(url)
    if response.status_code == 405:
        response = request(client, "post", url)

    if route.is_public:
        assert response.status_code < 500, f"{route} failed for an anonymous visitor"
        assert not is_login_redirect(response), f"{route} is marked public but asks anonymous visitors to log in"
    elif route.name in ("admin:login", "admin:logout"):
        assert response.status_code < 500
    elif route.is_admin:
        assert response.status_code in (302, 404), f"{route} is staff-only"
        if response.status_code == 302:
            assert reverse("admin:login") in response["Location"]
    elif route.is_api:
        assert response.status_code in (401, 403), f"{route} must refuse anonymous API calls"
        assert "error" in response.json()
    else:
        assert is_login_redirect(response), (
            f"{route} is not marked public, so anonymous visitors must be sent to log in "
            f"(got {response.status_code}); mark it with core.routing.public if it is meant to be open"
        )


# Public routes too: a public page of a private object (an invite-only task) is still private.
PRIVATE_OBJECT_ROUTES = [route for route in ROUTES if route.object_parameters and not route.is_admin]


def test_there_are_private_routes_with_object_ids_to_check():
    assert len(PRIVATE_OBJECT_ROUTES) >= 4


OUTSIDER_CASES = [(route, False) for route in PRIVATE_OBJECT_ROUTES] + [
    (route, True) for route in PRIVATE_OBJECT_ROUTES if route.is_api
]


@pytest.mark.parametrize(
    ("route", "by_token"), OUTSIDER_CASES, ids=[f"{r}{' by token' if t else ''}" for r, t in OUTSIDER_CASES]
)
def test_another_organizations_member_gets_the_404_of_an_unknown_id_and_changes_nothing(
    route: Route, by_token: bool, world: World
):
    client = outsider_client(world, by_token=by_token)
    url = build_url(route, world)
    before = world.snapshot()

    found = answers(client, url, api=route.is_api)
    unknown = answers(client, build_url(route, world, unknown=True), api=route.is_api)

    served = {method: status for method, (status, _body) in found.items() if status != 405}
    assert served, f"{route} allows no method at all"
    assert set(served.values()) == {404}, f"{route} answered an outsider with {served}, expected 404 for every method"
    assert found == unknown, f"{route} answers another organization's ids unlike ids that do not exist"
    assert world.snapshot() == before


# --- the other side of a task or a bid ------------------------------------------------------------

BOTH, CLIENT, BIDDER = "both", "client", "bidder"
# Who may read (GET) and who may write (the other methods) through each route of a task or a bid.
# The victim is the task's client; the partner, invited to the task, made the bid.
SIDES: dict[str, tuple[str, str]] = {
    "task-detail": (BOTH, BOTH),
    "task-edit": (CLIENT, CLIENT),
    "task-publish": (CLIENT, CLIENT),
    "task-close": (CLIENT, CLIENT),
    "task-cancel": (CLIENT, CLIENT),
    "task-invite": (CLIENT, CLIENT),
    "task-attachment": (BOTH, BOTH),
    "task-bids": (CLIENT, CLIENT),
    "task-comparison": (CLIENT, CLIENT),
    "bid-create": (BOTH, BOTH),  # the client is told it cannot bid on its own task
    "bid-detail": (BOTH, BOTH),
    "bid-edit": (BIDDER, BIDDER),
    "bid-withdraw": (BIDDER, BIDDER),
    "bid-shortlist": (CLIENT, CLIENT),
    "bid-decline": (CLIENT, CLIENT),
    "bid-accept": (CLIENT, CLIENT),
    "bid-attachment": (BOTH, BOTH),
    "thread-open": (BOTH, BOTH),
    "marketplace-api:api-task-detail": (BOTH, CLIENT),
    "marketplace-api:api-task-attachment": (BOTH, CLIENT),
    "marketplace-api:api-task-attachments": (BOTH, CLIENT),
    "marketplace-api:api-task-bids": (CLIENT, BOTH),  # the client lists them; a supplier bids
    "marketplace-api:api-task-cancel": (CLIENT, CLIENT),
    "marketplace-api:api-task-close": (CLIENT, CLIENT),
    "marketplace-api:api-task-publish": (CLIENT, CLIENT),
    "marketplace-api:api-task-comparison": (CLIENT, CLIENT),
    "marketplace-api:api-task-invitations": (CLIENT, CLIENT),
    "marketplace-api:api-bid-detail": (BOTH, BIDDER),
    "marketplace-api:api-bid-withdraw": (BIDDER, BIDDER),
    "marketplace-api:api-bid-accept": (CLIENT, CLIENT),
    "marketplace-api:api-bid-decline": (CLIENT, CLIENT),
    "marketplace-api:api-bid-shortlist": (CLIENT, CLIENT),
    "marketplace-api:api-bid-attachment": (BOTH, BIDDER),
    "marketplace-api:api-bid-attachments": (BOTH, BIDDER),
}
SIDED_ROUTES = [
    route
    for route in ROUTES
    if not route.is_admin and {"task_id", "bid_id"} & set(route.parameters) and not route.name.startswith("admin:")
]


def test_every_route_of_a_task_or_a_bid_says_which_side_may_use_it():
    missing = sorted(route.name for route in SIDED_ROUTES if route.name not in SIDES)

    assert missing == [], f"Say in tests/test_isolation.py SIDES who may read and write through {missing}"
    assert set(SIDES) <= {route.name for route in SIDED_ROUTES}, "SIDES names a route that is gone"


WRONG_SIDE_CASES = [
    (route, side) for route in SIDED_ROUTES for side in (CLIENT, BIDDER) if side in SIDES.get(route.name, ())
]


@pytest.mark.parametrize(
    ("route", "side"), WRONG_SIDE_CASES, ids=[f"{route} for the {side}'s side only" for route, side in WRONG_SIDE_CASES]
)
def test_the_other_side_gets_the_404_of_an_unknown_id_and_changes_nothing(route: Route, side: str, world: World):
    # The bidder asks what is the client's, or the client what is the bidder's.
    caller = world.partner.memberships.get().user if side == CLIENT else world.victim_owner
    client = Client()
    client.force_login(caller)
    url = build_url(route, world)
    read, write = SIDES[route.name]
    closed = tuple(method for method in ALL_METHODS if (read if method == "get" else write) == side)
    before = world.snapshot()

    found = answers(client, url, api=route.is_api, methods=closed)
    unknown = answers(client, build_url(route, world, unknown=True), api=route.is_api, methods=closed)

    assert {status for status, _body in found.values()} <= {404, 405}, f"{route} answered the other side {found}"
    assert found == unknown, f"{route} tells the other side the object is there"
    assert world.snapshot() == before


@pytest.mark.parametrize("route", [r for r in ROUTES if r.is_admin and r.name == "admin:index"], ids=str)
def test_admin_refuses_ordinary_members(route: Route, world: World):
    client = Client()
    client.force_login(world.victim_owner)

    response = client.get(build_url(route, world))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
