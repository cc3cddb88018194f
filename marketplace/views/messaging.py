"""HTML views of the conversations between a task's client and its bidders.

The acting organization is ``request.organization``; a thread is found only
through ``selectors.get_thread`` (either side), so another organization's
thread, message or attachment answers 404 to every method.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.tenancy import AuthedRequest, organization_required
from core.idempotency import submit_once
from core.web import Outcome, attempt, get_or_404, kept_content, post_only, serve_attachment
from marketplace import selectors, services
from marketplace.forms.messaging import MessageForm
from marketplace.templatetags.thread_list import thread_row_key, today_key
from marketplace.views.bids import get_only

PAGE_SIZE = 25
#: How long a page of conversations stays kept (its key changes with anything it shows).
CONTENT_SECONDS = 10 * 60


@organization_required
@require_GET
def thread_list(request: AuthedRequest) -> HttpResponse:
    """Every conversation of the acting organization, as client or supplier, newest activity first."""
    organization = request.organization
    page = selectors.thread_summary_page(
        organization=organization, user=request.user, number=request.GET.get("page"), per_page=PAGE_SIZE
    )
    content = kept_content(
        request,
        "marketplace/messages/_thread_list_content.html",
        # What the content shows: whose conversations, the page, and each row as this organization reads it.
        key=(
            organization.pk,
            organization.name,
            page.number,
            page.paginator.num_pages,
            today_key(),
            tuple(thread_row_key(thread, organization_id=organization.pk) for thread in page.object_list),
        ),
        build=lambda: {"page": page},
        seconds=CONTENT_SECONDS,
        parts=("_pager.html",),
        keep=set(request.GET) <= {"page"},
    )
    return render(request, "marketplace/messages/thread_list.html", {"page": page, "content": content})


@organization_required
@submit_once
def thread_detail(request: AuthedRequest, thread_id: int) -> HttpResponse:
    """The messages; POST replies. Viewing marks the thread read for the user."""
    organization = request.organization
    thread = get_or_404(selectors.get_thread, thread_id=thread_id, organization=organization)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    outcome: Outcome[Any] = Outcome()
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            outcome = attempt(
                request,
                services.send_message,
                form=form,
                actor=request.user,
                organization=organization,
                thread=thread,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
            if outcome.ok and outcome.value is not None:
                url = reverse("thread-detail", kwargs={"thread_id": thread.pk})
                return redirect(f"{url}#message-{outcome.value.pk}")
    else:
        form = MessageForm()
    read_before = selectors.read_mark(thread=thread, user=request.user)
    thread_messages = list(selectors.thread_messages(thread=thread))
    if request.method != "POST":
        services.mark_thread_read(user=request.user, thread=thread)
    is_client = thread.task.organization_id == organization.pk
    first_unread = next(
        (
            message.pk
            for message in thread_messages
            if message.sender_organization_id != organization.pk
            and (read_before is None or message.created_at > read_before)
        ),
        None,
    )
    context = {
        "thread": thread,
        "task": thread.task,
        "is_client": is_client,
        "other": thread.supplier if is_client else thread.task.organization,
        "thread_messages": thread_messages,
        "first_unread": first_unread,
        "bid": selectors.bid_in_thread(thread=thread),
        "form": form,
    }
    return render(request, "marketplace/messages/thread_detail.html", context, status=outcome.status)


@organization_required
@submit_once
def thread_open(request: AuthedRequest, task_id: int, supplier_id: int) -> HttpResponse:
    """POST: open (or find) the conversation between the task's client and a supplier involved in it."""
    organization = request.organization
    task = get_or_404(selectors.get_task_for_viewer, task_id=task_id, organization=organization)
    supplier = get_or_404(selectors.get_thread_party, task=task, supplier_id=supplier_id, organization=organization)
    if refused := post_only(request):
        return refused
    outcome = attempt(
        request, services.open_thread, actor=request.user, organization=organization, task=task, supplier=supplier
    )
    if outcome.ok and outcome.value is not None:
        return redirect("thread-detail", thread_id=outcome.value.pk)
    return redirect("thread-list")  # the refusal is in a flash message


@organization_required
def message_attachment(request: AuthedRequest, thread_id: int, attachment_id: int) -> HttpResponse:
    thread = get_or_404(selectors.get_thread, thread_id=thread_id, organization=request.organization)
    attachment = get_or_404(selectors.get_message_attachment, thread=thread, attachment_id=attachment_id)
    if refused := get_only(request):
        return refused
    return serve_attachment(attachment)
