"""HTML forms of signing: sending for signatures, signing, handing the signing over."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import Membership
from contracts.models import SignatureMethod, SigningOrder
from contracts.services.signing import MAX_DRAWING_BYTES, SignatureInput

_HASH = re.compile(r"[0-9a-f]{64}")
_DATA_URL = "data:image/png;base64,"


class SendForSigningForm(forms.Form):
    order = forms.ChoiceField(
        label="Who signs first",
        choices=SigningOrder.choices,
        initial=SigningOrder.ANY,
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label="Offer expires on",
        required=False,
        help_text="Optional. After this day the offer can no longer be signed; you can send it again.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def expires_at(self) -> datetime | None:
        """The end of the chosen day, in the site's time zone."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class SignForm(forms.Form):
    """What a signer gives: consent (the first time), intent, and their mark by one method."""

    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    consent = forms.BooleanField(
        required=False,
        label="I agree to do business electronically and to sign this contract with an electronic signature.",
    )
    intent = forms.BooleanField(label="I have read this version and I sign it, binding my organization.")
    method = forms.ChoiceField(
        label="How you sign",
        choices=SignatureMethod.choices,
        initial=SignatureMethod.TYPED,
        widget=forms.RadioSelect,
    )
    typed_name = forms.CharField(label="Type your full name", max_length=200, required=False, strip=True)
    drawing = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=len(_DATA_URL) + 4 * (MAX_DRAWING_BYTES // 3 + 1)
    )
    scan = forms.FileField(
        label="Scan of the paper signed in person",
        required=False,
        help_text="PDF, PNG or JPEG, up to 10 MB. The other side confirms it before it counts.",
    )

    def __init__(self, *args: Any, needs_consent: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.needs_consent = needs_consent
        if not needs_consent:
            del self.fields["consent"]

    def clean_sha256(self) -> str:
        value = self.cleaned_data["sha256"]
        if not _HASH.fullmatch(value):
            raise forms.ValidationError("Reload the page: the version to sign was not named.")
        return value

    def clean_drawing(self) -> bytes:
        value = self.cleaned_data.get("drawing", "")
        if not value:
            return b""
        if not value.startswith(_DATA_URL):
            raise forms.ValidationError("That drawing could not be read; clear it and draw again.")
        try:
            return base64.b64decode(value[len(_DATA_URL) :], validate=True)
        except (binascii.Error, ValueError) as error:
            raise forms.ValidationError("That drawing could not be read; clear it and draw again.") from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.needs_consent and not data.get("consent") and data.get("method") != SignatureMethod.IN_PERSON:
            self.add_error("consent", "Agree to sign electronically, or sign on paper and upload the scan.")
        return data

    def to_input(self) -> SignatureInput:
        data = self.cleaned_data
        return SignatureInput(
            sha256=data["sha256"],
            method=data["method"],
            typed_name=data.get("typed_name", ""),
            drawing=data.get("drawing", b""),
            scan=data.get("scan"),
        )


class HandOverForm(forms.Form):
    """Whom to hand the signing to: one of the organization's other signatories, read once by the view."""

    to = forms.TypedChoiceField(label="Hand the signing to", coerce=int)

    def __init__(self, *args: Any, signatories: list[Membership], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.signatories = {membership.user_id: membership for membership in signatories}
        field = self.fields["to"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(m.user_id, f"{m.user.display_name} ({m.get_role_display().lower()})") for m in signatories]

    def chosen(self) -> Membership:
        return self.signatories[self.cleaned_data["to"]]
