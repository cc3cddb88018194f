from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts import services
from accounts.models import Invitation


@shared_task(
    name="accounts.send_invitation_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_invitation_email(*, invitation_id: int, token: str) -> bool:
    """Email the invitation link once. Returns False when there was nothing to send."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.sent_at is not None or invitation.status != "pending":
        return False
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL.rstrip("/") + reverse("invitation-accept", kwargs={"token": token}),
        "site_name": settings.SITE_NAME,
    }
    send_mail(
        subject=f"[{settings.SITE_NAME}] You are invited to join {invitation.organization.name}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )
    return services.mark_invitation_sent(invitation_id=invitation.pk)
