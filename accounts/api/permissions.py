"""Who may reach the API: DRF's adapters over :mod:`accounts.tenancy`.

Roles for writes are checked by the services (one place for the rules); these
classes guard reads, where no service runs, and make sure a request has an
acting organization before a view scopes anything by it. Views read the acting
user, organization and reach from ``accounts.tenancy`` itself.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from accounts import tenancy


class IsOrganizationMember(permissions.IsAuthenticated):
    """Signed in (session or token) and acting inside an organization."""

    message = tenancy.NO_ORGANIZATION

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and tenancy.acting_membership_or_none(request) is not None


class IsOrganizationManager(IsOrganizationMember):
    """An owner or admin of the acting organization."""

    message = "Only owners and admins of this organization can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and tenancy.acting_membership(request).can_manage
