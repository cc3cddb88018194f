"""Contracts in the admin: clause templates that staff keep, and the contracts themselves, read-only.

Contracts, their versions, milestones and signatures change only through ``contracts.services``
(versions are frozen once written, signatures are evidence), so staff may look and never edit.
Clause templates are the one thing staff write here; saving one goes through the service, which audits it.
A signed PDF that failed is sent back to its job by an action (``documents.render_again``, audited).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from contracts import documents
from contracts.models import (
    ClauseTemplate,
    Contract,
    ContractDocument,
    ContractMilestone,
    ContractVersion,
    DocumentStatus,
    Signature,
)
from contracts.services.clauses import save_clause_template
from core import limits
from core.admin import ReadOnlyAdmin
from core.exceptions import DomainError


class ClauseTemplateForm(forms.ModelForm):
    text = forms.CharField(max_length=limits.CLAUSE, widget=forms.Textarea(attrs={"rows": 10, "cols": 90}))

    class Meta:
        model = ClauseTemplate
        fields = ("key", "title", "text", "category", "position", "active")


@admin.register(ClauseTemplate)
class ClauseTemplateAdmin(admin.ModelAdmin):
    form = ClauseTemplateForm
    list_display = ("title", "key", "category", "position", "active", "updated_at")
    list_filter = ("active", ("category", admin.EmptyFieldListFilter), "category")
    list_editable = ("position", "active")
    search_fields = ("key", "title", "text")
    ordering = ("category__name", "position", "key")
    list_select_related = ("category",)
    readonly_fields = ("created_at", "updated_at")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # make it inactive instead: the history of what drafts were given stays readable

    def save_model(self, request: HttpRequest, obj: ClauseTemplate, form: Any, change: bool) -> None:
        save_clause_template(actor=cast(User, request.user), template=obj, changed=list(form.changed_data))


class ContractVersionInline(admin.TabularInline):
    model = ContractVersion
    extra = 0
    fields = ("number", "sha256", "proposed_by_organization", "proposed_by", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("title", "client", "supplier", "status", "currency", "created_at", "updated_at")
    list_filter = ("status", "currency")
    search_fields = ("title", "client__name", "supplier__name")
    list_select_related = ("client", "supplier")
    show_full_result_count = False
    date_hierarchy = "created_at"
    inlines = (ContractVersionInline,)


@admin.register(ContractVersion)
class ContractVersionAdmin(ReadOnlyAdmin):
    list_display = ("contract", "number", "proposed_by_organization", "proposed_by", "sha256", "created_at")
    search_fields = ("contract__title", "sha256")
    list_select_related = ("contract", "proposed_by_organization", "proposed_by")
    show_full_result_count = False
    ordering = ("-created_at", "-id")


@admin.register(ContractMilestone)
class ContractMilestoneAdmin(ReadOnlyAdmin):
    list_display = ("contract", "key", "status", "updated_at")
    list_filter = ("status",)
    search_fields = ("contract__title", "key")
    list_select_related = ("contract",)
    show_full_result_count = False


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("contract", "version", "side", "signer_name", "method", "signed_at", "confirmed_at", "voided_at")
    list_filter = ("method", "side")
    search_fields = ("contract__title", "signer_name", "sha256")
    list_select_related = ("contract", "version")
    show_full_result_count = False
    # The drawn image and the scan are served only through the parties' permission check, never by URL here.
    exclude = ("image", "scan")


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdmin):
    list_display = ("contract", "version", "status", "pages", "size", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("contract__title", "sha256")
    list_select_related = ("contract", "version")
    show_full_result_count = False
    ordering = ("-created_at", "-id")
    # The PDF is served only through the parties' permission check, never by URL here.
    exclude = ("file",)
    actions = ("render_again",)

    def has_render_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff)

    @admin.action(description="Render the failed PDFs again", permissions=["render"])
    def render_again(self, request: HttpRequest, queryset: QuerySet[ContractDocument]) -> None:
        actor, queued, skipped = cast(User, request.user), 0, 0
        for document in queryset.order_by("id")[:100]:
            if document.status != DocumentStatus.FAILED:
                skipped += 1
                continue
            try:
                documents.render_again(actor=actor, document=document)
            except DomainError as refused:
                self.message_user(request, f"{document.contract}: {refused.message}", messages.ERROR)
            else:
                queued += 1
        if queued:
            self.message_user(request, f"{queued} PDF{'s' if queued != 1 else ''} queued to render again.")
        if skipped:
            self.message_user(
                request, f"{skipped} not failed (being rendered or ready): left as they are.", messages.WARNING
            )
