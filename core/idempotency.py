"""Acting once per submission: one-time form tokens for the pages, ``Idempotency-Key`` for the API.

A double click, a retried request after a timeout, two tabs racing: each
sends the same submission twice, and without this layer each copy creates its
own task, bid or message. Both halves work the same way and wrap views, not
services (the rules stay in the services; this only decides whether the view
runs at all):

1. A digest of the key and its scope (the user; for the API also the acting
   organization) is inserted into :class:`~core.models.IdempotencyRecord`
   *before* the view runs, in the transaction the view runs in.
2. A second request with the same key blocks on the unique index until the
   first commits, then finds the row and answers what the first did: the same
   redirect (pages) or the same status and body (API). If the first failed
   (an exception rolled everything back, or a form was re-shown with errors),
   the row is gone and the second runs as if it were the first.

Pages: :func:`submit_once` on the view and ``{% submit_token %}`` in the form
(a fresh random token per rendered form; nothing is stored until it is
posted). The token's digest includes what was posted, so a user who goes
back, changes the form and sends it again gets a second object, as they
meant to; the same form sent twice gets one. A POST without a token behaves
as before.

API: :func:`idempotent` on a handler. The same key with the same request
replays the first response (``Idempotent-Replayed: true``); with another
request it answers 422. The stored body is encrypted with a key derived from
the client's key (an API token's secret is in one), so the table alone
reveals nothing. Keys expire after ``IDEMPOTENCY_TTL_HOURS``: an expired row
is replaced when its key comes back, and the beat job
``core.purge_idempotency_records`` deletes the rest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.exceptions import Conflict, IdempotencyKeyReused, Invalid
from core.models import IdempotencyRecord

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.response import Response

log = structlog.get_logger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

TOKEN_FIELD = "submit_token"
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# secrets.token_urlsafe(24) gives 32 characters; anything else was not rendered by us and is ignored.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
# Printable ASCII, as HTTP header values should be: UUIDs, ULIDs, "order-42-attempt".
_KEY = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Fields of a posted form that differ between two copies of one submission, or are the token itself.
_NOT_PART_OF_A_SUBMISSION = frozenset({TOKEN_FIELD, "csrfmiddlewaretoken"})
DUPLICATE_FORM_MESSAGE = "That form had already been sent, so it was not sent again: here is what it did."


def ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


# --- the record: claim a key, or find what its first request did ------------------------


def _claim(*, user_id: int, kind: str, key_digest: str, request_digest: str) -> tuple[IdempotencyRecord, bool]:
    """Insert the key's record (True), or return the record a first request committed (False).

    Caller holds an atomic block that also runs the view. When a first request
    with this key is still running, the insert waits for it on the unique index.
    """
    horizon = timezone.now() - ttl()
    for _ in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user_id=user_id, kind=kind, key_digest=key_digest, request_digest=request_digest
                )
            return record, True
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user_id=user_id, kind=kind, key_digest=key_digest).first()
            if existing is None:
                continue  # purged between the insert and the read: claim it again
            if existing.created_at >= horizon:
                return existing, False
            existing.delete()  # expired: the key starts over
    raise Conflict("This submission is being handled by another request: try again in a moment.")


def purge_expired() -> int:
    """Delete records older than the time-to-live; the beat job calls this."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - ttl()).delete()
    return deleted


# --- what a request asked for ----------------------------------------------------------


def _file_summary(upload: UploadedFile) -> dict[str, Any]:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)  # the view reads it next
    return {"name": upload.name, "size": upload.size, "sha256": digest.hexdigest()}


def _canonical(value: Any) -> Any:
    """The parsed body as plain JSON values; files by name, size and content."""
    if isinstance(value, UploadedFile):
        return _file_summary(value)
    if isinstance(value, QueryDict):
        return {key: [_canonical(item) for item in value.getlist(key)] for key in value}
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return value


def _digest(parts: dict[str, Any]) -> str:
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _key_digest(kind: str, *parts: object) -> str:
    return salted_hmac(
        f"core.idempotency.{kind}", "\x1f".join(str(part) for part in parts), algorithm="sha256"
    ).hexdigest()


# --- pages: one-time form tokens --------------------------------------------------------------


def _form_request_digest(request: HttpRequest) -> str:
    posted = {key: request.POST.getlist(key) for key in request.POST if key not in _NOT_PART_OF_A_SUBMISSION}
    files = {key: [_file_summary(upload) for upload in request.FILES.getlist(key)] for key in request.FILES}
    return _digest({"method": request.method, "path": request.path, "posted": posted, "files": files})


def replay_to(response: HttpResponse, url: str) -> HttpResponse:
    """Mark a page answered in place (not redirected) as done: a second copy of the form is sent to ``url``."""
    response.submit_once_replay_url = url  # type: ignore[attr-defined]
    return response


def submit_once(view: F) -> F:
    """A view whose POST acts once per rendered form (see the module's docstring).

    The first submission's redirect is kept; a second copy of it is sent there
    too, with a note. A response that is not a redirect (a form shown again
    with its errors) keeps nothing, unless the view marked it with
    :func:`replay_to`. Put it innermost, under the login and method checks.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get(TOKEN_FIELD, "") if request.method == "POST" else ""
        user = request.user
        if not _TOKEN.fullmatch(token) or not user.is_authenticated:
            return view(request, *args, **kwargs)
        request_digest = _form_request_digest(request)
        key_digest = _key_digest("form", user.pk, token, request_digest)
        with transaction.atomic():
            record, first = _claim(
                user_id=user.pk, kind=IdempotencyRecord.Kind.FORM, key_digest=key_digest, request_digest=request_digest
            )
            if not first:
                log.info("form_submission_replayed", path=request.path, record=record.pk)
                messages.info(request, DUPLICATE_FORM_MESSAGE)
                return HttpResponseRedirect(record.redirect_url)
            response: HttpResponse = view(request, *args, **kwargs)
            location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
            location = location or getattr(response, "submit_once_replay_url", "")
            if not location:
                record.delete()  # nothing was done (errors shown): the same form may be sent again
                return response
            record.redirect_url = location
            record.response_status = response.status_code
            record.save(update_fields=["redirect_url", "response_status"])
        return response

    wrapper.submit_once = True  # type: ignore[attr-defined]  # read by tests/test_double_submits.py
    return wrapper  # type: ignore[return-value]


# --- API: the Idempotency-Key header --------------------------------------------------------------


def _fernet(key: str) -> Fernet:
    secret = salted_hmac("core.idempotency.seal", key, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(secret))


def _api_request_digest(request: Request) -> str:
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    body = _canonical(request.data)
    return _digest({"method": request.method, "path": request.path, "query": query, "body": body})


def _replay(record: IdempotencyRecord, key: str) -> Response:
    from rest_framework.response import Response

    try:
        text = _fernet(key).decrypt(record.response_body.encode()).decode() if record.response_body else ""
    except InvalidToken as exc:  # a damaged row (a changed SECRET_KEY changes the key's digest too: no match)
        raise Conflict("The answer kept for this Idempotency-Key can no longer be read: use a new key.") from exc
    response = Response(json.loads(text) if text else None, status=record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(handler: F) -> F:
    """An API handler that honours ``Idempotency-Key`` on unsafe methods (see the module's docstring).

    Wraps the view's method, so authentication and permission checks have run:
    the key is scoped to the user and the acting organization. Without the
    header the handler runs as before. With it, the body is read (to compare
    it) before the handler looks anything up, so an unreadable body answers
    400 or 415 where the handler would have answered 404 first; that is the
    same for every id, so it tells nothing about whose the object is.
    """

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        user = request.user
        if key is None or request.method not in UNSAFE_METHODS or not user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        if not _KEY.fullmatch(key):
            raise Invalid({HEADER: ["Use 1 to 255 printable ASCII characters, such as a UUID."]})
        organization = getattr(request._request, "organization", None)
        scope = getattr(organization, "pk", "-")
        request_digest = _api_request_digest(request)
        key_digest = _key_digest("api", user.pk, scope, key)
        with transaction.atomic():
            record, first = _claim(
                user_id=user.pk, kind=IdempotencyRecord.Kind.API, key_digest=key_digest, request_digest=request_digest
            )
            if not first:
                if record.request_digest != request_digest:
                    raise IdempotencyKeyReused(
                        "This Idempotency-Key was used for a different request: use a new key for a new request."
                    )
                log.info("api_request_replayed", path=request.path, record=record.pk)
                return _replay(record, key)
            response: Response = handler(view, request, *args, **kwargs)
            data = getattr(response, "data", None)
            body = "" if data is None else json.dumps(data, cls=DjangoJSONEncoder)
            record.response_status = response.status_code
            record.response_body = _fernet(key).encrypt(body.encode()).decode() if body else ""
            record.save(update_fields=["response_status", "response_body"])
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]  # read by core.api.schema.AutoSchema
    return wrapper  # type: ignore[return-value]
