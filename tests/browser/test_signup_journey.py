"""A new business signs up, verifies its email, creates a firm and brings in a colleague."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import Invitation, Membership, Organization, User

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-Long-and-unusual-passphrase-42"


def link_in_last_email_to(address: str, pattern: str) -> str:
    messages = [message for message in mail.outbox if address in message.to]
    assert messages, f"no email was sent to {address}"
    match = re.search(pattern, messages[-1].body)
    assert match, f"no link matching {pattern!r} in: {messages[-1].body}"
    return match.group(0)


def sign_up_and_verify(page, address: str, screenshot=None) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    if screenshot:
        screenshot(page, "01-signup")
    page.get_by_role("button", name=re.compile("create an account", re.I)).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    confirm_link = link_in_last_email_to(address, r"https?://\S+/accounts/confirm-email/\S+/")
    page.goto(confirm_link)
    if screenshot:
        screenshot(page, "02-confirm-email")
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_url(re.compile(r"/$"))


def test_business_signs_up_creates_a_firm_and_invites_a_colleague(page_factory, screenshot, live_server, settings):
    # Emails written by workers link to the configured site address.
    settings.SITE_URL = live_server.url

    # Given a visitor who signs up and confirms the address from the email
    owner_page = page_factory()
    sign_up_and_verify(owner_page, "founder@acme.test", screenshot)
    owner = User.objects.get(email="founder@acme.test")
    assert Organization.objects.filter(memberships__user=owner, is_personal=True).exists()

    # When they create a firm
    owner_page.goto("/organizations/new/")
    owner_page.get_by_label("Organization name").fill("Acme Payroll GmbH")
    owner_page.get_by_role("button", name="Create organization").click()
    firm = Organization.objects.get(name="Acme Payroll GmbH")
    assert Membership.objects.get(organization=firm, user=owner).role == "owner"
    screenshot(owner_page, "03-firm-created")

    # And invite a colleague as admin from the members page
    owner_page.goto("/settings/members/")
    owner_page.get_by_label("Email", exact=True).fill("colleague@acme.test")
    owner_page.get_by_label("Role", exact=True).select_option("admin")
    owner_page.get_by_role("button", name="Send invitation").click()
    owner_page.get_by_text("colleague@acme.test").first.wait_for()
    screenshot(owner_page, "04-invited")
    invitation = Invitation.objects.get(organization=firm, email="colleague@acme.test")
    assert invitation.status == "pending"
    accept_link = link_in_last_email_to("colleague@acme.test", r"https?://\S+/invitations/\S+/")

    # Then the colleague signs up, opens the link and joins the firm as admin
    colleague_page = page_factory()
    sign_up_and_verify(colleague_page, "colleague@acme.test")
    colleague_page.goto(accept_link)
    screenshot(colleague_page, "05-accept-invitation")
    colleague_page.get_by_role("button", name=re.compile("accept", re.I)).click()
    colleague_page.wait_for_load_state()
    colleague = User.objects.get(email="colleague@acme.test")
    assert Membership.objects.get(organization=firm, user=colleague).role == "admin"
    invitation.refresh_from_db()
    assert invitation.status == "accepted"

    # And the same link does not work twice
    colleague_page.goto(accept_link)
    assert colleague_page.get_by_text(re.compile("already been used", re.I)).count() >= 1
