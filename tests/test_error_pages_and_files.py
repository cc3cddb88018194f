"""What a visitor sees when something is wrong, and which files the site hands out.

The product's own 403, 404 and 500 pages answer with debug off (bin/start's
default, tests/test_devstack.py); an uploaded file answers only through its
owner's route, which checks who asks, never from MEDIA_URL, whatever DEBUG is.
"""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import clear_url_caches, path, reverse

import config.urls
from marketplace import services
from tests.factories import open_task


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug with a secret in its message")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


# The product's routes plus two that fail, to see the pages a failure gets.
urlpatterns = [path("test-broken/", _broken), path("test-forbidden/", _forbidden), *config.urls.urlpatterns]
handler404 = config.urls.handler404


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/test-broken/", 500, "Something went wrong on our side"),
        ("/test-forbidden/", 403, "Not allowed"),
        ("/no-such-page/", 404, "Page not found"),
    ],
)
def test_a_failure_answers_with_the_products_page_and_no_internals(db, settings, url, status, heading):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    response = client.get(url)

    assert response.status_code == status
    page = response.content.decode()
    assert heading in page
    assert "/static/css/app.css" in page  # styled, though debug is off
    for internal in ("Traceback", "a secret in its message", "URLconf", "test-broken"):
        assert internal not in page


def test_static_files_are_served_with_debug_off(client, settings):
    assert not settings.DEBUG

    response = client.get("/static/css/app.css")

    assert response.status_code == 200
    assert b"".join(response.streaming_content)


SECRET_SHEET = b"name,salary\nAda,123456\n"


@pytest.fixture(params=[False, True], ids=["debug off", "debug on"])
def urls_in_debug_mode(request, settings, tmp_path):
    """config.urls as it is built with DEBUG on or off (it is read once, at import)."""
    original = settings.DEBUG
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = request.param
    importlib.reload(config.urls)
    clear_url_caches()
    yield request.param
    settings.DEBUG = original
    importlib.reload(config.urls)
    clear_url_caches()


def test_an_uploaded_file_is_never_served_from_media_urls(urls_in_debug_mode, firm, settings, client):
    task = open_task(firm)
    [attachment] = services.add_task_attachments(
        actor=firm.owner,
        task=task,
        uploads=[SimpleUploadedFile("salaries.csv", SECRET_SHEET, content_type="text/csv")],
    )
    assert (settings.MEDIA_ROOT / attachment.file.name).read_bytes() == SECRET_SHEET
    client.force_login(firm.owner)

    response = client.get(settings.MEDIA_URL + attachment.file.name)

    assert response.status_code == 404
    assert b"Ada,123456" not in response.content
    # Its own route, with the check of who may see it, still hands it out to its owner.
    checked = client.get(reverse("task-attachment", kwargs={"task_id": task.pk, "attachment_id": attachment.pk}))
    assert checked.status_code == 200
    assert b"".join(checked.streaming_content) == SECRET_SHEET
