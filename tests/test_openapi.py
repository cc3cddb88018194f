"""The OpenAPI schema and its two readers (Swagger UI, Redoc), served from our own origin."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import resolve
from rest_framework.test import APIClient

from core.routing import is_public

pytestmark = pytest.mark.django_db

ACCOUNTS_ENDPOINTS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/me/": {"get", "patch"},
    "/api/v1/organizations/": {"get", "post"},
    "/api/v1/organizations/{id}/": {"get", "patch"},
    "/api/v1/memberships/": {"get"},
    "/api/v1/memberships/{id}/": {"patch", "delete"},
    "/api/v1/invitations/": {"get", "post"},
    "/api/v1/invitations/{id}/": {"delete"},
    "/api/v1/invitations/accept/": {"post"},
    "/api/v1/api-tokens/": {"get", "post"},
    "/api/v1/api-tokens/{id}/": {"delete"},
}


@pytest.fixture
def schema() -> dict:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_openapi_3_and_public(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]


def test_the_schema_lists_every_accounts_endpoint_and_method(schema):
    for path, methods in ACCOUNTS_ENDPOINTS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path
    assert "put" not in schema["paths"]["/api/v1/organizations/{id}/"]


def test_the_schema_documents_the_token_scheme_and_the_error_body(schema):
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiToken"]["description"],
    }
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert {"apiToken": []} in me["security"]
    assert me["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    # Signing in needs no credentials.
    assert "security" not in schema["paths"]["/api/v1/auth/token/"]["post"] or schema["paths"]["/api/v1/auth/token/"][
        "post"
    ]["security"] in ([], [{}])


def test_list_endpoints_are_cursor_paginated(schema):
    listing = schema["paths"]["/api/v1/organizations/"]["get"]
    assert "cursor" in {parameter["name"] for parameter in listing["parameters"]}


def test_the_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any warning (an unresolvable field, a guessed type) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert yaml.safe_load((tmp_path / "schema.yml").read_text())["paths"]


def test_output_fields_that_may_be_empty_say_so(schema):
    components = schema["components"]["schemas"]
    blank = {"$ref": "#/components/schemas/BlankEnum"}
    # A remote task, or a supplier that gave no country, has "" as its country.
    assert blank in components["Task"]["properties"]["country"]["oneOf"]
    assert blank in components["Supplier"]["properties"]["country"]["oneOf"]
    # A supplier nobody has reviewed yet has no rating.
    assert components["Supplier"]["properties"]["rating"]["nullable"] is True


# Routes whose GET answers with a file (an attachment, the signed contract PDF), not with JSON.
DOWNLOADS = ("/attachments/{attachment_id}/", "/contracts/{contract_id}/pdf/")


def test_errors_of_the_shared_machinery_are_documented_everywhere(schema):
    # Throttles apply to every operation, parsers to every body, the paginator to every cursor.
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            if not path.endswith(DOWNLOADS) or method != "get":  # a download is the file
                assert "406" in responses, (method, path)
            if "requestBody" in operation:
                assert {"400", "415"} <= set(responses), (method, path)
            if method in ("post", "put", "patch", "delete"):  # a write that collided in the database
                assert responses["503"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (method, path)
            if any(parameter["name"] == "cursor" for parameter in operation.get("parameters", [])):
                assert responses["400"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (method, path)


def test_swagger_ui_is_served_from_our_origin():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "no CDN"
    # The start-up script is a separate same-origin request: the strict CSP allows no inline script.
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert script_url is not None
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    script = APIClient().get(script_url.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


def test_redoc_is_served_from_our_origin():
    response = APIClient().get("/api/redoc/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "redoc.standalone.js" in html
    assert "googleapis" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "no CDN"
    assert "<script>" not in html


@pytest.mark.parametrize(
    "asset",
    [
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    ],
)
def test_the_docs_assets_ship_with_the_app(asset):
    assert finders.find(asset)


@pytest.mark.parametrize(
    "path", ["/api/schema/", "/api/docs/", "/api/redoc/", "/api/v1/auth/token/", "/api/v1/verify/"]
)
def test_the_open_routes_are_marked_public(path):
    assert is_public(resolve(path).func)


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/organizations/", "/api/v1/api-tokens/1/"])
def test_the_other_routes_are_not(path):
    assert not is_public(resolve(path).func)
