from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from accounts.models import ApiToken, Invitation, Membership, Organization, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_active", "is_staff", "is_moderator", "date_joined")
    list_filter = ("is_active", "is_staff", "is_moderator")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name",)}),
        ("Platform roles", {"fields": ("is_active", "is_staff", "is_moderator", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    # Membership changes go through accounts.services (last-owner rule, audit),
    # so the admin shows them without editing.
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_personal", "country", "city", "created_at")
    list_filter = ("is_personal", "country")
    search_fields = ("name", "slug")
    readonly_fields = ("slug", "is_personal", "created_at", "updated_at")
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    search_fields = ("email", "organization__name")
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "user", "organization", "created_at", "expires_at", "revoked_at")
    search_fields = ("name", "key_prefix", "user__email", "organization__name")
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
