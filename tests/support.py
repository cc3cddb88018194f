"""What tests share besides factories: signed-in clients, reading pages, counting a page's queries.

``tests/factories.py`` builds rows; this module acts on the product with them.
Every upload of every test lands in its own temporary folder (the root
``conftest.py``), never in ``var/media``.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Organization, User
from accounts.tenancy import SESSION_KEY
from core.memo import clear_all
from core.models import AuditEvent
from marketplace.templatetags.marketplace_tags import forget_skill_names


def signed_in(user: User, organization: Organization | None = None, *, client: Any = None) -> Any:
    """``client`` (a new ``django.test.Client`` by default) signed in as ``user``, acting for ``organization``
    (without one, the product picks as it does after a sign-in)."""
    client = client if client is not None else Client()
    client.force_login(user)
    if organization is not None:
        session = client.session
        session[SESSION_KEY] = organization.pk
        session.save()
    return client


def api_signed_in(user: User, organization: Organization | None = None, **client_kwargs: Any) -> APIClient:
    """An API client with a browser's session (as the product's own pages call the API), acting for
    ``organization``, or else the user's personal organization."""
    acting = organization or Organization.objects.get(is_personal=True, memberships__user=user)
    client: APIClient = signed_in(user, acting, client=APIClient(**client_kwargs))
    return client


def count_queries(client: Client | APIClient, url: str, *, cold: bool = False) -> int:
    """The queries of one GET of ``url``, which must answer 200. ``cold``: with nothing remembered first,
    in the process (categories, skill names) or the cache (the header's counts, cards, pages), so the
    count is the most a request makes."""
    if cold:
        cache.clear()
        clear_all()
        forget_skill_names()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, getattr(response, "content", b"")[:500])
    return len(queries)


def html(response: Any) -> str:
    return str(response.content.decode())


def field_errors(response: Any, field: str) -> str:
    """The messages shown right under one form field (empty when there are none)."""
    match = re.search(rf'<ul class="field-errors" id="id_{field}_error">(.*?)</ul>', html(response), re.S)
    return unescape(match.group(1)) if match else ""


def flash_messages(response: Any) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def login_redirect(response: Any, path: str) -> bool:
    """Whether the page sent an anonymous visitor to sign in, coming back to ``path``."""
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login") + "?next=" + path)


def with_token(user: User, organization: Organization, **token: Any) -> APIClient:
    """An API client holding a new API token of ``user`` for ``organization``."""
    _token, secret = account_services.create_api_token(actor=user, organization=organization, name="test", **token)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def audited(action: str, organization: Organization | None = None, target: Any = None) -> bool:
    """Whether the audit log holds ``action`` (for ``organization``, on ``target``)."""
    events = AuditEvent.objects.filter(action=action)
    if organization is not None:
        events = events.filter(organization=organization)
    if target is not None:
        events = events.filter(target_id=str(target.pk))
    return events.exists()


def migrate_to(targets: list[tuple[str, str]]) -> Any:
    """Migrate the test database to ``targets`` (app, migration) and return the apps of that state, for
    a migration's test; it ends by migrating to the graph's leaves again."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest_migrations() -> list[tuple[str, str]]:
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection).loader.graph.leaf_nodes()
