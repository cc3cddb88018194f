"""What a comparison answers: scores per factor and bid, rows and the whole table."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from core.money import format_money
from marketplace.comparison.factors import FACTOR_LABELS, FACTOR_QUESTIONS, FACTORS, SORTS
from marketplace.models import Bid, Task


@dataclass(frozen=True)
class Part:
    """One ingredient of a factor's score (flexibility's start date, say)."""

    label: str
    value: str  # a phrase that reads on its own: "rated 4.5★ in 2 reviews"
    score: int | None
    short: str = ""  # the few words the headline shows: "4.5★ from 2 reviews"


@dataclass(frozen=True)
class FactorScore:
    factor: str
    score: int | None  # 0-100; None when the data is missing
    value: str  # what was measured, short ("€2,800.00", "Porto, Portugal")
    explanation: str  # how the score was reached, one plain line
    parts: tuple[Part, ...] = ()
    evidence: str = ""  # what the score rests on: "2 replies and 1 review"
    thin: bool = False  # rests on fewer observations than :data:`SETTLED_AFTER`: shown as little evidence

    @property
    def label(self) -> str:
        return FACTOR_LABELS[self.factor]

    @property
    def missing(self) -> bool:
        return self.score is None

    @property
    def bar_class(self) -> str:
        """``score-0`` ... ``score-100`` in steps of 10: the width of its bar (no inline styles)."""
        return score_class(self.score)

    @property
    def level(self) -> str:
        return score_level(self.score)


@dataclass(frozen=True)
class Savings:
    """What the bid saves against the client's in-house estimate; negative when it costs more."""

    amount: int  # minor units of currency
    percent: Decimal  # of the estimate, one decimal
    currency: str
    estimate: int  # minor units

    @property
    def is_saving(self) -> bool:
        return self.amount > 0

    @property
    def amount_display(self) -> str:
        return format_money(abs(self.amount), self.currency)

    @property
    def percent_display(self) -> str:
        return f"{abs(self.percent)}%"

    @property
    def summary(self) -> str:
        if self.amount == 0:
            return "Costs the same as doing it in-house."
        if self.amount > 0:
            return f"Saves {self.amount_display} ({self.percent_display}) against doing it in-house."
        return f"Costs {self.amount_display} ({self.percent_display}) more than doing it in-house."


@dataclass
class BidRow:
    bid: Bid
    factors: dict[str, FactorScore]
    savings: Savings | None
    total: int | None = None
    total_exact: Fraction | None = None
    total_explanation: str = ""
    left_out: list[str] = field(default_factory=list)  # factors without data
    ignored: list[str] = field(default_factory=list)  # factors weighted 0
    rank: int | None = None

    @property
    def factor_list(self) -> list[FactorScore]:
        return [self.factors[name] for name in FACTORS]

    @property
    def total_class(self) -> str:
        return score_class(self.total)

    @property
    def total_level(self) -> str:
        return score_level(self.total)

    @property
    def left_out_labels(self) -> list[str]:
        return [FACTOR_LABELS[name] for name in self.left_out]

    @property
    def coverage(self) -> int:
        """How many factors with weight above 0 had data."""
        return len(FACTORS) - len(set(self.left_out) | set(self.ignored))


@dataclass(frozen=True)
class FactorRow:
    factor: str
    label: str
    question: str
    weight: int
    cells: list[FactorScore]


@dataclass
class Comparison:
    task: Task
    weights: dict[str, int]
    rows: list[BidRow]  # best total first
    sort: str = "total"

    @property
    def weight_total(self) -> int:
        return sum(self.weights.values())

    @property
    def leader(self) -> BidRow | None:
        return self.rows[0] if self.rows and self.rows[0].total is not None and self.sort == "total" else None

    @property
    def factor_rows(self) -> list[FactorRow]:
        """The table the other way round: one line per factor, one cell per bid (templates cannot index)."""
        return [
            FactorRow(
                factor=name,
                label=FACTOR_LABELS[name],
                question=FACTOR_QUESTIONS[name],
                weight=self.weights[name],
                cells=[row.factors[name] for row in self.rows],
            )
            for name in FACTORS
        ]

    def sorted_by(self, sort: str) -> Comparison:
        """The same rows, best first by ``sort`` ("total" or a factor); unscored rows last."""
        if sort not in SORTS:
            sort = "total"
        if sort == "total":
            rows = sorted(self.rows, key=_total_key)
        else:
            rows = sorted(
                self.rows,
                key=lambda row: (row.factors[sort].score is None, -(row.factors[sort].score or 0), *_total_key(row)),
            )
        return Comparison(task=self.task, weights=self.weights, rows=rows, sort=sort)


def score_class(score: int | None) -> str:
    """The score to the nearest ten, halves up: ``score-0`` ... ``score-100``."""
    if score is None:
        return "score-none"
    # Integer arithmetic (a Fraction here cost 0.5 ms a page): floor((score + 5) / 10) equals the
    # truncation of score/10 + 1/2 whenever that is non-negative, and the clamp makes the rest 0.
    return f"score-{min(100, max(0, (score + 5) // 10 * 10))}"


def score_level(score: int | None) -> str:
    if score is None:
        return "missing"
    if score >= 70:
        return "high"
    if score >= 40:
        return "mid"
    return "low"


def _total_key(row: BidRow) -> tuple[Any, ...]:
    return (row.total_exact is None, -(row.total_exact or 0), row.bid.amount, row.bid.created_at, row.bid.pk)
