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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "recorded"),
    [
        # No proxy of ours: whatever the client writes is ignored.
        (0, "198.51.100.7", "203.0.113.9"),
        (0, "198.51.100.7, 10.0.0.1", "203.0.113.9"),
        # One proxy: it appended the peer it saw; the hops before it are the client's to invent.
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (1, "2001:db8::7", "2001:db8::7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        # Fewer hops than proxies, or a hop that is no address: the connection's peer.
        (2, "198.51.100.7", "203.0.113.9"),
        (1, "10.0.0.1, not-an-ip", "203.0.113.9"),
        (1, "198.51.100.7\x00", "203.0.113.9"),
        (1, "fe80::1%eth0", "203.0.113.9"),
        (1, "", "203.0.113.9"),
    ],
)
def test_the_audit_log_records_the_address_our_proxies_saw(client, firm, settings, proxies, forwarded_for, recorded):
    # X-Forwarded-For is anyone's to write: only the hops our own proxies appended count, and a
    # malformed one never breaks the action.
    settings.TRUSTED_PROXY_COUNT = proxies
    client.force_login(firm.owner)
    client.post(reverse("organization-switch"), {"organization": firm.pk})

    response = client.post(
        reverse("member-list"),
        {"email": "someone@example.test", "role": "member"},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code < 500
    assert AuditEvent.objects.get(action="invitation.created").ip_address == recorded


@pytest.mark.django_db
def test_a_forged_forwarded_for_gets_no_fresh_api_allowance(monkeypatch):
    # The API's anonymous throttle counts by the same address: a new X-Forwarded-For per request
    # must not buy a new allowance.
    from rest_framework.test import APIClient
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")
    client = APIClient()
    answers = [
        client.get("/api/v1/tasks/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", REMOTE_ADDR="203.0.113.9").status_code
        for n in range(4)
    ]

    assert answers == [200, 200, 429, 429]


@pytest.mark.django_db
def test_a_user_agent_with_control_characters_is_audited_without_them(client, firm):
    client.force_login(firm.owner)
    client.post(reverse("organization-switch"), {"organization": firm.pk})

    response = client.post(
        reverse("member-list"),
        {"email": "someone@example.test", "role": "member"},
        HTTP_USER_AGENT="evil\x00agent\x01/1.0" + "x" * 600,
    )

    assert response.status_code < 500
    agent = AuditEvent.objects.get(action="invitation.created").user_agent
    assert agent.startswith("evilagent/1.0x")
    assert len(agent) == 500


@pytest.mark.django_db
def test_log_lines_name_the_address_the_audit_log_records(client, firm):
    import structlog

    seen = []

    def remember(logger, method_name, event_dict):  # type: ignore[no-untyped-def]
        seen.append(structlog.contextvars.get_contextvars().get("ip"))
        return event_dict

    client.force_login(firm.owner)
    with structlog.testing.capture_logs(processors=[remember]):
        client.post(
            reverse("member-list"),
            {"email": "someone@example.test", "role": "member"},
            HTTP_X_FORWARDED_FOR="not-an-ip, 10.0.0.1",
            REMOTE_ADDR="203.0.113.9",
        )

    assert AuditEvent.objects.get(action="invitation.created").ip_address == "203.0.113.9"
    assert seen
    assert set(seen) == {"203.0.113.9"}


@pytest.mark.django_db
@pytest.mark.parametrize("forwarded_for", ["198.51.100.7", "", "not-an-ip"])
def test_sign_in_rate_limits_read_the_same_address_and_never_fail(client, settings, forwarded_for):
    # allauth's own reading of X-Forwarded-For answered 500 (ImproperlyConfigured) when the header
    # held fewer hops than the trusted proxies; its rate limits now key on our client_ip.
    from allauth.account.adapter import get_adapter
    from django.test import RequestFactory

    settings.TRUSTED_PROXY_COUNT = 2
    response = client.post(
        reverse("account_login"),
        {"login": "nobody@example.test", "password": "wrong"},
        HTTP_X_FORWARDED_FOR=forwarded_for,
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 200  # the form again, with its error
    request = RequestFactory().post("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.1")
    assert get_adapter(request).get_client_ip(request) == "198.51.100.7"
