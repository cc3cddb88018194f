"""The reply form of a conversation. ``services.send_message`` decides what may be sent."""

from __future__ import annotations

from django import forms

from core import limits
from marketplace.forms.tasks import MultipleFileField


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        required=False,
        strip=False,
        max_length=limits.MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Write a message…"}),
    )
    attachments = MultipleFileField(
        label="Attach files",
        help_text="PDF, images, Office files or ZIP, up to 10 MB each.",
    )
