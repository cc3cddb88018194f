"""``{% form_field field %}`` and ``{% error_summary form %}``: fields and errors as every form lays them out.

Its label (marked "optional" when it is), its widget, the errors right under
it and its help text; Django adds ``aria-describedby`` (help text) and
``aria-invalid`` (errors) to the widget, and the ids here are the ones those
attributes name. ``extra_class="span-2"`` makes it span both columns of a
``.form-grid``. A checkbox comes before its label.

A builtin (see ``TEMPLATES`` in settings), so templates need no ``{% load %}``.
Written in Python rather than as an included template: an include pushes a
context and renders some twenty nodes per field, about 0.1 ms, and a page of
filters or a long form renders a dozen fields (docs/benchmarks.md, round 7).
Labels, errors and help text are escaped unless the code marked them as
markup (``format_html``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.forms import BaseForm, BaseFormSet, BoundField
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from core.html import format_html

register = template.Library()

_OPTIONAL = mark_safe('<span class="optional">optional</span>')


@register.simple_tag
def form_field(field: BoundField, extra_class: str = "") -> SafeString:
    errors = field.errors
    widget_type = field.widget_type
    classes = "field"
    if widget_type == "checkbox":
        classes += " field-check"
    if errors:
        classes += " field-invalid"
    if extra_class:
        classes += f" {extra_class}"
    error_list: SafeString | str = ""
    if errors:
        items = format_html_join("", "<li>{}</li>", ((error,) for error in errors))
        error_list = format_html('<ul class="field-errors" id="{}_error">{}</ul>', field.auto_id, items)
    if widget_type == "checkbox":
        return format_html(
            '<div class="{}">{}<label for="{}">{}</label></div>{}',
            classes,
            field,
            field.id_for_label,
            field.label,
            error_list,
        )
    optional = _OPTIONAL if not field.field.required and not field.field.disabled else ""
    widget: BoundField | SafeString = field  # its markup: the widget (and a hidden initial value, if shown)
    if widget_type == "clearablefile":
        widget = format_html('<div class="clearable-file">{}</div>', field)
    help_text = format_html('<div class="help" id="{}_helptext">{}</div>', field.auto_id, field.help_text)
    return format_html(
        '<div class="{}"><label for="{}">{}{}</label>{}{}{}</div>',
        classes,
        field.id_for_label,
        field.label,
        optional,
        widget,
        error_list,
        help_text if field.help_text else "",
    )


# --- the error summary at the top of a refused form ---------------------------------------------

_RADIO_LIKE = {"radioselect", "checkboxselectmultiple"}


def _anchor(field: BoundField) -> str:
    """The id a summary link points at: the widget, or a group's first option (its legend has no id)."""
    if field.widget_type in _RADIO_LIKE:
        return f"{field.auto_id}_0" if field.auto_id else ""
    return field.id_for_label or ""


def _form_errors(form: BaseForm, prefix: str = "", *, links: bool = True) -> Iterable[tuple[str, str, str]]:
    """(anchor, label, message) per error: the form's own first, then its fields in their order."""
    for message in form.non_field_errors():
        yield "", prefix, str(message)
    for field in form:
        label = f"{prefix} {str(field.label).lower()}" if prefix else str(field.label)
        anchor = _anchor(field) if links and not field.is_hidden else ""
        for message in field.errors:
            yield anchor, label, str(message)


def summary_items(
    *forms: Any, rows: str = "Row", links: bool = True, messages_at: str = ""
) -> list[tuple[str, str, str]]:
    """Every error of ``forms`` (forms, formsets, or lists of messages tied to no field), in the order given.

    A formset's rows are named "{rows} 1", "{rows} 2"… in front of their field labels (or by the
    formset's own ``row_label``, when a page has several). Messages tied to no field link to
    ``messages_at`` when the page shows them there (or to a list's own ``anchor``: see
    ``core.forms.MessagesAt``). A message that comes twice (a formset's own refusal, also passed in a
    list) is listed once.
    """
    loose = messages_at if links else ""
    items: list[tuple[str, str, str]] = []
    for form in forms:
        if form is None or form == "":
            continue
        at = getattr(form, "anchor", loose) if links else ""
        if isinstance(form, BaseFormSet):
            items += [(at, "", str(message)) for message in form.non_form_errors()]
            label = getattr(form, "row_label", rows)
            for number, row in enumerate(form.forms, start=1):
                items += _form_errors(row, prefix=f"{label} {number}", links=links)
        elif isinstance(form, BaseForm):
            if form.is_bound:
                items += _form_errors(form, links=links)
        else:
            items += [(at, "", str(message)) for message in form]
    return list(dict.fromkeys(items))


@register.simple_tag
def error_summary(
    *forms: Any, title: str = "Nothing was saved.", rows: str = "Row", links: bool = True, messages_at: str = ""
) -> SafeString | str:
    """What went wrong, at the top of a refused form: each message a link to its field.

    Pass the page's forms, formsets and lists of messages that belong to no
    field (``{% error_summary form milestones milestone_errors %}``); nothing
    is drawn when they hold no error. ``rows`` names a formset's rows
    ("Milestone 2 amount"); ``messages_at`` is the id of the block where the page repeats the
    messages tied to no field; ``links=False`` when the fields are on another page.
    ``static/js/app.js`` moves the focus to it on load (``tabindex=-1``) so a keyboard or screen reader user starts
    from the list, and a link click focuses the field rather than only
    scrolling to it. ``role=alert`` has it read out where scripts do not run.
    """
    items = summary_items(*forms, rows=rows, links=links, messages_at=messages_at)
    if not items:
        return ""
    count = len(items)
    heading = "1 thing to correct" if count == 1 else f"{count} things to correct"
    rows = format_html_join(
        "",
        "<li>{}</li>",
        (
            (
                format_html('<a href="#{}">{}{}</a>', anchor, f"{label}: " if label else "", message)
                if anchor
                else format_html("{}{}", f"{label}: " if label else "", message),
            )
            for anchor, label, message in items
        ),
    )
    return format_html(
        '<div class="alert alert-error error-summary" role="alert" tabindex="-1" data-error-summary>'
        '<div><p class="error-summary-title"><strong>{}</strong> {}:</p>'
        '<ul class="error-summary-list">{}</ul></div></div>',
        title,
        heading,
        rows,
    )
