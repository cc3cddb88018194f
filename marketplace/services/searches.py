"""Saved searches: a supplier keeps a set of browse filters and gets a digest of new matches."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from core import audit, limits
from core.exceptions import DomainError, NotFound
from core.text import is_blank
from marketplace.models import SavedSearch
from marketplace.services._common import require_member

MAX_SAVED_SEARCHES = 25


@transaction.atomic
def save_search(
    *, actor: User, organization: Organization, name: str, filters: dict, notify: bool = True
) -> SavedSearch:
    """Keep ``filters`` under ``name`` for the actor in ``organization``.

    Safe to repeat: the same name and filters again (a double submit) return
    the search already saved. The user's row is locked while counting, so two
    saves at once cannot pass the limit together.
    """
    from marketplace.selectors import TaskFilters

    require_member(actor=actor, organization=organization)
    name = name.strip()[: limits.NAME]
    if is_blank(name):
        raise DomainError("Name the search so you can find it again.", field="name")
    clean = TaskFilters.from_params(filters).as_params()  # drops what the browse page does not understand
    User.objects.select_for_update().get(pk=actor.pk)  # serialises this user's saves
    mine = SavedSearch.objects.filter(user=actor, organization=organization)
    same = mine.filter(name=name, filters=clean).first()
    if same is not None:
        return same
    if mine.count() >= MAX_SAVED_SEARCHES:
        raise DomainError(f"Keep at most {MAX_SAVED_SEARCHES} saved searches; delete one first.")
    saved = SavedSearch.objects.create(
        organization=organization,
        user=actor,
        name=name,
        filters=clean,
        notify=notify,
        last_notified_at=timezone.now(),
    )
    audit.record(
        action="saved_search.created",
        actor=actor,
        organization=organization,
        target=saved,
        details={"filters": clean, "notify": notify},
    )
    return saved


@transaction.atomic
def delete_saved_search(*, actor: User, saved_search: SavedSearch) -> None:
    if saved_search.user_id != actor.pk:
        raise NotFound("No such saved search.")
    audit.record(
        action="saved_search.deleted",
        actor=actor,
        organization=saved_search.organization,
        target=saved_search,
        details={"name": saved_search.name},
    )
    saved_search.delete()
