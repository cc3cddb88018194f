"""A transaction PostgreSQL ends in a collision (deadlock, serialization, lock timeout) answers 503."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from core.conflicts import conflict_of
from tests.support import signed_in

pytestmark = pytest.mark.django_db


def collide(code: str):  # type: ignore[no-untyped-def]
    """A service call that PostgreSQL itself ends with the error ``code``."""

    def call(*args, **kwargs):  # type: ignore[no-untyped-def]
        with connection.cursor() as cursor:
            cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'collided' USING ERRCODE = '{code}'; END $$")

    return call


@pytest.mark.parametrize("code", ["40P01", "40001", "55P03"])
def test_a_page_that_collides_asks_to_send_again(firm, monkeypatch, code):
    monkeypatch.setattr(services, "invite_member", collide(code))
    client = signed_in(firm.owner, firm, client=Client(raise_request_exception=False))

    response = client.post(reverse("member-list"), {"email": "ada@example.test", "role": "member"})

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "Nothing was saved; send it again." in response.content.decode()


def test_the_api_answers_busy_in_its_error_body(firm, monkeypatch):
    monkeypatch.setattr(services, "create_api_token", collide("40P01"))
    client = signed_in(firm.owner, firm, client=APIClient(raise_request_exception=False))

    response = client.post("/api/v1/api-tokens/", {"name": "Sync", "expires_in_days": 30}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "busy"
    assert response["Retry-After"] == "1"


def test_other_database_errors_stay_500(firm, monkeypatch):
    monkeypatch.setattr(services, "invite_member", collide("53300"))  # too_many_connections: no collision
    client = signed_in(firm.owner, firm, client=Client(raise_request_exception=False))

    response = client.post(reverse("member-list"), {"email": "ada@example.test", "role": "member"})

    assert response.status_code == 500


def test_a_real_lock_timeout_is_recognised(transactional_db):
    from django.db import OperationalError, connections, transaction

    from accounts.models import Organization
    from tests.factories import OrganizationFactory

    organization = OrganizationFactory()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT 1 FROM accounts_organization WHERE id = %s FOR UPDATE", [organization.pk])

        def locked_read() -> None:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '50ms'")
                Organization.objects.select_for_update().filter(pk=organization.pk).exists()

        with pytest.raises(OperationalError) as error:
            locked_read()
        assert conflict_of(error.value) == "lock_timeout"
    finally:
        other.close()
