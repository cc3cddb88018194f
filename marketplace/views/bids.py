"""HTML views of bidding: the bid form, the supplier's and the client's lists, the comparison.

Views stay thin: they parse a form, call one selector or service, and put a
refusal (``core.exceptions.DomainError``) next to the field it names. The
acting organization is always ``request.organization``: the supplier of a
new bid and the client of a comparison are never read from the URL or a form.
Objects are looked up before the method is checked, so another organization's
ids answer 404 to every method.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.tenancy import AuthedRequest, organization_required
from core.exceptions import DomainError, Invalid
from core.forms import add_rule_errors
from core.idempotency import submit_once
from core.web import Outcome, attempt, get_or_404, kept_content, post_only, safe_next, serve_attachment
from marketplace import selectors, services
from marketplace.comparison import (
    DEFAULT_WEIGHTS,
    FACTOR_LABELS,
    FACTORS,
    SORTS,
    compare_bids,
    comparison_key,
    effective_weights,
    live_bids_with_records,
    savings_of,
)
from marketplace.forms.bids import BidForm, DeclineForm, WeightsForm, milestone_formset
from marketplace.models import Bid, BidStatus, Task, TaskStatus
from marketplace.services.bids import validate_bid

PAGE_SIZE = 25
#: How long a comparison's content stays kept (its key changes with anything it shows).
COMPARISON_SECONDS = 10 * 60
STATUS_FILTERS = [("", "All"), *BidStatus.choices]


# --- helpers --------------------------------------------------------------------------------


def get_only(request: AuthedRequest) -> HttpResponse | None:
    """405 for anything but GET/HEAD; called after the lookup, like ``post_only``."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return None


def _place_errors(form: BidForm, error: DomainError | None, *, rows_read: bool = True) -> list[str]:
    """Put a service's refusal next to its fields; return its milestone messages, for above the rows.

    A field the form could not read keeps its own message (``add_rule_errors``). When a
    milestone row could not be read (``rows_read`` false) the service judged an incomplete
    plan, so what it says about the milestones is left out.
    """
    if error is None:
        return []
    by_field = dict(error.field_errors)
    milestone_errors = by_field.pop("milestones", [])
    if by_field:
        add_rule_errors(form, Invalid(by_field))
    return milestone_errors if rows_read else []


def _why_no_bid(task: Task, organization: Any, existing: Bid | None) -> str:
    """Why the form is not offered, for a clear page instead of a refusal after typing.

    Only a courtesy: ``services.submit_bid`` decides, and says the same when posted to.
    """
    if task.organization_id == organization.pk:
        return "own"
    if existing is not None:
        return "existing"
    if not task.is_open_for_bids:
        return "closed"
    return ""


def _bid_page(request: AuthedRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    task: Task = context["task"]
    context.setdefault("skills", selectors.skill_names(slugs=task.skills))
    return render(request, template, context, status=status)


def _submit_terms(
    request: AuthedRequest, *, task: Task, bid: Bid | None
) -> tuple[BidForm, Any, list[str], Outcome[Any]]:
    """Parse the posted bid (form + milestone rows) and hand it to the service: submit, or update ``bid``."""
    form = BidForm(request.POST, request.FILES, task=task)
    milestones = milestone_formset(task=task, data=request.POST) if form.is_fixed else None
    form_ok = form.is_valid()
    rows_ok = milestones.is_valid() if milestones is not None else True
    outcome: Outcome[Any] = Outcome()
    milestone_errors: list[str] = []
    if form_ok and rows_ok:
        data = form.to_input(milestones.milestone_inputs() if milestones is not None else [])
        attachments = form.cleaned_data["attachments"]
        if bid is None:
            outcome = attempt(
                request,
                services.submit_bid,
                quiet=True,
                actor=request.user,
                supplier=request.organization,
                task=task,
                data=data,
                attachments=attachments,
            )
        else:
            outcome = attempt(
                request,
                services.update_bid,
                quiet=True,
                actor=request.user,
                bid=bid,
                data=data,
                attachments=attachments,
            )
        milestone_errors = _place_errors(form, outcome.error)
    else:
        # Something could not be read: the rules judge the rest now, not after the next try.
        readable = milestones.readable_inputs() if milestones is not None else []
        files = form.cleaned_data.get("attachments") or []
        check = attempt(request, validate_bid, quiet=True, task=task, data=form.to_input(readable), attachments=files)
        milestone_errors = [str(error) for error in milestones.non_form_errors()] if milestones is not None else []
        milestone_errors += _place_errors(form, check.error, rows_read=rows_ok)
    return form, milestones, milestone_errors, outcome


# --- the supplier side --------------------------------------------------------------------------


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def bid_create(request: AuthedRequest, task_id: int) -> HttpResponse:
    organization = request.organization
    task = get_or_404(selectors.get_task_for_viewer, task_id=task_id, organization=organization)
    existing = selectors.live_bid_of(task=task, organization=organization)
    if request.method == "POST":
        form, milestones, milestone_errors, outcome = _submit_terms(request, task=task, bid=None)
        if outcome.ok and outcome.value is not None:
            messages.success(
                request, f"Your bid on “{task.title}” was sent. {task.organization.name} has been told about it."
            )
            return redirect("bid-detail", bid_id=outcome.value.pk)
        blocked = ""  # show the refusal next to what was typed
        status = outcome.status
    else:
        form = BidForm(task=task)
        milestones = milestone_formset(task=task) if form.is_fixed else None
        milestone_errors = []
        blocked = _why_no_bid(task, organization, existing)
        status = 200
    context = {
        "task": task,
        "form": form,
        "milestones": milestones,
        "milestone_errors": milestone_errors,
        "existing": existing,
        "blocked": blocked,
        "editing": None,
    }
    return _bid_page(request, "marketplace/bids/bid_form.html", context, status=status)


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def bid_edit(request: AuthedRequest, bid_id: int) -> HttpResponse:
    bid = get_or_404(selectors.get_own_bid, bid_id=bid_id, organization=request.organization)
    task = bid.task
    if request.method == "POST":
        form, milestones, milestone_errors, outcome = _submit_terms(request, task=task, bid=bid)
        if outcome.ok and outcome.value is not None:
            messages.success(request, "Your bid was updated. The client sees the new terms now.")
            return redirect("bid-detail", bid_id=bid.pk)
        status = outcome.status
    else:
        form = BidForm(initial=BidForm.initial_from(bid), task=task)
        milestones = milestone_formset(task=task, bid=bid) if form.is_fixed else None
        milestone_errors = []
        status = 200
    context = {
        "task": task,
        "form": form,
        "milestones": milestones,
        "milestone_errors": milestone_errors,
        "existing": None,
        "blocked": "" if bid.is_pending else "decided",
        "editing": bid,
        "attachments": list(bid.attachments.all()),
    }
    return _bid_page(request, "marketplace/bids/bid_form.html", context, status=status)


@organization_required
@require_GET
def bid_list(request: AuthedRequest) -> HttpResponse:
    """The acting organization's bids as a supplier."""
    status = request.GET.get("status", "")
    bids = selectors.supplier_bids(organization=request.organization)
    if status in BidStatus.values:
        bids = bids.filter(status=status)
    else:
        status = ""
    page = Paginator(bids, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "filters": STATUS_FILTERS}
    return render(request, "marketplace/bids/bid_list.html", context)


@organization_required
@submit_once
def bid_withdraw(request: AuthedRequest, bid_id: int) -> HttpResponse:
    bid = get_or_404(selectors.get_own_bid, bid_id=bid_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    if attempt(request, services.withdraw_bid, actor=request.user, bid=bid).ok:
        messages.success(request, f"You withdrew your bid on “{bid.task.title}”.")
    return redirect("bid-detail", bid_id=bid.pk)


# --- both sides ----------------------------------------------------------------------------------


@organization_required
def bid_detail(request: AuthedRequest, bid_id: int) -> HttpResponse:
    organization = request.organization
    bid = get_or_404(selectors.get_bid, bid_id=bid_id, organization=organization)
    if refused := get_only(request):
        return refused
    task = bid.task
    is_client = task.organization_id == organization.pk
    context = {
        "bid": bid,
        "task": task,
        "is_client": is_client,
        "is_supplier": bid.supplier_id == organization.pk,
        "can_manage": request.membership.can_manage,
        "task_open": task.status == TaskStatus.OPEN,
        "attachments": list(bid.attachments.all()),
        "history": selectors.bid_history(bid=bid, organization=organization),
        "savings": savings_of(bid, task=task) if is_client else None,
        "contract": getattr(bid, "contract", None) if bid.status == BidStatus.ACCEPTED else None,
        "decline_form": DeclineForm(),
        "milestone_total": sum(m.amount for m in bid.milestones.all()),
        "nav_section": "my-tasks" if is_client else "bids",
    }
    return _bid_page(request, "marketplace/bids/bid_detail.html", context)


@organization_required
def bid_attachment(request: AuthedRequest, bid_id: int, attachment_id: int) -> HttpResponse:
    bid = get_or_404(selectors.get_bid, bid_id=bid_id, organization=request.organization)
    attachment = get_or_404(selectors.get_bid_attachment, bid=bid, attachment_id=attachment_id)
    if refused := get_only(request):
        return refused
    return serve_attachment(attachment)


# --- the client side -----------------------------------------------------------------------------


def _back(request: AuthedRequest, bid: Bid) -> str:
    return safe_next(request, default=reverse("bid-detail", kwargs={"bid_id": bid.pk}))


@organization_required
@submit_once
def bid_shortlist(request: AuthedRequest, bid_id: int) -> HttpResponse:
    """POST ``shortlisted=1`` to shortlist, ``0`` to take the bid off the shortlist."""
    bid = get_or_404(selectors.get_bid_on_own_task, bid_id=bid_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    shortlisted = request.POST.get("shortlisted", "1") != "0"
    outcome = attempt(request, services.shortlist_bid, actor=request.user, bid=bid, shortlisted=shortlisted)
    if outcome.ok:
        if shortlisted:
            messages.success(request, f"{bid.supplier.name}'s bid is on your shortlist.")
        else:
            messages.success(request, f"{bid.supplier.name}'s bid is off your shortlist.")
    return redirect(_back(request, bid))


@organization_required
@submit_once
def bid_decline(request: AuthedRequest, bid_id: int) -> HttpResponse:
    bid = get_or_404(selectors.get_bid_on_own_task, bid_id=bid_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Keep the reason under 2,000 characters.")
        return redirect(_back(request, bid))
    outcome = attempt(request, services.decline_bid, actor=request.user, bid=bid, reason=form.cleaned_data["reason"])
    if outcome.ok:
        messages.success(request, f"You declined {bid.supplier.name}'s bid. They have been told.")
    return redirect(_back(request, bid))


@organization_required
@submit_once
def bid_accept(request: AuthedRequest, bid_id: int) -> HttpResponse:
    """Accepting commits the organization: a first POST shows what will happen, ``confirm=yes`` does it."""
    bid = get_or_404(selectors.get_bid_on_own_task, bid_id=bid_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    if request.POST.get("confirm") != "yes":
        others = selectors.live_bid_count(task=bid.task) - (1 if bid.is_live else 0)
        context = {
            "bid": bid,
            "task": bid.task,
            "others": max(0, others),
            "can_manage": request.membership.can_manage,
        }
        return render(request, "marketplace/bids/bid_accept_confirm.html", context)
    outcome = attempt(request, services.accept_bid, actor=request.user, bid=bid)
    contract = getattr(outcome.value, "contract", None) if outcome.ok else None
    if contract is None:
        return redirect("bid-detail", bid_id=bid.pk)
    messages.success(
        request,
        f"You accepted {bid.supplier.name}'s bid. This draft contract records its price and milestones; "
        "the other bidders have been told.",
    )
    return redirect("contract-detail", contract_id=contract.pk)  # the client goes straight to the draft


@organization_required
@require_GET
def task_bids(request: AuthedRequest, task_id: int) -> HttpResponse:
    """The client's list of bids on its own task, filtered by status."""
    task = get_or_404(selectors.get_own_task, task_id=task_id, organization=request.organization)
    status = request.GET.get("status", "")
    if status not in BidStatus.values:
        status = ""
    bids = list(selectors.bids_on_task(task=task, status=status))
    rows = [(bid, savings_of(bid, task=task)) for bid in bids]
    context = {
        "task": task,
        "rows": rows,
        "status": status,
        "counts": selectors.bid_status_counts(task=task),
        "filters": STATUS_FILTERS,
        "task_open": task.status == TaskStatus.OPEN,
        "can_manage": request.membership.can_manage,
    }
    return render(request, "marketplace/bids/task_bids.html", context)


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def task_comparison(request: AuthedRequest, task_id: int) -> HttpResponse:
    """The side-by-side comparison of the task's live bids; POST saves the client's weights."""
    task = get_or_404(selectors.get_own_task, task_id=task_id, organization=request.organization)
    sort = request.GET.get("sort", "total")
    outcome: Outcome[Any] = Outcome()
    if request.method == "POST":
        form = WeightsForm(request.POST)
        resetting = bool(request.POST.get("reset"))
        if resetting or form.is_valid():
            outcome = attempt(
                request,
                services.set_comparison_weights,
                form=form,
                actor=request.user,
                task=task,
                weights=dict(DEFAULT_WEIGHTS) if resetting else form.to_weights(),
            )
            if outcome.ok:
                messages.success(request, "Weights saved. The bids are ranked by them now.")
                return redirect(reverse("task-comparison", kwargs={"task_id": task.pk}) + f"?sort={sort}")
        # A refused POST shows its form's errors: rendered, never kept.
        key: tuple[Any, ...] = ()
        score = functools.partial(compare_bids, task=task, sort=sort)
    else:
        form = WeightsForm(initial=effective_weights(task))
        # The bids are read (one query); they are scored only when the content is rendered. The task as
        # saved (in the comparison's key) holds its weights and its state.
        loaded, today = live_bids_with_records(task), timezone.localdate()
        key = (
            comparison_key(task, loaded, today=today),
            sort if sort in SORTS else "total",
            request.membership.can_manage,
            request.organization.name,
        )
        score = functools.partial(compare_bids, task=task, sort=sort, loaded=loaded, today=today)
    sorts = [("total", "Total score"), *((name, FACTOR_LABELS[name]) for name in FACTORS)]
    context = {
        "task": task,
        "form": form,
        "sorts": sorts,
        "task_open": task.status == TaskStatus.OPEN,
        "can_manage": request.membership.can_manage,
        "factor_labels": FACTOR_LABELS,
    }
    content = kept_content(
        request,
        "marketplace/bids/_comparison_content.html",
        key=key,
        build=lambda: {**context, "comparison": score()},
        seconds=COMPARISON_SECONDS,
        parts=("accounts/_form_errors.html",),
        keep=request.method == "GET" and set(request.GET) <= {"sort"},
    )
    return render(
        request, "marketplace/bids/task_comparison.html", {**context, "content": content}, status=outcome.status
    )
