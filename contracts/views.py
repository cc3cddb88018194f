"""Contract pages, for both parties: the list, a contract with its terms and history, a version, what
changed between two versions, and the form that proposes changes to the terms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.tenancy import AuthedRequest, organization_required
from contracts import selectors, services
from contracts.forms import ROWS_BUTTON, Proposal
from contracts.models import Contract
from core.exceptions import Invalid
from core.idempotency import submit_once
from core.web import attempt, get_or_404


def _side(contract: Contract, request: AuthedRequest) -> str:
    return "client" if contract.client_id == request.organization.pk else "supplier"


@organization_required
@require_GET
def contract_list(request: AuthedRequest) -> HttpResponse:
    contracts = Paginator(selectors.contracts_of(organization=request.organization), 25)
    page = contracts.get_page(request.GET.get("page"))
    rows = [(contract, _side(contract, request)) for contract in page.object_list]
    return render(request, "contracts/contract_list.html", {"page": page, "rows": rows})


@organization_required
@require_GET
def contract_detail(request: AuthedRequest, contract_id: int) -> HttpResponse:
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    versions = selectors.versions_of(contract=contract)
    context = {
        "contract": contract,
        "side": _side(contract, request),
        "terms": contract.terms if contract.current_version_id else None,
        "versions": versions,
        "timeline": selectors.timeline_of(contract=contract),
        "open_to_proposals": services.OPEN_TO_PROPOSALS,
    }
    return render(request, "contracts/contract_detail.html", context)


@organization_required
@require_GET
def contract_version(request: AuthedRequest, contract_id: int, number: int) -> HttpResponse:
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    version = get_or_404(selectors.get_version, contract=contract, number=number)
    context = {"contract": contract, "version": version, "terms": version.read_terms()}
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
        "versions": selectors.versions_of(contract=contract),
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
    if contract.status not in services.OPEN_TO_PROPOSALS or contract.current_version_id is None:
        # A courtesy: the service refuses the same when posted to; here the page says why before anyone types.
        refused = 409 if request.method == "POST" else 200
        return render(request, "contracts/contract_propose.html", context, status=refused)
    current, status = contract.terms, 200
    if request.method != "POST":
        proposal = Proposal.of(current)
    elif rows_action := request.POST.get(ROWS_BUTTON, ""):
        proposal = Proposal.with_rows_changed(current, request.POST, rows_action)
    else:
        proposal = Proposal(current=current, data=request.POST)
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
                messages.success(
                    request,
                    f"Version {outcome.value.number} proposed. {other.name} sees what changed from the version before.",
                )
                return redirect("contract-detail", contract_id=contract.pk)
            assert outcome.error is not None
            proposal.place(outcome.error)
            status = 200 if isinstance(outcome.error, Invalid) else outcome.status
    context.update(proposal=proposal, current_version=contract.current_version)
    return render(request, "contracts/contract_propose.html", context, status=status)
