"""Fixtures shared by every test module.

Under pytest the settings default to test mode (DJANGO_ENV=test: eager Celery,
in-memory email, Redis database 15); the test command points DATABASE_URL and
REDIS_URL at real PostgreSQL and Redis (the machine's, or embedded ones).
"""

from __future__ import annotations

import pytest

from tests.factories import OrganizationFactory, UserFactory, make_member


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):  # type: ignore[no-untyped-def]
    """Before the test database is created or reused: make sure no other pytest run is using it."""
    from django.db import connections

    from tests.database_guard import DatabaseInUse, claim

    connection = connections["default"]
    test_database = connection.creation._get_test_db_name()
    try:
        holder = claim(connection.get_connection_params(), test_database, connection.Database.connect)
    except DatabaseInUse as exc:
        pytest.exit(str(exc), returncode=3)
    yield
    holder.close()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Every test's uploads land in a folder of its own, never in var/media."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _fresh_cache_and_origin(settings):  # type: ignore[no-untyped-def]
    """Rate limits and throttles live in the cache; each test starts with none, and with no
    reference data (categories, skill names) remembered from another test's rolled-back rows."""
    from django.core.cache import cache

    from core.memo import clear_all
    from marketplace.templatetags.marketplace_tags import forget_skill_names

    cache.clear()
    clear_all()
    forget_skill_names()


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def firm(db):  # type: ignore[no-untyped-def]
    """A client firm whose owner is returned as ``firm.owner``."""
    organization = OrganizationFactory(name="Northwind Trading")
    organization.owner = make_member(organization, role="owner")
    return organization


@pytest.fixture
def other_firm(db):  # type: ignore[no-untyped-def]
    """A supplier: it offers services (it has skills), so the directory lists it and clients may invite it."""
    organization = OrganizationFactory(name="Globex Supplies", skills=["Payroll"])
    organization.owner = make_member(organization, role="owner")
    return organization


@pytest.fixture(autouse=True)
def _seeded_vocabulary(request):  # type: ignore[no-untyped-def]
    """Transactional tests (live server, real workers) flush the database, data migrations included.

    Put the seeded categories and skills, the clause templates and the supplier tally back before
    each of them, so they see what every real database has.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    import importlib

    from django.apps import apps

    from accounts.services import recount_suppliers

    request.getfixturevalue("transactional_db")
    importlib.import_module("marketplace.migrations.0002_seed_categories").seed(apps, None)
    importlib.import_module("contracts.migrations.0009_clause_templates").seed(apps, None)
    recount_suppliers()


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def _uses_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


@pytest.fixture(scope="session", autouse=True)
def _vocabulary_at_session_start(request, django_db_blocker):  # type: ignore[no-untyped-def]
    """A reused test database may end a run flushed (transactional tests run last): seed it again.

    A run without a database test (``pytest tests/test_compose.py``) sets up
    no test database, so there is nothing to seed.
    """
    if not any(_uses_database(item) for item in request.session.items):
        return
    request.getfixturevalue("django_db_setup")
    import importlib

    from django.apps import apps

    from accounts.services import recount_suppliers

    with django_db_blocker.unblock():
        importlib.import_module("marketplace.migrations.0002_seed_categories").seed(apps, None)
        importlib.import_module("contracts.migrations.0009_clause_templates").seed(apps, None)
        recount_suppliers()
