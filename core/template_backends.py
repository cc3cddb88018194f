"""The template engine: Django's, except that a ``.txt`` template renders text.

Autoescaping is for HTML. A plain-text email rendered with it showed
``Pixel &amp; Pine Studio`` to its reader. Every template whose name ends in
``.txt`` (the bodies of the product's emails, allauth's subjects and bodies)
renders with autoescaping off, whoever loads it (``render_to_string``,
allauth's ``render_mail``), so a new text email cannot forget to. HTML
templates, an email's HTML part included, stay escaped; a ``.txt`` file
``{% include %}``d by an HTML page is escaped with the page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.backends.django import DjangoTemplates, Template, reraise
from django.template.context import make_context
from django.utils.safestring import SafeString

TEXT_SUFFIX = ".txt"


class TextTemplate(Template):
    """A template whose output is plain text: nothing in it is HTML-escaped."""

    def render(self, context: dict[str, Any] | None = None, request: HttpRequest | None = None) -> SafeString:
        text_context = make_context(context, request, autoescape=False)
        try:
            return self.template.render(text_context)
        except TemplateDoesNotExist as exc:
            reraise(exc, self.backend)
            raise  # pragma: no cover - reraise always raises


class TextAwareDjangoTemplates(DjangoTemplates):
    def get_template(self, template_name: str) -> Template:
        template = super().get_template(template_name)
        if template_name.endswith(TEXT_SUFFIX):
            return TextTemplate(template.template, self)
        return template
