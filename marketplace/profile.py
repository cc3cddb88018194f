"""What the marketplace adds to an organization's public page (``accounts.profiles``).

For an organization the directory lists: its track record and reply time in
the page's facts and, for a member of another organization visiting it,
inviting it to bid and the latest conversation with it.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Organization
from accounts.profiles import Place, Section, contribute
from marketplace.selectors.profiles import latest_conversation, supplier_standing
from marketplace.selectors.tasks import open_tasks_of


def supplier_sections(request: HttpRequest, organization: Organization) -> dict[Place, Section]:
    standing = supplier_standing(organization=organization)
    if standing is None:
        return {}
    found: dict[Place, Section] = {
        "facts": Section("marketplace/suppliers/_profile_facts.html", {"standing": standing})
    }
    viewer = getattr(request, "organization", None)
    if viewer is not None and viewer.pk != organization.pk:
        found["actions"] = Section(
            "marketplace/suppliers/_profile_actions.html",
            {
                "supplier": organization,
                "open_tasks": open_tasks_of(organization=viewer),
                "conversation": latest_conversation(client=viewer, supplier=organization),
            },
        )
    return found


def register() -> None:
    contribute(supplier_sections)
