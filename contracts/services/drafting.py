"""Drafting a contract (from an accepted bid, or offered directly to a supplier without a task), proposing new
versions of its terms, and cancelling it."""

from __future__ import annotations

from dataclasses import asdict, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from accounts.services import require_manager
from contracts import notifications
from contracts.models import (
    AMENDABLE,
    Contract,
    ContractMilestone,
    ContractStatus,
    ContractVersion,
    EndKind,
    MilestoneStatus,
    Signature,
)
from contracts.selectors import clauses_for
from contracts.services._common import lock_for, transition
from contracts.terms import END_KINDS, LEGAL_FIELDS, MilestoneTerms, Party, Terms, canonical_text, sha256
from core import audit, limits
from core.exceptions import DomainError, ErrorCollector, InvalidTransition
from core.money import RATE_CURRENCIES, format_money
from core.text import clean, is_blank

if TYPE_CHECKING:
    from marketplace.models import Bid


#: The most milestones one contract's terms hold (a bid holds at most as many).
MAX_MILESTONES = 20

#: How long each of a party's legal details may be, and what a refusal calls it.
LEGAL_DETAIL_LIMITS = {
    "legal_name": (limits.LEGAL_NAME, "legal name"),
    "address": (limits.ADDRESS, "address"),
    "registration_number": (limits.LEGAL_ID, "registration number"),
    "vat_number": (limits.LEGAL_ID, "VAT number"),
    "signatory": (limits.PERSON_NAME, "signatory's name"),
}
#: The longest key a clause may have (a milestone's is 20: ContractMilestone.key).
MAX_KEY = 40


# --- terms ---------------------------------------------------------------------------------------


def _party(organization: Organization, details: Party | None = None) -> Party:
    """``organization`` as a party: its own name and place, with the legal details of ``details``."""
    place = {"name": organization.name, "country": str(organization.country or ""), "city": organization.city}
    return replace(details, **place) if details is not None else Party(**place)


def terms_from_bid(bid: Bid) -> Terms:
    """The first terms of a contract born from ``bid``: the task's scope, the bid's price, milestones and
    delivery date, the platform's payment terms, and the clauses of the task's category
    (:func:`contracts.selectors.clauses_for`)."""
    task = bid.task
    milestones = tuple(
        MilestoneTerms(key=f"m{number}", title=m.title, amount=m.amount, due_date=m.due_date)
        for number, m in enumerate(bid.milestones.all(), start=1)
    ) or (MilestoneTerms(key="m1", title=task.title, amount=bid.amount, due_date=bid.delivery_date),)
    hourly = bid.price_type == "hourly"
    return Terms(
        title=task.title,
        client=_party(task.organization),
        supplier=_party(bid.supplier),
        scope=task.description,
        currency=bid.currency,
        price=bid.amount,
        hourly_rate=bid.hourly_rate if hourly else None,
        milestones=milestones,
        end_kind="hours" if hourly else "date",
        end_date=bid.delivery_date,
        hours_cap=(task.hours_cap or bid.estimated_hours) if hourly else None,
        platform_fee_percent=str(Decimal(settings.PLATFORM_FEE_PERCENT)),
        review_days=settings.MILESTONE_REVIEW_DAYS,
        clauses=clauses_for(category_id=task.category_id),
    )


def offer_terms(*, client: Organization, supplier: Organization, currency: str, hourly: bool) -> Terms:
    """Where a direct offer starts: the two parties, the platform's payment terms and the general clauses.
    The work, the price and the milestones are the client's to write. An hourly offer starts at the
    supplier's usual rate when it is quoted in ``currency``."""
    rate = supplier.hourly_rate if supplier.hourly_rate_currency == currency else None
    return Terms(
        title="",
        client=_party(client),
        supplier=_party(supplier),
        scope="",
        currency=currency,
        price=0,
        hourly_rate=(rate or 0) if hourly else None,
        milestones=(),
        end_kind="hours" if hourly else "date",
        platform_fee_percent=str(Decimal(settings.PLATFORM_FEE_PERCENT)),
        review_days=settings.MILESTONE_REVIEW_DAYS,
        clauses=clauses_for(category_id=None),
    )


def check_terms(terms: Terms, *, contract: Contract) -> None:
    """Refuse terms a contract cannot hold, every problem at once (``Invalid`` names the fields)."""
    errors = ErrorCollector()
    for name, text in _texts(terms):
        if clean(text) != text:
            errors.add(name, "Remove the control characters (a NUL, say) from the text.")
    if is_blank(terms.title):
        errors.add("title", "Give the contract a title.")
    elif len(terms.title) > limits.TITLE:
        errors.add("title", f"Keep the title under {limits.TITLE} characters.")
    if is_blank(terms.scope):
        errors.add("scope", "Say what work the supplier does.")
    elif len(terms.scope) > limits.DESCRIPTION:
        errors.add("scope", f"Keep the scope under {limits.DESCRIPTION:,} characters.")
    if terms.currency != contract.currency:
        errors.add("currency", f"A contract keeps one currency: {contract.currency}.")
    if not terms.milestones:
        errors.add("milestones", "A contract needs at least one milestone.")
    elif len(terms.milestones) > MAX_MILESTONES:
        errors.add("milestones", f"At most {MAX_MILESTONES} milestones.")
    for side in ("client", "supplier"):
        party = getattr(terms, side)
        for name, (limit, label) in LEGAL_DETAIL_LIMITS.items():
            if len(getattr(party, name)) > limit:
                errors.add(f"{side}_{name}", f"Keep the {label} under {limit:,} characters.")
    keys = [milestone.key for milestone in terms.milestones]
    if len(set(keys)) != len(keys) or any(not key or len(key) > 20 for key in keys):
        errors.add("milestones", "Each milestone needs its own key.")
    for milestone in terms.milestones:
        if is_blank(milestone.title):
            errors.add("milestones", "Give every milestone a title.")
        if not 0 < milestone.amount <= limits.MAX_AMOUNT:
            errors.add("milestones", f"Every milestone's amount is above zero and {limits.too_much(terms.currency)}.")
    if not 0 < terms.price <= limits.MAX_AMOUNT:
        errors.add("price", f"The price is above zero and {limits.too_much(terms.currency)}.")
    elif not terms.is_hourly and terms.milestones and (total := sum(m.amount for m in terms.milestones)) != terms.price:
        errors.add(
            "milestones",
            f"The milestones add up to {_money(total, terms)}, not to the price of {_money(terms.price, terms)}.",
        )
    if terms.is_hourly and not 0 < (terms.hourly_rate or 0) <= limits.MAX_AMOUNT:
        errors.add("hourly_rate", f"The hourly rate is above zero and {limits.too_much(terms.currency)}.")
    if terms.end_kind not in END_KINDS:
        errors.add("end_kind", "The work ends by a date, a cap on hours or a budget cap.")
    elif terms.end_kind == "hours" and not (terms.hours_cap and 0 < terms.hours_cap <= limits.MAX_HOURS):
        errors.add("hours_cap", f"Give the cap on hours, at most {limits.MAX_HOURS:,}.")
    elif terms.end_kind == "budget" and not (terms.budget_cap and 0 < terms.budget_cap <= limits.MAX_AMOUNT):
        errors.add("budget_cap", "Give the budget cap.")
    if not 0 < terms.review_days <= 90:
        errors.add("review_days", "The review window is 1 to 90 days.")
    _check_clauses(terms, errors)
    errors.raise_if_any()


def _check_clauses(terms: Terms, errors: ErrorCollector) -> None:
    if len(terms.clauses) > limits.MAX_CLAUSES:
        errors.add("clauses", f"At most {limits.MAX_CLAUSES} clauses.")
    keys = [clause.key for clause in terms.clauses]
    if len(set(keys)) != len(keys) or any(not key or len(key) > MAX_KEY for key in keys):
        errors.add("clauses", "Each clause needs its own key.")
    for clause in terms.clauses:
        if is_blank(clause.title):
            errors.add("clauses", "Give every clause a title.")
        elif len(clause.title) > limits.TITLE:
            errors.add("clauses", f"Keep each clause's title under {limits.TITLE} characters.")
        if is_blank(clause.text):
            errors.add("clauses", "Give every clause its text, or remove it.")
        elif len(clause.text) > limits.CLAUSE:
            errors.add("clauses", f"Keep each clause under {limits.CLAUSE:,} characters.")


def _money(amount: int, terms: Terms) -> str:
    try:
        return format_money(amount, terms.currency)
    except (ArithmeticError, ValueError):  # an amount no currency writes: the refusal still reads
        return f"{amount:,} minor units"


def _texts(terms: Terms) -> list[tuple[str, str]]:
    """Every piece of text in the terms, with the field a refusal names."""
    parties = [
        (f"{side}_{name}" if name in LEGAL_FIELDS else side, value)
        for side in ("client", "supplier")
        for name, value in asdict(getattr(terms, side)).items()
    ]
    return [
        ("title", terms.title),
        ("scope", terms.scope),
        *parties,
        *(("milestones", milestone.title) for milestone in terms.milestones),
        *(("milestones", milestone.key) for milestone in terms.milestones),
        *(("clauses", value) for clause in terms.clauses for value in (clause.key, clause.title, clause.text)),
    ]


# --- drafting and proposals ----------------------------------------------------------------------


@transaction.atomic
def create_draft_from_bid(*, actor: User, bid: Bid) -> Contract:
    """A draft contract whose version 1 holds the task's scope and the bid's price and milestones.
    Safe to repeat.

    Caller holds the task and bid locks (``marketplace.services.accept_bid``).
    """
    existing = Contract.objects.filter(bid=bid).first()
    if existing is not None:
        return existing
    task = bid.task
    terms = terms_from_bid(bid)
    contract = Contract.objects.create(
        client=task.organization,
        supplier=bid.supplier,
        task=task,
        bid=bid,
        title=terms.title,
        currency=terms.currency,
        created_by=actor,
    )
    version = _add_version(contract, terms, actor=actor, organization=task.organization, note="")
    audit.record(
        action="contract.drafted",
        actor=actor,
        organization=task.organization,
        target=contract,
        details={
            "bid": bid.pk,
            "supplier": bid.supplier_id,
            "total": terms.total,
            "currency": terms.currency,
            "version": version.number,
            "sha256": version.sha256,
        },
    )
    return contract


@transaction.atomic
def offer_contract(
    *, actor: User, organization: Organization, supplier: Organization, terms: Terms, note: str = ""
) -> Contract:
    """A client offers a contract to a supplier directly, without a task: a draft whose version 1 holds
    ``terms``, which then goes on as any draft does (either side proposes changes, a signatory sends it
    for signatures). An owner or admin of the client makes offers, as they accept bids. The parties'
    names and places are the organizations' own, whatever ``terms`` say. The supplier is told.

    Not safe to repeat by itself: two calls are two offers, as two tasks are two tasks; the page's form
    token and the API's ``Idempotency-Key`` make a repeated submission one."""
    require_manager(actor=actor, organization=organization, action="offer contracts")
    if supplier.pk == organization.pk:
        raise DomainError("An organization cannot offer a contract to itself.", field="supplier")
    if not supplier.is_listed_supplier:
        raise DomainError(f"{supplier.name} does not offer its services here.", field="supplier")
    if terms.currency not in RATE_CURRENCIES:
        raise DomainError(f"Choose one of {', '.join(RATE_CURRENCIES)}.", field="currency")
    terms = replace(
        terms,
        client=_party(organization, terms.client),
        supplier=_party(supplier, terms.supplier),
        platform_fee_percent=str(Decimal(settings.PLATFORM_FEE_PERCENT)),
        review_days=settings.MILESTONE_REVIEW_DAYS,
    )
    check_terms(terms, contract=Contract(client=organization, supplier=supplier, currency=terms.currency))
    _check_note(note)
    contract = Contract.objects.create(
        client=organization, supplier=supplier, title=terms.title, currency=terms.currency, created_by=actor
    )
    version = _add_version(contract, terms, actor=actor, organization=organization, note=note.strip())
    audit.record(
        action="contract.offered",
        actor=actor,
        organization=organization,
        target=contract,
        details={
            "supplier": supplier.pk,
            "total": terms.total,
            "currency": terms.currency,
            "version": version.number,
            "sha256": version.sha256,
        },
    )
    notifications.contract_offered(contract=contract)
    return contract


@transaction.atomic
def propose_version(
    *, actor: User, organization: Organization, contract: Contract, terms: Terms, note: str = ""
) -> ContractVersion:
    """A party proposes new terms: a new version, which becomes the one to sign; signatures of earlier
    versions are voided and a contract waiting for them is negotiated again. Safe to repeat: terms equal
    to the current version's change nothing and return it.

    On an active contract the proposal is an amendment (a change order): the contract stays active under
    its signed version, which keeps its signatures, until both sides sign the amendment
    (``signing.sign``). A milestone that money or delivery has reached (not pending) cannot be removed
    or lowered (:func:`check_amendment`)."""
    contract = lock_for(actor=actor, organization=organization, contract=contract)
    if contract.status not in AMENDABLE:
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract takes no proposals.")
    current = contract.current_version
    if current is not None and current.read_terms() == terms:
        return current  # a repeat: the terms were judged when they were written
    check_terms(terms, contract=contract)
    amending = contract.status == ContractStatus.ACTIVE
    if amending:
        check_amendment(contract, terms)
    _check_note(note)
    version = _add_version(contract, terms, actor=actor, organization=organization, note=note.strip())
    # The signatures of the version in force stay: an amendment voids only those of an earlier amendment.
    voided = (
        Signature.objects.filter(contract=contract, voided_at__isnull=True)
        .exclude(version_id=contract.signed_version_id)
        .update(voided_at=timezone.now())
    )
    if amending:
        if contract.amendment_sent_at is not None:  # the amendment that was out for signatures is withdrawn
            contract.amendment_sent_at = None
            contract.save(update_fields=["amendment_sent_at", "updated_at"])
    elif contract.status != ContractStatus.NEGOTIATING:
        transition(contract, ContractStatus.NEGOTIATING, actor=actor, organization=organization)
    audit.record(
        action="contract.amendment_proposed" if amending else "contract.version_proposed",
        actor=actor,
        organization=organization,
        target=contract,
        details={"version": version.number, "sha256": version.sha256, "total": terms.total, "voided": voided},
    )
    return version


def check_amendment(contract: Contract, terms: Terms) -> None:
    """Refuse an amendment that takes back what money or delivery has reached: a milestone that is no
    longer pending (funded, delivered, approved, released…) stays, for at least its amount in force.

    Caller holds the contract lock; the milestones' rows are locked here, so none moves on meanwhile."""
    assert contract.signed_version is not None
    signed = {m.key: m for m in contract.signed_version.read_terms().milestones}
    proposed = {m.key: m for m in terms.milestones}
    under_way = (
        contract.milestones.select_for_update()
        .exclude(status__in=(MilestoneStatus.PENDING, MilestoneStatus.CANCELLED))
        .order_by("id")
    )
    errors = ErrorCollector()
    for record in under_way:
        before = signed.get(record.key)
        title = before.title if before else record.key
        after = proposed.get(record.key)
        if after is None:
            errors.add("milestones", f"“{title}” is {record.get_status_display().lower()}: it cannot be removed.")
        elif before is not None and after.amount < before.amount:
            errors.add(
                "milestones",
                f"“{title}” is {record.get_status_display().lower()}: its amount cannot go below "
                f"{_money(before.amount, terms)}.",
            )
    errors.raise_if_any()


@transaction.atomic
def cancel_contract(*, actor: User, organization: Organization, contract: Contract, reason: str) -> Contract:
    """Either party withdraws from a contract before it is active. Safe to repeat."""
    contract = lock_for(actor=actor, organization=organization, contract=contract)
    if contract.status == ContractStatus.CANCELLED:
        return contract
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the contract is cancelled.", field="reason")
    if len(reason) > limits.SHORT_NOTE:
        raise DomainError(f"Keep the reason under {limits.SHORT_NOTE:,} characters.", field="reason")
    contract.end_reason, contract.ended_at, contract.end_kind = reason, timezone.now(), EndKind.CANCELLED
    transition(
        contract,
        ContractStatus.CANCELLED,
        actor=actor,
        organization=organization,
        fields=("end_reason", "ended_at", "end_kind"),
    )
    contract.milestones.update(status=MilestoneStatus.CANCELLED, updated_at=timezone.now())
    return contract


# --- the pieces ----------------------------------------------------------------------------------


def _check_note(note: str) -> None:
    if len(note) > limits.SHORT_NOTE or clean(note) != note:
        raise DomainError(
            f"Keep the note under {limits.SHORT_NOTE:,} characters, without control characters.", field="note"
        )


def _add_version(
    contract: Contract, terms: Terms, *, actor: User, organization: Organization, note: str
) -> ContractVersion:
    """The contract's next version of ``terms``, made current; milestones follow its keys."""
    number = (contract.current_version.number if contract.current_version else 0) + 1
    text = canonical_text(terms, contract_id=contract.pk, number=number)
    version = ContractVersion.objects.create(
        contract=contract,
        number=number,
        terms=terms.as_json(),
        text=text,
        sha256=sha256(text),
        proposed_by=actor,
        proposed_by_organization=organization,
        note=note,
    )
    contract.current_version, contract.title = version, terms.title
    contract.save(update_fields=["current_version", "title", "updated_at"])
    if contract.status != ContractStatus.ACTIVE:  # an amendment's milestones follow once it is signed
        follow_keys(contract, terms)
    return version


def follow_keys(contract: Contract, terms: Terms) -> None:
    """The milestones' records follow the terms: new keys added, dropped ones removed. Before a contract is
    active no money has moved; once it is, the terms are those of a signed amendment, and only a pending
    milestone is ever removed (:func:`check_amendment` refuses dropping one under way; this never
    deletes the record of one, whatever it is given)."""
    keys = [milestone.key for milestone in terms.milestones]
    contract.milestones.exclude(key__in=keys).filter(status=MilestoneStatus.PENDING).delete()
    known = set(contract.milestones.values_list("key", flat=True))
    ContractMilestone.objects.bulk_create(ContractMilestone(contract=contract, key=k) for k in keys if k not in known)
