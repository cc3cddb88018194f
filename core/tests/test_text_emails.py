"""Plain-text emails show names as they are written; HTML stays escaped.

A name with ``& < > " '`` once reached readers as ``Pixel &amp; Pine Studio``.
"""

from __future__ import annotations

from pathlib import Path

import allauth
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.template.loader import render_to_string

from accounts import services as account_services
from core.models import OutboxMessage
from marketplace import services
from tests.factories import OrganizationFactory, bid_input, make_member, open_task

NAME = 'Pixel & Pine <Studio> "Bob\'s"'
ESCAPES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;")


def assert_plain(text: str) -> None:
    assert NAME in text
    for escape in ESCAPES:
        assert escape not in text


_DATE_PARTS = {"year", "month", "day", "hour", "minute", "second", "microsecond", "tzinfo", "utcoffset", "timetuple"}


class _Hostile(str):
    """Whatever a template asks of it (an attribute, a call, an item), it answers with the name again."""

    def __getattr__(self, name: str) -> _Hostile:
        if name.startswith("__") or name in _DATE_PARTS:
            raise AttributeError(name)  # not a date: the |date filter gives ""
        return self

    def __call__(self, *args: object, **kwargs: object) -> _Hostile:
        return self

    def __getitem__(self, key: object) -> _Hostile:  # type: ignore[override]
        return self


class _Everything(dict):
    """A context in which every variable is the hostile name."""

    def __contains__(self, key: object) -> bool:
        return key not in {"True", "False", "None"}

    def __missing__(self, key: str) -> _Hostile:
        return _Hostile(NAME)


def _text_email_templates() -> list[str]:
    """Every plain-text email template: the product's and allauth's."""
    roots = [Path(django_settings.BASE_DIR) / "templates", Path(allauth.__file__).parent / "templates"]
    return sorted(
        str(path.relative_to(root))
        for root in roots
        for path in root.rglob("*.txt")
        if "email" in path.relative_to(root).parts
    )


@pytest.mark.parametrize("template", _text_email_templates())
def test_every_text_email_template_renders_names_unescaped(template):
    text = render_to_string(template, _Everything())

    for escape in ESCAPES:
        assert escape not in text
    if "{{" in Path(_template_file(template)).read_text():
        assert NAME.lower() in text.lower()


def _template_file(template: str) -> Path:
    for root in (Path(django_settings.BASE_DIR) / "templates", Path(allauth.__file__).parent / "templates"):
        if (root / template).exists():
            return root / template
    raise FileNotFoundError(template)


def test_html_templates_stay_escaped_and_text_ones_do_not(settings, tmp_path):
    (tmp_path / "part.html").write_text("<p>{{ name }}</p>")
    (tmp_path / "part.txt").write_text("{{ name }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    assert render_to_string("part.html", {"name": NAME}) == (
        "<p>Pixel &amp; Pine &lt;Studio&gt; &quot;Bob&#x27;s&quot;</p>"
    )
    assert render_to_string("part.txt", {"name": NAME}) == NAME


def test_an_invitation_email_names_the_firm_as_written(db, django_capture_on_commit_callbacks):
    firm = OrganizationFactory(name=NAME)
    owner = make_member(firm, role="owner")

    with django_capture_on_commit_callbacks(execute=True):
        account_services.invite_member(actor=owner, organization=firm, email="new.hire@example.test")

    [email] = mail.outbox
    assert_plain(email.body)
    assert_plain(email.subject)


def test_a_bid_notification_names_the_supplier_and_the_task_as_written(firm, db):
    task = open_task(firm, title=f"Logo for {NAME}")
    supplier = OrganizationFactory(name=NAME)
    make_member(supplier, role="owner")

    services.submit_bid(actor=supplier.memberships.get().user, supplier=supplier, task=task, data=bid_input())

    [message] = OutboxMessage.objects.filter(task_name="core.send_email", kwargs__to=[firm.owner.email])
    assert_plain(message.kwargs["body"])
    assert_plain(message.kwargs["subject"])
