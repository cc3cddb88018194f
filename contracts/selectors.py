"""Reads of contracts: a supplier's track record, a party's contracts and versions, the clause templates.

A track record is what finished contracts say of an organization: its
revealed reviews (count, overall and communication ratings) and its completed
contracts. Two readers need it in two shapes, so both shapes are written here,
from the same two rules (:data:`REVEALED` reviews, :data:`COMPLETED` contracts;
the hand-written statement spells them in SQL beside them):

- the supplier directory annotates a queryset of organizations
  (:func:`with_track_record`, :func:`rated`);
- the bid comparison reads it inside one hand-written statement
  (:func:`track_record_sql`), where the ORM cost more than the query.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

from django.db.models import Avg, Count, F, Q, QuerySet

from contracts.models import ClauseTemplate, Contract, ContractStatus, ContractVersion, Review
from contracts.terms import Clause
from core import joins
from core.models import AuditEvent
from core.queries import one_or_not_found

if TYPE_CHECKING:
    from accounts.models import Organization

#: A review counts once it is revealed (both sides wrote theirs, or the window to write closed): here
#: from the organization reviewed.
REVEALED = Q(reviews_received__revealed_at__isnull=False)
#: A contract counts once it is completed.
COMPLETED = ContractStatus.COMPLETED
#: The parameters :func:`track_record_sql` takes.
TRACK_RECORD_PARAMETERS: dict[str, Any] = {"track_record_completed": COMPLETED}


@dataclass
class TrackRecord:
    """An organization's revealed reviews and completed contracts, as a supplier."""

    review_count: int = 0
    rating_total: int = 0
    communication_total: int = 0
    completed_contracts: int = 0

    @classmethod
    def read(cls, value: Sequence[int], **more: Any) -> Self:
        """The record from the value of :func:`track_record_sql` (and ``more`` fields of a subclass)."""
        review_count, rating_total, communication_total, completed_contracts = value
        return cls(
            review_count=review_count,
            rating_total=rating_total,
            communication_total=communication_total,
            completed_contracts=completed_contracts,
            **more,
        )

    @property
    def rating(self) -> float | None:
        """The average overall rating, 1 to 5; None without a review."""
        return self.rating_total / self.review_count if self.review_count else None


def with_track_record(organizations: QuerySet[Organization]) -> QuerySet[Any]:
    """``organizations`` with ``rating`` (average of revealed reviews, None without one), ``review_count``
    and ``completed_contracts``."""
    return organizations.annotate(
        rating=Avg("reviews_received__rating", filter=REVEALED),
        review_count=Count("reviews_received", filter=REVEALED, distinct=True),
        completed_contracts=Count("supplier_contracts", filter=Q(supplier_contracts__status=COMPLETED), distinct=True),
    )


def reviewed(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """The organizations with at least one revealed review; :func:`rated` averages the same join."""
    return organizations.filter(REVEALED)


def rated(reviewed_organizations: QuerySet[Any]) -> QuerySet[Any]:
    """:func:`reviewed` organizations (other filters may follow it) with their average ``rating``."""
    return reviewed_organizations.annotate(rating=Avg("reviews_received__rating"))


def unreviewed(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """The organizations without a revealed review."""
    return organizations.exclude(REVEALED)


@functools.cache
def track_record_sql(supplier: str, *, database: str) -> str:
    """A SQL expression: ``ARRAY[review count, overall rating total, communication rating total,
    completed contracts]`` of the organization whose id is the SQL expression ``supplier``.

    It takes :data:`TRACK_RECORD_PARAMETERS`; :meth:`TrackRecord.read` reads its value.
    """
    t, c = functools.partial(joins.table, database=database), functools.partial(joins.column, database=database)
    return f"""(
        SELECT ARRAY[count(*), coalesce(sum(r.{c(Review, "rating")}), 0),
                     coalesce(sum(r.{c(Review, "communication_rating")}), 0),
                     (SELECT count(*) FROM {t(Contract)} k
                       WHERE k.{c(Contract, "supplier")} = {supplier}
                         AND k.{c(Contract, "status")} = %(track_record_completed)s)]
          FROM {t(Review)} r
         WHERE r.{c(Review, "subject")} = {supplier} AND r.{c(Review, "revealed_at")} IS NOT NULL)"""  # noqa: S608 - names from the models; values are parameters


# --- contracts a party reads ------------------------------------------------------------------------


def contracts_of(*, organization: Organization) -> QuerySet[Contract]:
    """The organization's contracts on either side, newest change first, with both parties."""
    return (
        Contract.objects.for_org(organization)
        .select_related("client", "supplier", "current_version")
        .order_by("-updated_at", "-id")
    )


def get_contract(*, contract_id: int, organization: Organization) -> Contract:
    """One of the organization's contracts (either side); another's and an unknown id are the same 404."""
    return one_or_not_found(contracts_of(organization=organization), "No such contract.", pk=contract_id)


def versions_of(*, contract: Contract) -> list[ContractVersion]:
    """Every version of the contract, first to last, with who proposed it."""
    return list(
        ContractVersion.objects.filter(contract=contract)
        .select_related("proposed_by", "proposed_by_organization")
        .order_by("number")
    )


def get_version(*, contract: Contract, number: int) -> ContractVersion:
    versions = ContractVersion.objects.filter(contract=contract).select_related("proposed_by_organization")
    return one_or_not_found(versions, "No such version.", number=number)


@dataclass(frozen=True)
class ChangedLine:
    kind: str  # "same", "added" or "removed"
    text: str


def changes_between(older: ContractVersion, newer: ContractVersion) -> list[ChangedLine]:
    """The lines of ``newer``'s text against ``older``'s: kept, added and removed, in reading order.

    Both texts are canonical (``contracts.terms.canonical_text``), one term to a line, so a line-level
    diff reads as the terms that changed; its first line (the version's number) always does."""
    kinds = {" ": "same", "+": "added", "-": "removed"}
    lines = difflib.ndiff(older.text.splitlines(), newer.text.splitlines())
    return [ChangedLine(kinds[line[0]], line[2:]) for line in lines if line[:1] in kinds]


#: What each audited action of a contract is called on its page.
EVENT_LABELS = {
    "contract.drafted": "Drafted from the accepted bid",
    "contract.version_proposed": "New version proposed",
    "contract.negotiating": "Negotiation opened",
    "contract.signing": "Sent for signatures",
    "contract.active": "Signed by every party: active",
    "contract.completed": "Completed",
    "contract.terminated": "Terminated",
    "contract.cancelled": "Cancelled",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str
    actor: str  # who did it, "" for the platform


def timeline_of(*, contract: Contract) -> list[TimelineEntry]:
    """What happened to the contract, oldest first, from its audit records."""
    events = (
        AuditEvent.objects.filter(target_type=Contract._meta.label_lower, target_id=str(contract.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        TimelineEntry(
            at=event.created_at,
            label=EVENT_LABELS.get(event.action, event.action),
            actor=event.actor.display_name if event.actor is not None else "",
        )
        for event in events
    ]


# --- clause templates ------------------------------------------------------------------------------


def clauses_for(*, category_id: int | None) -> tuple[Clause, ...]:
    """The clauses a new contract in the category starts with: the active templates of every category,
    each replaced, in its place, by the active one of the same key in ``category_id``; then the
    category's other templates, all by position."""
    scope = (
        Q(category__isnull=True) | Q(category_id=category_id) if category_id is not None else Q(category__isnull=True)
    )
    chosen: dict[str, tuple[int, ClauseTemplate]] = {}
    for template in ClauseTemplate.objects.filter(scope, active=True).order_by(F("category_id").asc(nulls_first=True)):
        general = chosen.get(template.key)  # the general ones come first: a category's own replaces it here
        chosen[template.key] = (general[0] if general else template.position, template)
    ordered = sorted(chosen.values(), key=lambda item: (item[0], item[1].key))
    return tuple(Clause(key=t.key, title=t.title, text=t.text) for _position, t in ordered)
