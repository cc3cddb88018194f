"""Fixtures of the accounts tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services
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


@pytest.fixture
def admin(firm):  # type: ignore[no-untyped-def]
    return make_member(firm, role=Role.ADMIN)


@pytest.fixture
def invitation(firm):  # type: ignore[no-untyped-def]
    """A pending invitation to ``firm`` as an admin, with its secret ``token`` (sent by email)."""
    invitation, token = services.invite_member(
        actor=firm.owner, organization=firm, email="newcomer@example.test", role=Role.ADMIN
    )
    invitation.token = token
    return invitation
