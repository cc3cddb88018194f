"""The product's own English for third-party text (``locale/en``): compiled, in force, in sentence case."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


def _source() -> dict[str, str]:
    """msgid → msgstr of the .po file (single-line and continued strings; no plurals or contexts are used)."""
    entries: dict[str, str] = {}
    for block in (CATALOGUE / "django.po").read_text().split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#")]
        assert not any(line.startswith(("msgctxt", "msgid_plural")) for line in lines), block
        text = "\n".join(lines)
        msgid, msgstr = (
            "".join(ast.literal_eval(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', chunk))
            for chunk in re.split(r"^msgstr ", text.removeprefix("msgid "), maxsplit=1, flags=re.M)
        )
        if msgid:
            entries[msgid] = msgstr
    return entries


def test_the_compiled_catalogue_is_its_source():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    assert {key: value for key, value in catalog.items() if key} == _source()


def test_the_catalogue_is_in_force():
    with translation.override("en-us"):
        assert translation.gettext("Sign In") == "Sign in"
        assert translation.gettext("Two-Factor Authentication") == "Two-factor authentication"


def test_no_heading_or_button_stays_in_title_case():
    """Every translated string is in sentence case: no capital after the first word, bar placeholders."""
    title_case = re.compile(r"(?<!^)(?<![.?:] )\b[A-Z][a-z]+")
    assert [text for text in _source().values() if title_case.search(re.sub(r"%\(\w+\)s", "", text))] == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_the_entrance_pages_speak_in_sentence_case(name):
    html = Client().get(reverse(name)).content.decode()

    assert not re.search(r"Sign In|Sign Up|Remember Me|Password Reset|Two-Factor|then please", html)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["account_signup", "account_change_password", "account_set_password"])
def test_every_page_that_sets_a_password_states_its_rules_as_text(name):
    """Not Django's HTML list escaped into the page (``<ul><li>Your password…`` shown as text)."""
    user = UserFactory()
    client = Client()
    if name == "account_set_password":
        user.set_unusable_password()
        user.save()
    if name != "account_signup":
        client.force_login(user)

    html = client.get(reverse(name)).content.decode()

    assert "&lt;" not in html
    assert "Your password must contain at least 8 characters." in html


@pytest.mark.django_db
def test_the_password_reset_link_page_states_the_rules_as_text(client):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = UserFactory()
    key = default_token_generator.make_token(user)
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
    page = client.get(url, follow=True)

    html = page.content.decode()
    assert "Your password must contain at least 8 characters." in html
    assert "&lt;" not in html


@pytest.mark.django_db
def test_the_sign_in_page_reads_as_the_product():
    html = Client().get(reverse("account_login")).content.decode()

    assert "Remember me" in html
    assert "New here?" in html


@pytest.mark.django_db
def test_the_two_factor_step_reads_as_the_product(client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.post(reverse("account_login"), {"login": user.email, "password": "correct-horse-battery"})

    html = client.get(reverse("mfa_authenticate")).content.decode()

    assert "Two-factor authentication" in html
    assert "Two-Factor Authentication" not in html
