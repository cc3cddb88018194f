"""HTML views of the task side: browse and post tasks, manage them, find suppliers, saved searches.

Views stay thin: they parse a form, call one service or selector, and turn a
refusal (``core.exceptions.DomainError``) into a message next to the field or
a flash message. Every write goes through ``marketplace.services``; the
acting organization is ``request.organization``, never an id from the URL or
a form. Other organizations' private ids answer 404 for every method.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_countries import countries

from accounts.models import Organization
from accounts.tenancy import AuthedRequest, organization_required
from contracts import selectors as contract_selectors
from core.idempotency import submit_once
from core.money import RATE_CURRENCIES
from core.routing import public
from core.web import (
    Outcome,
    attempt,
    cached_for_anonymous,
    get_or_404,
    kept_content,
    post_only,
    safe_next,
    serve_attachment,
)
from core.widgets import country_choices
from marketplace import selectors, services
from marketplace.forms.tasks import (
    InviteSupplierForm,
    SaveSearchForm,
    SupplierSearchForm,
    TaskForm,
    browse_amount,
    browse_currency,
    browse_params,
)
from marketplace.models import BudgetType, LocationType, Task, TaskStatus, Visibility
from marketplace.selectors import TaskFilters
from marketplace.templatetags.marketplace_fragments import FRAGMENT_SECONDS, dashboard_row_key, supplier_card_key
from marketplace.templatetags.marketplace_tags import (
    CARD_TEMPLATE,
    ago,
    card_key,
    days_left,
    load_skill_names,
    revision_skill_slugs,
    skill_name,
)

SORT_LABELS = {
    # What relevance is (see marketplace.selectors.search.TIERS), not a promise of a "best" it does not compute.
    "relevance": "Title matches first",
    "newest": "Newest",
    "budget_high": "Budget: high to low",
    "budget_low": "Budget: low to high",
    "deadline": "Deadline: soonest",
}
SUPPLIERS_PER_PAGE = 12
DASHBOARD_PER_PAGE = 20


# --- browsing ------------------------------------------------------------------------------


@public
@require_GET
@cached_for_anonymous
def task_list(request: HttpRequest) -> HttpResponse:
    """Open tasks the visitor may see, searched and filtered, one keyset page at a time."""
    organization = getattr(request, "organization", None)
    filters, refused = TaskFilters.read(browse_params(request.GET))
    cursor = request.GET.get("cursor", "")
    # The cards show the excerpt: the descriptions are not read.
    page = selectors.search_tasks(filters=filters, organization=organization, cursor=cursor, brief=True)
    categories = selectors.category_list()
    names = load_skill_names([*filters.skills, *(slug for task in page.tasks for slug in task.skills)])
    params = filters.as_params()
    chips = _filter_chips(filters, categories=categories, names=names)
    context: dict[str, Any] = {
        "tasks": page.tasks,
        "next_cursor": page.next_cursor,
        "is_first_page": not cursor,
        "filters": filters,
        "refused": refused,
        "params": params,
        "sort": page.sort,
        "sorts": [(value, label) for value, label in SORT_LABELS.items() if value != "relevance" or filters.q],
        "category_choices": [(category.slug, category.name) for category in categories],
        "countries": country_choices(),
        "budget_types": BudgetType.choices,
        "location_types": LocationType.choices,
        "budget_currency": browse_currency(request.GET, filters),
        "budget_currencies": [(code, code) for code in RATE_CURRENCIES],
        "budget_from": browse_amount(filters.budget_min, filters.budget_currency),
        "budget_to": browse_amount(filters.budget_max, filters.budget_currency),
        "skills_text": ", ".join(skill_name(slug, names) for slug in filters.skills),
        "active_filters": chips,
        # What the Filters button of a phone counts: the words searched for are in the search box, not behind it.
        "filter_count": len(chips) - bool(filters.q),
        "skill_names": names,
        "save_form": SaveSearchForm(
            initial={
                "name": _suggested_name(filters, categories=categories, names=names),
                "query": urlencode(params, doseq=True),
            }
        ),
    }
    now, today, zone = timezone.now(), timezone.localdate(), timezone.get_current_timezone_name()
    content = kept_content(
        request,
        "marketplace/tasks/_task_list_content.html",
        # What the content shows: the search as asked, whether the visitor may save it, the categories
        # offered, and the page of cards (each as ``task_cards`` keys it) with the link to the next.
        key=(
            request.get_full_path(),
            request.user.is_authenticated,
            organization is not None,
            tuple(context["category_choices"]),
            context["skills_text"],
            context["save_form"].initial["name"],
            page.sort,
            page.next_cursor,
            tuple(card_key(task, names, now, today, zone) for task in page.tasks),
        ),
        build=lambda: context,
        seconds=FRAGMENT_SECONDS,
        parts=("marketplace/_filter_toggle.html", CARD_TEMPLATE),
        # Only a query of recognised, valid filters is kept (anything else renders, and says what it refused).
        keep=not refused and set(request.GET) <= {*params, "cursor", "budget_from", "budget_to", "currency"},
    )
    return render(request, "marketplace/tasks/task_list.html", {**context, "content": content})


def _filter_chips(filters: TaskFilters, *, categories: list[Any], names: dict[str, str]) -> list[dict[str, str]]:
    """The filters in force as readable chips, each with the browse URL that drops it."""
    params = filters.as_params()
    category_names = {category.slug: category.name for category in categories}
    base = reverse("task-list")

    def without(name: str, value: Any = None) -> str:
        rest = dict(params)
        if value is not None and isinstance(rest.get(name), list):
            rest[name] = [item for item in rest[name] if item != value]
        else:
            rest.pop(name, None)
        if "budget_min" not in rest and "budget_max" not in rest:
            rest.pop("currency", None)  # the bounds' currency goes with the last of them
        query = urlencode(rest, doseq=True)
        return f"{base}?{query}" if query else base

    chips: list[dict[str, str]] = []
    if filters.q:
        chips.append({"label": f"“{filters.q}”", "url": without("q")})
    if filters.category:
        chips.append({"label": category_names.get(filters.category, filters.category), "url": without("category")})
    for slug in filters.skills:
        chips.append({"label": skill_name(slug, names), "url": without("skills", slug)})
    if filters.budget_type:
        chips.append({"label": BudgetType(filters.budget_type).label, "url": without("budget_type")})
    if filters.budget_min is not None:
        amount = f"{browse_amount(filters.budget_min, filters.budget_currency)} {filters.budget_currency}"
        chips.append({"label": f"Budget from {amount}", "url": without("budget_min")})
    if filters.budget_max is not None:
        amount = f"{browse_amount(filters.budget_max, filters.budget_currency)} {filters.budget_currency}"
        chips.append({"label": f"Budget up to {amount}", "url": without("budget_max")})
    if filters.location_type:
        chips.append({"label": LocationType(filters.location_type).label, "url": without("location_type")})
    if filters.country:
        chips.append({"label": str(countries.name(filters.country) or filters.country), "url": without("country")})
    if filters.city:
        chips.append({"label": filters.city, "url": without("city")})
    if filters.deadline_before:
        chips.append({"label": f"Due by {filters.deadline_before:%-d %b %Y}", "url": without("deadline_before")})
    if filters.posted_since:
        chips.append({"label": f"Posted since {filters.posted_since:%-d %b %Y}", "url": without("posted_since")})
    return chips


def _suggested_name(filters: TaskFilters, *, categories: list[Any], names: dict[str, str]) -> str:
    chips = _filter_chips(filters, categories=categories, names=names)
    return " · ".join(chip["label"] for chip in chips[:3])[:100] or "All open tasks"


# --- posting and editing ------------------------------------------------------------------------


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def task_create(request: AuthedRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = TaskForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        currency=request.organization.hourly_rate_currency,
    )
    outcome: Outcome[Task] = Outcome()
    if form.is_valid():
        publish = request.POST.get("action") == "publish"
        outcome = attempt(
            request,
            services.create_task,
            form=form,
            actor=request.user,
            organization=request.organization,
            data=form.task_input(),
            publish=publish,
            attachments=form.uploads(),
        )
        if outcome.ok and outcome.value is not None:
            if publish:
                messages.success(request, "Your task is live. Suppliers can find it and bid from now on.")
            else:
                messages.success(request, "Draft saved. Only your organization can see it until you publish it.")
            return redirect(outcome.value)
    return _render_form(request, form, task=None, outcome=outcome)


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def task_edit(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = get_or_404(selectors.get_own_task, task_id=task_id, organization=request.organization)
    posted = request.method == "POST"
    form = TaskForm(request.POST if posted else None, request.FILES if posted else None, task=task)
    outcome: Outcome[Any] = Outcome()
    if form.is_valid():
        publish = request.POST.get("action") == "publish"
        outcome = _save_edit(request, form, task=task, publish=publish)
        if outcome.ok:
            if publish:
                messages.success(request, "Your task is live. Suppliers can find it and bid from now on.")
            elif task.status == TaskStatus.OPEN:
                messages.success(request, "Changes saved. Bidders see that the task was edited, and what changed.")
            else:
                messages.success(request, "Changes saved.")
            return redirect(task)
    return _render_form(request, form, task=task, outcome=outcome)


def _save_edit(request: AuthedRequest, form: TaskForm, *, task: Task, publish: bool) -> Outcome[Any]:
    """New terms, removed and added files, and maybe publishing: all of it, or none of it.

    Each service is atomic on its own; one transaction around them keeps a
    refused upload from leaving the new terms saved without it.
    """
    with transaction.atomic():
        steps: list[tuple[Any, dict[str, Any]]] = [(services.update_task, {"task": task, "data": form.task_input()})]
        steps += [(services.remove_task_attachment, {"attachment": a}) for a in form.attachments_to_remove()]
        if form.uploads():
            steps.append((services.add_task_attachments, {"task": task, "uploads": form.uploads()}))
        if publish:
            steps.append((services.publish_task, {"task": task}))
        outcome: Outcome[Any] = Outcome()
        for service, kwargs in steps:
            outcome = attempt(request, service, form=form, actor=request.user, **kwargs)
            if not outcome.ok:
                transaction.set_rollback(True)
                break
    if outcome.ok:
        task.refresh_from_db()
    return outcome


def _render_form(request: AuthedRequest, form: TaskForm, *, task: Task | None, outcome: Outcome[Any]) -> HttpResponse:
    status = outcome.status if not outcome.ok else (400 if form.errors else 200)
    # Only drafts and open tasks take edits (the service refuses the rest); say so before anyone types.
    editable = task is None or task.is_editable
    context = {"form": form, "task": task, "editable": editable}
    return render(request, "marketplace/tasks/task_form.html", context, status=status)


# --- one task --------------------------------------------------------------------------------------


@public
@require_GET
@cached_for_anonymous
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """The task as its viewer may see it; the client also gets its actions and private estimate."""
    organization = getattr(request, "organization", None)
    task = get_or_404(selectors.get_task_for_viewer, task_id=task_id, organization=organization)
    is_client = organization is not None and task.organization_id == organization.pk
    revisions = list(selectors.task_revisions(task=task))
    attachments = list(selectors.task_attachments(task=task))
    category_names: dict[int, str] = {}
    if any("category_id" in (revision.changes or {}) for revision in revisions):
        category_names = {category.pk: category.name for category in selectors.category_list()}
    names = load_skill_names([*task.skills, *revision_skill_slugs(revisions)])
    context: dict[str, Any] = {
        "task": task,
        "is_client": is_client,
        "revisions": revisions,
        "attachments": attachments,
        "category_names": category_names,
        "skill_names": names,
        "is_invite_only": task.visibility == Visibility.INVITE_ONLY,
        "nav_section": "my-tasks" if is_client else "find-work",
        "client_record": selectors.client_record(organization=task.organization),
    }
    if is_client:
        transitions = services.TASK_TRANSITIONS.get(task.status, frozenset())
        context.update(
            bid_count=selectors.live_bid_count(task=task),
            invitations=list(selectors.task_invitations(task=task)),
            suggestions=(selectors.suggested_suppliers(task=task) if task.is_editable else []),
            can_publish=TaskStatus.OPEN in transitions,
            can_close=TaskStatus.CLOSED in transitions,
            can_cancel=TaskStatus.CANCELLED in transitions,
            can_edit=task.is_editable,
            insourced=contract_selectors.insourced_contracts(task=task, organization=task.organization),
            can_invite=task.is_editable,
            directory_url=reverse("supplier-list")
            + "?"
            + urlencode({"task": task.pk, "skills": ", ".join(skill_name(slug, names) for slug in task.skills)}),
        )
    elif organization is not None:
        context["my_bid"] = selectors.live_bid_of(task=task, organization=organization)
    content = kept_content(
        request,
        "marketplace/tasks/_task_detail_content.html",
        key=() if is_client else _task_page_key(request, context),
        build=lambda: context,
        seconds=FRAGMENT_SECONDS,
        # The client's page holds its private estimate, invitations and suggestions: rendered each time.
        keep=not is_client,
    )
    return render(request, "marketplace/tasks/task_detail.html", {**context, "content": content})


def _task_page_key(request: HttpRequest, context: dict[str, Any]) -> tuple[Any, ...]:
    """Everything a bidder's (or a visitor's) task page shows, as read for this request: the task as last
    saved (every write goes through its ``save()``, which moves ``updated_at``), its client and category,
    its files and edits, the names shown, the client's record, the viewer's own bid, and the words that
    count from now ("3 hours ago", "in 5 days") as they read today."""
    task, bid = context["task"], context.get("my_bid")
    client = task.organization
    return (
        task.pk,
        task.updated_at,
        task.is_open_for_bids,
        ago(task.published_at),
        days_left(task.deadline),
        days_left(task.bidding_closes_at),
        (client.pk, client.name, client.slug, str(client.logo or ""), client.city, str(client.country or "")),
        (client.headline, client.created_at),
        (task.category.name, task.category.slug),
        tuple((a.pk, a.original_name, a.size, a.created_at) for a in context["attachments"]),
        tuple(revision.pk for revision in context["revisions"]),  # an edit is never changed
        tuple(sorted(context["skill_names"].items())),
        tuple(sorted(context["category_names"].items())),
        (context["client_record"].tasks_posted, context["client_record"].hires),
        None if bid is None else (bid.pk, bid.amount, bid.currency, bid.status),
        request.user.is_authenticated,
    )


def _task_action(request: AuthedRequest, task_id: int, service: Any, done: str) -> HttpResponse:
    """A client's POST on its own task: look up first (so foreign ids are 404 for every method), then act."""
    task = get_or_404(selectors.get_own_task, task_id=task_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    if attempt(request, service, actor=request.user, task=task).ok:
        messages.success(request, done.format(title=task.title))
    return redirect(safe_next(request, default=task.get_absolute_url()))


@organization_required
@submit_once
def task_publish(request: AuthedRequest, task_id: int) -> HttpResponse:
    return _task_action(request, task_id, services.publish_task, "“{title}” is live: suppliers can find it and bid.")


@organization_required
@submit_once
def task_close(request: AuthedRequest, task_id: int) -> HttpResponse:
    return _task_action(
        request, task_id, services.close_task, "“{title}” is closed. Open bids were declined and their suppliers told."
    )


@organization_required
@submit_once
def task_cancel(request: AuthedRequest, task_id: int) -> HttpResponse:
    return _task_action(request, task_id, services.cancel_task, "“{title}” was cancelled. Suppliers who bid were told.")


@organization_required
@submit_once
def task_invite(request: AuthedRequest, task_id: int) -> HttpResponse:
    """Invite one supplier (an id from the directory or the suggestions) to bid on the client's task."""
    task = get_or_404(selectors.get_own_task, task_id=task_id, organization=request.organization)
    if refused := post_only(request):
        return refused
    back = safe_next(request, default=task.get_absolute_url())
    form = InviteSupplierForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a supplier to invite.")
        return redirect(back)
    supplier = get_or_404(selectors.get_listed_supplier, organization_id=form.cleaned_data["supplier"])
    outcome = attempt(
        request,
        services.invite_supplier_to_bid,
        actor=request.user,
        task=task,
        supplier=supplier,
        message=form.cleaned_data["message"],
    )
    if outcome.ok:
        if task.status == TaskStatus.OPEN:
            messages.success(request, f"{supplier.name} is invited to bid on “{task.title}” and was emailed.")
        else:
            messages.success(request, f"{supplier.name} is invited to bid on “{task.title}” once you publish it.")
    return redirect(back)


@public
@require_GET
def task_attachment(request: HttpRequest, task_id: int, attachment_id: int) -> HttpResponse:
    """A task's file, downloaded, for whoever may see the task (anyone, for a public open task)."""
    task = get_or_404(
        selectors.get_task_for_viewer, task_id=task_id, organization=getattr(request, "organization", None)
    )
    attachment = get_or_404(selectors.get_task_attachment, task=task, attachment_id=attachment_id)
    return serve_attachment(attachment)


# --- the client's dashboard ---------------------------------------------------------------------------


@organization_required
@require_GET
def client_dashboard(request: AuthedRequest) -> HttpResponse:
    """The acting organization's tasks: status, bids, unread messages, dates."""
    status = request.GET.get("status", "")
    if status not in TaskStatus.values:
        status = ""
    tasks = selectors.ClientDashboard(organization=request.organization, user=request.user, status=status)
    counts = selectors.task_status_counts(organization=request.organization)
    paginator: Paginator[Task] = Paginator(tasks, DASHBOARD_PER_PAGE)  # type: ignore[arg-type]
    paginator.count = counts.get(status, 0) if status else sum(counts.values())  # the tabs' counts, not a query more
    page = paginator.get_page(request.GET.get("page"))
    tabs = [("", "All", sum(counts.values()))] + [
        (value, label, counts.get(value, 0)) for value, label in TaskStatus.choices
    ]
    tasks_shown = list(page.object_list)
    context = {"page": page, "tasks": tasks_shown, "status": status, "tabs": tabs, "counts": counts}
    organization = request.organization
    zone, today = timezone.get_current_timezone_name(), timezone.localdate()
    content = kept_content(
        request,
        "marketplace/tasks/_dashboard_content.html",
        # What the content shows: whose tasks (its name and sides), the tabs, the page and each row.
        key=(
            organization.pk,
            organization.name,
            organization.offers_services,
            status,
            tuple(tabs),
            page.number,
            paginator.num_pages,
            tuple(dashboard_row_key(task, zone=zone, today=today) for task in tasks_shown),
        ),
        build=lambda: context,
        seconds=FRAGMENT_SECONDS,
        parts=("_pager.html", "marketplace/tasks/_dashboard_row.html"),
        keep=set(request.GET) <= {"status", "page"},
    )
    return render(request, "marketplace/tasks/client_dashboard.html", {**context, "content": content})


# --- the supplier directory ------------------------------------------------------------------------------


@organization_required
@require_GET
def supplier_list(request: AuthedRequest) -> HttpResponse:
    """Organizations offering their services; a client invites one to bid on an open task."""
    form = SupplierSearchForm(request.GET or None)
    form.is_valid()
    filters = form.to_filters()
    suppliers = selectors.SupplierDirectory(filters=filters, exclude=request.organization)
    paginator: Paginator[Organization] = Paginator(suppliers, SUPPLIERS_PER_PAGE)  # type: ignore[arg-type]
    paginator.count = suppliers.count()
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    names = load_skill_names(slug for supplier in rows for slug in supplier.skills)
    open_tasks = selectors.open_tasks_of(organization=request.organization)
    chosen_task = next((task for task in open_tasks if str(task.pk) == request.GET.get("task")), None)
    invited = (
        set(selectors.task_invitations(task=chosen_task).values_list("supplier_id", flat=True))
        if chosen_task is not None
        else set()
    )
    context = {
        "form": form,
        "suppliers": rows,
        "page": page,
        "skill_names": names,
        "open_tasks": open_tasks,
        "chosen_task": chosen_task,
        "invited_ids": invited,
        "is_filtered": bool(filters.as_params()),
        # What the Filters button of a phone counts: a currency only narrows the maximum rate, so it is not one more.
        "filter_count": len(filters.as_params().keys() - {"currency"}),
    }
    content = kept_content(
        request,
        "marketplace/suppliers/_supplier_list_content.html",
        # What the content shows: the search as asked (the forms carry the path back), its categories, the
        # page and each card, and the viewer's open tasks and invitations (the cards' actions).
        key=(
            request.get_full_path(),
            tuple(form.fields["category"].choices),  # type: ignore[attr-defined]
            paginator.count,
            page.number,
            tuple(supplier_card_key(supplier, names) for supplier in rows),
            tuple((task.pk, task.title, task.visibility, task.published_at) for task in open_tasks),
            None if chosen_task is None else chosen_task.pk,
            tuple(sorted(invited)),
        ),
        build=lambda: context,
        seconds=FRAGMENT_SECONDS,
        parts=(
            "marketplace/_filter_toggle.html",
            "marketplace/suppliers/_supplier_card_body.html",
            "marketplace/suppliers/_invite_menu.html",
            "marketplace/suppliers/_invite_menu_list.html",
            "_pager.html",
        ),
        keep=set(request.GET) <= {*form.fields, "page", "task"},
    )
    return render(request, "marketplace/suppliers/supplier_list.html", {**context, "content": content})


# --- saved searches --------------------------------------------------------------------------------------------


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def saved_search_list(request: AuthedRequest) -> HttpResponse:
    """The user's saved searches in the acting organization; POST saves the browse page's filters."""
    form = SaveSearchForm(request.POST if request.method == "POST" else None)
    outcome: Outcome[Any] = Outcome()
    if form.is_valid():
        outcome = attempt(
            request,
            services.save_search,
            form=form,
            actor=request.user,
            organization=request.organization,
            name=form.cleaned_data["name"],
            filters=form.filters(),
            notify=form.cleaned_data["notify"],
        )
        if outcome.ok and outcome.value is not None:
            note = " We will email you new matching tasks." if outcome.value.notify else ""
            messages.success(request, f"Search “{outcome.value.name}” saved.{note}")
            return redirect("saved-search-list")
    searches = list(selectors.saved_searches_of(user=request.user, organization=request.organization))
    parsed = [(search, TaskFilters.from_params(search.filters)) for search in searches]
    categories = selectors.category_list()
    names = load_skill_names(slug for _, filters in parsed for slug in filters.skills)
    rows = [
        {
            "search": search,
            "url": reverse("task-list") + (f"?{urlencode(filters.as_params(), doseq=True)}" if search.filters else ""),
            "chips": _filter_chips(filters, categories=categories, names=names),
        }
        for search, filters in parsed
    ]
    status = outcome.status if not outcome.ok else (400 if form.errors else 200)
    return render(request, "marketplace/tasks/saved_search_list.html", {"rows": rows, "form": form}, status=status)


@organization_required
@submit_once
def saved_search_delete(request: AuthedRequest, saved_search_id: int) -> HttpResponse:
    saved = get_or_404(
        selectors.get_saved_search,
        saved_search_id=saved_search_id,
        user=request.user,
        organization=request.organization,
    )
    if refused := post_only(request):
        return refused
    if attempt(request, services.delete_saved_search, actor=request.user, saved_search=saved).ok:
        messages.success(request, f"Search “{saved.name}” deleted.")
    return redirect("saved-search-list")
