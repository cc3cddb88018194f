"""Saved searches: a supplier keeps a set of browse filters and gets a digest of new matches."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from core.exceptions import DomainError, NotFound
from marketplace.models import SavedSearch
from marketplace.services._common import require_member

MAX_SAVED_SEARCHES = 25


@transaction.atomic
def save_search(
    *, actor: User, organization: Organization, name: str, filters: dict, notify: bool = True
) -> SavedSearch:
    from marketplace.selectors import TaskFilters

    require_member(actor=actor, organization=organization)
    name = name.strip()
    if not name:
        raise DomainError("Name the search so you can find it again.", field="name")
    clean = TaskFilters.from_params(filters).as_params()  # drops what the browse page does not understand
    if SavedSearch.objects.filter(user=actor, organization=organization).count() >= MAX_SAVED_SEARCHES:
        raise DomainError(f"Keep at most {MAX_SAVED_SEARCHES} saved searches; delete one first.")
    return SavedSearch.objects.create(
        organization=organization,
        user=actor,
        name=name[:100],
        filters=clean,
        notify=notify,
        last_notified_at=timezone.now(),
    )


@transaction.atomic
def delete_saved_search(*, actor: User, saved_search: SavedSearch) -> None:
    if saved_search.user_id != actor.pk:
        raise NotFound("No such saved search.")
    saved_search.delete()
