"""Fixtures of the accounts tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import make_member


@pytest.fixture
def anonymous_api() -> APIClient:
    """An API client nobody signed in to."""
    return APIClient()


@pytest.fixture
def member(firm):  # type: ignore[no-untyped-def]
    """A plain member of ``firm``: may read, may not manage."""
    return make_member(firm, role=Role.MEMBER)
