"""Contract pages, for both parties: the list, a contract with its terms and history, a version, what
changed between two versions, the form that proposes changes to the terms, a direct offer to a supplier
(no task), and the signing (sending, signing, handing over, confirming a paper signature)."""

from __future__ import annotations

import mimetypes
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Organization
from accounts.tenancy import AuthedRequest, organization_required
from contracts import selectors, services
from contracts.forms import (
    EndContractForm,
    HandOverForm,
    Offer,
    Proposal,
    SendForSigningForm,
    SignForm,
)
from contracts.models import Contract, ContractStatus, ContractVersion, SignatureMethod
from core import fragments
from core.idempotency import submit_once
from core.money import RATE_CURRENCIES
from core.web import attempt, get_or_404, kept_content, post_only, serve_file

#: How long a version's rendered terms stay cached: a day (they never change; this only frees memory).
TERMS_CARD_SECONDS = 24 * 60 * 60
#: How long a viewer's contract page stays cached; its key changes with anything it shows.
DETAIL_SECONDS = 5 * 60
#: The templates the contract page's content includes (their sources are in its cache key).
DETAIL_PARTS = (
    "contracts/_status.html",
    "contracts/_document.html",
    "contracts/_signing.html",
    "contracts/_ending.html",
    "contracts/_terms.html",
)
#: The templates the contract list's content includes (their sources are in its cache key).
LIST_PARTS = (
    "contracts/_outsourcing_summary.html",
    "_pager.html",
    "contracts/_contract_row.html",
    "contracts/_status.html",
)
LIST_PAGE_SIZE = 25
#: How long the list, and each of its rows, stays cached (their keys change with anything they show).
ROW_SECONDS = 10 * 60


def _side(contract: Contract, request: AuthedRequest) -> str:
    return "client" if contract.client_id == request.organization.pk else "supplier"


def _terms_card(version: ContractVersion | None) -> SafeString | None:
    """The version's terms (``contracts/_terms.html``), rendered once per version and then read back from
    the cache: a version never changes, so neither does its card (the language is in the key)."""
    if version is None:
        return None
    return fragments.render_parts(
        "contracts/_terms.html",
        [{"terms": version.read_terms()}],
        [(version.pk, version.sha256, get_language())],
        prefix="contract-terms",
        seconds=TERMS_CARD_SECONDS,
    )[0]


def _page_number(asked: str, *, count: int, per_page: int) -> int:
    """The page ``Paginator.get_page`` shows for ``?page=asked`` among ``count`` rows (it is asked, on a
    stand-in of that many rows, so the two never disagree)."""
    return Paginator(range(count), per_page).get_page(asked).number


def _contract_rows(rows: list[tuple[Contract, str]]) -> SafeString:
    """The list's rows, each rendered once and read back from the cache while nothing it shows changes:
    the key holds every value the row shows (the other party's name, the current version, which fixes
    the price, the status and the last change in the viewer's time zone)."""
    zone = timezone.get_current_timezone_name()
    keys = [
        (
            contract.pk,
            side,
            contract.title,
            (contract.supplier if side == "client" else contract.client).name,
            contract.current_version_id,
            contract.currency,
            contract.status,
            contract.updated_at,
            zone,
            get_language(),
        )
        for contract, side in rows
    ]
    return fragments.render_each(
        "contracts/_contract_row.html",
        [{"contract": contract, "side": side} for contract, side in rows],
        keys,
        prefix="contract-row",
        seconds=ROW_SECONDS,
    )


def _hand_over_form(request: AuthedRequest) -> HandOverForm | None:
    others = [m for m in selectors.signatories(request.organization) if m.user_id != request.user.pk]
    return HandOverForm(signatories=others) if others else None


@organization_required
@require_GET
def contract_list(request: AuthedRequest) -> HttpResponse:
    """The organization's contracts, 25 a page. The content is kept in the cache while the list's state
    (``selectors.list_state``: one query) stays the same, per page shown and the viewer's place; it
    holds no form, so nothing in it is the visitor's own."""
    organization = request.organization
    state = selectors.list_state(organization=organization)
    # Keyed by the page it shows (as the paginator reads ?page=), so made-up query strings add no entries;
    # a query with anything else is rendered, not kept (the pager's links carry it along).
    number = _page_number(request.GET.get("page", ""), count=state[0] if state else 0, per_page=LIST_PAGE_SIZE)

    def build() -> dict[str, Any]:
        contracts = Paginator(selectors.contract_list_page(organization=organization), LIST_PAGE_SIZE)
        page = contracts.get_page(request.GET.get("page"))
        rows = [(contract, _side(contract, request)) for contract in page.object_list]
        return {
            "page": page,
            "rows": rows,
            "rows_html": _contract_rows(rows),
            "outsourcing": selectors.outsourcing_summary(organization),
        }

    content = kept_content(
        request,
        "contracts/_list_content.html",
        key=(organization.pk, state, number, organization.name, organization.offers_services),
        build=build,
        seconds=ROW_SECONDS,
        parts=LIST_PARTS,
        keep=set(request.GET) <= {"page"},
    )
    return render(request, "contracts/contract_list.html", {"content": content})


@organization_required
@require_GET
def contract_detail(request: AuthedRequest, contract_id: int) -> HttpResponse:
    """A contract for one of its parties: the terms, the signing, the signed PDF, versions and history.

    The content is rendered once per viewer and kept in the cache while the page's state
    (``selectors.page_state``, one small query that also checks the organization is a party) stays the
    same; any change to the contract, its signatures, its PDF, its history or the viewer's organization
    makes another key. The viewer's membership, time zone and language are in the key too. The forms'
    tokens are never served from the cache: each response gets its own (``core.web.with_fresh_tokens``)."""
    state = get_or_404(selectors.page_state, contract_id=contract_id, organization=request.organization)
    membership = request.membership
    expired = state.signing_expires_at is not None and timezone.now() >= state.signing_expires_at
    viewer = (request.user.pk, request.organization.pk, membership.role, membership.signs_contracts)
    content = kept_content(
        request,
        "contracts/_detail_content.html",
        key=(contract_id, state, expired, viewer),
        build=lambda: _detail_context(request, contract_id),
        seconds=DETAIL_SECONDS,
        parts=DETAIL_PARTS,
    )
    return render(request, "contracts/contract_detail.html", {"title": state.title, "content": content})


def _detail_context(request: AuthedRequest, contract_id: int) -> dict[str, Any]:
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    versions = selectors.versions_of(contract=contract)
    panel = selectors.signing_panel(
        contract=contract, organization=request.organization, user=request.user, membership=request.membership
    )
    context = {
        "contract": contract,
        "side": _side(contract, request),
        "terms_html": _terms_card(contract.current_version),
        "versions": versions,
        "timeline": selectors.timeline_of(contract=contract),
        "panel": panel,
        "document": selectors.document_of(contract),
        "send_form": SendForSigningForm() if panel.can_send else None,
        "hand_over_form": _hand_over_form(request) if panel.can_hand_over else None,
        "open_to_proposals": services.AMENDABLE,
        "end_form": EndContractForm(side=_side(contract, request))
        if contract.status == ContractStatus.ACTIVE
        else None,
    }
    return context


@organization_required
@require_GET
def contract_version(request: AuthedRequest, contract_id: int, number: int) -> HttpResponse:
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    version = get_or_404(selectors.get_version, contract=contract, number=number)
    context = {"contract": contract, "version": version, "terms_html": _terms_card(version)}
    return render(request, "contracts/contract_version.html", context)


@organization_required
@require_GET
def contract_changes(request: AuthedRequest, contract_id: int, older: int, newer: int) -> HttpResponse:
    """What changed from version ``older`` to version ``newer`` (either order; the same version: nothing)."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    first = get_or_404(selectors.get_version, contract=contract, number=min(older, newer))
    second = get_or_404(selectors.get_version, contract=contract, number=max(older, newer))
    context = {
        "contract": contract,
        "older": first,
        "newer": second,
        "lines": selectors.changes_between(first, second),
    }
    return render(request, "contracts/contract_changes.html", context)


# --- proposing changes -----------------------------------------------------------------------------


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def contract_propose(request: AuthedRequest, contract_id: int) -> HttpResponse:
    """A party proposes new terms: the form shows the current version's, and a proposal that changes
    something becomes the next version (``services.propose_version``). Rows are added and removed by
    submit buttons that show the form again; terms equal to the current ones make no version."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    context: dict[str, Any] = {"contract": contract, "side": _side(contract, request), "nothing_changed": False}
    if contract.status not in services.AMENDABLE or contract.current_version_id is None:
        # A courtesy: the service refuses the same when posted to; here the page says why before anyone types.
        refused = 409 if request.method == "POST" else 200
        return render(request, "contracts/contract_propose.html", context, status=refused)
    current, status = contract.terms, 200
    proposal = Proposal.read(current, request)
    if proposal.submitted:
        if not proposal.is_valid():
            proposal.check(contract=contract)  # the rules judge what could be read, in the same round
        elif (terms := proposal.terms()) == current:
            context["nothing_changed"] = True
        else:
            outcome = attempt(
                request,
                services.propose_version,
                quiet=True,
                actor=request.user,
                organization=request.organization,
                contract=contract,
                terms=terms,
                note=proposal.note,
            )
            if outcome.ok and outcome.value is not None:
                other = contract.supplier if context["side"] == "client" else contract.client
                amendment = " The signed version stays in force until both sign it." if contract.has_amendment else ""
                messages.success(
                    request,
                    f"Version {outcome.value.number} proposed. {other.name} sees what changed from the version "
                    f"before.{amendment}",
                )
                return redirect("contract-detail", contract_id=contract.pk)
            assert outcome.error is not None
            status = proposal.refused(outcome.error, status=outcome.status)
    context.update(proposal=proposal, current_version=contract.current_version)
    return render(request, "contracts/contract_propose.html", context, status=status)


# --- a direct offer -----------------------------------------------------------------------------------


def _offer_pricing(request: AuthedRequest, supplier: Organization) -> tuple[str, bool]:
    """The offer's currency and whether it is hourly, from the address (``?currency=…&pricing=hourly``):
    they decide the form's amounts, so they are chosen first. The supplier's own currency by default."""
    currency = request.GET.get("currency", "")
    if currency not in RATE_CURRENCIES:
        currency = supplier.hourly_rate_currency if supplier.hourly_rate_currency in RATE_CURRENCIES else "EUR"
    return currency, request.GET.get("pricing") == "hourly"


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def contract_offer(request: AuthedRequest, slug: str) -> HttpResponse:
    """A client offers a contract to a supplier of the directory directly, without a task: the terms'
    form of a proposal, empty, which makes a draft (``services.offer_contract``) the two then agree."""
    supplier = get_or_404(selectors.offerable_supplier, slug=slug)
    currency, hourly = _offer_pricing(request, supplier)
    starter = services.offer_terms(client=request.organization, supplier=supplier, currency=currency, hourly=hourly)
    context: dict[str, Any] = {
        "supplier": supplier,
        "currency": currency,
        "hourly": hourly,
        "currencies": RATE_CURRENCIES,
        "own": supplier.pk == request.organization.pk,
        "can_offer": request.membership.can_manage,
    }
    status = 200
    proposal = Offer.read(starter, request)
    if proposal.submitted:
        if not proposal.is_valid():
            proposal.check(contract=Contract(currency=currency))  # the rules judge what could be read, at once
        else:
            outcome = attempt(
                request,
                services.offer_contract,
                quiet=True,
                actor=request.user,
                organization=request.organization,
                supplier=supplier,
                terms=proposal.terms(),
                note=proposal.note,
            )
            if outcome.ok and outcome.value is not None:
                messages.success(
                    request,
                    f"Offer sent to {supplier.name}. It is a draft until you both sign: they may propose "
                    "changes, and you send it for signatures when the terms are agreed.",
                )
                return redirect("contract-detail", contract_id=outcome.value.pk)
            assert outcome.error is not None
            status = proposal.refused(outcome.error, status=outcome.status)
    context["proposal"] = proposal
    return render(request, "contracts/contract_offer.html", context, status=status)


# --- signing -----------------------------------------------------------------------------------------


@organization_required
@submit_once
def contract_send(request: AuthedRequest, contract_id: int) -> HttpResponse:
    """Send the current version for signatures, with an order and an optional expiry."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    form = SendForSigningForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose who signs first, and a valid expiry date or none.")
        return redirect("contract-detail", contract_id=contract.pk)
    outcome = attempt(
        request,
        services.send_for_signing,
        actor=request.user,
        organization=request.organization,
        contract=contract,
        order=form.cleaned_data["order"],
        expires_at=form.expires_at(),
    )
    if outcome.ok:
        messages.success(request, "Sent for signatures. The other side has been told.")
    return redirect("contract-detail", contract_id=contract.pk)


@organization_required
@submit_once
def contract_sign(request: AuthedRequest, contract_id: int) -> HttpResponse:
    """Sign the current version. allauth asks for the password (or the MFA code) again first, unless the
    person signed in within the last few minutes; another organization's contract is a 404 before that."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    return _sign(request, contract)


@reauthentication_required
def _sign(request: AuthedRequest, contract: Contract) -> HttpResponse:
    panel = selectors.signing_panel(contract=contract, organization=request.organization, user=request.user)
    needs_consent = not services.has_consented(request.user)
    version = contract.current_version
    amending = contract.has_amendment
    if request.method == "POST":
        form = SignForm(request.POST, request.FILES, needs_consent=needs_consent)
        if form.is_valid():
            if form.cleaned_data.get("consent"):
                services.give_consent(user=request.user)
            outcome = attempt(
                request,
                services.sign,
                form=form,
                actor=request.user,
                organization=request.organization,
                contract=contract,
                data=form.to_input(),
            )
            if outcome.ok:
                contract.refresh_from_db()
                if contract.status == ContractStatus.ACTIVE and not contract.has_amendment:
                    done = "the amendment is in force" if amending else "the contract is active"
                    messages.success(request, f"Signed. Every party has signed: {done}.")
                else:
                    messages.success(request, "Signed. The other side has been told it waits for them.")
                return redirect("contract-detail", contract_id=contract.pk)
    else:
        form = SignForm(initial={"sha256": version.sha256 if version else ""}, needs_consent=needs_consent)
    context = {
        "contract": contract,
        "side": _side(contract, request),
        "version": version,
        "terms": version.read_terms() if version else None,
        "panel": panel,
        "form": form,
        "paper_label": SignatureMethod.IN_PERSON.label,
    }
    return render(request, "contracts/contract_sign.html", context, status=400 if form.errors else 200)


@organization_required
@submit_once
def contract_hand_over(request: AuthedRequest, contract_id: int) -> HttpResponse:
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    form = HandOverForm(request.POST, signatories=selectors.signatories(request.organization))
    if not form.is_valid():
        messages.error(request, "Choose one of your organization's signatories.")
        return redirect("contract-detail", contract_id=contract.pk)
    to = form.chosen().user
    outcome = attempt(
        request,
        services.hand_over_signing,
        actor=request.user,
        organization=request.organization,
        contract=contract,
        to=to,
    )
    if outcome.ok:
        messages.success(request, f"{to.display_name} has been asked to sign.")
    return redirect("contract-detail", contract_id=contract.pk)


@organization_required
@submit_once
def contract_confirm_signature(request: AuthedRequest, contract_id: int, signature_id: int) -> HttpResponse:
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    outcome = attempt(
        request,
        services.confirm_in_person,
        actor=request.user,
        organization=request.organization,
        contract=contract,
        signature_id=signature_id,
    )
    if outcome.ok:
        messages.success(request, "You confirmed the paper signature.")
    return redirect("contract-detail", contract_id=contract.pk)


@organization_required
@require_GET
def signature_file(request: AuthedRequest, contract_id: int, signature_id: int, kind: str) -> HttpResponse:
    """A signature's drawing or an in-person scan, for the two parties only."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    signature = get_or_404(selectors.get_signature, contract=contract, signature_id=signature_id)
    stored = signature.image if kind == "drawing" else signature.scan
    if not stored:
        raise Http404("No such file.")
    content_type = "image/png" if kind == "drawing" else signature.scan_content_type
    name = f"contract-{contract.pk}-{signature.side}-{kind}{mimetypes.guess_extension(content_type) or ''}"
    return serve_file(stored, filename=name, content_type=content_type)


# --- ending a contract -----------------------------------------------------------------------------


@organization_required
@submit_once
def contract_end(request: AuthedRequest, contract_id: int) -> HttpResponse:
    """Ending an active contract commits the organization: a first POST shows what will happen (the notice,
    the milestones cancelled and those left to settle), ``confirm=yes`` does it."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    side = _side(contract, request)
    form = EndContractForm(request.POST, side=side)
    if contract.status == ContractStatus.TERMINATED:  # ended already (by this or the other side): it shows how
        return redirect("contract-detail", contract_id=contract.pk)
    if contract.status != ContractStatus.ACTIVE:  # a courtesy: the service refuses the same
        context = {"contract": contract, "side": side, "form": None, "preview": None}
        return render(request, "contracts/contract_end_confirm.html", context, status=409)
    if not form.is_valid():
        context = {"contract": contract, "side": side, "form": form, "preview": selectors.ending_preview(contract)}
        return render(request, "contracts/contract_end_confirm.html", context, status=400)
    if request.POST.get("confirm") != "yes":
        context = {
            "contract": contract,
            "side": side,
            "form": form,
            "preview": selectors.ending_preview(contract),
            "is_signatory": selectors.signatory_membership(user=request.user, organization=request.organization)
            is not None,
        }
        return render(request, "contracts/contract_end_confirm.html", context)
    outcome = attempt(
        request,
        services.terminate_contract,
        actor=request.user,
        organization=request.organization,
        contract=contract,
        reason=form.cleaned_data["reason"],
        end_kind=form.end_kind,
    )
    if outcome.ok:
        other = contract.supplier if side == "client" else contract.client
        messages.success(request, f"The contract is ended. {other.name} has been told.")
    return redirect("contract-detail", contract_id=contract.pk)
