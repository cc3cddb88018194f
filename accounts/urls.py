"""HTML routes for accounts and organizations (the API lives in ``accounts.api.urls``)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/switch/", views.organization_switch, name="organization-switch"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/organization/", views.organization_settings, name="organization-settings"),
    path("settings/members/", views.member_list, name="member-list"),
    path("settings/members/<int:membership_id>/role/", views.member_role, name="member-role"),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("settings/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("settings/profile/", views.user_profile, name="user-profile"),
    path("settings/api-tokens/", views.api_token_list, name="api-token-list"),
    path("settings/api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
