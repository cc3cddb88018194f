"""Files of tasks, bids and messages through the API.

Uploads go through the same services as the pages' forms, with the same size
and type checks (one bad file and nothing is saved) and the same audit
records; downloads are served to exactly those the pages serve: whoever may
see the task, the two sides of a bid or of a conversation. Everyone else gets
404 and changes nothing.
"""

from __future__ import annotations

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.models import AuditEvent
from marketplace import services
from marketplace.models import BidAttachment, Message, MessageAttachment, TaskAttachment
from marketplace.services._common import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from marketplace.tests.api_support import API, audited, count_queries, error, signed_in, submit
from tests.factories import open_task

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 the brief"


def pdf(name: str = "brief.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def task_files(task) -> str:
    return f"{API}/tasks/{task.pk}/attachments/"


def task_file(task, attachment) -> str:
    return f"{API}/tasks/{task.pk}/attachments/{attachment.pk}/"


def bid_files(bid) -> str:
    return f"{API}/bids/{bid.pk}/attachments/"


def bid_file(bid, attachment) -> str:
    return f"{API}/bids/{bid.pk}/attachments/{attachment.pk}/"


@pytest.fixture
def brief(firm, task) -> TaskAttachment:
    (attachment,) = services.add_task_attachments(actor=firm.owner, task=task, uploads=[pdf()])
    return attachment


@pytest.fixture
def offer(other_firm, bid) -> BidAttachment:
    (attachment,) = services.add_bid_attachments(actor=other_firm.owner, bid=bid, uploads=[pdf("offer.pdf")])
    return attachment


# --- a task's files ----------------------------------------------------------------------------------


class TestTaskUpload:
    def test_the_client_attaches_files_and_gets_them_back_with_download_links(self, firm, client_api, task):
        sheet = SimpleUploadedFile("staff.csv", b"name,hours\nAda,40\n", content_type="text/csv")

        response = client_api.post(task_files(task), {"attachments": [pdf(), sheet]}, format="multipart")

        assert response.status_code == 201, response.content
        stored = list(task.attachments.order_by("pk"))
        assert [(a.original_name, a.content_type, a.size, a.uploaded_by) for a in stored] == [
            ("brief.pdf", "application/pdf", len(PDF), firm.owner),
            ("staff.csv", "text/csv", 18, firm.owner),
        ]
        body = response.json()
        assert [item["name"] for item in body] == ["brief.pdf", "staff.csv"]
        assert body[0]["size"] == len(PDF)
        assert body[0]["content_type"] == "application/pdf"
        assert body[0]["download_url"] == f"http://testserver{task_file(task, stored[0])}"
        event = AuditEvent.objects.get(action="task.attachments_added")
        assert (event.organization, event.actor, event.target_id) == (firm, firm.owner, str(task.pk))
        assert event.details == {"files": ["brief.pdf", "staff.csv"]}

    @pytest.mark.parametrize(
        ("upload", "message"),
        [
            (SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream"), "not allowed"),
            (pdf("huge.pdf", PDF + b"0" * MAX_ATTACHMENT_BYTES), "huge.pdf is larger than 10 MB."),
            (pdf("fake.pdf", b"MZ\x90\x00 not a pdf"), "does not look like a PDF file"),
            (pdf("empty.pdf", b""), "empty.pdf is empty."),
        ],
        ids=["disallowed type", "oversized", "disguised", "empty"],
    )
    def test_a_bad_file_is_a_field_error_and_nothing_is_saved(self, client_api, task, upload, message):
        response = client_api.post(task_files(task), {"attachments": [pdf(), upload]}, format="multipart")

        assert response.status_code == 400, response.content
        assert error(response)["code"] == "validation_error"
        (reported,) = error(response)["fields"]["attachments"]
        assert message in reported
        assert not TaskAttachment.objects.exists()
        assert not audited("task.attachments_added")

    def test_a_task_keeps_a_limited_number_of_files(self, firm, client_api, task):
        services.add_task_attachments(
            actor=firm.owner, task=task, uploads=[pdf(f"{n}.pdf") for n in range(MAX_ATTACHMENTS)]
        )

        response = client_api.post(task_files(task), {"attachments": [pdf("one-more.pdf")]}, format="multipart")

        assert response.status_code == 400
        assert error(response)["fields"]["attachments"] == [f"Attach at most {MAX_ATTACHMENTS} files."]
        assert task.attachments.count() == MAX_ATTACHMENTS

    def test_no_file_is_a_field_error(self, client_api, task):
        response = client_api.post(task_files(task), {}, format="multipart")

        assert response.status_code == 400
        assert "attachments" in error(response)["fields"]

    def test_files_come_as_multipart_only(self, client_api, task):
        response = client_api.post(task_files(task), {"attachments": ["brief.pdf"]}, format="json")

        assert response.status_code == 415
        assert error(response)["code"] == "unsupported_media_type"
        assert not TaskAttachment.objects.exists()

    def test_a_closed_tasks_files_no_longer_change(self, firm, client_api, task):
        services.close_task(actor=firm.owner, task=task)

        response = client_api.post(task_files(task), {"attachments": [pdf()]}, format="multipart")

        assert response.status_code == 400
        assert "can no longer be changed" in error(response)["message"]
        assert not TaskAttachment.objects.exists()

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_attaches_files(self, request, who, task, bid):
        response = request.getfixturevalue(who).post(task_files(task), {"attachments": [pdf()]}, format="multipart")

        assert response.status_code == 404
        assert not TaskAttachment.objects.exists()

    def test_anonymous_visitors_are_refused(self, task):
        response = APIClient().post(task_files(task), {"attachments": [pdf()]}, format="multipart")

        assert response.status_code == 401
        assert not TaskAttachment.objects.exists()


class TestTaskRead:
    def test_the_task_lists_its_files_oldest_first_for_whoever_may_see_it(self, firm, supplier_api, task, brief):
        (second,) = services.add_task_attachments(actor=firm.owner, task=task, uploads=[pdf("annex.pdf")])

        listed = supplier_api.get(task_files(task))
        detail = supplier_api.get(f"{API}/tasks/{task.pk}/")

        assert listed.status_code == 200
        assert [item["id"] for item in listed.json()] == [brief.pk, second.pk]
        assert detail.json()["attachments"] == listed.json()
        assert detail.json()["attachments"][0]["download_url"].endswith(task_file(task, brief))

    def test_the_search_lists_files_without_a_query_per_task(self, firm, other_firm):
        client = signed_in(other_firm.owner, other_firm)
        url = f"{API}/tasks/"
        task = open_task(firm)
        services.add_task_attachments(actor=firm.owner, task=task, uploads=[pdf()])
        one = count_queries(client, url)
        for n in range(9):
            task = open_task(firm, title=f"Payroll {n}")
            services.add_task_attachments(actor=firm.owner, task=task, uploads=[pdf("a.pdf"), pdf("b.pdf")])

        results = client.get(url).json()["results"]
        assert len(results) == 10
        assert {len(item["attachments"]) for item in results} == {1, 2}
        assert count_queries(client, url) == one


class TestTaskDownload:
    def test_the_bidder_of_a_public_task_downloads_a_file(self, supplier_api, task, bid, brief):
        response = supplier_api.get(task_file(task, brief))

        assert response.status_code == 200
        assert content(response) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "brief.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_a_download_answers_whatever_the_client_accepts(self, supplier_api, task, brief):
        response = supplier_api.get(task_file(task, brief), HTTP_ACCEPT="application/pdf")

        assert response.status_code == 200
        assert content(response) == PDF

    def test_a_stranger_gets_404_for_a_file_of_an_invite_only_task(self, firm, other_firm, supplier_api, stranger_api):
        secret = open_task(firm, visibility="invite_only")
        (attachment,) = services.add_task_attachments(actor=firm.owner, task=secret, uploads=[pdf()])
        services.invite_supplier_to_bid(actor=firm.owner, task=secret, supplier=other_firm)

        refused = stranger_api.get(task_file(secret, attachment), HTTP_ACCEPT="application/pdf")

        assert refused.status_code == 404
        assert error(refused)["code"] == "not_found"
        assert stranger_api.get(task_files(secret)).status_code == 404
        assert stranger_api.get(f"{API}/tasks/{secret.pk}/").status_code == 404
        assert supplier_api.get(task_file(secret, attachment)).status_code == 200  # invited: may see it

    def test_a_file_of_another_task_is_404(self, firm, client_api, brief):
        other = open_task(firm, title="Another task")

        assert client_api.get(task_file(other, brief)).status_code == 404

    def test_anonymous_visitors_are_refused(self, task, brief):
        response = APIClient().get(task_file(task, brief))

        assert response.status_code == 401
        assert error(response)["code"] == "not_authenticated"


class TestTaskRemove:
    def test_a_member_of_the_client_removes_a_file(self, firm, member, task, brief, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in(member, firm).delete(task_file(task, brief))

        assert response.status_code == 204
        assert not TaskAttachment.objects.exists()
        event = AuditEvent.objects.get(action="task.attachment_removed")
        assert (event.organization, event.actor, event.details) == (firm, member, {"file": "brief.pdf"})

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_anyone_else_gets_404_and_the_file_stays(self, request, who, task, bid, brief):
        response = request.getfixturevalue(who).delete(task_file(task, brief))

        assert response.status_code == 404
        assert TaskAttachment.objects.filter(pk=brief.pk).exists()
        assert not audited("task.attachment_removed")

    def test_a_cancelled_tasks_files_stay(self, firm, client_api, task, brief):
        services.cancel_task(actor=firm.owner, task=task)

        response = client_api.delete(task_file(task, brief))

        assert response.status_code == 400
        assert TaskAttachment.objects.filter(pk=brief.pk).exists()


# --- a bid's files ------------------------------------------------------------------------------------


class TestBidFiles:
    def test_the_bidder_attaches_a_file_and_it_is_audited(self, other_firm, supplier_api, bid):
        response = supplier_api.post(bid_files(bid), {"attachments": [pdf("offer.pdf")]}, format="multipart")

        assert response.status_code == 201, response.content
        attachment = bid.attachments.get()
        assert response.json()[0]["download_url"] == f"http://testserver{bid_file(bid, attachment)}"
        assert audited("bid.attachments_added", other_firm, bid)

    def test_a_disallowed_file_is_a_field_error_and_nothing_is_saved(self, supplier_api, bid):
        program = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream")

        response = supplier_api.post(bid_files(bid), {"attachments": [program]}, format="multipart")

        assert response.status_code == 400
        (reported,) = error(response)["fields"]["attachments"]
        assert reported.startswith("setup.exe: this type of file is not allowed")
        assert not BidAttachment.objects.exists()
        assert not audited("bid.attachments_added")

    def test_the_client_may_read_but_attaching_is_not_found(self, client_api, bid):
        # Attaching is the bidder's scope: from the client's side the bid is not there, as for an unknown id.
        response = client_api.post(bid_files(bid), {"attachments": [pdf()]}, format="multipart")

        assert response.status_code == 404
        assert error(response)["code"] == "not_found"
        assert not BidAttachment.objects.exists()

    def test_a_withdrawn_bid_takes_no_more_files(self, other_firm, supplier_api, bid):
        services.withdraw_bid(actor=other_firm.owner, bid=bid)

        response = supplier_api.post(bid_files(bid), {"attachments": [pdf()]}, format="multipart")

        assert response.status_code == 400
        assert "can no longer be edited" in error(response)["message"]
        assert not BidAttachment.objects.exists()

    @pytest.mark.parametrize("who", ["supplier_api", "client_api"])
    def test_both_sides_see_and_download_the_files(self, request, who, bid, offer):
        api = request.getfixturevalue(who)

        detail = api.get(f"{API}/bids/{bid.pk}/").json()
        download = api.get(bid_file(bid, offer))

        assert [item["name"] for item in detail["attachments"]] == ["offer.pdf"]
        assert api.get(bid_files(bid)).json() == detail["attachments"]
        assert download.status_code == 200
        assert content(download) == PDF

    def test_a_stranger_gets_404_for_all_of_it_and_changes_nothing(self, stranger_api, bid, offer):
        assert stranger_api.get(bid_files(bid)).status_code == 404
        assert stranger_api.get(bid_file(bid, offer)).status_code == 404
        assert stranger_api.post(bid_files(bid), {"attachments": [pdf()]}, format="multipart").status_code == 404
        assert stranger_api.delete(bid_file(bid, offer)).status_code == 404
        assert list(BidAttachment.objects.all()) == [offer]

    def test_the_bidder_removes_a_file_and_it_is_audited(self, other_firm, supplier_api, bid, offer):
        response = supplier_api.delete(bid_file(bid, offer))

        assert response.status_code == 204
        assert not BidAttachment.objects.exists()
        assert audited("bid.attachment_removed", other_firm, bid)

    def test_removing_the_bidders_file_is_not_found_for_the_client(self, client_api, bid, offer):
        response = client_api.delete(bid_file(bid, offer))

        assert response.status_code == 404
        assert BidAttachment.objects.filter(pk=offer.pk).exists()

    def test_the_bid_list_shows_files_without_a_query_per_bid(self, firm, other_firm):
        client = signed_in(other_firm.owner, other_firm)
        url = f"{API}/bids/"
        services.add_bid_attachments(actor=other_firm.owner, bid=submit(open_task(firm), other_firm), uploads=[pdf()])
        one = count_queries(client, url)
        for n in range(9):
            bid = submit(open_task(firm, title=f"Task {n}"), other_firm)
            services.add_bid_attachments(actor=other_firm.owner, bid=bid, uploads=[pdf("a.pdf"), pdf("b.pdf")])

        assert {len(item["attachments"]) for item in client.get(url).json()["results"]} == {1, 2}
        assert count_queries(client, url) == one


# --- files sent in a conversation ------------------------------------------------------------------------


class TestMessageFiles:
    def url(self, thread) -> str:
        return f"{API}/threads/{thread.pk}/messages/"

    def test_a_side_sends_a_file_and_the_other_side_downloads_it(self, supplier_api, client_api, thread):
        response = supplier_api.post(
            self.url(thread), {"body": "Our offer, signed.", "attachments": [pdf("offer.pdf")]}, format="multipart"
        )

        assert response.status_code == 201, response.content
        attachment = MessageAttachment.objects.get()
        (listed,) = response.json()["attachments"]
        assert listed["download_url"] == f"http://testserver{API}/threads/{thread.pk}/attachments/{attachment.pk}/"
        download = client_api.get(listed["download_url"])
        assert download.status_code == 200
        assert content(download) == PDF
        assert client_api.get(self.url(thread)).json()["results"][0]["attachments"] == [listed]

    def test_a_file_alone_is_a_message(self, supplier_api, thread):
        response = supplier_api.post(self.url(thread), {"attachments": [pdf()]}, format="multipart")

        assert response.status_code == 201, response.content
        assert Message.objects.get().body == ""

    def test_a_bad_file_sends_nothing(self, supplier_api, thread):
        program = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")

        response = supplier_api.post(
            self.url(thread), {"body": "Run this", "attachments": [program]}, format="multipart"
        )

        assert response.status_code == 400
        assert "attachments" in error(response)["fields"]
        assert not Message.objects.exists()
        assert not MessageAttachment.objects.exists()

    def test_a_stranger_gets_404_for_the_file(self, other_firm, stranger_api, thread):
        services.send_message(
            actor=other_firm.owner, organization=other_firm, thread=thread, body="Offer", attachments=[pdf()]
        )
        attachment = MessageAttachment.objects.get()

        response = stranger_api.get(f"{API}/threads/{thread.pk}/attachments/{attachment.pk}/")

        assert response.status_code == 404

    def test_the_messages_list_shows_files_without_a_query_per_message(self, firm, client_api, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="First", attachments=[pdf()])
        one = count_queries(client_api, self.url(thread))
        for n in range(9):
            services.send_message(
                actor=firm.owner, organization=firm, thread=thread, body=f"{n}", attachments=[pdf("a.pdf")]
            )

        assert count_queries(client_api, self.url(thread)) == one


def test_the_schema_documents_uploads_as_multipart_and_downloads_as_files():
    paths = yaml.safe_load(APIClient().get("/api/schema/").content)["paths"]

    upload = paths["/api/v1/tasks/{task_id}/attachments/"]["post"]
    download = paths["/api/v1/bids/{bid_id}/attachments/{attachment_id}/"]["get"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    # Each type an upload may have, as the file is served with the type it was stored as.
    assert download["responses"]["200"]["content"]["application/pdf"] == {
        "schema": {"type": "string", "format": "binary"}
    }
    assert set(download["responses"]["200"]["content"]) == set(ALLOWED_EXTENSIONS.values())
    assert "404" in download["responses"]
