"""A contract's terms: what one version freezes, in one canonical form that is hashed and signed.

:class:`Terms` is plain data (the parties as they were named, the scope, the
milestones, how the work is bounded, how it is paid, the clauses). A version
stores it twice over: as JSON (:meth:`Terms.as_json`, to read it back) and as
its canonical text (:func:`canonical_text`, what people read, what the diff
compares and what the SHA-256 is taken of). Both are functions of the terms
alone, key order and number formatting fixed, so the same terms always give
the same text and hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Self

from core.money import format_money

#: How the work is bounded: by an end date, by a cap on hours (hourly work), or by a budget cap.
END_KINDS = ("date", "hours", "budget")


@dataclass(frozen=True)
class Party:
    """An organization as the contract names it, copied when the version is made.

    The legal details (added after the first versions were stored) are empty unless a party gave
    them; the text names only those given, so a version stored before they existed reads the same.
    """

    name: str
    country: str = ""
    city: str = ""
    legal_name: str = ""  # the registered name, when it differs from the name on the platform
    address: str = ""  # the registered address, lines separated by newlines
    registration_number: str = ""  # in the company register
    vat_number: str = ""
    signatory: str = ""  # the name of the person who signs for the party

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """A party as stored; older versions lack the legal details, which read as empty."""
        return cls(**{name: data[name] for name in PARTY_FIELDS if name in data})

    @property
    def legal_details(self) -> list[tuple[str, str]]:
        """The legal details given, labelled, in the order the text names them."""
        address = ", ".join(line.strip() for line in self.address.splitlines() if line.strip())
        details = [
            ("Legal name", self.legal_name.strip()),
            ("Registered address", address),
            ("Registration number", self.registration_number.strip()),
            ("VAT number", self.vat_number.strip()),
            ("Signatory", self.signatory.strip()),
        ]
        return [(label, value) for label, value in details if value]


#: The legal details a party may give (each a string, "" when not given).
LEGAL_FIELDS = ("legal_name", "address", "registration_number", "vat_number", "signatory")
PARTY_FIELDS = ("name", "country", "city", *LEGAL_FIELDS)


@dataclass(frozen=True)
class MilestoneTerms:
    """A deliverable with its amount and due date. ``key`` names the same milestone in every version,
    so the money and the delivery that track it (``ContractMilestone``) survive an amendment."""

    key: str
    title: str
    amount: int  # minor units of the contract's currency
    due_date: date | None = None


@dataclass(frozen=True)
class Clause:
    key: str
    title: str
    text: str


@dataclass(frozen=True)
class Terms:
    title: str
    client: Party
    supplier: Party
    scope: str
    currency: str
    price: int  # minor units: the fixed price (the milestones add up to it), or an hourly contract's estimate
    milestones: tuple[MilestoneTerms, ...]
    hourly_rate: int | None = None  # minor units per hour, for hourly work
    end_kind: str = "date"  # one of END_KINDS
    end_date: date | None = None
    hours_cap: int | None = None
    budget_cap: int | None = None  # minor units
    # Payment terms, kept for the payments work and not yet in the text (see canonical_text):
    platform_fee_percent: str = "0"  # of each released milestone, charged to the supplier; a decimal string
    review_days: int = 14  # after a delivery, before the milestone is approved without the client's word
    clauses: tuple[Clause, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        """What the contract is worth: its price."""
        return self.price

    @property
    def is_hourly(self) -> bool:
        return self.hourly_rate is not None

    def as_json(self) -> dict[str, Any]:
        """The terms as JSON values (dates as ISO strings), for the version's ``terms`` column."""
        data = asdict(self)
        data["end_date"] = _iso(self.end_date)
        data["milestones"] = [{**asdict(m), "due_date": _iso(m.due_date)} for m in self.milestones]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(
            title=data["title"],
            client=Party.from_json(data["client"]),
            supplier=Party.from_json(data["supplier"]),
            scope=data["scope"],
            currency=data["currency"],
            price=data["price"],
            hourly_rate=data["hourly_rate"],
            milestones=tuple(MilestoneTerms(**{**m, "due_date": _date(m["due_date"])}) for m in data["milestones"]),
            end_kind=data["end_kind"],
            end_date=_date(data["end_date"]),
            hours_cap=data["hours_cap"],
            budget_cap=data["budget_cap"],
            platform_fee_percent=data["platform_fee_percent"],
            review_days=data["review_days"],
            clauses=tuple(Clause(**clause) for clause in data["clauses"]),
        )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def canonical_text(terms: Terms, *, contract_id: int, number: int) -> str:
    """The version's text: every term in a fixed order and format, with the contract and version it
    belongs to, so no two versions of any contract share a text (or a hash)."""
    money = lambda amount: format_money(amount, terms.currency)  # noqa: E731
    lines = [
        f"Contract {contract_id}, version {number}",
        f"Title: {terms.title}",
        "",
        "Parties",
        f"Client: {_party(terms.client)}",
        *_legal_details(terms.client),
        f"Supplier: {_party(terms.supplier)}",
        *_legal_details(terms.supplier),
        "",
        "Scope of work",
        terms.scope.strip(),
        "",
        "Milestones",
    ]
    for position, milestone in enumerate(terms.milestones, start=1):
        due = milestone.due_date.isoformat() if milestone.due_date else "no due date"
        lines.append(f"{position}. [{milestone.key}] {milestone.title}: {money(milestone.amount)}, due {due}")
    if terms.is_hourly:
        price = f"{money(terms.hourly_rate or 0)} an hour, estimated at {money(terms.price)} in all ({terms.currency})"
    else:
        price = f"{money(terms.price)}, fixed ({terms.currency})"
    lines += [f"Price: {price}", "", "Limit of the work", _limit(terms, money)]
    # The payment terms (the platform's fee, the review window) join the text when payments are built:
    # until then the platform moves no money and approves no delivery, and the text says only what holds.
    for clause in terms.clauses:
        lines += ["", clause.title, clause.text.strip()]
    return "\n".join(lines) + "\n"


def _party(party: Party) -> str:
    place = ", ".join(part for part in (party.city, party.country) if part)
    return f"{party.name} ({place})" if place else party.name


def _legal_details(party: Party) -> list[str]:
    # Only the details given: a version stored before parties had them renders byte for byte as it was.
    return [f"  {label}: {value}" for label, value in party.legal_details]


def _limit(terms: Terms, money: Any) -> str:
    if terms.end_kind == "hours":
        return f"At most {terms.hours_cap} hours, by {_iso(terms.end_date) or 'no end date'}."
    if terms.end_kind == "budget":
        return f"At most {money(terms.budget_cap or 0)} in all, by {_iso(terms.end_date) or 'no end date'}."
    return f"Delivered by {_iso(terms.end_date) or 'no end date'}."


class RowKeys:
    """Keys for the milestone or clause rows of new terms: a row keeps its key when the current terms know it
    (and no other row took it); a new row gets the next unused one (``m3``, ``clause-1``…). The page's form
    and the API read proposals with it, so both number new rows alike."""

    def __init__(self, stem: str, known: Collection[str]):
        self.stem, self.known, self.used = stem, set(known), set[str]()
        numbers = [int(key[len(stem) :]) for key in known if key.startswith(stem) and key[len(stem) :].isdigit()]
        self.next = max(numbers, default=0) + 1

    def take(self, posted: str) -> str:
        if posted in self.known and posted not in self.used:
            self.used.add(posted)
            return posted
        while f"{self.stem}{self.next}" in self.known or f"{self.stem}{self.next}" in self.used:
            self.next += 1
        key = f"{self.stem}{self.next}"
        self.used.add(key)
        return key


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
