"""HTML forms for accounts pages.

Forms only parse and shape input (text lists, money in major units, dates);
the rules that accept or refuse a change live in ``accounts.services``.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.utils import timezone
from django_countries import countries

from accounts.models import ApiToken, Organization, Role
from core import limits
from core.money import RATE_CURRENCIES, from_minor, to_minor

MAX_LIST_ITEMS = limits.PROFILE_LIST
MAX_PORTFOLIO_LINKS = limits.PORTFOLIO_LINKS


@cache
def _time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone or zone == "UTC")
    return [(zone, zone.replace("_", " ")) for zone in zones]


class CommaListField(forms.CharField):
    """A comma-separated text box that cleans to a list of distinct, trimmed words."""

    def __init__(self, *, item_max_length: int, **kwargs: Any):
        self.item_max_length = item_max_length
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        # Room for every entry at its longest; anything longer is refused before it is split.
        if len(text) > MAX_LIST_ITEMS * (self.item_max_length + 2):
            raise ValidationError(f"List at most {MAX_LIST_ITEMS} entries of {self.item_max_length} characters.")
        items: list[str] = []
        seen: set[str] = set()
        for raw in text.split(","):
            item = " ".join(raw.split())
            if item and item.casefold() not in seen:
                seen.add(item.casefold())
                items.append(item)
        return items

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(value) > MAX_LIST_ITEMS:
            raise ValidationError(f"List at most {MAX_LIST_ITEMS} entries.")
        too_long = [item for item in value if len(item) > self.item_max_length]
        if too_long:
            raise ValidationError(f"Keep each entry under {self.item_max_length} characters: {too_long[0]!r}.")

    def run_validators(self, value: Any) -> None:
        # CharField validators (max_length) apply to the raw text, not the list.
        return None


class UrlLinesField(forms.CharField):
    """One web address per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        if len(text) > MAX_PORTFOLIO_LINKS * 2_100:  # ten of the longest addresses browsers take
            raise ValidationError(f"List at most {MAX_PORTFOLIO_LINKS} links.")
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value: Any) -> None:
        if len(value) > MAX_PORTFOLIO_LINKS:
            raise ValidationError(f"List at most {MAX_PORTFOLIO_LINKS} links.")
        check = URLValidator(schemes=["http", "https"])
        for link in value:
            try:
                check(link)
            except ValidationError:
                raise ValidationError(f"{link!r} is not a web address (start it with https://).") from None

    def run_validators(self, value: Any) -> None:
        return None


class OrganizationSwitchForm(forms.Form):
    organization = forms.IntegerField(min_value=1)


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(
        label="Organization name",
        max_length=limits.ORGANIZATION_NAME,
        help_text="Your company or team as clients and suppliers will see it.",
        widget=forms.TextInput(attrs={"autocomplete": "organization", "autofocus": True}),
    )
    headline = forms.CharField(
        max_length=limits.HEADLINE,
        required=False,
        help_text="One line about what you do, e.g. “Payroll and bookkeeping for small firms”.",
    )


class OrganizationProfileForm(forms.Form):
    """The public profile. Built from the organization, never bound to it: the service writes."""

    name = forms.CharField(
        max_length=limits.ORGANIZATION_NAME, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    headline = forms.CharField(max_length=limits.HEADLINE, required=False)
    about = forms.CharField(
        required=False,
        max_length=limits.ABOUT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What you do, for whom, and how you work.",
    )
    logo = forms.ImageField(required=False, help_text="Square PNG or JPEG, at most 5 MB.")
    country = forms.ChoiceField(required=False)
    city = forms.CharField(max_length=limits.CITY, required=False)
    time_zone = forms.ChoiceField(label="Time zone")
    languages = CommaListField(item_max_length=40, help_text="Separate with commas, e.g. English, German.")
    offers_services = forms.BooleanField(
        label="We offer services to other organizations",
        required=False,
        help_text="Lists you in the supplier directory (with at least one skill) and shows you bids and work to find.",
    )
    skills = CommaListField(item_max_length=60, help_text="Separate with commas, e.g. Payroll, DATEV, Excel.")
    hourly_rate = forms.DecimalField(
        label="Typical hourly rate",
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    hourly_rate_currency = forms.ChoiceField(label="Currency", choices=[(code, code) for code in RATE_CURRENCIES])
    website = forms.URLField(required=False, assume_scheme="https")
    portfolio_links = UrlLinesField(label="Portfolio links", help_text="One web address per line.")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any):
        self.organization = organization
        kwargs.setdefault("initial", self._initial_from(organization))
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = _time_zone_choices()  # type: ignore[attr-defined]
        currency = organization.hourly_rate_currency
        if currency not in RATE_CURRENCIES:
            self.fields["hourly_rate_currency"].choices = [(currency, currency), *[(c, c) for c in RATE_CURRENCIES]]  # type: ignore[attr-defined]

    @staticmethod
    def _initial_from(organization: Organization) -> dict[str, Any]:
        initial = {
            field: getattr(organization, field)
            for field in (
                "name",
                "headline",
                "about",
                "city",
                "time_zone",
                "languages",
                "offers_services",
                "skills",
                "website",
            )
        }
        initial["country"] = organization.country.code if organization.country else ""
        initial["portfolio_links"] = organization.portfolio_links
        initial["logo"] = organization.logo or None
        initial["hourly_rate_currency"] = organization.hourly_rate_currency
        if organization.hourly_rate is not None:
            initial["hourly_rate"] = from_minor(organization.hourly_rate, organization.hourly_rate_currency)
        return initial

    def profile_changes(self) -> dict[str, Any]:
        """Keyword arguments for ``services.update_organization_profile``."""
        data = dict(self.cleaned_data)
        rate = data.pop("hourly_rate")
        data["hourly_rate"] = None if rate is None else to_minor(rate, data["hourly_rate_currency"])
        logo = data.pop("logo")
        if logo is False:  # "clear" ticked
            data["logo"] = ""
        elif isinstance(logo, UploadedFile):
            data["logo"] = logo
        return data


class InviteMemberForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@company.com"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class UserProfileForm(forms.Form):
    name = forms.CharField(
        label="Full name",
        max_length=limits.PERSON_NAME,
        required=False,
        help_text="Shown to the members of your organizations and on contracts you sign.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        max_length=limits.NAME,
        help_text="Something to recognise it by, e.g. “Accounting sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # Named like the service's argument so its refusal lands next to this field.
    expires_at = forms.DateField(
        label="Expires on",
        help_text=f"At most a year from today ({ApiToken.LIFETIME_DAYS_MAX} days); make a new token after that.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        field = self.fields["expires_at"]
        field.initial = today + timedelta(days=ApiToken.LIFETIME_DAYS_DEFAULT)
        field.widget.attrs.update(
            min=(today + timedelta(days=1)).isoformat(),
            max=(today + timedelta(days=ApiToken.LIFETIME_DAYS_MAX)).isoformat(),
        )

    def clean_expires_at(self) -> Any:
        day = self.cleaned_data.get("expires_at")
        if day is not None and day > timezone.localdate() + timedelta(days=ApiToken.LIFETIME_DAYS_MAX):
            raise ValidationError(
                f"A token lives at most {ApiToken.LIFETIME_DAYS_MAX} days: choose a date within a year."
            )
        return day

    def expiry(self) -> datetime | None:
        """The token works through the chosen day (in the server's time zone)."""
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class PasswordRulesAsText(forms.Form):
    """allauth's forms that set a password, with the rules as text.

    allauth gives a new password Django's help in HTML (a ``<ul>``), which
    ``{% form_field %}`` escapes like every help text, so the pages showed the
    tags. The same rules, from the configured validators, as sentences."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "password1" in self.fields and self.fields["password1"].help_text:
            self.fields["password1"].help_text = " ".join(password_validation.password_validators_help_texts())


class SignupForm(PasswordRulesAsText, allauth_forms.SignupForm):
    pass


class ChangePasswordForm(PasswordRulesAsText, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(PasswordRulesAsText, allauth_forms.SetPasswordForm):
    pass


class ResetPasswordKeyForm(PasswordRulesAsText, allauth_forms.ResetPasswordKeyForm):
    pass
