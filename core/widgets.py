"""Select boxes with long, fixed option lists (countries, categories), rendered in Python.

Django renders each ``<option>`` of a form's select through a template
include, and a hand-written ``{% for %}`` loop runs an ``{% if %}`` per option
to mark the chosen one: the 250 countries alone were most of the template
nodes of the browse page and of the supplier directory (docs/benchmarks.md,
"Page speed under HTTP load"). Here the options of a list are escaped once
per process and language, and a request only joins them, marking the chosen
value.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django_countries import countries

Choices = tuple[tuple[str, str], ...]


@lru_cache(maxsize=64)
def _escaped_options(choices: Choices) -> dict[str, tuple[str, str]]:
    """Per value: its option as HTML, unchosen and chosen (values are unique in a select)."""
    return {
        value: (
            format_html('<option value="{}">{}</option>', value, label),
            format_html('<option value="{}" selected>{}</option>', value, label),
        )
        for value, label in choices
    }


class FixedChoices(BaseChoiceIterator):
    """A list of (value, label) strings that fields take as it is, shared by every form that uses it.

    A field normalises the choices it is given, and its widget does again:
    for the 250 countries that was 500 tuples built per form, a third of the
    supplier directory's form. Choices of this type are already in that form
    (Django passes its own choice iterators through), never change, and are
    not copied with the form's fields.
    """

    def __init__(self, choices: Iterable[tuple[Any, Any]]) -> None:
        self.pairs: Choices = tuple((str(value), str(label)) for value, label in choices)

    def __iter__(self) -> Any:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedChoices:
        return self


def options_html(choices: Iterable[tuple[Any, Any]], chosen: Iterable[str] | str | None = None) -> SafeString:
    """The ``<option>`` tags of ``choices`` (value, label), with ``chosen`` (one value or several) selected."""
    if isinstance(choices, FixedChoices):
        key = choices.pairs
    else:
        key = tuple((str(value), str(label)) for value, label in choices)
    picked = {chosen} if isinstance(chosen, str) else {str(value) for value in chosen or ()}
    options = _escaped_options(key)
    # Every part comes from format_html above, which escaped the values and labels.
    return mark_safe("".join(options[value][value in picked] for value, _label in key))  # noqa: S308


@lru_cache(maxsize=8)
def _country_choices(language: str | None) -> Choices:
    return tuple((str(code), str(name)) for code, name in countries)


def country_choices() -> Choices:
    """``(code, name)`` of every country, sorted by name in the active language (sorted once per process)."""
    return _country_choices(get_language())


class QuickSelect(forms.Select):
    """A single-choice ``<select>`` rendered by :func:`options_html` instead of a template per option.

    Attributes (``id``, ``required``, ``aria-describedby``, ``aria-invalid``) are
    the ones Django's own select renders; grouped choices fall back to it.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        choices = self.choices if isinstance(self.choices, FixedChoices) else list(self.choices)
        if self.allow_multiple_selected or any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        options = options_html(choices, self.format_value(value))
        return format_html('<select name="{}"{}>{}</select>', name, final_attrs, options)
