"""``{% form_field field %}``: one bound form field laid out as every form of the product lays it out.

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

from django import template
from django.forms import BoundField
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
