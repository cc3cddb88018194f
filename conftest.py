"""Fixtures shared by every test module.

The test command sets DJANGO_ENV=test and points DATABASE_URL / REDIS_URL at
real PostgreSQL and Redis (the machine's, or embedded ones it starts).
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_ENV", "test")
# Tests use their own Redis database so clearing the cache never touches a running dev stack.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import pytest

from tests.factories import OrganizationFactory, UserFactory, make_member


@pytest.fixture(autouse=True)
def _fresh_cache_and_origin(settings):  # type: ignore[no-untyped-def]
    """Rate limits and throttles live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


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
    organization = OrganizationFactory(name="Globex Supplies")
    organization.owner = make_member(organization, role="owner")
    return organization
