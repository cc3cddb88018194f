"""The form of a proposal: a contract's terms as people edit them, read back into :class:`~contracts.terms.Terms`.

Three parts post together: the terms themselves (title, scope, the parties' legal details, the price,
the limit of the work, the note), the milestone rows and the clause rows. Amounts are typed in major
units of the contract's currency; a milestone or clause row keeps its ``key`` in a hidden field, so the
same milestone is the same in every version. Rows are added and removed without JavaScript by submit
buttons (:func:`changed_rows`) that show the page again with a row more or less.

Whether the terms are acceptable is decided by ``contracts.services.check_terms`` (the price, the
milestones' sum, the limits); :meth:`Proposal.check` runs it on what could be read, so every problem is
reported at once, and puts each message next to its field.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Self

from django import forms
from django.http import HttpRequest, QueryDict

from contracts import services
from contracts.terms import LEGAL_FIELDS, Clause, MilestoneTerms, Party, RowKeys, Terms
from core import limits
from core.exceptions import DomainError, Invalid
from core.forms import DateInput, MessagesAt, MoneyField, add_rule_errors
from core.money import exponent, from_minor, to_minor

END_KIND_CHOICES = [
    ("date", "By a date"),
    ("hours", "By a cap on hours"),
    ("budget", "By a budget cap"),
]
#: Each legal detail's field: its label, its limit, its help text; ``client_<name>`` and ``supplier_<name>``.
LEGAL_DETAILS: dict[str, tuple[str, int, str]] = {
    "legal_name": ("Legal name", limits.LEGAL_NAME, "As registered, when it differs from the name shown here."),
    "address": ("Registered address", limits.ADDRESS, ""),
    "registration_number": ("Registration number", limits.LEGAL_ID, "In the company register."),
    "vat_number": ("VAT number", limits.LEGAL_ID, ""),
    "signatory": ("Signatory", limits.PERSON_NAME, "The person who signs for this party."),
}
ROWS_BUTTON = "rows"  # the name of the submit buttons that add or remove a row


def _same(posted: str, current: str) -> str:
    """``posted`` as the terms keep it: browsers send CRLF line breaks, and a text that differs from the
    current one only by them or by surrounding blanks is the current one, so unchanged terms stay equal."""
    text = posted.replace("\r\n", "\n").replace("\r", "\n")
    return current if text.strip() == current.replace("\r\n", "\n").strip() else text


# --- the terms -------------------------------------------------------------------------------------


class TermsForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=limits.TITLE, error_messages={"required": "Give the contract a title."}
    )
    scope = forms.CharField(
        label="Scope of work",
        max_length=limits.DESCRIPTION,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What the supplier does and delivers.",
        error_messages={"required": "Say what work the supplier does."},
    )
    price = MoneyField(label="Price", required=True, error_messages={"required": "Enter the price."})
    hourly_rate = MoneyField(label="Hourly rate", required=True, error_messages={"required": "Enter the hourly rate."})
    end_kind = forms.ChoiceField(
        label="The work ends",
        choices=END_KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "The work ends by a date, a cap on hours or a budget cap."},
    )
    end_date = forms.DateField(label="End date", required=False, widget=DateInput())
    hours_cap = forms.IntegerField(
        label="Cap on hours",
        required=False,
        min_value=1,
        max_value=limits.MAX_HOURS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"max_value": f"At most {limits.MAX_HOURS:,} hours."},
    )
    budget_cap = MoneyField(label="Budget cap", required=False)
    note = forms.CharField(
        label="What this proposal changes",
        required=False,
        max_length=limits.SHORT_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="In your words, for the other party: shown with the new version.",
    )

    def __init__(self, *args: Any, current: Terms, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.current = current
        currency = current.currency
        for side in ("client", "supplier"):
            party: Party = getattr(current, side)
            for name, (label, limit, help_text) in LEGAL_DETAILS.items():
                widget = forms.Textarea(attrs={"rows": 2}) if name == "address" else forms.TextInput()
                if name == "legal_name":
                    widget.attrs["placeholder"] = party.name
                self.fields[f"{side}_{name}"] = forms.CharField(
                    label=label, required=False, max_length=limit, help_text=help_text, widget=widget
                )
        if current.is_hourly:
            self.fields["price"].label = f"Estimated total ({currency})"
            self.fields["price"].help_text = "What the hours are expected to cost in all."
            self.fields["hourly_rate"].label = f"Hourly rate ({currency})"
        else:
            del self.fields["hourly_rate"]
            self.fields["price"].label = f"Price ({currency})"
            self.fields["price"].help_text = "The fixed price; the milestones add up to it."
            self.fields["price"].widget.attrs["data-terms-price"] = ""
        self.fields["budget_cap"].label = f"Budget cap ({currency})"

    @staticmethod
    def initial_from(terms: Terms) -> dict[str, Any]:
        money = lambda amount: None if amount is None else from_minor(amount, terms.currency)  # noqa: E731
        initial: dict[str, Any] = {
            "title": terms.title,
            "scope": terms.scope,
            "price": money(terms.price),
            "hourly_rate": money(terms.hourly_rate),
            "end_kind": terms.end_kind,
            "end_date": terms.end_date,
            "hours_cap": terms.hours_cap,
            "budget_cap": money(terms.budget_cap),
        }
        for side in ("client", "supplier"):
            for name in LEGAL_FIELDS:
                initial[f"{side}_{name}"] = getattr(getattr(terms, side), name)
        return initial


# --- the rows --------------------------------------------------------------------------------------


class RowForm(forms.Form):
    """A row: blank ones are skipped (the key alone is not something typed)."""

    use_required_attribute = False
    key = forms.CharField(required=False, max_length=services.MAX_KEY, widget=forms.HiddenInput)

    def has_changed(self) -> bool:
        return any(name != "key" and self[name].data not in (None, "") for name in self.fields)


class MilestoneRowForm(RowForm):
    title = forms.CharField(
        label="Deliverable", max_length=limits.TITLE, error_messages={"required": "Give the milestone a title."}
    )
    amount = MoneyField(label="Amount", required=True, error_messages={"required": "Enter the milestone's amount."})
    due_date = forms.DateField(label="Due", required=False, widget=DateInput())

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].widget.attrs.update(placeholder="0.00", **{"data-milestone-amount": ""})


class ClauseRowForm(RowForm):
    title = forms.CharField(
        label="Heading", max_length=limits.TITLE, error_messages={"required": "Give the clause a heading."}
    )
    text = forms.CharField(
        label="Text",
        max_length=limits.CLAUSE,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the clause, or remove it."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Tall enough to read the clause without scrolling inside the box (about 70 characters a line).
        text = str(self["text"].value() or "")
        lines = sum(1 + len(line) // 70 for line in text.splitlines())
        self.fields["text"].widget.attrs["rows"] = max(3, min(14, lines))


class RowFormSet(forms.BaseFormSet):
    """Rows that are all optional: a blank row is skipped. ``row_label`` names them in the error summary."""

    row_label = "Row"
    default_error_messages = {
        "too_many_forms": "At most %(num)d rows.",
        "missing_management_form": "The rows could not be read: reload the page and try again.",
    }

    def initial_form_count(self) -> int:
        return 0

    def filled(self) -> list[forms.Form]:
        """The rows someone typed into that could be read."""
        return [row for row in self.forms if row.has_changed() and row.is_valid()]


class MilestoneRows(RowFormSet):
    row_label = "Milestone"
    anchor = "milestones-errors"  # where the page shows what the rules say of the rows as a whole
    default_error_messages = {
        **RowFormSet.default_error_messages,
        "too_many_forms": f"A contract holds at most {services.MAX_MILESTONES} milestones.",
    }


class ClauseRows(RowFormSet):
    row_label = "Clause"
    anchor = "clauses-errors"
    default_error_messages = {
        **RowFormSet.default_error_messages,
        "too_many_forms": f"A contract holds at most {limits.MAX_CLAUSES} clauses.",
    }


def milestone_rows(*, currency: str, data: Any = None, initial: list[dict[str, Any]] | None = None) -> MilestoneRows:
    formset = forms.formset_factory(
        MilestoneRowForm,
        formset=MilestoneRows,
        extra=len(initial or []),
        max_num=services.MAX_MILESTONES,
        absolute_max=services.MAX_MILESTONES,
        validate_max=True,
    )
    return formset(data=data, initial=initial or None, prefix="milestones", form_kwargs={"currency": currency})  # type: ignore[return-value]


def clause_rows(*, data: Any = None, initial: list[dict[str, Any]] | None = None) -> ClauseRows:
    formset = forms.formset_factory(
        ClauseRowForm,
        formset=ClauseRows,
        extra=len(initial or []),
        max_num=limits.MAX_CLAUSES,
        absolute_max=limits.MAX_CLAUSES,
        validate_max=True,
    )
    return formset(data=data, initial=initial or None, prefix="clauses")  # type: ignore[return-value]


def _posted_rows(data: QueryDict, prefix: str, fields: tuple[str, ...], most: int) -> list[dict[str, Any]]:
    """The rows as posted, raw, at most ``most`` of them (the count is the client's to forge)."""
    try:
        count = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        count = 0
    return [
        {name: data.get(f"{prefix}-{index}-{name}", "") for name in fields} for index in range(max(0, min(count, most)))
    ]


# --- the whole proposal ----------------------------------------------------------------------------


class Proposal:
    """The terms form and its milestone and clause rows, as one: shown, read back, checked."""

    def __init__(
        self,
        *,
        current: Terms,
        data: QueryDict | None = None,
        initial: dict[str, Any] | None = None,
        milestones: list[dict[str, Any]] | None = None,
        clauses: list[dict[str, Any]] | None = None,
    ):
        self.current = current
        self.currency = current.currency
        self.form = TermsForm(data, initial=initial, current=current)
        self.milestones = milestone_rows(currency=self.currency, data=data, initial=milestones)
        self.clauses = clause_rows(data=data, initial=clauses)
        # What the rules say of the rows as a whole (their sum, their keys), shown above them.
        self.milestone_errors = MessagesAt(MilestoneRows.anchor)
        self.clause_errors = MessagesAt(ClauseRows.anchor)

    @classmethod
    def of(cls, terms: Terms) -> Self:
        """The form showing ``terms``, for a party to change."""
        money = lambda amount: from_minor(amount, terms.currency)  # noqa: E731
        return cls(
            current=terms,
            initial=TermsForm.initial_from(terms),
            milestones=[
                {"key": m.key, "title": m.title, "amount": money(m.amount), "due_date": m.due_date}
                for m in terms.milestones
            ],
            clauses=[{"key": c.key, "title": c.title, "text": c.text} for c in terms.clauses],
        )

    @classmethod
    def with_rows_changed(cls, current: Terms, data: QueryDict, action: str) -> Self:
        """The page again, as typed, with the row ``action`` names added or removed ("add-milestone",
        "remove-clause-2"); nothing is judged yet. An action it does not know changes nothing."""
        milestones = _posted_rows(data, "milestones", ("key", "title", "amount", "due_date"), services.MAX_MILESTONES)
        clauses = _posted_rows(data, "clauses", ("key", "title", "text"), limits.MAX_CLAUSES)
        verb, _, rest = action.partition("-")
        kind, _, position = rest.partition("-")
        rows = {"milestone": (milestones, services.MAX_MILESTONES), "clause": (clauses, limits.MAX_CLAUSES)}.get(kind)
        if rows is not None:
            found, most = rows
            if verb == "add" and len(found) < most:
                found.append({})
            elif verb == "remove" and position.isdigit() and int(position) < len(found):
                del found[int(position)]
        initial = {name: data.get(name) for name in TermsForm(current=current).fields if name in data}
        return cls(current=current, initial=initial, milestones=milestones, clauses=clauses)

    @classmethod
    def read(cls, current: Terms, request: HttpRequest) -> Self:
        """The form as the request has it: ``current`` shown (GET), the page again with a row more or less
        (a row's button), or the terms posted, to judge (:attr:`submitted`)."""
        if request.method != "POST":
            return cls.of(current)
        if action := request.POST.get(ROWS_BUTTON, ""):
            return cls.with_rows_changed(current, request.POST, action)
        return cls(current=current, data=request.POST)

    @property
    def submitted(self) -> bool:
        """Posted to be acted on (not to add or remove a row)."""
        return self.form.is_bound

    def refused(self, error: DomainError, *, status: int) -> int:
        """Show the service's refusal next to its fields; the page's status: 200 when the terms broke a
        rule (the form says which), else the refusal's own (``status``)."""
        self.place(error)
        return 200 if isinstance(error, Invalid) else status

    def is_valid(self) -> bool:
        """Whether everything could be read (every part is parsed, so each reports its own errors)."""
        return all([self.form.is_valid(), self.milestones.is_valid(), self.clauses.is_valid()])

    @property
    def parties(self) -> list[tuple[str, dict[str, Any]]]:
        """Each side with its name and place as the terms have them, and its legal details' fields."""
        shown = []
        for side in ("client", "supplier"):
            party: Party = getattr(self.current, side)
            fields = [(self.form[f"{side}_{name}"], "span-2" if name == "address" else "") for name in LEGAL_FIELDS]
            shown.append((side, {"name": party.name, "city": party.city, "country": party.country, "fields": fields}))
        return shown

    def row_messages(self, rows: RowFormSet, rules: list[str]) -> list[str]:
        """What the page shows above the rows: the rows' own refusal (too many) and the rules' words."""
        return list(dict.fromkeys([*(str(m) for m in rows.non_form_errors()), *rules])) if rows.is_bound else rules

    @property
    def milestone_messages(self) -> list[str]:
        return self.row_messages(self.milestones, self.milestone_errors)

    @property
    def clause_messages(self) -> list[str]:
        return self.row_messages(self.clauses, self.clause_errors)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.form.errors
            or self.milestones.total_error_count()
            or self.clauses.total_error_count()
            or self.milestone_errors
            or self.clause_errors
        )

    @property
    def note(self) -> str:
        return self.form.cleaned_data.get("note", "") if hasattr(self.form, "cleaned_data") else ""

    def terms(self) -> Terms:
        """The proposed terms from what could be read (call :meth:`is_valid` first): a field that could not
        be read keeps its current value, and says why itself."""
        current, data = self.current, getattr(self.form, "cleaned_data", {})
        minor = lambda value: None if value is None else to_minor(value, self.currency)  # noqa: E731
        end_kind = data.get("end_kind") or current.end_kind
        return replace(
            current,
            title=data.get("title", current.title),
            scope=_same(data.get("scope", current.scope), current.scope),
            client=self._party(current.client, "client", data),
            supplier=self._party(current.supplier, "supplier", data),
            price=minor(data.get("price")) or 0,
            hourly_rate=(minor(data.get("hourly_rate")) or 0) if current.is_hourly else None,
            milestones=self._milestones(),
            end_kind=end_kind,
            end_date=data.get("end_date"),
            hours_cap=data.get("hours_cap") if end_kind == "hours" else None,
            budget_cap=minor(data.get("budget_cap")) if end_kind == "budget" else None,
            clauses=self._clauses(),
        )

    def _party(self, party: Party, side: str, data: dict[str, Any]) -> Party:
        given = {}
        for name in LEGAL_FIELDS:
            current = getattr(party, name)
            value = _same(data.get(f"{side}_{name}", current), current)
            if name == "address" and value != current:  # one line each, blank lines dropped
                value = "\n".join(line.strip() for line in value.splitlines() if line.strip())
            given[name] = value
        return replace(party, **given)

    def _milestones(self) -> tuple[MilestoneTerms, ...]:
        known = {m.key: m for m in self.current.milestones}
        keys = RowKeys("m", known)
        found = []
        for row in self.milestones.filled():
            data = row.cleaned_data
            key = keys.take(data.get("key", ""))
            before = known.get(key)
            title = _same(data["title"], before.title) if before else data["title"]
            found.append(
                MilestoneTerms(
                    key=key, title=title, amount=to_minor(data["amount"], self.currency), due_date=data.get("due_date")
                )
            )
        return tuple(found)

    def _clauses(self) -> tuple[Clause, ...]:
        known = {c.key: c for c in self.current.clauses}
        keys = RowKeys("clause-", known)
        found = []
        for row in self.clauses.filled():
            data = row.cleaned_data
            key = keys.take(data.get("key", ""))
            before = known.get(key)
            text = _same(data["text"], before.text) if before else _same(data["text"], "")
            found.append(Clause(key=key, title=data["title"], text=text))
        return tuple(found)

    def check(self, *, contract: Any) -> None:
        """Judge what could be read by the rules (``services.check_terms``) and put each refusal next to its
        field; the rules' words on milestones and clauses go above their rows."""
        try:
            services.check_terms(self.terms(), contract=contract)
        except DomainError as error:
            self.place(error)

    def place(self, error: DomainError) -> None:
        by_field = dict(error.field_errors)
        milestone_errors = by_field.pop("milestones", [])
        clause_errors = by_field.pop("clauses", [])
        # When a row could not be read the rules judged fewer rows: what they say of the rows would mislead.
        if not self.milestones.total_error_count():
            self.milestone_errors += [m for m in milestone_errors if m not in self.milestone_errors]
        if not self.clauses.total_error_count():
            self.clause_errors += [m for m in clause_errors if m not in self.clause_errors]
        for name in ("currency", "review_days"):  # terms the page does not show: about the whole
            if name in by_field:
                by_field.setdefault("__all__", []).extend(by_field.pop(name))
        if by_field:
            add_rule_errors(self.form, Invalid(by_field))

    @property
    def step(self) -> str:
        """The amount inputs' step, from the currency's minor unit ("0.01" for EUR, "1" for JPY)."""
        digits = exponent(self.currency)
        return "1" if digits == 0 else "0." + "0" * (digits - 1) + "1"


class Offer(Proposal):
    """The form of a direct offer (a client offers a contract to a supplier, without a task): the same
    terms as a proposal, started from ``services.offer_terms`` with the work and the price left to write."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        note = self.form.fields["note"]
        note.label = "A note to the supplier"
        note.help_text = "Shown with the offer: why them, what matters most to you."

    @classmethod
    def of(cls, terms: Terms) -> Self:
        """The empty offer: the parties and clauses of ``terms``, one blank milestone row."""
        initial = {**TermsForm.initial_from(terms), "price": None}
        if not terms.hourly_rate:
            initial["hourly_rate"] = None
        clauses = [{"key": c.key, "title": c.title, "text": c.text} for c in terms.clauses]
        return cls(current=terms, initial=initial, milestones=[{}], clauses=clauses)
