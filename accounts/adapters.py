"""django-allauth hooks: new users get a personal organization; mail goes through Celery; the client's
address is read by the product's one rule."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts import services
from core.outbox import enqueue
from core.request_context import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The address sign-in rate limits and sessions key on: ``core.request_context.client_ip``,
        as the audit log and the API throttles read it. allauth's own reading answered 500
        (ImproperlyConfigured) when X-Forwarded-For held fewer hops than the trusted proxies."""
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            services.create_personal_organization(user=user)
        return user

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Render now (the request is here), deliver from a worker after commit.
        message = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = str(content)
        enqueue(
            "core.send_email",
            subject=str(message.subject),
            body=str(message.body),
            to=list(message.to),
            html=html,
            from_email=message.from_email,
        )
