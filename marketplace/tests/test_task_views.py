"""HTML pages of one task: posting, editing, its page, status actions and invitations, files; query counts.

For every page: anonymous visitors are served (public pages) or sent to sign in, another
organization's member gets 404 for this one's ids and changes nothing, and a member gets the page,
with the database saying so afterwards.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from marketplace import selectors, services
from marketplace.models import (
    BidInvitation,
    SupplierReplyTime,
    Task,
    TaskAttachment,
    TaskRevision,
)
from marketplace.tests.page_support import PDF, form_data, listed_task_ids
from tests.factories import OrganizationFactory, bid_input, make_member, open_task, task_input
from tests.support import count_queries, field_errors, flash_messages, html, login_redirect, signed_in

pytestmark = pytest.mark.django_db


# --- posting a task ---------------------------------------------------------------------------


class TestPostTask:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        path = reverse("task-create")

        assert login_redirect(client.get(path), path)
        assert login_redirect(client.post(path, form_data()), path)
        assert not Task.objects.exists()

    def test_member_sees_the_form(self, client_of):
        response = client_of.get(reverse("task-create"))

        assert response.status_code == 200
        page = html(response)
        for name in ("title", "description", "budget_amount", "hourly_rate_min", "bidding_closes_at", "attachments"):
            assert f'name="{name}"' in page
        assert "Private to your organization" in page
        assert 'value="publish"' in page
        assert 'value="draft"' in page

    def test_fixed_price_task_is_published(self, firm, client_of):
        response = client_of.post(reverse("task-create"), form_data())

        task = Task.objects.get()
        assert response.status_code == 302
        assert response["Location"] == task.get_absolute_url()
        assert task.organization == firm
        assert task.created_by == firm.owner
        assert task.status == "open"
        assert task.budget_type == "fixed"
        assert task.budget_amount == 280_000
        assert task.in_house_cost_estimate == 450_000
        assert task.skills == ["vat-returns", "xero"]
        assert any("live" in message for message in flash_messages(response))

    def test_hourly_task_keeps_rates_and_cap(self, client_of):
        client_of.post(
            reverse("task-create"),
            form_data(
                budget_type="hourly",
                budget_amount="",
                hourly_rate_min="45",
                hourly_rate_max="65.50",
                hours_cap="120",
                currency="GBP",
            ),
        )

        task = Task.objects.get()
        assert (task.hourly_rate_min, task.hourly_rate_max, task.hours_cap) == (4_500, 6_550, 120)
        assert task.budget_amount == 6_550 * 120
        assert task.currency == "GBP"

    def test_save_draft_keeps_it_private(self, client, client_of):
        client_of.post(reverse("task-create"), form_data(action="draft"))

        task = Task.objects.get()
        assert task.status == "draft"
        assert client.get(task.get_absolute_url()).status_code == 404

    def test_attachments_are_stored_with_the_task(self, client_of):
        brief = SimpleUploadedFile("brief.pdf", PDF, content_type="application/pdf")
        sheet = SimpleUploadedFile("staff.csv", b"name,role\nAda,CFO\n", content_type="text/csv")

        client_of.post(reverse("task-create"), {**form_data(), "attachments": [brief, sheet]})

        task = Task.objects.get()
        assert sorted(task.attachments.values_list("original_name", "content_type")) == [
            ("brief.pdf", "application/pdf"),
            ("staff.csv", "text/csv"),
        ]

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"budget_amount": "0"}, "budget_amount", "Enter a budget above zero."),
            ({"budget_amount": "-250.00"}, "budget_amount", "Enter a budget above zero."),
            ({"budget_amount": "lots"}, "budget_amount", "Enter an amount like 2,800.00."),
            ({"deadline": "2020-01-01"}, "deadline", "The deadline must be in the future."),
            ({"bidding_closes_at": "2020-01-01T10:00"}, "bidding_closes_at", "Bidding must close in the future."),
            ({"skills": ", ".join(f"skill {n}" for n in range(16))}, "skills", "Tag at most 15 skills."),
            ({"in_house_cost_estimate": "-1"}, "in_house_cost_estimate", "must be above zero"),
            ({"title": ""}, "title", "Give the task a title."),
            (
                {"budget_type": "hourly", "hourly_rate_min": "60", "hourly_rate_max": "40", "hours_cap": "10"},
                "hourly_rate_max",
                "The highest rate cannot be below the lowest.",
            ),
            ({"location_type": "onsite"}, "city", "need a city"),
        ],
    )
    def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(self, client_of, overrides, field, message):
        response = client_of.post(reverse("task-create"), form_data(**overrides))

        assert response.status_code == 400
        assert message in field_errors(response, field)
        assert "Nothing was saved." in html(response)
        assert not Task.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "expected"),
        [
            (
                # no category, a past deadline, bidding closing after it, and no budget
                {
                    "category": "",
                    "deadline": "2020-01-01",
                    "bidding_closes_at": "2030-01-01T10:00",
                    "budget_amount": "",
                },
                {
                    "category": "Choose a category.",
                    "deadline": "The deadline must be in the future.",
                    "bidding_closes_at": "Bidding must close before the deadline.",
                    "budget_amount": "Enter a budget above zero.",
                },
            ),
            (
                # hourly with a lowest rate only: no cap, so no budget
                {"budget_type": "hourly", "budget_amount": "2,000", "hourly_rate_min": "40", "title": ""},
                {
                    "hourly_rate_max": "Enter a highest hourly rate above zero.",
                    "hours_cap": "Enter the most hours you will pay for.",
                    "title": "Give the task a title.",
                },
            ),
        ],
        ids=["dates-category-budget", "hourly-without-cap"],
    )
    def test_every_problem_is_reported_in_one_round(self, client_of, overrides, expected):
        response = client_of.post(reverse("task-create"), form_data(**overrides))

        assert response.status_code == 400
        for field, message in expected.items():
            assert message in field_errors(response, field)
        assert not Task.objects.exists()

    def test_the_summary_at_the_top_links_to_every_field_in_error(self, client_of):
        response = client_of.post(
            reverse("task-create"),
            form_data(category="", deadline="2020-01-01", budget_type="", title="", in_house_cost_estimate="-1"),
        )

        page = html(response)
        summary = page[page.index("data-error-summary") : page.index("</ul>", page.index("data-error-summary"))]
        links = re.findall(r'<a href="#(id_\w+)">', summary)
        assert links == [
            "id_title",
            "id_category",
            "id_budget_type_0",
            "id_deadline",
            "id_bidding_closes_at",
            "id_in_house_cost_estimate",
        ]
        assert 'role="alert" tabindex="-1"' in page
        for anchor in links:
            assert f'id="{anchor}"' in page  # each link lands on a field of the page
        assert page.index("data-error-summary") < page.index('name="title"')

    def test_a_field_that_cannot_be_read_is_told_once(self, client_of):
        response = client_of.post(reverse("task-create"), form_data(budget_amount="lots", deadline="soon"))

        assert field_errors(response, "budget_amount") == "<li>Enter an amount like 2,800.00.</li>"
        assert field_errors(response, "deadline") == "<li>Enter a date.</li>"
        # The rule comparing the dates waits for a deadline it can read.
        assert field_errors(response, "bidding_closes_at") == ""

    def test_a_refused_form_adds_no_skills_to_the_vocabulary(self, client_of):
        client_of.post(reverse("task-create"), form_data(skills="Quantum payroll", budget_amount="0"))

        assert not selectors.skill_names(slugs=["quantum-payroll"])

    @pytest.mark.parametrize(
        ("upload", "message"),
        [
            (
                SimpleUploadedFile("setup.exe", b"MZ\x90\x00binary", content_type="application/octet-stream"),
                "not allowed",
            ),
            (
                SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf"),
                "does not look like a PDF",
            ),
            (
                SimpleUploadedFile("huge.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), content_type="application/pdf"),
                "larger than 10 MB",
            ),
        ],
        ids=["executable", "disguised", "oversized"],
    )
    def test_bad_attachment_is_refused_and_nothing_is_saved(self, client_of, upload, message):
        brief = SimpleUploadedFile("brief.pdf", PDF, content_type="application/pdf")

        response = client_of.post(reverse("task-create"), {**form_data(), "attachments": [brief, upload]})

        assert response.status_code == 400
        assert message in field_errors(response, "attachments")
        assert not Task.objects.exists()
        assert not TaskAttachment.objects.exists()

    def test_script_in_the_description_is_never_rendered_as_html(self, client, client_of):
        client_of.post(
            reverse("task-create"),
            form_data(description='<script>alert("owned")</script>\n\n**Bold** and <img src=x onerror=alert(1)>'),
        )
        task = Task.objects.get()

        for viewer in (client, client_of):
            page = html(viewer.get(task.get_absolute_url()))
            assert "<script>alert" not in page
            assert "<img src=x" not in page
            assert "<strong>Bold</strong>" in page
        assert "<script>alert" not in html(client.get(reverse("task-list")))

    def test_refused_form_shows_the_typed_description_escaped(self, client_of):
        response = client_of.post(
            reverse("task-create"), form_data(description="<script>alert(1)</script>", budget_amount="0")
        )

        assert "<script>alert(1)</script>" not in html(response)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(response)


# --- editing a task -------------------------------------------------------------------------------


class TestEditTask:
    def test_another_organizations_member_gets_404_and_nothing_changes(self, firm, supplier_client):
        task = open_task(firm)
        path = reverse("task-edit", kwargs={"task_id": task.pk})

        assert supplier_client.get(path).status_code == 404
        assert supplier_client.post(path, form_data(title="Hijacked")).status_code == 404
        task.refresh_from_db()
        assert task.title != "Hijacked"

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, firm):
        path = reverse("task-edit", kwargs={"task_id": open_task(firm).pk})

        assert login_redirect(client.get(path), path)

    def test_form_is_filled_with_the_current_terms(self, firm, client_of):
        task = open_task(firm, budget_amount=300_000)

        page = html(client_of.get(reverse("task-edit", kwargs={"task_id": task.pk})))

        assert 'value="3,000.00"' in page
        assert 'value="Payroll, DATEV"' in page  # names, not slugs
        assert 'value="4,500.00"' in page
        assert "Save changes" in page

    def test_editing_an_open_task_shows_bidders_what_changed(self, firm, client_of, supplier_client):
        task = open_task(firm, budget_amount=300_000)
        values = form_data(
            title=task.title,
            description=task.description,
            category=task.category_id,
            skills="Payroll, DATEV",
            budget_amount="3,500.00",
            deadline=task.deadline.isoformat(),
            bidding_closes_at=timezone.localtime(task.bidding_closes_at).strftime("%Y-%m-%dT%H:%M"),
            action="save",
        )

        response = client_of.post(reverse("task-edit", kwargs={"task_id": task.pk}), values)

        assert response.status_code == 302
        task.refresh_from_db()
        assert task.budget_amount == 350_000
        assert task.edited_at is not None
        assert TaskRevision.objects.get(task=task).changes["budget_amount"] == [300_000, 350_000]
        page = html(supplier_client.get(task.get_absolute_url()))
        assert f"Edited on {timezone.localtime(task.edited_at):%-d %b %Y}" in page
        assert "<del>€3,000.00</del>" in page
        assert "<ins>€3,500.00</ins>" in page

    def test_a_refused_upload_is_told_with_the_other_problems_and_changes_nothing(self, firm, client_of):
        task = open_task(firm, budget_amount=300_000)
        values = form_data(
            title="A new title",
            category=task.category_id,
            budget_amount="3,500.00",
            deadline="2020-01-01",
            action="save",
            attachments=SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream"),
        )

        response = client_of.post(reverse("task-edit", kwargs={"task_id": task.pk}), values)

        assert response.status_code == 400
        assert "not allowed" in field_errors(response, "attachments")
        assert "The deadline must be in the future." in field_errors(response, "deadline")
        task.refresh_from_db()
        assert (task.title, task.budget_amount, task.edited_at) == (task_input().title, 300_000, None)
        assert not TaskRevision.objects.exists()

    def test_files_can_be_removed_and_added(self, firm, client_of):
        old = SimpleUploadedFile("old.pdf", PDF, content_type="application/pdf")
        task = services.create_task(actor=firm.owner, organization=firm, data=task_input(), attachments=[old])
        attachment = task.attachments.get()
        values = form_data(
            title=task.title,
            description=task.description,
            category=task.category_id,
            budget_amount="3,000.00",
            action="draft",
            remove_attachments=[attachment.pk],
            attachments=SimpleUploadedFile("new.pdf", PDF, content_type="application/pdf"),
        )

        client_of.post(reverse("task-edit", kwargs={"task_id": task.pk}), values)

        assert list(task.attachments.values_list("original_name", flat=True)) == ["new.pdf"]

    def test_a_draft_is_published_from_the_form(self, firm, client_of):
        task = services.create_task(actor=firm.owner, organization=firm, data=task_input())

        client_of.post(
            reverse("task-edit", kwargs={"task_id": task.pk}),
            form_data(category=task.category_id, action="publish"),
        )

        task.refresh_from_db()
        assert task.status == "open"
        assert task.edited_at is None  # edits of a draft are not history


# --- one task ---------------------------------------------------------------------------------------


class TestTaskDetail:
    def test_anonymous_visitors_see_a_public_open_task(self, client, firm):
        task = open_task(firm)

        response = client.get(task.get_absolute_url())

        assert response.status_code == 200
        assert task.title in html(response)
        assert "Sign in to bid" in html(response)

    def test_the_header_marks_my_tasks_for_the_client_and_find_work_for_a_supplier(
        self, firm, client_of, supplier_client
    ):
        task = open_task(firm)

        def current_tab(viewer):  # type: ignore[no-untyped-def]
            return re.findall(
                r'<a href="[^"]*" aria-current="page">([^<]+)</a>', html(viewer.get(task.get_absolute_url()))
            )

        assert current_tab(client_of) == ["My tasks"]
        assert current_tab(supplier_client) == ["Find work"]

    def test_drafts_of_others_are_404(self, client, firm, supplier_client):
        draft = services.create_task(actor=firm.owner, organization=firm, data=task_input())

        assert client.get(draft.get_absolute_url()).status_code == 404
        assert supplier_client.get(draft.get_absolute_url()).status_code == 404

    def test_in_house_estimate_is_shown_to_the_client_only(self, client, firm, client_of, supplier_client):
        task = open_task(firm, in_house_cost_estimate=987_654)
        secret = "9,876.54"

        assert secret in html(client_of.get(task.get_absolute_url()))
        for viewer in (client, supplier_client):
            page = html(viewer.get(task.get_absolute_url()))
            assert secret not in page
            assert "In-house" not in page
        assert secret not in html(supplier_client.get(reverse("task-list")))

    def test_client_sees_bids_and_status_actions(self, firm, supplier, client_of):
        task = open_task(firm)
        services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())

        page = html(client_of.get(task.get_absolute_url()))

        assert "<strong>1</strong> bid" in page
        assert reverse("task-bids", kwargs={"task_id": task.pk}) in page
        assert reverse("task-comparison", kwargs={"task_id": task.pk}) in page
        assert reverse("task-close", kwargs={"task_id": task.pk}) in page
        assert reverse("task-cancel", kwargs={"task_id": task.pk}) in page
        assert reverse("task-publish", kwargs={"task_id": task.pk}) not in page

    def test_supplier_may_place_a_bid(self, firm, supplier_client):
        task = open_task(firm)

        page = html(supplier_client.get(task.get_absolute_url()))

        assert reverse("bid-create", kwargs={"task_id": task.pk}) in page
        assert "Place a bid" in page
        assert reverse("task-close", kwargs={"task_id": task.pk}) not in page

    def test_supplier_with_a_live_bid_is_told_so(self, firm, supplier, supplier_client):
        task = open_task(firm)
        bid = services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())

        page = html(supplier_client.get(task.get_absolute_url()))

        assert "You already bid" in page
        assert reverse("bid-detail", kwargs={"bid_id": bid.pk}) in page
        assert "Place a bid" not in page

    def test_only_the_viewers_own_live_bid_counts(self, firm, supplier, supplier_client):
        task = open_task(firm)
        rival = OrganizationFactory(name="Rival Supplies")
        rival.owner = make_member(rival, role="owner")
        services.submit_bid(actor=rival.owner, supplier=rival, task=task, data=bid_input())
        own = services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())
        assert selectors.live_bid_of(task=task, organization=supplier) == own

        services.withdraw_bid(actor=supplier.owner, bid=own)

        assert selectors.live_bid_of(task=task, organization=supplier) is None
        page = html(supplier_client.get(task.get_absolute_url()))
        assert "You already bid" not in page
        assert "Place a bid" in page

    def test_attachments_are_listed_with_their_links(self, firm, client):
        brief = SimpleUploadedFile("brief.pdf", PDF, content_type="application/pdf")
        task = services.create_task(
            actor=firm.owner, organization=firm, data=task_input(), publish=True, attachments=[brief]
        )
        attachment = task.attachments.get()

        page = html(client.get(task.get_absolute_url()))

        assert reverse("task-attachment", kwargs={"task_id": task.pk, "attachment_id": attachment.pk}) in page


# --- status actions and invitations ---------------------------------------------------------------------


ACTIONS = ["task-publish", "task-close", "task-cancel", "task-invite"]


class TestTaskActions:
    @pytest.mark.parametrize("name", ACTIONS)
    def test_another_organizations_member_gets_404_for_every_method(self, firm, supplier, supplier_client, name):
        task = open_task(firm)
        path = reverse(name, kwargs={"task_id": task.pk})

        for method in ("get", "post"):
            assert getattr(supplier_client, method)(path, {"supplier": supplier.pk}).status_code == 404
        task.refresh_from_db()
        assert task.status == "open"
        assert not BidInvitation.objects.exists()

    @pytest.mark.parametrize("name", ACTIONS)
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, firm, name):
        path = reverse(name, kwargs={"task_id": open_task(firm).pk})

        assert login_redirect(client.post(path), path)

    @pytest.mark.parametrize("name", ACTIONS)
    def test_they_take_posts_only(self, firm, client_of, name):
        task = open_task(firm)

        assert client_of.get(reverse(name, kwargs={"task_id": task.pk})).status_code == 405

    def test_publish_a_draft(self, firm, client_of):
        task = services.create_task(actor=firm.owner, organization=firm, data=task_input())

        response = client_of.post(reverse("task-publish", kwargs={"task_id": task.pk}))

        task.refresh_from_db()
        assert task.status == "open"
        assert response["Location"] == task.get_absolute_url()
        assert any("is live" in message for message in flash_messages(response))

    def test_close_and_cancel(self, firm, client_of):
        closing, cancelling = open_task(firm), open_task(firm)

        client_of.post(reverse("task-close", kwargs={"task_id": closing.pk}))
        client_of.post(reverse("task-cancel", kwargs={"task_id": cancelling.pk}))

        closing.refresh_from_db()
        cancelling.refresh_from_db()
        assert (closing.status, cancelling.status) == ("closed", "cancelled")

    def test_a_refused_transition_is_explained_and_changes_nothing(self, firm, client_of):
        task = open_task(firm)
        services.close_task(actor=firm.owner, task=task)

        response = client_of.post(reverse("task-cancel", kwargs={"task_id": task.pk}))

        task.refresh_from_db()
        assert task.status == "closed"
        assert any("cannot become cancelled" in message for message in flash_messages(response))

    def test_invite_a_supplier_from_the_directory(
        self, firm, supplier, client_of, mailoutbox, django_capture_on_commit_callbacks
    ):
        task = open_task(firm, visibility="invite_only")
        back = reverse("supplier-list") + f"?task={task.pk}"

        with django_capture_on_commit_callbacks(execute=True):
            response = client_of.post(
                reverse("task-invite", kwargs={"task_id": task.pk}), {"supplier": supplier.pk, "next": back}
            )

        assert response["Location"] == back
        assert BidInvitation.objects.filter(task=task, supplier=supplier).exists()
        assert any(supplier.name in message for message in flash_messages(response))
        assert any(supplier.owner.email in mail.to for mail in mailoutbox)

    def test_inviting_your_own_organization_is_refused(self, firm, client_of):
        firm.skills, firm.offers_services = ["Payroll"], True  # it offers services too, so the directory lists it
        firm.save()
        task = open_task(firm)

        response = client_of.post(reverse("task-invite", kwargs={"task_id": task.pk}), {"supplier": firm.pk})

        assert not BidInvitation.objects.exists()
        assert any("your own organization" in message for message in flash_messages(response))

    def test_inviting_an_unknown_supplier_is_404(self, firm, client_of):
        task = open_task(firm)

        response = client_of.post(reverse("task-invite", kwargs={"task_id": task.pk}), {"supplier": 999_999})

        assert response.status_code == 404

    def test_an_organization_the_directory_does_not_list_is_404_too(self, firm, client_of):
        task = open_task(firm)
        client_only = OrganizationFactory(name="Initech")  # no skills: it offers no services

        response = client_of.post(reverse("task-invite", kwargs={"task_id": task.pk}), {"supplier": client_only.pk})

        assert response.status_code == 404
        assert not BidInvitation.objects.exists()

    def test_an_unsafe_next_is_ignored(self, firm, supplier, client_of):
        task = open_task(firm)

        response = client_of.post(
            reverse("task-invite", kwargs={"task_id": task.pk}),
            {"supplier": supplier.pk, "next": "https://evil.example/"},
        )

        assert response["Location"] == task.get_absolute_url()


# --- attachments ------------------------------------------------------------------------------------------


class TestAttachmentDownload:
    @pytest.fixture
    def task_with_file(self, firm):
        brief = SimpleUploadedFile("Brief <2026>.pdf", PDF, content_type="application/pdf")
        task = services.create_task(
            actor=firm.owner, organization=firm, data=task_input(), publish=True, attachments=[brief]
        )
        return task, task.attachments.get()

    def url(self, task, attachment) -> str:
        return reverse("task-attachment", kwargs={"task_id": task.pk, "attachment_id": attachment.pk})

    def test_anyone_who_may_see_the_task_downloads_the_file(self, client, task_with_file):
        task, attachment = task_with_file

        response = client.get(self.url(task, attachment))

        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "2026" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_files_of_tasks_the_viewer_cannot_see_are_404(self, firm, supplier, supplier_client, client):
        brief = SimpleUploadedFile("brief.pdf", PDF, content_type="application/pdf")
        hidden = services.create_task(
            actor=firm.owner,
            organization=firm,
            data=task_input(visibility="invite_only"),
            publish=True,
            attachments=[brief],
        )
        attachment = hidden.attachments.get()

        assert client.get(self.url(hidden, attachment)).status_code == 404
        assert supplier_client.get(self.url(hidden, attachment)).status_code == 404
        assert signed_in(firm.owner, firm).get(self.url(hidden, attachment)).status_code == 200

    def test_an_attachment_id_of_another_task_is_404(self, client, firm, task_with_file):
        _task, attachment = task_with_file
        other = open_task(firm)

        assert client.get(self.url(other, attachment)).status_code == 404


# --- query counts ---------------------------------------------------------------------------------------------------


def supplier_org(n: int, *, skills: list[str] | None = None) -> Organization:
    organization = OrganizationFactory(
        name=f"Supplier {n}", skills=skills or ["payroll"], hourly_rate=5_000 + n, city="Berlin", country="DE"
    )
    organization.owner = make_member(organization, role="owner")
    return organization


def test_the_browse_page_never_reads_the_descriptions_it_does_not_show(firm, supplier):
    long_text = "Quarterly payroll for a bakery. " + "Every payslip checked twice. " * 1_500
    task = open_task(firm, title="Payroll for a bakery", description=long_text)
    member = signed_in(supplier.owner, supplier)

    with CaptureQueriesContext(connection) as queries:
        page = html(member.get(reverse("task-list")))

    assert "Payroll for a bakery" in page
    assert task.excerpt[:40] in page
    read = [query["sql"] for query in queries if re.search(r'"(t|marketplace_task)"\."description"', query["sql"])]
    assert not read
    api = member.get("/api/v1/tasks/")  # the API returns whole tasks
    assert api.json()["results"][0]["description"] == long_text.strip()


class TestQueryCounts:
    """The list pages cost the same number of queries for one row and for twenty."""

    def test_task_list(self, firm, supplier):
        anonymous, member = Client(), signed_in(supplier.owner, supplier)
        open_task(firm, title="Task 0")
        small = (
            count_queries(anonymous, reverse("task-list"), cold=True),
            count_queries(member, reverse("task-list"), cold=True),
        )
        for n in range(1, 20):
            open_task(firm, title=f"Task {n}", skills=["Payroll", f"Skill {n}"])
        large = (
            count_queries(anonymous, reverse("task-list"), cold=True),
            count_queries(member, reverse("task-list"), cold=True),
        )

        print(f"\ntask-list (anonymous, member): {small} queries with 1 task, {large} with 20")
        assert small == large

    def test_task_detail(self, firm):
        def build(rows: int) -> Task:
            files = [SimpleUploadedFile(f"f{n}.pdf", PDF, content_type="application/pdf") for n in range(min(rows, 10))]
            task = services.create_task(
                actor=firm.owner, organization=firm, data=task_input(), publish=True, attachments=files
            )
            for n in range(rows):
                terms = services.task_input_from(task)
                terms.budget_amount = 300_000 + n + 1
                terms.skills = ["Payroll", f"Skill {n}"]
                task = services.update_task(actor=firm.owner, task=task, data=terms)
                bidder = supplier_org(rows * 100 + n, skills=["payroll", "datev"])
                services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=bidder)
                services.submit_bid(actor=bidder.owner, supplier=bidder, task=task, data=bid_input())
            for n in range(rows):
                supplier_org(rows * 1000 + n, skills=["datev"])  # suggestions
            return task

        client = signed_in(firm.owner, firm)
        small_task, large_task = build(1), build(20)
        small = count_queries(client, small_task.get_absolute_url(), cold=True)
        large = count_queries(client, large_task.get_absolute_url(), cold=True)
        visitor_small = count_queries(Client(), small_task.get_absolute_url(), cold=True)
        visitor_large = count_queries(Client(), large_task.get_absolute_url(), cold=True)

        print(f"\ntask-detail (client): {small} queries with 1 row, {large} with 20")
        print(f"task-detail (visitor): {visitor_small} queries with 1 row, {visitor_large} with 20")
        assert small == large
        assert visitor_small == visitor_large

    def test_client_dashboard(self, supplier):
        def build(rows: int) -> Client:
            organization = OrganizationFactory(name=f"Client with {rows}")
            organization.owner = make_member(organization, role="owner")
            for n in range(rows):
                task = open_task(organization, title=f"Task {n}")
                services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())
                thread = services.open_thread(actor=supplier.owner, organization=supplier, task=task, supplier=supplier)
                services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Hello")
            return signed_in(organization.owner, organization)

        small = count_queries(build(1), reverse("client-dashboard"), cold=True)
        large = count_queries(build(20), reverse("client-dashboard"), cold=True)

        print(f"\nclient-dashboard: {small} queries with 1 task, {large} with 20")
        assert small == large

    def test_supplier_list(self, firm):
        client = signed_in(firm.owner, firm)
        open_task(firm)
        supplier_org(0, skills=["payroll", "datev"])
        small = count_queries(client, reverse("supplier-list"), cold=True)
        for n in range(1, 20):
            supplier = supplier_org(n, skills=["payroll", f"skill-{n}"])
            if n % 2:  # a stored reply time is read with the page's other figures
                SupplierReplyTime.objects.create(
                    organization=supplier, replies=3, median_seconds=600 * n, computed_at=timezone.now()
                )
        large = count_queries(client, reverse("supplier-list"), cold=True)

        print(f"\nsupplier-list: {small} queries with 1 supplier, {large} with 20")
        assert small == large == 10  # cold: the session and the header's activity too, which the cache keeps
        assert "Usually replies" in html(client.get(reverse("supplier-list")))


@pytest.mark.parametrize("amount", ["2,800.00", "2800", "€2,800", "2 800.00"])
def test_amounts_are_read_as_people_type_them(client_of, amount):
    client_of.post(reverse("task-create"), form_data(budget_amount=amount))

    assert Task.objects.get().budget_amount == 280_000


def test_suggested_suppliers_leave_out_those_invited_or_bidding(firm, supplier, client_of):
    task = open_task(firm)
    fresh = OrganizationFactory(name="Fresh Payroll Ltd", skills=["payroll"])
    assert fresh.name in html(client_of.get(task.get_absolute_url()))
    assert supplier.name in html(client_of.get(task.get_absolute_url()))

    services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())
    services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=fresh)
    page = html(client_of.get(task.get_absolute_url()))

    assert f'name="supplier" value="{fresh.pk}"' not in page
    assert f'name="supplier" value="{supplier.pk}"' not in page


class TestBrowseSaysWhatItLeftOut:
    """A filter value the search cannot use is left out, and the page says which and why."""

    @pytest.mark.parametrize(
        ("query", "said"),
        [
            ("budget_from=abc", "Budget from (EUR): “abc” is not an amount"),
            ("budget_to=-5", "Budget up to (EUR): “-5” is not an amount"),
            ("budget_min=99999999999999999999", "Budget from (EUR): “99999999999999999999” is not an amount"),
            ("country=ZZ", "Country: “ZZ” is not a country"),
            ("deadline_before=soon", "Deadline on or before: “soon” is not a date"),
            ("budget_type=cheap", "Budget type: “cheap” is not a budget type"),
            ("sort=random", "Sort: “random” is not a way to sort"),
        ],
    )
    def test_a_value_left_out_is_named(self, client, firm, query, said):
        task = open_task(firm)

        response = client.get(f"{reverse('task-list')}?{query}")

        html = response.content.decode()
        assert response.status_code == 200
        assert said.replace("“", "&ldquo;").replace("”", "&rdquo;") in html or said in html
        assert f"/tasks/{task.pk}/" in html  # the search ran without it

    def test_an_unknown_country_filters_nothing_out(self, client, firm):
        """It was kept before, and matched no task at all."""
        task = open_task(firm)

        html = client.get(reverse("task-list"), {"country": "ZZ"}).content.decode()

        assert f"/tasks/{task.pk}/" in html

    def test_a_long_value_is_shortened_and_escaped(self, client, firm):
        value = '<b>"x"</b>' + "y" * 200

        html = client.get(reverse("task-list"), {"budget_from": value}).content.decode()

        alert = html.split("data-refused-filters", 1)[1].split("</div>", 1)[0]
        assert "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in alert
        assert "<b>" not in alert
        assert "y" * 30 + "…" in alert  # 40 characters of what was typed
        assert "y" * 31 not in alert

    def test_budget_bounds_name_their_currency_and_list_only_tasks_priced_in_it(self, client, firm):
        euros = open_task(firm, title="Priced in euros", budget_amount=300_000)
        pounds = open_task(firm, title="Priced in pounds", currency="GBP", budget_amount=300_000)

        filtered = client.get(reverse("task-list"), {"budget_from": "1,000"})
        unfiltered = client.get(reverse("task-list"))

        assert listed_task_ids(filtered) == [euros.pk]
        assert sorted(listed_task_ids(unfiltered)) == sorted([euros.pk, pounds.pk])
        page = filtered.content.decode()
        assert 'for="f-budget-from" data-budget-label="Budget from">Budget from (EUR)</label>' in page
        assert 'only tasks priced in <span data-budget-label="">EUR</span>' in page
        assert "Budget from 1,000 EUR" in page  # the chip of the filter in force

    def test_good_filters_say_nothing(self, client, firm):
        html = client.get(reverse("task-list"), {"budget_from": "100", "country": "DE"}).content.decode()

        assert "data-refused-filters" not in html


class TestAboutTheClient:
    """The task page tells a supplier how many tasks the client posted and how many it hired for."""

    def record_on(self, task, viewer) -> dict[str, str]:  # type: ignore[no-untyped-def]
        html = signed_in(viewer.owner, viewer).get(reverse("task-detail", kwargs={"task_id": task.pk})).content.decode()
        block = html.split('class="client-record"', 1)[1].split("</dl>", 1)[0]
        return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", block))

    def test_tasks_posted_and_hires(self, firm, other_firm):
        task = open_task(firm)
        open_task(firm, title="Office cleaning")
        services.create_task(actor=firm.owner, organization=firm, data=task_input(title="A draft, not posted"))
        bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
        services.accept_bid(actor=firm.owner, bid=bid)
        viewer = OrganizationFactory(name="Reader")
        viewer.owner = make_member(viewer, role="owner")
        shown_task = open_task(firm, title="Quarterly bookkeeping")

        record = self.record_on(shown_task, viewer)

        assert record["Tasks posted"] == "3"
        assert record["Hires"] == "1"
        assert record["Member since"] == firm.created_at.strftime("%b %Y")

    def test_a_new_client_shows_its_first_task(self, firm, other_firm):
        task = open_task(firm)

        assert self.record_on(task, other_firm)["Tasks posted"] == "1"
        assert self.record_on(task, other_firm)["Hires"] == "0"
