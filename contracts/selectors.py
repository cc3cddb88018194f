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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.utils import timezone

from accounts.models import LISTED_SUPPLIER, Membership, Organization
from contracts.models import (
    OPEN_TO_PROPOSALS,
    ClauseTemplate,
    Contract,
    ContractDocument,
    ContractMilestone,
    ContractStatus,
    ContractVersion,
    EndKind,
    MilestoneStatus,
    Review,
    Signature,
    SigningOrder,
)
from contracts.terms import Clause, Terms
from core import joins
from core.exceptions import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from core.models import AuditEvent
from core.queries import CompiledQuery, one_or_not_found

if TYPE_CHECKING:
    from accounts.models import User
    from marketplace.models import Task

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
    """The organization's contracts on either side, newest change first, with both parties and the current
    version's terms (its canonical text, the bulk of the row, is left unread)."""
    return (
        Contract.objects.for_org(organization)
        .select_related("client", "supplier", "current_version")
        .defer("current_version__text")
        .order_by("-updated_at", "-id")
    )


#: What a row of the contract list reads (contracts/_contract_row.html and its cache key), and no more: the
#: organizations' and the version's other columns made up most of the cost of reading a page of rows.
LIST_FIELDS = (
    "title",
    "currency",
    "status",
    "updated_at",
    "client__name",
    "supplier__name",
    "current_version__terms",
)


def list_state(*, organization: Organization) -> tuple[Any, ...]:
    """What the organization's contract list shows that can change, in one query: how many contracts,
    the last change to any (state, title, version, ending), the newest, and the parties' names."""
    contract, party = Contract._meta.db_table, Organization._meta.db_table
    sql = f"""
        SELECT count(*), max(c.updated_at), max(c.id),
            md5(string_agg(client.name || chr(31) || supplier.name, chr(30) ORDER BY c.id))
        FROM {contract} c
        JOIN {party} client ON client.id = c.client_id
        JOIN {party} supplier ON supplier.id = c.supplier_id
        WHERE c.client_id = %(organization)s OR c.supplier_id = %(organization)s
    """  # noqa: S608 - table names from the models, the value bound as a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, {"organization": organization.pk})
        return tuple(cursor.fetchone() or ())


def contract_list_page(*, organization: Organization) -> QuerySet[Contract]:
    """:func:`contracts_of` with only what the list shows (to paginate)."""
    return contracts_of(organization=organization).only(*LIST_FIELDS)


def offerable_supplier(**lookup: Any) -> Organization:
    """An organization the directory lists (by ``slug`` or ``pk``), which a client may offer a contract to;
    any other is a 404."""
    return one_or_not_found(Organization.objects.filter(LISTED_SUPPLIER), "No such supplier.", **lookup)


def get_contract(*, contract_id: int, organization: Organization) -> Contract:
    """One of the organization's contracts (either side); another's and an unknown id are the same 404.

    The signatories the signing was handed to are read when asked for: most contracts have none (an empty
    key costs no query), and joining two user rows here cost more than the rest of the row (3 ms)."""
    contracts = contracts_of(organization=organization).select_related("signed_version").order_by()
    return one_or_not_found(contracts, "No such contract.", pk=contract_id)


@dataclass(frozen=True)
class PageState:
    """Everything the contract page shows that can change, read in one query: two reads that return equal
    states would render the same page for the same viewer (``contracts.views.contract_detail`` keys its
    cache on it). Whatever the page comes to show from another table must be added here."""

    title: str
    updated_at: datetime  # every change of the contract row: state, versions, signers, ending
    signing_expires_at: datetime | None  # the page says "expired" once it passes
    parties: tuple[str, str]  # the organizations' names, which the header shows
    # The history (every service audits what it does to the contract): its newest event, and a digest of
    # the names of those it names, which it shows as they read now.
    history: str | None
    signatures: str  # how many, the newest, how many confirmed and voided
    document: str | None  # the signed PDF's state and when it got there
    signatories: str | None  # a digest of the viewer's organization's members: the hand-over choices


def _page_state_sql() -> str:
    tables = {
        "contract": Contract._meta.db_table,
        "organization": Organization._meta.db_table,
        "event": AuditEvent._meta.db_table,
        "signature": Signature._meta.db_table,
        "document": ContractDocument._meta.db_table,
        "membership": Membership._meta.db_table,
        "user": Membership._meta.get_field("user").related_model._meta.db_table,  # type: ignore[union-attr]
    }
    return """
        SELECT c.title, c.updated_at, c.signing_expires_at, client.name, supplier.name,
            (SELECT max(e.id) || '-'
                    || coalesce(md5(string_agg(u.id || ':' || u.name || ':' || u.email, ',' ORDER BY e.id)), '')
               FROM {event} e LEFT JOIN {user} u ON u.id = e.actor_id
              WHERE e.target_type = %(target_type)s AND e.target_id = c.id::text),
            (SELECT count(*) || '-' || coalesce(max(s.id), 0) || '-' || count(s.confirmed_at) || '-'
                    || count(s.voided_at)
               FROM {signature} s WHERE s.contract_id = c.id),
            (SELECT d.status || ' ' || coalesce(d.finished_at::text, '')
               FROM {document} d WHERE d.version_id = c.signed_version_id),
            (SELECT md5(string_agg(m.user_id || ':' || m.role || ':' || m.signs_contracts || ':' || u.name || ':'
                    || u.email || ':' || u.is_active, ',' ORDER BY m.id))
               FROM {membership} m JOIN {user} u ON u.id = m.user_id WHERE m.organization_id = %(organization)s)
        FROM {contract} c
        JOIN {organization} client ON client.id = c.client_id
        JOIN {organization} supplier ON supplier.id = c.supplier_id
        WHERE c.id = %(contract)s AND (c.client_id = %(organization)s OR c.supplier_id = %(organization)s)
    """.format(**tables)  # noqa: S608 - table names from the models, values bound as parameters


def page_state(*, contract_id: int, organization: Organization) -> PageState:
    """What the contract page shows that can change (:class:`PageState`), for one of the organization's
    contracts; another's and an unknown id are the same 404 as :func:`get_contract`'s. One small query."""
    with connection.cursor() as cursor:
        cursor.execute(
            _page_state_sql(),
            {"contract": contract_id, "organization": organization.pk, "target_type": Contract._meta.label_lower},
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such contract.")
    title, updated_at, expires_at, client, supplier, history, signatures, document, signatories = row
    return PageState(title, updated_at, expires_at, (client, supplier), history, signatures, document, signatories)


def versions_of(*, contract: Contract) -> list[ContractVersion]:
    """Every version of the contract, first to last, with the organization that proposed it, for a list:
    their terms and text (the bulk of a row) are left unread."""
    return list(
        ContractVersion.objects.filter(contract=contract)
        .select_related("proposed_by_organization")
        .defer("terms", "text")
        .order_by("number")
    )


def versions_for_api(*, contract: Contract) -> QuerySet[ContractVersion]:
    """The contract's versions with who proposed each, for a paginated list (the paginator orders them)."""
    return ContractVersion.objects.filter(contract=contract).select_related("proposed_by", "proposed_by_organization")


def amendments_of(*, contract: Contract) -> QuerySet[ContractVersion]:
    """The versions proposed after the contract became active: its amendments (change orders), in force
    or being agreed. None before it is active."""
    if contract.activated_at is None:
        return versions_for_api(contract=contract).none()
    return versions_for_api(contract=contract).filter(created_at__gt=contract.activated_at)


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
    "contract.signing": "Waiting for signatures",
    "contract.sent_for_signing": "Sent for signatures",
    "contract.signed": "Signed",
    "contract.in_person_confirmed": "Paper signature confirmed",
    "contract.signing_handed_over": "Signing handed over",
    # The job that issues the PDF records it (contracts.documents.issue_document).
    "contract.document_issued": "Signed PDF issued",
    "contract.active": "Signed by every party: active",
    "contract.completed": "Completed",
    "contract.terminated": "Terminated",
    "contract.cancelled": "Cancelled",
    # Amendments of an active contract (contracts.services.propose_version, sign).
    "contract.amendment_proposed": "Amendment proposed",
    "contract.amendment_signed": "Amendment signed by every party: in force",
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
        .order_by("created_at", "id")
        .values_list("created_at", "action", "actor__name", "actor__email")
    )
    return [
        TimelineEntry(
            at=at,
            label=EVENT_LABELS.get(action, action),
            # User.display_name, from the two columns it reads (a whole user row per event cost more)
            actor=(name or email.split("@")[0]) if email else "",
        )
        for at, action, name, email in events
    ]


# --- signing --------------------------------------------------------------------------------------------


def signatory_membership(*, user: User, organization: Organization) -> Membership | None:
    membership = Membership.objects.filter(user=user, organization=organization).first()
    return membership if membership is not None and membership.can_sign else None


def signatories(organization: Organization) -> list[Membership]:
    """The organization's authorised signatories, by name."""
    members = Membership.objects.filter(organization=organization, user__is_active=True).select_related("user")
    return sorted((m for m in members if m.can_sign), key=lambda m: m.user.display_name.lower())


def valid_signatures(contract: Contract) -> list[Signature]:
    return list(contract.signatures.filter(version=contract.current_version).valid())


def counted_sides(contract: Contract) -> set[str]:
    return {signature.side for signature in valid_signatures(contract)}


def waiting_for(contract: Contract) -> list[str]:
    """The sides whose signature on the current version is still missing (or, in person, unconfirmed)."""
    return awaited_sides(contract, valid_signatures(contract))


def awaited_sides(contract: Contract, signatures: Sequence[Signature]) -> list[str]:
    """:func:`waiting_for`, from the current version's signatures already read (lists read them in bulk)."""
    if not contract.out_for_signing:
        return []
    counted = {signature.side for signature in signatures if signature.counts}
    return [side for side in ("client", "supplier") if side not in counted]


@dataclass(frozen=True)
class SideRow:
    """One party's line in the signing card: its signature on the current version, or who is awaited."""

    side: str
    name: str
    signature: Signature | None
    awaited: bool
    assigned: str  # the signatory the signing was handed to, if any


@dataclass(frozen=True)
class SigningPanel:
    """What the contract page shows one person about the signing, and what they may do."""

    rows: list[SideRow]
    signatures: list[Signature]  # on the current version, voided ones left out
    waiting_for: list[str]  # sides whose signature is missing or unconfirmed
    is_signatory: bool
    can_send: bool  # send the current version for signatures (or change the order/expiry)
    can_sign: bool
    why_not: str  # why this person cannot sign now, when they are a signatory and it waits for their side
    can_hand_over: bool
    to_confirm: list[Signature]  # the other side's in-person signatures this person may confirm
    expired: bool
    amendment: bool  # an active contract's newer version is being agreed; the signed one stays in force


def signing_panel(
    *, contract: Contract, organization: Organization, user: User, membership: Membership | None = None
) -> SigningPanel:
    """``membership``: the viewer's in ``organization`` when the caller has it already (the request's)."""
    if membership is None:
        membership = signatory_membership(user=user, organization=organization)
    elif not membership.can_sign:
        membership = None
    side = contract.side_of(organization)
    signatures = list(
        contract.signatures.filter(version_id=contract.current_version_id, voided_at__isnull=True)
        .select_related("confirmed_by")
        .order_by("signed_at")
    )
    waiting = awaited_sides(contract, signatures)  # the signatures just read, not a second query
    signing = contract.out_for_signing
    amendment = contract.has_amendment
    expired = bool(signing and contract.signing_expires_at and timezone.now() >= contract.signing_expires_at)
    obstacle = signing_obstacle(contract, side=side, user=user, signatures=signatures)
    why_not = obstacle.message if obstacle is not None else ""
    is_signatory = membership is not None
    by_side = {signature.side: signature for signature in signatures}
    rows = [
        SideRow(
            side=party_side,
            name=party.name,
            signature=by_side.get(party_side),
            awaited=party_side in waiting,
            assigned=getattr(contract, f"{party_side}_signer").display_name
            if getattr(contract, f"{party_side}_signer")
            else "",
        )
        for party_side, party in (("client", contract.client), ("supplier", contract.supplier))
    ]
    return SigningPanel(
        rows=rows,
        signatures=signatures,
        waiting_for=waiting,
        is_signatory=is_signatory,
        can_send=is_signatory and (contract.status in OPEN_TO_PROPOSALS or amendment) and not (signing and signatures),
        can_sign=is_signatory and signing and side in waiting and not why_not,
        why_not=why_not if is_signatory and signing and side in waiting else "",
        can_hand_over=is_signatory and signing and side in waiting,
        to_confirm=[
            s for s in signatures if is_signatory and s.side != side and s.method == "in_person" and not s.confirmed_at
        ],
        expired=expired,
        amendment=amendment,
    )


def signing_obstacle(
    contract: Contract, *, side: str, user: User, signatures: Sequence[Signature]
) -> DomainError | None:
    """What stops ``user`` signing the current version for ``side`` now, as the refusal ``services.sign``
    raises; None when nothing does. ``signatures``: the current version's, voided ones left out. The
    contract page's signing card shows the same words before anyone tries, so the two cannot drift.

    Checked after the state and the version hash (the service's own): the side signed already, the
    offer expired, the signing was handed to someone else, the other side signs first."""
    party = (contract.client if side == "client" else contract.supplier).name
    mine = next((signature for signature in signatures if signature.side == side), None)
    if mine is not None:
        if mine.counts:
            return Conflict(f"{mine.signer_name} already signed this version for {party}.")
        return Conflict(f"{mine.signer_name} signed this version on paper for {party}; the other side confirms it.")
    if contract.signing_expires_at is not None and timezone.now() >= contract.signing_expires_at:
        return InvalidTransition(
            f"This offer expired on {timezone.localtime(contract.signing_expires_at):%Y-%m-%d %H:%M}; "
            "ask for it to be sent again."
        )
    assigned = getattr(contract, f"{side}_signer")
    if assigned is not None and assigned.pk != user.pk:
        return PermissionDenied(f"The signing for {party} was handed to {assigned.display_name}.")
    first: str | None = {SigningOrder.SUPPLIER_FIRST.value: "supplier", SigningOrder.CLIENT_FIRST.value: "client"}.get(
        contract.signing_order
    )
    if first is not None and first != side and not any(s.side == first and s.counts for s in signatures):
        return InvalidTransition(f"The {first} signs first; you can sign once they have.")
    return None


def get_signature(*, contract: Contract, signature_id: int) -> Signature:
    return one_or_not_found(contract.signatures.all(), "No such signature.", pk=signature_id)


# --- the signed PDF -----------------------------------------------------------------------------------


def document_of(contract: Contract) -> ContractDocument | None:
    """The signed PDF of the version in force (being prepared, ready or failed), or None before signing.

    ``contract`` was read through one of its parties (:func:`get_contract`)."""
    if contract.signed_version_id is None:
        return None
    return ContractDocument.objects.filter(version_id=contract.signed_version_id).first()


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


# --- the home's queue -----------------------------------------------------------------------------------


def awaiting_signatures(*, organization: Organization, limit: int) -> tuple[list[Contract], int]:
    """Contracts whose current version (a first one, or an amendment) waits for signatures, the organization's
    first, then the other side's;
    each with ``ours_signed`` and ``theirs_signed``. At most ``limit`` rows and the total, in one query."""
    counted = (
        Signature.objects.filter(contract=OuterRef("pk"), version=OuterRef("current_version"), voided_at__isnull=True)
        .exclude(method="in_person", confirmed_at__isnull=True)
        .order_by()
    )
    rows = list(
        Contract.objects.for_org(organization)
        .filter(Q(status=ContractStatus.SIGNING) | Q(status=ContractStatus.ACTIVE, amendment_sent_at__isnull=False))
        .filter(Q(signing_expires_at__isnull=True) | Q(signing_expires_at__gt=timezone.now()))
        .select_related("client", "supplier", "current_version")
        .annotate(
            ours_signed=Exists(counted.filter(organization=organization)),
            theirs_signed=Exists(counted.exclude(organization=organization)),
            total=Window(Count("pk")),
        )
        .order_by("ours_signed", "-updated_at", "-id")[:limit]
    )
    return rows, (int(getattr(rows[0], "total")) if rows else 0)  # noqa: B009 - an annotation mypy cannot see


# --- ending a contract ------------------------------------------------------------------------------

#: "7 days' notice", "30 days notice", "14 day notice": the notice a termination clause gives.
_NOTICE = re.compile(r"\b(\d{1,3})[\s-]+days?['’]?\s+(?:of\s+)?(?:written\s+)?notice", re.IGNORECASE)
#: The clause that says how the contract ends (contracts/migrations/0009_clause_templates.py).
TERMINATION_CLAUSE = "termination"


def notice_days(terms: Terms) -> int:
    """The days' notice a party gives to end the contract: the first "N days' notice" of its termination
    clause, else ``settings.CONTRACT_NOTICE_DAYS``."""
    for clause in terms.clauses:
        if clause.key == TERMINATION_CLAUSE and (found := _NOTICE.search(clause.text)):
            return int(found.group(1))
    return int(settings.CONTRACT_NOTICE_DAYS)


#: A milestone in these states is not owed anything when a contract ends: nobody funded it, or it is settled.
SETTLED = (MilestoneStatus.PENDING, MilestoneStatus.CANCELLED, MilestoneStatus.RELEASED, MilestoneStatus.REFUNDED)


def settlement_of(terms: Terms, milestones: Sequence[ContractMilestone]) -> list[dict[str, Any]]:
    """What a contract ending now leaves to settle: each milestone under way (funded, delivered,
    approved…), with its title and amount in ``terms`` (minor units) and its state."""
    by_key = {m.key: m for m in terms.milestones}
    labels = dict(MilestoneStatus.choices)
    return [
        {
            "key": record.key,
            "title": by_key[record.key].title if record.key in by_key else record.key,
            "amount": by_key[record.key].amount if record.key in by_key else 0,
            "status": record.status,
            "status_label": labels.get(record.status, record.status),
        }
        for record in milestones
        if record.status not in SETTLED
    ]


@dataclass(frozen=True)
class EndingPreview:
    """What ending a contract today would do, for the confirmation page."""

    notice_days: int
    ends_on: date
    cancelled: int  # pending milestones that would be cancelled
    owed: list[dict[str, Any]]


def ending_preview(contract: Contract) -> EndingPreview:
    """``contract`` is active and was read through one of its parties (:func:`get_contract`)."""
    assert contract.signed_version is not None
    terms = contract.signed_version.read_terms()
    milestones = list(contract.milestones.order_by("id"))
    days = notice_days(terms)
    return EndingPreview(
        notice_days=days,
        ends_on=timezone.localdate() + timedelta(days=days),
        cancelled=sum(1 for m in milestones if m.status == MilestoneStatus.PENDING),
        owed=settlement_of(terms, milestones),
    )


def insourced_contracts(*, task: Task, organization: Organization) -> list[Contract]:
    """The task's contracts its client (``organization``) ended by taking the work back in-house."""
    return list(
        Contract.objects.filter(task=task, client=organization, end_kind=EndKind.INSOURCED).order_by("ended_at", "id")
    )


@dataclass(frozen=True)
class OutsourcingSummary:
    """A client's contracts by how they stand: outsourced work running or done, and work taken back."""

    active: int
    completed: int
    terminated: int  # ended early with notice
    insourced: int  # ended early: the client took the work back in-house

    @property
    def total(self) -> int:
        return self.active + self.completed + self.terminated + self.insourced


def _outsourcing_counts(organization: int) -> QuerySet[Any, tuple[int, int, int, int]]:
    return (
        Contract.objects.filter(client_id=organization)
        .values("client_id")
        .annotate(
            active=Count("pk", filter=Q(status=ContractStatus.ACTIVE)),
            completed=Count("pk", filter=Q(status=ContractStatus.COMPLETED)),
            terminated=Count("pk", filter=Q(status=ContractStatus.TERMINATED) & ~Q(end_kind=EndKind.INSOURCED)),
            insourced=Count("pk", filter=Q(status=ContractStatus.TERMINATED, end_kind=EndKind.INSOURCED)),
        )
        .values_list("active", "completed", "terminated", "insourced")
        .order_by()
    )


# The contract list asks this on every view; building the four filtered counts took the ORM longer
# than PostgreSQL took to count them, so the SQL is compiled once per process (core.queries).
_OUTSOURCING = CompiledQuery(Contract, _outsourcing_counts, organization=-7_501)


def outsourcing_summary(organization: Organization) -> OutsourcingSummary:
    """The organization's contracts as a client (signed ones: drafts and cancelled offers never started),
    counted in one query."""
    found = _OUTSOURCING.rows(organization=organization.pk)
    return OutsourcingSummary(*found[0]) if found else OutsourcingSummary(0, 0, 0, 0)
