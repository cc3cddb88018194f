"""Form widgets rendered in Python: inputs, text areas and long select boxes.

Django renders each input through a template that includes two more (the
input, its attributes): the supplier directory's eight filter fields spent
about 1.3 ms a view there (docs/benchmarks.md, round 7). :class:`QuickRenderer`,
the project's form renderer, writes the markup of Django's own input and
text area templates in Python; every other template (radio lists, files
already uploaded) renders as before. ``core/tests/test_widgets.py`` holds
the two equal.

Django also renders each ``<option>`` of a select through a template
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
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language
from django_countries import countries

from core.html import conditional_escape

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


def _attributes(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html`` in Python: ``True`` alone, ``False`` left out, the rest as text."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the value as text, escaped unless it is safe already."""
    text = "%s" % (value,)  # noqa: UP031 - the filter's own formatting (a tuple as its text, too)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _input(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/input.html``."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attributes(widget['attrs'])}>"
    )


def _textarea(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/textarea.html``."""
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>\n{value}</textarea>'


_INPUT_TEMPLATES = (
    *("input", "checkbox", "color", "date", "datetime", "email", "file", "hidden"),
    *("number", "password", "search", "tel", "text", "time", "url"),
)
_IN_PYTHON = {f"django/forms/widgets/{name}.html": _input for name in _INPUT_TEMPLATES} | {
    "django/forms/widgets/textarea.html": _textarea
}


class QuickRenderer(DjangoTemplates):
    """Django's form renderer, with its input and text area templates written in Python.

    Only the markup of those templates is replaced: widgets still build
    their context (attributes, value) as Django does, and every other
    template renders through Django. An app overriding one of these
    templates would not be heard; a test holds that none does.
    """

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        quick = _IN_PYTHON.get(template_name)
        if quick is None:
            return super().render(template_name, context, request)
        # Every value and attribute is escaped by the functions above.
        return mark_safe(quick(context["widget"]))  # noqa: S308
