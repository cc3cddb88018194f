from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import services
from accounts.models import Invitation
from core.tasks import EMAIL_JOB_OPTIONS, email_headers


@shared_task(name="accounts.send_invitation_email", bind=True, **EMAIL_JOB_OPTIONS)
def send_invitation_email(self: Task, *, invitation_id: int, token: str) -> bool:
    """Email the invitation link once. Returns False when there was nothing to send."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.sent_at is not None or invitation.status != "pending":
        return False
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL.rstrip("/") + reverse("invitation-accept", kwargs={"token": token}),
        "site_name": settings.SITE_NAME,
    }
    EmailMessage(
        subject=f"[{settings.SITE_NAME}] You are invited to join {invitation.organization.name}",
        body=render_to_string("accounts/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers=email_headers(self),
    ).send()
    return services.mark_invitation_sent(invitation_id=invitation.pk)
