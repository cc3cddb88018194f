"""Forms of the bid pages: the bid with its milestone rows, declining, the comparison's weights.

Amounts are typed in major units ("2,800.00") and handed to the services in
minor units; whether a price, a date or a milestone plan is acceptable is
decided by ``marketplace.services`` (it names the field, and the view puts
the message next to it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core import limits
from core.forms import DateInput, MoneyField
from core.money import from_minor, to_minor
from marketplace.comparison import DEFAULT_WEIGHTS, FACTOR_LABELS, FACTOR_QUESTIONS, FACTORS, MAX_WEIGHT
from marketplace.forms.tasks import MultipleFileField
from marketplace.models import Bid, BudgetType, Task
from marketplace.services import BidInput, MilestoneInput
from marketplace.services.bids import MAX_MILESTONES

# Rows the bid form offers without JavaScript; the script adds and removes rows.
MILESTONE_ROWS = 5


class BidForm(forms.Form):
    """A supplier's terms: a fixed price (milestones come in a formset beside it) or an hourly rate and hours."""

    # Required only so the page does not call them optional; whether a value is acceptable
    # (above zero, within the hours cap) is the service's call.
    amount = MoneyField(
        label="Your price",
        required=True,
        help_text="The total for the whole task. Payments are released milestone by milestone.",
        error_messages={"required": "Enter your price."},
    )
    hourly_rate = MoneyField(label="Hourly rate", required=True, error_messages={"required": "Enter your hourly rate."})
    estimated_hours = forms.IntegerField(
        label="Estimated hours",
        min_value=0,
        max_value=limits.MAX_HOURS,
        help_text="What you expect to bill in total.",
        error_messages={
            "required": "Estimate the hours the work takes.",
            "max_value": f"Estimate at most {limits.MAX_HOURS:,} hours.",
        },
    )
    start_date = forms.DateField(
        label="Earliest start", widget=DateInput(), error_messages={"required": "When can you start?"}
    )
    delivery_date = forms.DateField(
        label="Delivery date", widget=DateInput(), error_messages={"required": "When will the work be done?"}
    )
    availability_hours_per_week = forms.IntegerField(
        label="Availability",
        min_value=0,
        max_value=limits.HOURS_PER_WEEK,
        help_text="Hours a week you can give this task.",
        error_messages={
            "required": "Give the hours a week you can work on this.",
            "max_value": f"Give the hours a week you can work on this (1 to {limits.HOURS_PER_WEEK}).",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    cover_letter = forms.CharField(
        label="Cover letter",
        max_length=limits.COVER_LETTER,
        error_messages={"required": "Tell the client why you are the right choice."},
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Why you, how you would go about it, what you need from the client. Markdown works.",
    )
    attachments = MultipleFileField(
        label="Attachments",
        help_text="Portfolio pieces, a detailed quote, references. PDF, images, Office files or ZIP, up to 10 MB each.",
    )

    def __init__(self, *args: Any, task: Task, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.task = task
        self.currency = task.currency
        if task.budget_type == BudgetType.FIXED:
            del self.fields["hourly_rate"]
            del self.fields["estimated_hours"]
            self.fields["amount"].label = f"Your price ({task.currency})"
        else:
            del self.fields["amount"]
            self.fields["hourly_rate"].label = f"Hourly rate ({task.currency})"
            if task.hours_cap:
                self.fields[
                    "estimated_hours"
                ].help_text = f"What you expect to bill; the client pays at most {task.hours_cap} h."

    @property
    def is_fixed(self) -> bool:
        return self.task.budget_type == BudgetType.FIXED

    @staticmethod
    def initial_from(bid: Bid) -> dict[str, Any]:
        """The bid's current terms, as the form shows them (major units)."""
        initial: dict[str, Any] = {
            "start_date": bid.start_date,
            "delivery_date": bid.delivery_date,
            "availability_hours_per_week": bid.availability_hours_per_week,
            "cover_letter": bid.cover_letter,
        }
        if bid.price_type == BudgetType.FIXED:
            initial["amount"] = from_minor(bid.amount, bid.currency)
        else:
            initial["hourly_rate"] = from_minor(bid.hourly_rate or 0, bid.currency)
            initial["estimated_hours"] = bid.estimated_hours
        return initial

    def _minor(self, value: Decimal | None) -> int | None:
        return None if value is None else to_minor(value, self.currency)

    def to_input(self, milestones: list[MilestoneInput]) -> BidInput:
        """The terms as the service takes them; a field that could not be read is left empty (it says why)."""
        data = self.cleaned_data
        return BidInput(
            start_date=data.get("start_date"),
            availability_hours_per_week=data.get("availability_hours_per_week"),
            delivery_date=data.get("delivery_date"),
            cover_letter=data.get("cover_letter") or "",
            amount=self._minor(data.get("amount")),
            hourly_rate=self._minor(data.get("hourly_rate")),
            estimated_hours=data.get("estimated_hours"),
            milestones=milestones if self.is_fixed else [],
        )


class MilestoneForm(forms.Form):
    """One proposed milestone. A blank row is skipped; a half-filled one is reported."""

    use_required_attribute = False  # blank rows are allowed, so browsers must not insist

    title = forms.CharField(
        label="Milestone", max_length=limits.TITLE, error_messages={"required": "Give the milestone a title."}
    )
    amount = MoneyField(label="Amount", required=True, error_messages={"required": "Enter the milestone's amount."})
    due_date = forms.DateField(label="Due", widget=DateInput(), error_messages={"required": "When is it due?"})

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["title"].widget.attrs.update(placeholder="e.g. Set-up and migration")
        self.fields["amount"].widget.attrs.update(placeholder="0.00", **{"data-milestone-amount": ""})

    def to_input(self) -> MilestoneInput:
        return MilestoneInput(
            title=self.cleaned_data["title"],
            amount=to_minor(self.cleaned_data["amount"], self.currency),
            due_date=self.cleaned_data["due_date"],
        )


class BaseMilestoneFormSet(forms.BaseFormSet):
    """Every row is optional: blank rows are skipped, so clearing a row removes the milestone."""

    def initial_form_count(self) -> int:
        return 0

    def readable_inputs(self) -> list[MilestoneInput]:
        """The rows that could be read, even when others could not (for reporting every rule at once)."""
        return [form.to_input() for form in self.forms if form.has_changed() and form.is_valid()]  # type: ignore[attr-defined]

    def milestone_inputs(self) -> list[MilestoneInput]:
        return [
            form.to_input()
            for form in self.forms
            if form.has_changed() and form.cleaned_data  # type: ignore[attr-defined]
        ]


def milestone_formset(*, task: Task, data: Any = None, bid: Bid | None = None) -> BaseMilestoneFormSet:
    """The milestone rows: the bid's own (when editing) and enough blank ones to reach five."""
    initial = (
        [
            {"title": m.title, "amount": from_minor(m.amount, bid.currency), "due_date": m.due_date}
            for m in bid.milestones.all()
        ]
        if bid is not None and data is None
        else []
    )
    formset_class = forms.formset_factory(
        MilestoneForm,
        formset=BaseMilestoneFormSet,
        extra=max(MILESTONE_ROWS, len(initial) + 1),
        max_num=MAX_MILESTONES,
        absolute_max=MAX_MILESTONES,
    )
    return formset_class(  # type: ignore[return-value]
        data=data, initial=initial or None, prefix="milestones", form_kwargs={"currency": task.currency}
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=limits.SHORT_NOTE,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Optional: helps the supplier bid better next time."}),
        help_text="Shown to the supplier.",
    )


class RangeInput(forms.NumberInput):
    input_type = "range"


class WeightsForm(forms.Form):
    """How much each comparison factor matters to the client, 0 (ignore) to 5."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in FACTORS:
            self.fields[name] = forms.IntegerField(
                label=FACTOR_LABELS[name],
                min_value=0,
                max_value=MAX_WEIGHT,
                initial=DEFAULT_WEIGHTS[name],
                help_text=FACTOR_QUESTIONS[name],
                widget=RangeInput(attrs={"min": 0, "max": MAX_WEIGHT, "step": 1, "data-weight": name}),
                error_messages={"required": "Choose a weight from 0 to 5."},
            )

    def to_weights(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in FACTORS}
