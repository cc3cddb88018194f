"""Helpers every HTML view uses: calling services, 404s, safe redirects, file downloads.

Views stay thin: they parse a form, call one service or selector, and turn a
refusal (``core.exceptions.DomainError``) into a message next to the field or
a flash message. ``NotFound`` always becomes a 404, so another organization's
ids look exactly like ids that do not exist. Who acts and for which
organization is the accounts app's (``accounts.tenancy``: ``organization_required``,
``AuthedRequest``); the bottom layer does not know organizations.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, Generic, TypeVar, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from redis.exceptions import RedisError

from core.exceptions import DomainError, NotFound
from core.fragments import template_stamp
from core.idempotency import new_form_token

T = TypeVar("T")
logger = logging.getLogger(__name__)
View = Callable[..., HttpResponse]


# --- helpers: refusals, lookups ------------------------------------------------------


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service call gave: its value, or the rule that refused it."""

    value: T | None = None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """HTTP status for re-rendering a page after this outcome."""
        return self.error.status_code if self.error is not None else 200


def attempt(
    request: HttpRequest,
    service: Callable[..., T],
    /,
    *,
    form: forms.Form | None = None,
    quiet: bool = False,
    **kwargs: Any,
) -> Outcome[T]:
    """Call ``service(**kwargs)``; a refusal changes nothing and is shown to the user.

    The message goes next to the form field the service named (or on top of the
    form), else into a flash message; ``quiet`` leaves showing it to the caller.
    ``NotFound`` becomes a 404. Services run in their own transaction, so a
    refused call has already been rolled back when we get here.
    """
    try:
        return Outcome(value=service(**kwargs))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        if form is not None:
            for name, field_messages in exc.field_errors.items():
                for message in field_messages:
                    form.add_error(name if name in form.fields else None, message)
        elif not quiet:
            messages.error(request, exc.message)
        return Outcome(error=exc)


def get_or_404(selector: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a selector that raises ``NotFound``; answer 404 instead."""
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def post_only(request: HttpRequest) -> HttpResponse | None:
    """405 for anything but POST. Called *after* the object lookup, so a foreign id is a 404 for any method."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


def safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def serve_attachment(attachment: Any) -> HttpResponse:
    """An attachment's stored file as a download, under the name it was uploaded with."""
    return serve_file(attachment.file, filename=attachment.original_name, content_type=attachment.content_type)


def declared_length(request: HttpRequest) -> int:
    """The body's length as the client declared it (``Content-Length``); 0 when absent or not a number."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def serve_file(stored: Any, *, filename: str, content_type: str) -> HttpResponse:
    """A stored file as a download: never rendered inline, its type never sniffed. Callers check permission.

    A ``FileResponse`` streams; it is typed as the ``HttpResponse`` the view decorators expect.
    """
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("No such file.") from exc
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)


# --- public pages, cached briefly ----------------------------------------------------


def cached_for_anonymous(view: View) -> View:
    """Serve an anonymous visitor's GET of a public page from the cache for
    ``settings.PUBLIC_PAGE_CACHE_SECONDS`` (a URL's page is the same for every anonymous visitor).

    Only the body of a plain 200 is kept, and only when rendering it touched nothing of the
    visitor's own: no CSRF token, no CSP nonce, no cookie, no flash message waiting (that
    visitor is served fresh). Signed-in members always get a fresh page. Nothing invalidates an entry: a change
    shows to anonymous visitors within the period. Without the cache the page is rendered.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        if (
            not seconds
            or request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            or len(messages.get_messages(request))  # counting does not mark them shown
        ):
            return view(request, *args, **kwargs)
        key = "public-page:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()
        try:
            body = cache.get(key)
        except RedisError:
            logger.warning("public page cache unavailable, rendering the page", exc_info=True)
            return view(request, *args, **kwargs)
        if body is not None:
            return HttpResponse(body)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and getattr(request, "_csp_nonce", None) is None  # django-csp: a nonce is this response's own
            and response.get("Content-Type", "").startswith("text/html")
        ):
            try:
                cache.set(key, response.content, seconds)
            except RedisError:
                logger.warning("public page cache unavailable, page not stored", exc_info=True)
        return response

    return wrapper


# --- pages kept in the cache ---------------------------------------------------------------------------

#: The hidden inputs of a form's CSRF token and one-time submission token, as the templates write them
#: (``{% csrf_token %}``, ``{% submit_token %}``).
FORM_TOKENS = re.compile(r'(<input type="hidden" name="(csrfmiddlewaretoken|submit_token)" value=")[^"]*(">)')


def with_fresh_tokens(html: str, request: HttpRequest) -> str:
    """``html`` (rendered earlier, perhaps for another request) with this visitor's CSRF token and a new
    one-time token in each of its forms: tokens are never served from a cache."""

    csrf = ""  # one masked CSRF token for the whole response, as {% csrf_token %} writes it

    def fresh(match: re.Match[str]) -> str:
        nonlocal csrf
        if match.group(2) == "csrfmiddlewaretoken":
            csrf = csrf or get_token(request)
            token = csrf
        else:
            token = new_form_token()
        return f"{match.group(1)}{token}{match.group(3)}"

    return FORM_TOKENS.sub(fresh, html)


def cache_key(prefix: str, *parts: Any) -> str:
    """A cache key naming ``parts`` (values whose ``repr`` is stable: numbers, strings, dates, tuples).

    A value without one (an object shown by its address) would make a key per process and per request:
    refused."""
    text = repr(parts)
    if " object at 0x" in text:
        raise TypeError(f"{prefix}: a part of the cache key has no stable repr: {text[:300]}")
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()}"


def kept_content(
    request: HttpRequest,
    template_name: str,
    *,
    key: tuple[Any, ...],
    build: Callable[[], Mapping[str, Any]],
    seconds: int,
    parts: Sequence[str] = (),
    keep: bool = True,
) -> SafeString:
    """A page's content (what goes below the site's header) rendered with this request once per ``key``,
    then read back from the cache for ``seconds``; ``build`` makes the context only when it renders.

    ``key`` must hold everything the content shows, as the caller read it for this request (the rows, their
    counts, the page number, the acting organization when the content names it, the viewer when it is
    theirs): a change to any of it is another key, so nothing needs invalidating. The time zone and the
    language are always in the key, and the sources of the template and its ``parts`` (the templates it
    includes). Forms get this request's tokens, never cached ones (:func:`with_fresh_tokens`). ``keep``
    false renders without keeping (a query string the key does not describe). Without the cache it renders.
    """
    place = (timezone.get_current_timezone_name(), get_language())
    name = cache_key(f"content:{template_name}", template_stamp((template_name, *parts)), place, key) if keep else ""
    content = None
    if keep:
        try:
            content = cache.get(name)
        except RedisError:  # the page works without its cache
            logger.warning("content cache unavailable, rendering", extra={"template": template_name}, exc_info=True)
            keep = False
    if content is None:
        content = render_to_string(template_name, dict(build()), request)
        if keep:
            try:
                cache.set(name, content, seconds)
            except RedisError:
                logger.warning("content cache unavailable", extra={"template": template_name}, exc_info=True)
    # Our template's autoescaped render, now or earlier (read back from the cache under this key).
    return mark_safe(with_fresh_tokens(content, request))  # noqa: S308
