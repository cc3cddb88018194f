"""Forms of the task pages: posting and editing a task, browsing, the supplier directory.

They parse what people type (amounts in major units such as "2,800.00",
dates, comma-separated skills) into the shapes the services and selectors
take; every rule about what is acceptable lives in ``marketplace.services``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.text import slugify
from django.utils.translation import get_language
from django_countries import countries

from accounts.forms import CommaListField
from core import limits
from core.exceptions import DomainError
from core.forms import MoneyField, add_rule_errors, parse_amount
from core.money import RATE_CURRENCIES, from_minor, to_minor
from core.widgets import FixedChoices, QuickSelect, country_choices
from marketplace import selectors, services
from marketplace.models import BudgetType, Category, LocationType, Task, Visibility
from marketplace.services import TaskInput, task_input_from


def _amount_or_none(text: str) -> Decimal | None:
    try:
        return parse_amount(text)
    except ValidationError:
        return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; the service checks size and type."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _country_choices() -> FixedChoices:
    return _fixed_country_choices(get_language())


@lru_cache(maxsize=8)
def _fixed_country_choices(language: str | None) -> FixedChoices:
    return FixedChoices([("", "Any country"), *country_choices()])


# --- posting and editing a task --------------------------------------------------------


class TaskForm(forms.Form):
    """Every term of a task. Built from a task to edit it, never bound to it: the service writes."""

    title = forms.CharField(
        max_length=limits.TITLE,
        error_messages={"required": "Give the task a title."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. Monthly payroll for 40 employees"}),
        help_text="What needs doing, in a few words. Suppliers see it first.",
    )
    description = forms.CharField(
        max_length=limits.DESCRIPTION,
        error_messages={
            "required": "Describe the work so suppliers can price it.",
            "max_length": f"Keep the description under {limits.DESCRIPTION:,} characters (it has %(show_value)d).",
        },
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=(
            "Scope, deliverables, what you will provide and how you will judge the result. "
            "Markdown works: **bold**, lists, links."
        ),
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        empty_label="Choose a category",
        error_messages={"required": "Choose a category.", "invalid_choice": "Choose a category."},
    )
    skills = CommaListField(
        item_max_length=60,
        help_text="Separate with commas, e.g. Payroll, DATEV. Up to 15.",
        widget=forms.TextInput(attrs={"placeholder": "Payroll, DATEV, Excel", "autocomplete": "off"}),
    )
    budget_type = forms.ChoiceField(
        label="How will you pay?",
        choices=BudgetType.choices,
        initial=BudgetType.FIXED,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose fixed price or hourly."},
    )
    currency = forms.ChoiceField(choices=[(code, code) for code in RATE_CURRENCIES], initial="EUR")
    budget_amount = MoneyField(
        label="Budget",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "2,800.00", "autocomplete": "off"}),
        help_text="The most you expect to pay for the whole job.",
    )
    hourly_rate_min = MoneyField(
        label="Lowest hourly rate",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "40.00", "autocomplete": "off"}),
    )
    hourly_rate_max = MoneyField(
        label="Highest hourly rate",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "60.00", "autocomplete": "off"}),
    )
    hours_cap = forms.IntegerField(
        label="Hours cap",
        required=False,
        max_value=limits.MAX_HOURS,
        error_messages={"max_value": f"Cap the hours at {limits.MAX_HOURS:,} or fewer."},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "100"}),
        help_text="The most hours you will pay for. The cap is the highest rate times these hours.",
    )
    deadline = forms.DateField(
        error_messages={"required": "Choose the date the work must be done.", "invalid": "Enter a date."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date the work must be finished.",
    )
    bidding_closes_at = forms.DateTimeField(
        label="Bidding closes",
        error_messages={"required": "Choose when bidding closes.", "invalid": "Enter a date and time."},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="After this moment no new bids come in. Your organization's time zone.",
    )
    location_type = forms.ChoiceField(
        label="Where is the work done?",
        choices=LocationType.choices,
        initial=LocationType.REMOTE,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose remote, on-site or hybrid."},
    )
    country = forms.ChoiceField(required=False)
    city = forms.CharField(max_length=limits.CITY, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=limits.POSTAL_CODE, required=False)
    visibility = forms.ChoiceField(
        label="Who can see it?",
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose public or invite only."},
    )
    attachments = MultipleFileField(
        label="Attachments",
        help_text="Briefs, spreadsheets, drawings: PDF, images, Office and text files, up to 10 MB each, 10 in all.",
    )
    remove_attachments = forms.TypedMultipleChoiceField(
        label="Remove", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    in_house_cost_estimate = MoneyField(
        label="In-house cost estimate",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "4,500.00", "autocomplete": "off"}),
        help_text=(
            "Private to your organization: suppliers never see it. What doing the work yourselves would cost, "
            "so the bid comparison can show what outsourcing saves."
        ),
    )

    def __init__(self, *args: Any, task: Task | None = None, currency: str = "EUR", **kwargs: Any):
        self.task = task
        if task is not None:
            kwargs.setdefault("initial", self._initial_from(task))
        else:
            kwargs.setdefault("initial", {"currency": currency if currency in RATE_CURRENCIES else "EUR"})
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]
        self.attachments_on_file = list(selectors.task_attachments(task=task)) if task is not None else []
        self.fields["remove_attachments"].choices = [  # type: ignore[attr-defined]
            (attachment.pk, attachment.original_name) for attachment in self.attachments_on_file
        ]

    @staticmethod
    def _initial_from(task: Task) -> dict[str, Any]:
        terms = task_input_from(task)
        names = selectors.skill_names(slugs=terms.skills)
        initial: dict[str, Any] = {
            "title": terms.title,
            "description": terms.description,
            "category": terms.category_id,
            "skills": [names.get(slug, slug.replace("-", " ")) for slug in terms.skills],
            "budget_type": terms.budget_type,
            "currency": terms.currency,
            "hours_cap": terms.hours_cap,
            "deadline": terms.deadline,
            "bidding_closes_at": terms.bidding_closes_at,
            "location_type": terms.location_type,
            "country": terms.country,
            "city": terms.city,
            "postal_code": terms.postal_code,
            "visibility": terms.visibility,
        }
        for name in ("hourly_rate_min", "hourly_rate_max", "in_house_cost_estimate"):
            value = getattr(terms, name)
            initial[name] = None if value is None else from_minor(value, terms.currency)
        if terms.budget_type == BudgetType.FIXED:
            initial["budget_amount"] = from_minor(task.budget_amount, terms.currency)
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The rules judge what could be read now, rather than after the unreadable fields are fixed.
        try:
            services.validate_task_input(
                data=self.task_input(),
                attachments=self.uploads(),
                files_kept=len(self.attachments_on_file) - len(self.attachments_to_remove()),
            )
        except DomainError as error:
            add_rule_errors(self, error)
        return cleaned

    def task_input(self) -> TaskInput:
        """The form as the service's input, amounts in minor units of the chosen currency.

        Fields that could not be read are left empty (the form already says why).
        """
        data = self.cleaned_data
        currency = data.get("currency") or ""
        fixed = data.get("budget_type") == BudgetType.FIXED

        def minor(name: str) -> int | None:
            value: Decimal | None = data.get(name)
            return None if value is None else to_minor(value, currency or "EUR")

        category = data.get("category")
        return TaskInput(
            title=data.get("title") or "",
            description=data.get("description") or "",
            category_id=category.pk if category is not None else None,
            budget_type=data.get("budget_type") or "",
            currency=currency,
            deadline=data.get("deadline"),
            bidding_closes_at=data.get("bidding_closes_at"),
            budget_amount=minor("budget_amount") if fixed else None,
            hourly_rate_min=None if fixed else minor("hourly_rate_min"),
            hourly_rate_max=None if fixed else minor("hourly_rate_max"),
            hours_cap=None if fixed else data.get("hours_cap"),
            skills=data.get("skills") or [],
            location_type=data.get("location_type") or "",
            country=data.get("country") or "",
            city=data.get("city") or "",
            postal_code=data.get("postal_code") or "",
            visibility=data.get("visibility") or "",
            in_house_cost_estimate=minor("in_house_cost_estimate"),
        )

    def uploads(self) -> list[Any]:
        return list(self.cleaned_data.get("attachments") or [])

    def attachments_to_remove(self) -> list[Any]:
        chosen = set(self.cleaned_data.get("remove_attachments") or [])
        return [attachment for attachment in self.attachments_on_file if attachment.pk in chosen]


# --- actions on a task ------------------------------------------------------------------------


class InviteSupplierForm(forms.Form):
    """Ask one supplier (by its id, from the directory or the suggestions) to bid."""

    supplier = forms.IntegerField(min_value=1, max_value=limits.INTEGER_MAX, widget=forms.HiddenInput)
    message = forms.CharField(
        required=False,
        max_length=limits.SHORT_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: a line on why you thought of them.",
    )


class SaveSearchForm(forms.Form):
    name = forms.CharField(
        max_length=limits.NAME,
        error_messages={"required": "Name the search so you can find it again."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. Payroll in Manchester"}),
    )
    notify = forms.BooleanField(required=False, initial=True, label="Email me new matching tasks")
    query = forms.CharField(required=False, max_length=4_000, widget=forms.HiddenInput)

    def filters(self) -> dict[str, Any]:
        """The browse page's filters the search was saved from (the service keeps only known ones)."""
        filters = selectors.TaskFilters.from_params(browse_params(QueryDict(self.cleaned_data.get("query") or "")))
        return filters.as_params()


# --- browsing -----------------------------------------------------------------------------------


def browse_params(query: QueryDict) -> dict[str, Any]:
    """The browse form's query string as ``TaskFilters.from_params`` reads it.

    People type budgets in major units of the chosen ``currency``
    (``budget_from``/``budget_to``: 1,000 JPY is 1000 minor units, 1,000 EUR
    100000); links, saved searches and the API carry minor units
    (``budget_min``/``budget_max``). Skills are typed as names and matched as slugs.
    """
    params: dict[str, Any] = {key: query.get(key, "") for key in query}
    params["skills"] = [
        slugify(part)[:60] for value in query.getlist("skills") for part in value.split(",") if slugify(part)
    ]
    # An unknown currency leaves the bounds out (TaskFilters.read says so), whatever they convert to.
    currency = query.get("currency", "").strip().upper() or selectors.DEFAULT_BUDGET_CURRENCY
    for typed, canonical in (("budget_from", "budget_min"), ("budget_to", "budget_max")):
        if typed in query:
            text = query.get(typed, "")
            amount = _amount_or_none(text)
            # What cannot be read goes on as typed, for TaskFilters.read to leave out and say so.
            params[canonical] = text if amount is None or amount < 0 else str(to_minor(amount, currency))
            params.pop(typed, None)
    return params


def browse_currency(query: QueryDict, filters: selectors.TaskFilters) -> str:
    """The currency the browse form's select shows: the bounds', else the one picked without a bound
    (it narrows nothing then, but stays chosen for the bound typed next), else the default."""
    picked = query.get("currency", "").strip().upper()
    return filters.budget_currency or (picked if picked in RATE_CURRENCIES else selectors.DEFAULT_BUDGET_CURRENCY)


def browse_amount(minor: int | None, currency: str | None) -> str:
    """A budget filter in minor units of ``currency``, as typed in the browse form."""
    if minor is None:
        return ""
    amount = from_minor(minor, currency or selectors.DEFAULT_BUDGET_CURRENCY)
    return f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,}"


# --- the supplier directory ----------------------------------------------------------------------

RATING_CHOICES = [("", "Any rating"), ("4", "4 stars and up"), ("3", "3 stars and up"), ("2", "2 stars and up")]


class SupplierSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=limits.SEARCH_WORDS,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or headline"}),
    )
    skills = CommaListField(
        item_max_length=60,
        help_text="Any of these, separated by commas.",
        widget=forms.TextInput(attrs={"placeholder": "Payroll, Packaging design"}),
    )
    category = forms.ChoiceField(required=False, widget=QuickSelect)
    country = forms.ChoiceField(required=False, widget=QuickSelect)
    city = forms.CharField(required=False, max_length=limits.CITY)
    min_rating = forms.TypedChoiceField(
        label="Rating", choices=RATING_CHOICES, coerce=int, empty_value=None, required=False, widget=QuickSelect
    )
    rate_max = MoneyField(
        label="Hourly rate up to",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "80", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(
        choices=[(code, code) for code in RATE_CURRENCIES], required=False, initial="EUR", widget=QuickSelect
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "All categories"),
            *selectors.categories().values_list("slug", "name"),
        ]
        self.fields["country"].choices = _country_choices()  # type: ignore[attr-defined]

    def to_filters(self) -> selectors.SupplierFilters:
        """The valid part of the search (a malformed field is ignored, and shown as an error)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        currency = data.get("currency") or "EUR"
        rate = data.get("rate_max")
        return selectors.SupplierFilters(
            q=(data.get("q") or "").strip(),
            skills=[slugify(skill)[:60] for skill in data.get("skills") or [] if slugify(skill)],
            category=data.get("category") or "",
            country=data.get("country") or "",
            city=(data.get("city") or "").strip(),
            min_rating=data.get("min_rating"),
            rate_max=None if rate is None or rate < 0 else to_minor(rate, currency),
            currency=currency if rate is not None else "",
        )
