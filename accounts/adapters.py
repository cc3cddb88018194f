"""django-allauth hooks: new users get a personal organization; mail goes through Celery."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from accounts import services
from core.outbox import enqueue


class AccountAdapter(DefaultAccountAdapter):
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
