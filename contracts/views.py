"""Contract pages, for both parties: the list, a contract with its terms and history, a version, and
what changed between two versions. Reads only for now: proposing, signing and ending come next."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.tenancy import AuthedRequest, organization_required
from contracts import selectors
from contracts.models import Contract
from core.web import get_or_404


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
