"""Every 4xx of the API has one body: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Role
from core.api.exceptions import exception_handler
from core.exceptions import AuthenticationFailed, Conflict, DomainError, NotFound, PermissionDenied
from tests.factories import make_member
from tests.support import api_signed_in as signed_in

pytestmark = pytest.mark.django_db


def assert_error_body(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


# --- through HTTP ---------------------------------------------------------------------------------


def test_401_for_anonymous_names_the_scheme():
    response = APIClient().get("/api/v1/me/")

    assert_error_body(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["Bearer", "Bearer one two", "Bearer 12345", "Token mkt_nope"])
def test_401_for_a_malformed_or_unknown_token(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/me/")

    assert_error_body(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_403_for_a_member_without_the_role(firm):
    member = make_member(firm, role=Role.MEMBER)

    response = signed_in(member, firm).get("/api/v1/invitations/")

    assert_error_body(response, 403, "permission_denied")


def test_403_for_a_session_write_without_csrf_token(user):
    response = signed_in(user, enforce_csrf_checks=True).patch("/api/v1/me/", {"name": "x"}, format="json")

    error = assert_error_body(response, 403, "permission_denied")
    assert "CSRF" in error["message"]


def test_404_for_an_object_of_another_organization(firm, other_firm):
    response = signed_in(other_firm.owner, other_firm).get(f"/api/v1/organizations/{firm.pk}/")

    assert_error_body(response, 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/organizations/not-a-number/", "/api/v2/"])
def test_404_for_a_route_that_does_not_exist(user, path):
    response = signed_in(user).get(path)

    assert_error_body(response, 404, "not_found")


def test_pages_outside_the_api_keep_the_html_404():
    response = APIClient().get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_405_for_a_method_the_endpoint_does_not_have(user):
    response = signed_in(user).delete("/api/v1/me/")

    error = assert_error_body(response, 405, "method_not_allowed")
    assert "DELETE" in error["message"]


def test_406_for_a_format_the_api_cannot_produce(user):
    response = signed_in(user).get("/api/v1/me/", HTTP_ACCEPT="application/xml")

    assert_error_body(response, 406, "not_acceptable")


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/tasks/999999/", "/api/v1/tasks/999999/attachments/1/"])
def test_a_browser_gets_json_too(user, path):
    # The schema documents JSON only; a browser's Accept header must not turn answers into HTML pages.
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    response = signed_in(user).get(path, HTTP_ACCEPT=accept)

    assert response["Content-Type"] == "application/json"


def test_406_for_html_only(user):
    response = signed_in(user).get("/api/v1/tasks/999999/", HTTP_ACCEPT="text/html")

    assert_error_body(response, 406, "not_acceptable")


def test_415_for_a_body_in_an_unsupported_media_type(user):
    response = signed_in(user).post("/api/v1/organizations/", data="name=x", content_type="text/plain")

    assert_error_body(response, 415, "unsupported_media_type")


def test_400_for_malformed_json(user):
    response = signed_in(user).post("/api/v1/organizations/", data="{not json", content_type="application/json")

    assert_error_body(response, 400, "parse_error")


def test_400_validation_errors_name_each_field(user):
    response = signed_in(user).post("/api/v1/organizations/", {"name": "", "hourly_rate": "lots"}, format="json")

    error = assert_error_body(response, 400, "validation_error")
    assert error["message"] == "Some fields are not valid."
    assert set(error["fields"]) == {"name", "hourly_rate"}
    assert all(isinstance(messages, list) and messages for messages in error["fields"].values())


def test_400_for_a_cursor_the_list_did_not_give_out(user):
    response = signed_in(user).get("/api/v1/organizations/", {"cursor": "not-a-cursor"})

    error = assert_error_body(response, 400, "validation_error")
    assert error["fields"] == {"cursor": ["Invalid cursor"]}


def test_409_for_a_refused_domain_rule(firm):
    response = signed_in(firm.owner, firm).patch(
        f"/api/v1/memberships/{firm.owner.memberships.get(organization=firm).pk}/", {"role": "member"}, format="json"
    )

    error = assert_error_body(response, 409, "conflict")
    assert error["fields"] == {"role": ["The last owner cannot be demoted. Make someone else an owner first."]}


def test_429_when_throttled(user, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "1/min")
    client = signed_in(user)
    assert client.get("/api/v1/me/").status_code == 200

    response = client.get("/api/v1/me/")

    assert_error_body(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_429_for_anonymous_visitors_too(monkeypatch):
    # Checked on a public endpoint: elsewhere an anonymous visitor is turned away (401) before throttling.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1/min")
    client = APIClient()
    client.post("/api/v1/auth/token/", {}, format="json")

    response = client.post("/api/v1/auth/token/", {}, format="json")

    assert_error_body(response, 429, "throttled")


# --- the handler itself -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (DomainError("Nope."), 400, "invalid"),
        (PermissionDenied("Nope."), 403, "permission_denied"),
        (NotFound("Nope."), 404, "not_found"),
        (Conflict("Nope."), 409, "conflict"),
        (AuthenticationFailed("Nope."), 401, "authentication_failed"),
        (DomainError("Nope.", code="custom_reason"), 400, "custom_reason"),
    ],
)
def test_domain_errors_keep_their_status_and_code(exc, status, code):
    response = exception_handler(exc, {})

    assert response is not None
    assert response.status_code == status
    assert response.data == {"error": {"code": code, "message": "Nope."}}


def test_a_domain_error_on_a_field_fills_fields():
    response = exception_handler(DomainError("Enter a valid email address.", field="email"), {})

    assert response is not None
    assert response.data["error"]["fields"] == {"email": ["Enter a valid email address."]}


def test_a_401_domain_error_names_the_scheme():
    response = exception_handler(AuthenticationFailed("Wrong email or password."), {})

    assert response is not None
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (RequestDataTooBig(), 413, "request_too_large"),
        (SuspiciousOperation(), 400, "parse_error"),
    ],
)
def test_django_errors_raised_in_a_view_get_the_body(exc, status, code):
    response = exception_handler(exc, {})

    assert response is not None
    assert response.status_code == status
    assert response.data["error"]["code"] == code


def test_a_non_field_validation_error_becomes_the_message():
    response = exception_handler(exceptions.ValidationError(["Pick one."]), {})

    assert response is not None
    assert response.data == {
        "error": {"code": "validation_error", "message": "Pick one.", "fields": {"non_field_errors": ["Pick one."]}}
    }


def test_nested_validation_errors_are_named_by_their_path():
    # The schema promises a list of messages under each key: nested objects and list items must not nest.
    detail = {
        "owner": {"email": ["Enter a valid email address."]},
        "skills": {0: ["Too long."], 3: ["Null characters are not allowed."]},
        "milestones": [{}, {"amount": ["Too big."], "non_field_errors": ["Due before the start."]}],
        "attachments": {"0": ["Not a file."]},
    }

    response = exception_handler(exceptions.ValidationError(detail), {})

    assert response is not None
    assert response.data["error"]["fields"] == {
        "owner.email": ["Enter a valid email address."],
        "skills.0": ["Too long."],
        "skills.3": ["Null characters are not allowed."],
        "milestones.1.amount": ["Too big."],
        "milestones.1": ["Due before the start."],
        "attachments.0": ["Not a file."],
    }


def test_a_field_with_plain_messages_keeps_its_name():
    response = exception_handler(exceptions.ValidationError({"milestones": ["They must add up to the price."]}), {})

    assert response is not None
    assert response.data["error"]["fields"] == {"milestones": ["They must add up to the price."]}


def test_unexpected_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("bug"), {}) is None
