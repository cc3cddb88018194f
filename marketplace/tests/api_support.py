"""Helpers of the marketplace API tests: clients acting in an organization, the error body, audit and query checks."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Organization, Role
from core.models import AuditEvent
from marketplace import services
from marketplace.models import Bid
from tests.factories import OrganizationFactory, bid_input, make_member
from tests.support import api_signed_in as signed_in  # noqa: F401 - the API tests' name for it
from tests.support import count_queries  # noqa: F401

API = "/api/v1"


def with_token(user, organization) -> APIClient:
    _token, secret = account_services.create_api_token(actor=user, organization=organization, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def audited(action: str, organization=None, target=None) -> bool:
    events = AuditEvent.objects.filter(action=action)
    if organization is not None:
        events = events.filter(organization=organization)
    if target is not None:
        events = events.filter(target_id=str(target.pk))
    return events.exists()


def error(response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def row(model, pk) -> dict[str, Any]:
    """A row's stored values, to prove a refused request changed nothing."""
    return model.objects.filter(pk=pk).values().get()


def submit(task, supplier, **overrides: Any) -> Bid:
    return services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input(**overrides))


def make_org(name: str) -> Organization:
    organization = OrganizationFactory(name=name)
    organization.owner = make_member(organization, role=Role.OWNER)
    return organization
