"""What the accounts API tests share: the factories' password, query budgets and small readers."""

from __future__ import annotations

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from accounts.models import Organization

PASSWORD = "correct-horse-battery"  # the factories' password

# The user with their memberships (one query: accounts.auth_backends; the session comes from the cache),
# then the page: nothing per row.
LIST_QUERIES = 2


def personal_org(user) -> Organization:  # type: ignore[no-untyped-def]
    return Organization.objects.get(is_personal=True, memberships__user=user)


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows now, computed with allauth's own helpers."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
