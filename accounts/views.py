"""HTML views for accounts and organizations.

Views stay thin: they parse a form, call one service or selector, and turn a
refusal (``core.exceptions.DomainError``) into a message next to the field or
a flash message. ``NotFound`` always becomes a 404, so another organization's
ids look exactly like ids that do not exist. Settings act on
``request.organization`` (the session's acting organization), never on an
organization named in the URL or a form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import profiles, selectors, services
from accounts.forms import (
    ApiTokenCreateForm,
    InviteMemberForm,
    MemberRoleForm,
    OrganizationCreateForm,
    OrganizationProfileForm,
    OrganizationSwitchForm,
    UserProfileForm,
)
from accounts.models import Role
from accounts.tenancy import AuthedRequest, memberships_in_reach, organization_required, switch_organization
from core.exceptions import NotFound
from core.idempotency import replay_to, submit_once
from core.routing import public
from core.web import Outcome, attempt, get_or_404, post_only, safe_next

# --- organizations ------------------------------------------------------------------


@login_required
@require_http_methods(["POST"])
def organization_switch(request: AuthedRequest) -> HttpResponse:
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404("No such organization.")
    try:
        organization = switch_organization(request, organization_id=form.cleaned_data["organization"])
    except NotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"You are now working in {organization.name}.")
    return redirect(safe_next(request))


@login_required
@require_GET
def organization_list(request: AuthedRequest) -> HttpResponse:
    memberships = memberships_in_reach(request)
    return render(request, "accounts/organization_list.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def organization_create(request: AuthedRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST if request.method == "POST" else None)
    outcome: Outcome[Any] = Outcome()
    if form.is_valid():
        outcome = attempt(request, services.create_organization, form=form, actor=request.user, **form.cleaned_data)
        if outcome.ok and outcome.value is not None:
            switch_organization(request, organization_id=outcome.value.pk)
            messages.success(request, f"{outcome.value.name} is ready. Complete its profile so clients can find it.")
            return redirect("organization-settings")
    return render(request, "accounts/organization_create.html", {"form": form}, status=outcome.status)


@public
@require_GET
def organization_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_or_404(selectors.public_organization, slug=slug)
    acting = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    can_edit = acting is not None and acting.pk == organization.pk and membership is not None and membership.can_manage
    context = {"organization": organization, "can_edit": can_edit, "sections": profiles.sections(request, organization)}
    return render(request, "accounts/organization_detail.html", context)


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def organization_settings(request: AuthedRequest) -> HttpResponse:
    organization = request.organization
    posted = request.method == "POST"
    form = OrganizationProfileForm(
        request.POST if posted else None, request.FILES if posted else None, organization=organization
    )
    if not request.membership.can_manage:
        # Shown read-only; a submission still reaches the service, which refuses it.
        for field in form.fields.values():
            field.disabled = True
    outcome: Outcome[Any] = Outcome()
    if form.is_valid():
        outcome = attempt(
            request,
            services.update_organization_profile,
            form=form,
            actor=request.user,
            organization=organization,
            **form.profile_changes(),
        )
        if outcome.ok:
            messages.success(request, "Organization profile saved.")
            return redirect("organization-settings")
    return render(request, "accounts/organization_settings.html", {"form": form}, status=outcome.status)


# --- members and invitations ------------------------------------------------------------


@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def member_list(request: AuthedRequest) -> HttpResponse:
    """Members with their roles, pending invitations, and the invitation form (POST)."""
    organization = request.organization
    form = InviteMemberForm(request.POST if request.method == "POST" else None)
    outcome: Outcome[Any] = Outcome()
    if form.is_valid():
        outcome = attempt(
            request,
            services.invite_member,
            form=form,
            actor=request.user,
            organization=organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
        if outcome.ok:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("member-list")
    context = {
        "members": selectors.members_of(organization=organization),
        "invitations": (
            selectors.pending_invitations(organization=organization) if request.membership.can_manage else []
        ),
        "invite_form": form,
        "roles": Role.choices,
    }
    return render(request, "accounts/member_list.html", context, status=outcome.status)


@organization_required
@submit_once
def member_role(request: AuthedRequest, membership_id: int) -> HttpResponse:
    membership = get_or_404(selectors.get_membership, organization=request.organization, membership_id=membership_id)
    if refused := post_only(request):
        return refused
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("member-list")
    role = form.cleaned_data["role"]
    if attempt(request, services.change_member_role, actor=request.user, membership=membership, role=role).ok:
        messages.success(request, f"{membership.user} is now {Role(role).label.lower()}.")
    return redirect("member-list")


@organization_required
@submit_once
def member_remove(request: AuthedRequest, membership_id: int) -> HttpResponse:
    """A manager removes a member; a member removing their own membership leaves."""
    organization = request.organization
    membership = get_or_404(selectors.get_membership, organization=organization, membership_id=membership_id)
    if refused := post_only(request):
        return refused
    leaving = membership.user_id == request.user.pk
    if not attempt(request, services.remove_member, actor=request.user, membership=membership).ok:
        return redirect("member-list")
    if leaving:
        messages.success(request, f"You left {organization.name}.")
        return redirect("organization-list")
    messages.success(request, f"{membership.user} was removed from {organization.name}.")
    return redirect("member-list")


@organization_required
@submit_once
def invitation_revoke(request: AuthedRequest, invitation_id: int) -> HttpResponse:
    invitation = get_or_404(selectors.get_invitation, organization=request.organization, invitation_id=invitation_id)
    if refused := post_only(request):
        return refused
    if attempt(request, services.revoke_invitation, actor=request.user, invitation=invitation).ok:
        messages.success(request, f"The invitation for {invitation.email} was withdrawn.")
    return redirect("member-list")


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def invitation_accept(request: AuthedRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_accept.html", {"invitation": None}, status=404)
    outcome: Outcome[Any] = Outcome()
    if request.method == "POST":
        outcome = attempt(request, services.accept_invitation, quiet=True, user=request.user, token=token)
        if outcome.ok:
            switch_organization(request, organization_id=invitation.organization_id)
            messages.success(request, f"Welcome to {invitation.organization.name}.")
            return redirect("home")
    context = {"invitation": invitation, "error": outcome.error}
    return render(request, "accounts/invitation_accept.html", context, status=outcome.status)


# --- the signed-in user ---------------------------------------------------------------------


@login_required
@require_GET
def settings_index(request: AuthedRequest) -> HttpResponse:
    """Every setting of the acting organization and of the user's account, one link each."""
    return render(request, "accounts/settings_index.html")


@login_required
@require_http_methods(["GET", "POST"])
@submit_once
def user_profile(request: AuthedRequest) -> HttpResponse:
    form = UserProfileForm(request.POST if request.method == "POST" else None, initial={"name": request.user.name})
    outcome: Outcome[Any] = Outcome()
    if form.is_valid():
        outcome = attempt(request, services.update_user_profile, form=form, user=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, "Your profile was saved.")
            return redirect("user-profile")
    return render(request, "accounts/user_profile.html", {"form": form}, status=outcome.status)


@never_cache
@organization_required
@require_http_methods(["GET", "POST"])
@submit_once
def api_token_list(request: AuthedRequest) -> HttpResponse:
    """Tokens of the user in the acting organization. A new token's secret is shown in this response only."""
    form = ApiTokenCreateForm(request.POST if request.method == "POST" else None)
    outcome: Outcome[Any] = Outcome()
    if form.is_valid():
        outcome = attempt(
            request,
            services.create_api_token,
            form=form,
            actor=request.user,
            organization=request.organization,
            name=form.cleaned_data["name"],
            expires_at=form.expiry(),
        )
        if outcome.ok and outcome.value is not None:
            token, secret = outcome.value
            messages.success(request, f"Token “{token.name}” created. Copy it now: it will not be shown again.")
            form = ApiTokenCreateForm()
            context = {"form": form, "tokens": _tokens(request), "new_token": token, "new_secret": secret}
            # The secret is shown in this answer only; a second copy of the form lists the token without it.
            return replay_to(render(request, "accounts/api_token_list.html", context), reverse("api-token-list"))
    context = {"form": form, "tokens": _tokens(request)}
    return render(request, "accounts/api_token_list.html", context, status=outcome.status)


def _tokens(request: AuthedRequest) -> Any:
    return selectors.api_tokens_for(user=request.user, organization=request.organization)


@organization_required
@submit_once
def api_token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_or_404(selectors.get_api_token, user=request.user, organization=request.organization, token_id=token_id)
    if refused := post_only(request):
        return refused
    if attempt(request, services.revoke_api_token, actor=request.user, token=token).ok:
        messages.success(request, f"Token “{token.name}” was revoked. Programs using it can no longer sign in.")
    return redirect("api-token-list")
