"""What other apps show on an organization's public page.

The page is the accounts app's, and the accounts app knows no other app: an
app that has something to say about an organization (the marketplace: its
track record as a supplier, and what a visitor can do with it) registers a
*contributor* in its ``AppConfig.ready``::

    profiles.contribute(supplier_sections)

A contributor takes the request and the organization and returns the
:class:`Section` (a template and its context) it adds to each place, none
when it has nothing to say. The page renders each place's sections in the
order contributors were registered: ``facts`` in the header's list,
``actions`` beside its title, ``aside`` at the top of the side column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import HttpRequest

from accounts.models import Organization

Place = Literal["facts", "actions", "aside"]
PLACES: tuple[Place, ...] = ("facts", "actions", "aside")


@dataclass(frozen=True)
class Section:
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


Contributor = Callable[[HttpRequest, Organization], Mapping[Place, Section]]
_contributors: list[Contributor] = []


def contribute(contributor: Contributor) -> None:
    """Show what ``contributor`` returns on every organization's page (once, however often an app
    registers it)."""
    if contributor not in _contributors:
        _contributors.append(contributor)


def sections(request: HttpRequest, organization: Organization) -> dict[Place, list[Section]]:
    """Every place's sections for ``organization`` as ``request``'s user sees it."""
    found: dict[Place, list[Section]] = {place: [] for place in PLACES}
    for contributor in _contributors:
        for place, section in contributor(request, organization).items():
            found[place].append(section)
    return found
