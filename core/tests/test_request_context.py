"""Every request carries one id: in its log lines, its audit events and its response."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from core.models import AuditEvent


@pytest.mark.django_db
def test_request_id_is_returned_logged_and_audited(client, firm, caplog):
    client.force_login(firm.owner)
    client.post(reverse("organization-switch"), {"organization": firm.pk})

    with caplog.at_level(logging.INFO, logger="django_structlog"):
        response = client.post(
            reverse("member-list"),
            {"email": "someone@example.test", "role": "member"},
            HTTP_USER_AGENT="pytest-agent",
            REMOTE_ADDR="203.0.113.9",
        )

    request_id = response["X-Request-ID"]
    assert request_id
    assert any(request_id in record.getMessage() for record in caplog.records)
    event = AuditEvent.objects.get(action="invitation.created")
    assert event.request_id == request_id
    assert event.ip_address == "203.0.113.9"
    assert event.user_agent == "pytest-agent"
    assert event.actor == firm.owner
    assert event.organization == firm


@pytest.mark.django_db
def test_each_request_gets_its_own_id_when_none_is_sent(client):
    first = client.get(reverse("health"))["X-Request-ID"]
    second = client.get(reverse("health"))["X-Request-ID"]

    assert first
    assert first != second
