"""What every HTML form of the product shares: showing a service's refusal beside the form's own errors."""

from __future__ import annotations

from django import forms

from core.exceptions import DomainError


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
