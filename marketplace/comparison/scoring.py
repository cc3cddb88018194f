"""Each factor's score of one bid, explained: price, geography, flexibility, communication, reputation."""

from __future__ import annotations

import statistics
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils import timezone

from contracts.selectors import TrackRecord
from core.money import format_money
from marketplace.comparison.results import FactorScore, Part, Savings
from marketplace.models import Bid, BudgetType, LocationType, Task

WORKDAY_START = time(9)
WORKDAY_END = time(17)
WORKDAY_MINUTES = 8 * 60
SAME_COUNTRY_SCORE = 60
FULL_TIME_HOURS = 40
LATE_DELIVERY_START = 50  # a delivery one day late scores this minus LATE_PENALTY_PER_DAY
LATE_PENALTY_PER_DAY = 10
FAST_REPLY = timedelta(hours=1)
SLOW_REPLY = timedelta(hours=48)
POINTS_PER_CONTRACT = 20
# Price: a bid at the reference (budget, in-house estimate) scores 50, half of it or less 100, half as
# much again or more 0. Against the lowest bid: 100 for it, 0 from half as much again.
PRICE_MIDDLE = 50
# Reply times and ratings lean toward the middle (50) as if PRIOR_OBSERVATIONS middling ones came first,
# so one instant reply or one 5-star review is not a perfect score; from SETTLED_AFTER on the
# evidence is no longer called thin.
PRIOR_OBSERVATIONS = 2
SETTLED_AFTER = 3
ONSITE_EVIDENCE = "where they are based"

# --- helpers -----------------------------------------------------------------------------


def _round(value: Fraction | int) -> int:
    """Half up, for the non-negative values scores are: floor(value + 1/2), in integers (adding a
    Fraction built a third one, about a millisecond for a comparison of twenty bids)."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def _clamp(value: int) -> int:
    return max(0, min(100, value))


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def _duration(seconds: int | Fraction) -> str:
    minutes = _round(Fraction(seconds) / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours >= 48 and rest == 0:
        return f"{hours // 24} days" if hours % 24 == 0 else f"{hours} h"
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


def _stars(total: int, count: int) -> str:
    average = (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{average}★"


def _rating_score(total: int, count: int) -> int:
    """Average stars of ``count`` ratings summing to ``total``: 1 star 0, 5 stars 100."""
    return _clamp(_round((Fraction(total, count) - 1) * 25))


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


# --- price ------------------------------------------------------------------------------------


def _price_value(bid: Bid) -> str:
    total = format_money(bid.amount, bid.currency)
    if bid.price_type == BudgetType.HOURLY and bid.hourly_rate and bid.estimated_hours:
        return f"{total} ({format_money(bid.hourly_rate, bid.currency)}/h × {bid.estimated_hours} h)"
    return total


def _against(amount: int, reference: int) -> int:
    """50 at ``reference``, 100 at half of it or less, 0 at one and a half times it or more."""
    return _clamp(_round(Fraction(max(0, PRICE_MIDDLE * reference + 100 * (reference - amount)), reference)))


def _gap(amount: int, reference: int, *, money: Any, noun: str) -> str:
    """ "€100.00 (3.4%) under the budget", "exactly the budget"."""
    if amount == reference:
        return f"exactly {noun}"
    percent = (Decimal(abs(reference - amount)) * 100 / Decimal(reference)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    side = "under" if amount < reference else "over"
    return f"{money(abs(reference - amount))} ({percent}%) {side} {noun}"


def score_price(bid: Bid, *, task: Task, amounts: list[int]) -> FactorScore:
    """The bid against the budget, the in-house estimate (when given) and the other bids (when there are
    any), averaged: a price is judged by what the client meant to pay, not only by the other bids."""

    def money(minor: int) -> str:
        return format_money(minor, bid.currency)

    budget_word = "cap" if task.budget_type == BudgetType.HOURLY else "budget"
    parts = [
        Part(
            "Budget",
            _gap(bid.amount, task.budget_amount, money=money, noun=f"the {budget_word}"),
            _against(bid.amount, task.budget_amount),
        )
    ]
    sources = [f"your {budget_word}"]
    estimate = task.in_house_cost_estimate
    if estimate:
        parts.append(
            Part(
                "In-house estimate",
                _gap(bid.amount, estimate, money=money, noun="your in-house estimate"),
                _against(bid.amount, estimate),
            )
        )
        sources.append("your in-house estimate")
    others = len(amounts) - 1
    if others:
        lowest = min(amounts)
        if bid.amount == lowest:
            standing = f"the lowest of {len(amounts)} bids"
        else:
            standing = _gap(bid.amount, lowest, money=money, noun=f"the lowest of {len(amounts)} bids").replace(
                " over ", " above ", 1
            )
        score = _clamp(_round(Fraction(100 * lowest - 200 * (bid.amount - lowest), lowest)))
        parts.append(Part("Other bids", standing, score))
        sources.append(f"{others} other bid{'s' if others != 1 else ''}")
    combined = _combine("price", parts, weights=(1,) * len(parts), missing="")
    explanation = combined.explanation if others else f"{combined.explanation} The only bid so far."
    return replace(combined, value=_price_value(bid), explanation=explanation, evidence=_and(sources))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def savings_of(bid: Bid, *, task: Task) -> Savings | None:
    estimate = task.in_house_cost_estimate
    if not estimate:
        return None
    amount = estimate - bid.amount
    percent = (Decimal(amount) * 100 / Decimal(estimate)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Savings(amount=amount, percent=percent, currency=bid.currency, estimate=estimate)


# --- geography ------------------------------------------------------------------------------


def _place(city: str, country: Any) -> str:
    country_name = getattr(country, "name", "") or str(country or "")
    return ", ".join(part for part in (city.strip(), country_name) if part)


def _workday(day: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(day, WORKDAY_START, tzinfo=zone), datetime.combine(day, WORKDAY_END, tzinfo=zone)


def overlap_minutes(client_zone: zoneinfo.ZoneInfo, supplier_zone: zoneinfo.ZoneInfo, day: date) -> int:
    """Minutes the client's 9-17 on ``day`` shares with the supplier's nearest 9-17 (across the date line too)."""
    client_start, client_end = _workday(day, client_zone)
    best = 0
    for shift in (-1, 0, 1):
        supplier_start, supplier_end = _workday(day + timedelta(days=shift), supplier_zone)
        shared = min(client_end, supplier_end) - max(client_start, supplier_start)
        best = max(best, int(shared.total_seconds() // 60))
    return best


def score_geography(bid: Bid, *, task: Task, client_time_zone: str) -> FactorScore:
    supplier = bid.supplier
    if task.location_type in (LocationType.ONSITE, LocationType.HYBRID):
        where = task.get_location_type_display().lower()
        if not supplier.country:
            return FactorScore("geography", None, "Not given", "The supplier has not said where it is based.")
        place = _place(supplier.city, supplier.country)
        same_country = str(supplier.country) == str(task.country)
        same_city = same_country and supplier.city.strip().casefold() == task.city.strip().casefold()
        if same_city:
            return FactorScore(
                "geography", 100, place, f"Based in {task.city}, where the {where} work is.", evidence=ONSITE_EVIDENCE
            )
        if same_country:
            return FactorScore(
                "geography",
                SAME_COUNTRY_SCORE,
                place,
                f"Same country as the {where} work in {task.city}, another city.",
                evidence=ONSITE_EVIDENCE,
            )
        return FactorScore(
            "geography",
            0,
            place,
            f"Based outside {_place('', task.country)}, where the work is.",
            evidence=ONSITE_EVIDENCE,
        )

    client_zone = _zone(client_time_zone)
    supplier_zone = _zone(supplier.time_zone)
    if supplier_zone is None:
        return FactorScore("geography", None, "Not given", "The supplier has not given a valid time zone.")
    if client_zone is None:
        return FactorScore("geography", None, supplier.time_zone, "Your organization has no valid time zone set.")
    day = timezone.localtime(task.bidding_closes_at, client_zone).date()
    minutes = overlap_minutes(client_zone, supplier_zone, day)
    score = _clamp(_round(Fraction(100 * minutes, WORKDAY_MINUTES)))
    theirs, yours = supplier.time_zone.replace("_", " "), client_time_zone.replace("_", " ")
    if theirs == yours:
        explanation = f"Same time zone as you ({yours}): the same 9:00-17:00 working day."
    elif minutes >= WORKDAY_MINUTES:
        explanation = f"Their 9:00-17:00 ({theirs}) covers all of yours ({yours})."
    elif minutes == 0:
        explanation = f"No shared working hours: their 9:00-17:00 ({theirs}) falls outside yours ({yours})."
    else:
        explanation = f"{_duration(minutes * 60)} of your 9:00-17:00 ({yours}) overlaps their 9:00-17:00 ({theirs})."
    value = f"{_duration(minutes * 60)} overlap" if minutes else "No overlap"
    return FactorScore("geography", score, value, explanation, evidence="your time zone and theirs")


# --- flexibility ------------------------------------------------------------------------------


def score_flexibility(bid: Bid, *, task: Task, today: date) -> FactorScore:
    window = max(1, (task.deadline - today).days)
    wait = max(0, (bid.start_date - today).days)
    start_score = _clamp(_round(100 * (1 - Fraction(wait, window))))
    start_text = "today" if wait == 0 else f"in {_days(wait)}"

    late = (bid.delivery_date - task.deadline).days
    if late <= 0:
        delivery_score = 100
        delivery_text = "on the deadline" if late == 0 else f"{_days(-late)} before the deadline"
    else:
        delivery_score = max(0, LATE_DELIVERY_START - LATE_PENALTY_PER_DAY * late)
        delivery_text = f"{_days(late)} after the deadline"

    hours = bid.availability_hours_per_week
    hours_score = _clamp(_round(Fraction(100 * hours, FULL_TIME_HOURS)))

    score = _round(Fraction(start_score + 2 * delivery_score + hours_score, 4))
    parts = (
        Part("Start", f"{bid.start_date:%-d %b} ({start_text})", start_score),
        Part("Delivery", f"{bid.delivery_date:%-d %b} ({delivery_text})", delivery_score),
        Part("Availability", f"{hours} h a week", hours_score),
    )
    explanation = (
        f"Starts {start_text} ({start_score}), delivers {delivery_text} ({delivery_score}, counts double), "
        f"{hours} h a week ({hours_score})."
    )
    value = f"Delivers {bid.delivery_date:%-d %b %Y}"
    if late > 0:
        value += f", {_days(late)} late"
    return FactorScore("flexibility", score, value, explanation, parts, evidence="the bid's dates and hours")


# --- communication and reputation ---------------------------------------------------------------


@dataclass
class SupplierRecord(TrackRecord):
    """What the platform knows about a supplier beyond its bid: its track record and how it answers."""

    reply_seconds: list[int] = field(default_factory=list)
    waiting_seconds: int | None = None  # how long the client's latest message has waited for an answer


def _reply_score(seconds: Fraction) -> int:
    fast, slow = int(FAST_REPLY.total_seconds()), int(SLOW_REPLY.total_seconds())
    if seconds <= fast:
        return 100
    return _clamp(_round(Fraction(100) * (slow - seconds) / (slow - fast)))


def communication_key(record: SupplierRecord) -> tuple[Any, ...]:
    """What :func:`score_communication` reads of ``record``, as a cache key: the record, with the time a
    message has waited cut to what the score and its words tell apart. Under 48 hours the wait shows
    only as words, to the minute; past them it joins the replies' median, so the score itself is the key."""
    waiting = record.waiting_seconds
    if waiting is None:
        told: Any = None
    elif waiting < SLOW_REPLY.total_seconds():
        told = ("waiting", _duration(waiting))
    else:
        told = ("overdue", score_communication(record))
    return (replace(record, waiting_seconds=None), told)


def score_communication(record: SupplierRecord) -> FactorScore:
    parts: list[Part] = []
    replies = list(record.reply_seconds)
    waiting = record.waiting_seconds
    # A message unanswered for 48 hours already scores 0 whenever the answer comes: a fact, not a guess.
    overdue = waiting is not None and waiting >= SLOW_REPLY.total_seconds()
    if overdue and waiting is not None:
        replies.append(waiting)
    if replies:
        median = Fraction(statistics.median(replies))
        answered = len(record.reply_seconds)
        pieces = [f"median of {answered} repl{'ies' if answered != 1 else 'y'}"] if answered else []
        if overdue and waiting is not None:
            pieces.append(f"1 message unanswered for {_duration(waiting)}")
        lead = f"replies in {_duration(median)}" if answered else "no reply yet"
        short = f"{_duration(median)} median reply" if answered else f"unanswered for {_duration(median)}"
        value = f"{lead}, {' and '.join(pieces)}" if answered else f"{lead}: {' and '.join(pieces)}"
        parts.append(Part("Reply time", value, _leaning(_reply_score(median), len(replies)), short=short))
    elif waiting is not None:
        parts.append(Part("Reply time", f"no reply yet to a message sent {_duration(waiting)} ago", None))
    else:
        parts.append(Part("Reply time", "no exchanges in this task's thread yet", None))
    parts.append(
        _rating_part(
            "Communication rating",
            record.communication_total,
            record.review_count,
            value="rated {stars} for communication in {reviews}",
            short="{stars} communication rating",
        )
    )
    missing = "No messages answered yet and no reviews."
    if waiting is not None and not replies:
        missing = f"No reply yet to a message sent {_duration(waiting)} ago, and no reviews."
    observations = len(replies) + record.review_count
    evidence = _and([_count(len(replies), "reply", "replies"), _reviews(record.review_count)])
    return _with_evidence(
        _combine("communication", parts, weights=(1, 1), missing=missing), evidence=evidence, observations=observations
    )


def score_reputation(record: SupplierRecord) -> FactorScore:
    parts: list[Part] = []
    parts.append(
        _rating_part(
            "Rating",
            record.rating_total,
            record.review_count,
            value="rated {stars} in {reviews}",
            short="{stars} from {reviews}",
        )
    )
    completed = record.completed_contracts
    if completed or record.review_count:
        plural = "s" if completed != 1 else ""
        parts.append(
            Part(
                "Track record",
                f"{completed} completed contract{plural}",
                min(100, POINTS_PER_CONTRACT * completed),
                short=f"{completed} contract{plural} completed",
            )
        )
    else:
        parts.append(Part("Track record", "no completed contracts yet", None))
    combined = _combine(
        "reputation",
        parts,
        weights=(2, 1),
        missing="New on the platform: no reviews or completed contracts yet.",
    )
    evidence = _and([_reviews(record.review_count), _count(completed, "completed contract", "completed contracts")])
    return _with_evidence(combined, evidence=evidence, observations=record.review_count + completed)


def _rating_part(label: str, total: int, count: int, *, value: str, short: str) -> Part:
    """A rating from ``count`` revealed reviews summing to ``total`` stars; ``value`` and ``short`` are
    phrases with ``{stars}`` and ``{reviews}``."""
    if not count:
        return Part(label, "no reviews yet", None)
    words = {"stars": _stars(total, count), "reviews": _reviews(count)}
    return Part(
        label,
        value.format(**words),
        _leaning(_rating_score(total, count), count),
        short=short.format(**words),
    )


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _reviews(count: int) -> str:
    return _count(count, "review", "reviews")


def _leaning(score: int, observations: int) -> int:
    """``score`` from ``observations`` replies or ratings, pulled toward the middle (50) as if
    :data:`PRIOR_OBSERVATIONS` middling ones came first: one instant reply is not yet a perfect score."""
    return _round(Fraction(observations * score + PRIOR_OBSERVATIONS * 50, observations + PRIOR_OBSERVATIONS))


def _with_evidence(score: FactorScore, *, evidence: str, observations: int) -> FactorScore:
    """``score`` saying what it rests on; under :data:`SETTLED_AFTER` observations it is thin, and says so."""
    thin = observations < SETTLED_AFTER
    explanation = score.explanation
    if thin and not score.missing:
        explanation += " Little evidence yet: reply times and ratings lean toward 50, less with each one added."
    return replace(score, evidence=evidence, thin=thin, explanation=explanation)


def _combine(factor: str, parts: list[Part], *, weights: tuple[int, ...], missing: str) -> FactorScore:
    """Weighted average of the parts that have a score; missing when none has."""
    present = [(part, weight) for part, weight in zip(parts, weights, strict=True) if part.score is not None]
    if not present:
        return FactorScore(factor, None, "No data yet", missing, tuple(parts))
    total_weight = sum(weight for _, weight in present)
    score = _round(Fraction(sum((part.score or 0) * weight for part, weight in present), total_weight))
    explanation = "; ".join(f"{part.value} ({part.score})" for part, _ in present)
    if len(present) > 1 and len({weight for _, weight in present}) > 1:
        heavy = max(present, key=lambda item: item[1])[0]
        explanation += f"; the {heavy.label.lower()} counts double"
    absent = [part.value for part in parts if part.score is None]
    if absent:
        explanation += f". Left out: {', '.join(absent)}"
    value = " · ".join(part.short or _capitalise(part.value) for part, _ in present)
    return FactorScore(factor, score, value, _capitalise(explanation) + ".", tuple(parts))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
