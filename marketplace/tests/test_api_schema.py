"""The marketplace API's schema: every endpoint documented, and filters as it says."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from core.money import RATE_CURRENCIES
from marketplace.tests.api_support import (
    API,
    error,
)

pytestmark = pytest.mark.django_db


# --- the schema ---------------------------------------------------------------------------------------


MARKETPLACE_ENDPOINTS = {
    "/api/v1/categories/": {"get"},
    "/api/v1/tasks/": {"get", "post"},
    "/api/v1/tasks/{task_id}/": {"get", "patch"},
    "/api/v1/tasks/{task_id}/publish/": {"post"},
    "/api/v1/tasks/{task_id}/close/": {"post"},
    "/api/v1/tasks/{task_id}/cancel/": {"post"},
    "/api/v1/tasks/{task_id}/invitations/": {"post"},
    "/api/v1/tasks/{task_id}/bids/": {"get", "post"},
    "/api/v1/tasks/{task_id}/comparison/": {"get", "put", "patch"},
    "/api/v1/bids/": {"get"},
    "/api/v1/bids/{bid_id}/": {"get", "patch"},
    "/api/v1/bids/{bid_id}/withdraw/": {"post"},
    "/api/v1/bids/{bid_id}/accept/": {"post"},
    "/api/v1/bids/{bid_id}/shortlist/": {"post"},
    "/api/v1/bids/{bid_id}/decline/": {"post"},
    "/api/v1/threads/": {"get", "post"},
    "/api/v1/threads/{thread_id}/": {"get"},
    "/api/v1/threads/{thread_id}/messages/": {"get", "post"},
    "/api/v1/threads/{thread_id}/read/": {"post"},
    "/api/v1/suppliers/": {"get"},
    "/api/v1/saved-searches/": {"get", "post"},
    "/api/v1/saved-searches/{saved_search_id}/": {"get", "delete"},
    "/api/v1/tasks/{task_id}/attachments/": {"get", "post"},
    "/api/v1/tasks/{task_id}/attachments/{attachment_id}/": {"get", "delete"},
    "/api/v1/bids/{bid_id}/attachments/": {"get", "post"},
    "/api/v1/bids/{bid_id}/attachments/{attachment_id}/": {"get", "delete"},
    "/api/v1/threads/{thread_id}/attachments/{attachment_id}/": {"get"},
}


class TestSchema:
    @pytest.fixture
    def schema(self) -> dict:
        response = APIClient().get("/api/schema/")
        assert response.status_code == 200
        return yaml.safe_load(response.content)

    def test_every_marketplace_endpoint_and_method_is_documented(self, schema):
        for path, methods in MARKETPLACE_ENDPOINTS.items():
            assert path in schema["paths"], path
            assert set(schema["paths"][path]) - {"parameters"} == methods, path

    def test_errors_use_the_common_body_and_lists_take_a_cursor(self, schema):
        accept = schema["paths"]["/api/v1/bids/{bid_id}/accept/"]["post"]
        assert accept["responses"]["409"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
        for path in ("/api/v1/bids/", "/api/v1/threads/", "/api/v1/suppliers/", "/api/v1/tasks/"):
            names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
            assert "cursor" in names, path

    def test_the_private_task_fields_are_optional(self, schema):
        task = schema["components"]["schemas"]["Task"]
        assert "in_house_cost_estimate" in task["properties"]
        assert "in_house_cost_estimate" not in task["required"]

    def test_a_suppliers_reply_time_is_documented_as_nullable(self, schema):
        supplier = schema["components"]["schemas"]["Supplier"]["properties"]

        assert supplier["median_reply_seconds"]["type"] == "integer"
        assert supplier["median_reply_seconds"]["nullable"] is True
        assert "90 days" in supplier["median_reply_seconds"]["description"]
        assert supplier["reply_count"]["type"] == "integer"

    def test_the_task_searchs_budget_currency_is_an_enum_of_the_task_currencies(self, schema):
        [parameter] = [p for p in schema["paths"]["/api/v1/tasks/"]["get"]["parameters"] if p["name"] == "currency"]
        saved = schema["components"]["schemas"]["TaskFilters"]["properties"]["currency"]  # saved searches' filters
        [ref] = saved["allOf"]

        assert parameter["schema"]["enum"] == list(RATE_CURRENCIES)
        assert schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]["enum"] == list(RATE_CURRENCIES)

    def test_the_schema_generates_without_warnings(self, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

        assert "/api/v1/tasks/" in yaml.safe_load((tmp_path / "schema.yml").read_text())["paths"]


class TestCountryFilters:
    """A country filter is a known ISO code, in either case; anything else is a 400 naming the field."""

    @pytest.mark.parametrize("path", ["/tasks/", "/suppliers/"])
    def test_an_unknown_country_is_refused(self, client_api, path):
        response = client_api.get(f"{API}{path}", {"country": "ZZ"})

        assert response.status_code == 400
        assert "country" in error(response)["fields"]

    @pytest.mark.parametrize("path", ["/tasks/", "/suppliers/"])
    def test_a_known_country_in_lower_case_is_read(self, client_api, path):
        assert client_api.get(f"{API}{path}", {"country": "de"}).status_code == 200
