"""What every HTML form of the product shares: amounts typed as people write them, date pickers, and
showing a service's refusal beside the form's own errors."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core import limits
from core.exceptions import DomainError

_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
_SYMBOLS = re.compile(r"[€$£¥₹\s\u00a0,_]|^(?:EUR|USD|GBP|CHF)", re.IGNORECASE)


def parse_amount(text: str) -> Decimal | None:
    """ "2,800.00", "€2800", "2 800" -> Decimal("2800.00"); blank -> None; nonsense raises ValidationError."""
    if len(text or "") > 64:  # longer than any amount written out, commas and all
        raise ValidationError("That amount is too large.", code="max_value")
    cleaned = _SYMBOLS.sub("", (text or "").strip())
    if not cleaned:
        return None
    if not _AMOUNT.match(cleaned):
        raise ValidationError("Enter an amount like 2,800.00.", code="invalid")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError("Enter an amount like 2,800.00.", code="invalid") from None
    # Coarse, before the currency is known: the service refuses what is over
    # core.limits.MAX_AMOUNT minor units, in the field's currency.
    if abs(amount) > limits.MAX_AMOUNT:
        raise ValidationError("That amount is too large.", code="max_value")
    return amount


class MoneyField(forms.CharField):
    """An amount in major units, typed the way people write it; cleans to a ``Decimal``.

    The sign is not checked here: the service refuses zero and negative
    amounts with the message that belongs to the field.
    """

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, Decimal):
            return value
        return parse_amount(str(value or ""))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value:,}"
        return value


class DateInput(forms.DateInput):
    """A browser's date picker, its value in ISO form."""

    input_type = "date"

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class MessagesAt(list[str]):
    """Messages tied to no field, shown by the page in the block whose id is ``anchor``: the error
    summary (``{% error_summary %}``) links each of them there."""

    def __init__(self, anchor: str, messages: Any = ()):
        super().__init__(messages)
        self.anchor = anchor


def add_rule_errors(form: forms.Form, error: DomainError, *, parsed_first: bool = True) -> None:
    """Put every message of a service's refusal on ``form``, next to the field it names.

    Called from ``clean()`` with what the form could read, so the rules and the
    form's own parsing report in one round. A field the form could not read
    (``parsed_first``) already says why: the service saw it as empty and
    would only repeat it in other words, so its messages on that field are left out.
    """
    for name, messages in error.field_errors.items():
        target = name if name in form.fields else None
        if parsed_first and target is not None and target in form.errors:
            continue
        for message in messages:
            form.add_error(target, message)
