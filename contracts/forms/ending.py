"""The form that ends an active contract: why, and for the client whether it takes the work back in-house."""

from __future__ import annotations

from typing import Any

from django import forms

from contracts.models import EndKind
from core import limits


class EndContractForm(forms.Form):
    reason = forms.CharField(
        label="Why the contract ends",
        max_length=limits.SHORT_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The other side reads it, and it stays in the contract's history.",
        error_messages={
            "required": "Say why the contract ends.",
            "max_length": f"Keep the reason under {limits.SHORT_NOTE:,} characters.",
        },
    )
    insourced = forms.BooleanField(
        label="We are taking the work back in-house",
        required=False,
        help_text="Your own team does the work from now on. Your reports count it as work brought back in-house.",
    )

    def __init__(self, *args: Any, side: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.side = side
        if side != "client":  # only the client takes its work back
            del self.fields["insourced"]

    @property
    def end_kind(self) -> str:
        return EndKind.INSOURCED if self.cleaned_data.get("insourced") else EndKind.TERMINATED
