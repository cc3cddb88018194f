"""What attackers and careless clients send: text that breaks out of attributes, numbers no column holds,
NUL, invisible titles, bodies too big or too deep. Each answer is a clear 4xx naming the field (or the
input is made harmless), never a 500, and what was typed comes back in the form.

The property-based sweep over every form, serializer and list page is ``test_hostile_input_properties``.
"""

from __future__ import annotations

import importlib
import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from accounts.models import Organization
from core import limits
from core.exceptions import Invalid
from core.markdown import excerpt, plain_text
from core.templatetags.form_fields import form_field
from core.text import clean, is_blank
from marketplace import services
from marketplace.models import Bid, Category, SavedSearch, Task
from marketplace.tests.api_support import error, signed_in, submit
from tests.factories import bid_input, make_member, open_task, task_input
from tests.support import field_errors, html

pytestmark = pytest.mark.django_db

API = "/api/v1"
# A description that, unescaped in <meta content="...">, sends every visitor elsewhere.
REFRESH = 'Great job" http-equiv="refresh" content="0;url=https://evil.example/'
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def meta_description(response: Any) -> str:
    found = re.findall(r'<meta name="description" content="([^"]*)">', html(response))
    assert len(found) == 1, "the task page has one well-formed meta description"
    return unescape(found[0])


def attributes(response: Any, name: str) -> list[str]:
    """Every value of the attribute ``name`` in the page, as a browser reads it."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend(value or "" for key, value in attrs if key == name)

    Collect().feed(html(response))
    return found


def task_form(**overrides: Any) -> dict[str, Any]:
    """A valid fixed-price task as the HTML form posts it."""
    data = {
        "title": "Quarterly VAT returns",
        "description": "File our VAT returns every quarter.",
        "category": Category.objects.get(slug="payroll").pk,
        "skills": "VAT returns",
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": "2,800.00",
        "deadline": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "bidding_closes_at": (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "location_type": "remote",
        "visibility": "public",
        "action": "publish",
    }
    data.update(overrides)
    return data


def api_task(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "Bookkeeping",
        "description": "Monthly books.",
        "category": Category.objects.get(slug="payroll").pk,
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": 100_000,
        "deadline": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "bidding_closes_at": (timezone.now() + timedelta(days=10)).isoformat(),
        "publish": True,
    }
    data.update(overrides)
    return data


def hourly(**overrides: Any) -> dict[str, Any]:
    return {"budget_type": "hourly", "budget_amount": None, "hourly_rate_min": 1000, **overrides}


# --- output escaping -------------------------------------------------------------------------------


class TestTextInAttributesIsEscaped:
    @pytest.mark.parametrize(
        "description",
        [REFRESH, 'He said "hello" & left', "<img src=x onerror=alert(1)> <script>alert(1)</script>"],
    )
    def test_the_meta_description_holds_the_text_whole_and_closes_where_it_should(self, firm, description):
        task = open_task(firm, description=description)

        response = Client().get(task.get_absolute_url())

        assert response.status_code == 200
        assert attributes(response, "http-equiv") == []
        assert "<script>alert" not in html(response)
        assert meta_description(response) == plain_text(description)

    def test_a_javascript_link_in_a_description_is_not_a_link(self, firm):
        description = (
            "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) [c](&#106;avascript:alert(3)) "
            '<javascript:alert(4)> [d](data:text/html,x) <a href="javascript:alert(5)">e</a> [ok](https://ok.example)'
        )
        task = open_task(firm, description=description)

        hrefs = attributes(Client().get(task.get_absolute_url()), "href")

        assert "https://ok.example" in hrefs
        assert not [href for href in hrefs if href.strip().lower().startswith(("javascript:", "data:"))]

    def test_a_task_card_shows_the_excerpt_as_text(self, firm):
        open_task(firm, title="Card", description='**Bold** "quoted" <script>alert(1)</script>')

        page = html(Client().get("/tasks/"))

        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<strong>Bold</strong>" not in page  # the list renders no Markdown

    def test_help_text_is_escaped_unless_the_code_marked_it_as_html(self):
        from django import forms
        from django.utils.html import format_html

        class Form(forms.Form):
            plain = forms.CharField(help_text='Say "<b>hi</b>"')
            rich = forms.CharField(help_text=format_html("<ul><li>{}</li></ul>", "<i>x</i>"))

        form = Form()
        plain = form_field(form["plain"])
        rich = form_field(form["rich"])

        assert "&lt;b&gt;hi&lt;/b&gt;" in plain
        assert "<ul><li>&lt;i&gt;x&lt;/i&gt;</li></ul>" in rich

    @pytest.mark.parametrize("link", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>"])
    def test_an_organization_website_must_be_a_web_address(self, firm, link):
        client = signed_in(firm.owner, firm)

        form = client.post(
            "/settings/organization/",
            {"name": firm.name, "website": link, "time_zone": "UTC", "hourly_rate_currency": "EUR"},
        )
        api = client.patch(f"{API}/organizations/{firm.pk}/", {"website": link}, format="json")

        assert field_errors(form, "website")
        assert api.status_code == 400
        assert "website" in error(api)["fields"]
        assert Organization.objects.get(pk=firm.pk).website == ""


# --- bounded text ----------------------------------------------------------------------------------


class TestTextIsBounded:
    def test_the_html_form_refuses_a_description_longer_than_the_api_allows_and_keeps_it(self, firm):
        too_long = "word " * (limits.DESCRIPTION // 5) + "end"

        response = signed_in(firm.owner, firm).post("/tasks/new/", task_form(description=too_long))

        assert response.status_code == 400
        assert f"under {limits.DESCRIPTION:,} characters" in field_errors(response, "description")
        assert too_long in unescape(html(response))
        assert not Task.objects.exists()

    def test_the_api_refuses_the_same_description(self, firm):
        too_long = "x" * (limits.DESCRIPTION + 1)

        response = signed_in(firm.owner, firm).post(f"{API}/tasks/", api_task(description=too_long), format="json")

        assert response.status_code == 400
        assert "description" in error(response)["fields"]

    def test_the_excerpt_is_bounded_plain_text_written_on_create_and_edit(self, firm):
        task = open_task(firm, description="# Scope\n\n" + "**Payroll** for forty people. " * 100)

        assert task.excerpt.startswith("Scope Payroll for forty people.")
        assert len(task.excerpt) <= limits.EXCERPT
        assert task.excerpt.endswith("…")

        services.update_task(actor=firm.owner, task=task, data=task_input(description="Just *one* line."))

        task.refresh_from_db()
        assert task.excerpt == "Just one line."

    def test_the_list_reads_the_stored_excerpt_not_the_description(self, firm):
        task = open_task(firm, description="What the list shows.")
        Task.objects.filter(pk=task.pk).update(description="A description the list must not render.")

        page = html(Client().get("/tasks/"))

        assert "What the list shows." in page
        assert "must not render" not in page

    def test_the_migration_backfills_every_excerpt(self, firm):
        first = open_task(firm, description="First *task*.")
        second = open_task(firm, description="Second task.\n\n- with\n- a list")
        Task.objects.update(excerpt="")

        migration = importlib.import_module("marketplace.migrations.0006_task_excerpt")
        migration.backfill_excerpts(apps, None)

        assert dict(Task.objects.values_list("pk", "excerpt")) == {
            first.pk: "First task.",
            second.pk: "Second task. with a list",
        }


# --- numbers the columns cannot hold --------------------------------------------------------------------


class TestNumbersFitTheirColumns:
    def test_an_api_hourly_task_whose_cap_overflows_is_refused_by_field(self, firm):
        body = api_task(**hourly(hourly_rate_max=10**13, hours_cap=10**6))

        response = signed_in(firm.owner, firm).post(f"{API}/tasks/", body, format="json")

        assert response.status_code == 400
        assert {"hourly_rate_max", "hours_cap"} <= set(error(response)["fields"])
        assert not Task.objects.exists()

    def test_rate_times_hours_is_checked_against_the_money_column(self, firm):
        # Each number fits on its own; their product (10^14) is above the limit.
        body = api_task(**hourly(hourly_rate_max=10**9, hours_cap=10**5))

        response = signed_in(firm.owner, firm).post(f"{API}/tasks/", body, format="json")

        assert response.status_code == 400
        assert "hours_cap" in error(response)["fields"]

    def test_the_html_form_refuses_an_hours_cap_of_ten_to_the_twelve_and_keeps_it(self, firm):
        data = task_form(
            budget_type="hourly", hourly_rate_min="40", hourly_rate_max="60", hours_cap=str(10**12), budget_amount=""
        )

        response = signed_in(firm.owner, firm).post("/tasks/new/", data)

        assert response.status_code == 400
        assert "100,000" in field_errors(response, "hours_cap")
        assert f'value="{10**12}"' in html(response)
        assert not Task.objects.exists()

    def test_the_html_form_refuses_a_cap_whose_product_overflows(self, firm):
        data = task_form(
            budget_type="hourly",
            hourly_rate_min="1",
            hourly_rate_max="9,000,000,000",
            hours_cap="90000",
            budget_amount="",
        )

        response = signed_in(firm.owner, firm).post("/tasks/new/", data)

        assert response.status_code == 400
        assert "highest rate times the hours cap" in field_errors(response, "hours_cap")

    def test_a_bid_whose_rate_times_hours_overflows_is_refused(self, firm, other_firm):
        task = open_task(
            firm, budget_type="hourly", budget_amount=None, hourly_rate_min=100, hourly_rate_max=200, hours_cap=90_000
        )
        body = {
            "hourly_rate": 10**12,
            "estimated_hours": 90_000,
            "start_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "delivery_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "availability_hours_per_week": 40,
            "cover_letter": "We can.",
        }

        response = signed_in(other_firm.owner, other_firm).post(f"{API}/tasks/{task.pk}/bids/", body, format="json")

        assert response.status_code == 400
        assert "estimated_hours" in error(response)["fields"]
        assert not Bid.objects.exists()

    @pytest.mark.parametrize("value", ["99999999999999999999", "-1", "1e9", "١٢", "²", " 5", str(10**12 + 1)])
    def test_a_budget_filter_out_of_range_is_dropped_not_a_500(self, value):
        response = Client().get("/tasks/", {"budget_min": value, "budget_max": value})

        assert response.status_code == 200

    def test_an_api_budget_filter_out_of_range_is_a_400_naming_it(self, firm):
        response = signed_in(firm.owner, firm).get(f"{API}/tasks/", {"budget_min": "99999999999999999999"})

        assert response.status_code == 400
        assert "budget_min" in error(response)["fields"]

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2024-02-30"])
    def test_dates_no_time_zone_holds_are_dropped(self, day):
        response = Client().get("/tasks/", {"posted_since": day, "deadline_before": day})

        assert response.status_code == 200

    def test_a_saved_search_keeps_only_filters_the_api_schema_accepts(self, firm):
        client = signed_in(firm.owner, firm)

        client.post("/saved-searches/", {"name": "Huge", "query": f"budget_min={10**20}&budget_max=500&q=payroll"})

        saved = SavedSearch.objects.get()
        assert saved.filters == {"q": "payroll", "budget_max": 500, "currency": "EUR"}
        body = client.get(f"{API}/saved-searches/{saved.pk}/").json()
        assert body["filters"] == {"q": "payroll", "budget_max": 500, "currency": "EUR"}

    def test_the_migration_drops_saved_amounts_out_of_range(self, firm):
        saved = services.save_search(actor=firm.owner, organization=firm, name="Old", filters={"q": "x"})
        SavedSearch.objects.filter(pk=saved.pk).update(filters={"q": "x", "budget_min": 10**20, "budget_max": 5})

        importlib.import_module("marketplace.migrations.0006_task_excerpt").bound_saved_filters(apps, None)

        assert SavedSearch.objects.get(pk=saved.pk).filters == {"q": "x", "budget_max": 5}


# --- NUL, controls and invisible text ----------------------------------------------------------------------


class TestNulAndInvisibleText:
    @pytest.mark.parametrize("query", ["q=a%00b", "q=%00", "city=a%00", "skills=a%00b", "category=%00", "country=%00x"])
    def test_the_browse_page_answers_a_nul_anywhere(self, query):
        response = Client().get(f"/tasks/?{query}")

        assert response.status_code == 200

    def test_a_saved_search_with_a_nul_in_its_filters_is_saved_without_it(self, firm):
        response = signed_in(firm.owner, firm).post("/saved-searches/", {"name": "Nul", "query": "q=pay%00roll"})

        assert response.status_code == 302
        assert SavedSearch.objects.get().filters == {"q": "payroll"}

    def test_a_saved_search_named_with_a_nul_is_refused_by_name_and_kept(self, firm):
        response = signed_in(firm.owner, firm).post("/saved-searches/", {"name": "a\x00b", "query": "q=payroll"})

        assert response.status_code == 400
        assert "The search was not saved." in html(response)
        assert "Null characters are not allowed." in unescape(html(response))
        assert not SavedSearch.objects.exists()

    def test_the_api_refuses_a_nul_in_text_by_field(self, firm):
        client = signed_in(firm.owner, firm)

        task = client.post(f"{API}/tasks/", api_task(title="a\x00b"), format="json")
        saved = client.post(f"{API}/saved-searches/", {"name": "x", "filters": {"q": "a\x00b"}}, format="json")

        assert task.status_code == 400
        assert "title" in error(task)["fields"]
        assert saved.status_code == 400
        assert "filters.q" in error(saved)["fields"]

    def test_a_title_of_zero_width_characters_is_blank_in_the_form_and_the_api(self, firm):
        client = signed_in(firm.owner, firm)

        form = client.post("/tasks/new/", task_form(title=ZERO_WIDTH))
        api = client.post(f"{API}/tasks/", api_task(title=ZERO_WIDTH, description="\u00a0\u2028\u200b"), format="json")

        assert form.status_code == 400
        assert "Give the task a title." in field_errors(form, "title")
        assert api.status_code == 400
        assert {"title", "description"} <= set(error(api)["fields"])
        assert not Task.objects.exists()

    def test_a_message_of_zero_width_characters_is_not_sent(self, firm, other_firm):
        task = open_task(firm)
        bid = submit(task, other_firm)
        thread = bid.task.threads.get()

        response = signed_in(firm.owner, firm).post(
            f"{API}/threads/{thread.pk}/messages/", {"body": ZERO_WIDTH}, format="json"
        )

        assert response.status_code == 400
        assert "body" in error(response)["fields"]
        assert not thread.messages.exists()

    def test_a_bid_cover_letter_of_invisible_characters_is_blank(self, firm, other_firm):
        task = open_task(firm)

        with pytest.raises(Invalid) as refused:
            services.submit_bid(
                actor=make_member(other_firm),
                supplier=other_firm,
                task=task,
                data=bid_input(cover_letter="\u200b\ufeff"),
            )

        assert "cover_letter" in refused.value.field_errors
        assert not Bid.objects.exists()


# --- request bodies --------------------------------------------------------------------------------------


class TestRequestBodies:
    def test_json_nested_ten_thousand_levels_is_a_400_in_the_error_shape(self, firm):
        deep = "[" * 10_000 + "]" * 10_000

        response = signed_in(firm.owner, firm).post(f"{API}/tasks/", deep, content_type="application/json")

        assert response.status_code == 400
        assert error(response)["code"] == "parse_error"

    def test_json_nested_past_the_limit_without_hitting_recursion_is_a_400(self, firm):
        deep = json.dumps({"title": json.loads("[" * 40 + "]" * 40)})

        response = signed_in(firm.owner, firm).post(f"{API}/tasks/", deep, content_type="application/json")

        assert response.status_code == 400

    def test_a_json_body_over_the_limit_is_a_413_in_the_error_shape(self, firm, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
        body = json.dumps(api_task(description="x" * 2000))

        response = signed_in(firm.owner, firm).post(f"{API}/tasks/", body, content_type="application/json")

        assert response.status_code == 413
        assert error(response)["code"] == "request_too_large"
        assert not Task.objects.exists()

    def test_a_form_encoded_api_body_over_the_limit_is_a_413(self, firm, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
        body = "title=" + "x" * 2000

        response = signed_in(firm.owner, firm).post(
            f"{API}/tasks/", body, content_type="application/x-www-form-urlencoded"
        )

        assert response.status_code == 413

    def test_a_body_within_the_limit_still_works(self, firm, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096

        response = signed_in(firm.owner, firm).post(f"{API}/tasks/", api_task(), format="json")

        assert response.status_code == 201


# --- the helpers themselves ---------------------------------------------------------------------------------


class TestTextHelpers:
    @pytest.mark.parametrize("text", ["", "   ", ZERO_WIDTH, "\u3164", "\u2800\u200b", "\t\n\u2028"])
    def test_invisible_text_is_blank(self, text):
        assert is_blank(text)

    @pytest.mark.parametrize("text", ["a", "\u200bx", "🙂", "\u0301", "ا"])
    def test_anything_visible_is_not(self, text):
        assert not is_blank(text)

    def test_clean_drops_nul_and_controls_but_keeps_lines(self):
        assert clean("a\x00b\x1b[1m\tc\nd\x7f") == "ab[1m\tc\nd"

    def test_an_excerpt_is_cut_at_a_word_with_an_ellipsis(self):
        assert excerpt("alpha beta gamma delta", 12) == "alpha beta…"
        assert excerpt("short", 12) == "short"


class TestIdsNoColumnHolds:
    ROUTES = (
        "/tasks/{n}/",
        "/tasks/{n}/edit/",
        "/tasks/{n}/attachments/{n}/",
        "/bids/{n}/",
        "/messages/{n}/",
        "/settings/members/{n}/role/",
        f"{API}/tasks/{{n}}/",
        f"{API}/bids/{{n}}/",
        f"{API}/threads/{{n}}/messages/",
        f"{API}/organizations/{{n}}/",
        f"{API}/saved-searches/{{n}}/",
        f"{API}/memberships/{{n}}/",
    )

    @pytest.mark.parametrize("number", [2**31, 10**30])
    def test_an_id_past_bigint_is_not_found_not_a_500(self, firm, number):
        client = signed_in(firm.owner, firm)

        answers = {
            (method, route): getattr(client, method)(route.format(n=number)).status_code
            for route in self.ROUTES
            for method in ("get", "post", "patch", "delete")
        }

        assert not {key: status for key, status in answers.items() if status >= 500}
