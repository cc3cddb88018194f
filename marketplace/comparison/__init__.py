"""The side-by-side comparison of a task's live bids: five factors, each scored 0-100 and explained.

Every score says how it was reached in one plain line, and a factor without
data is *missing* (``score is None``), never guessed: the total is the
weighted average of the factors that have data, and names the ones left out.

The factors (the client weighs each 0-5; :data:`DEFAULT_WEIGHTS` until then):

price
    The average of up to three parts: the bid against the budget (for hourly
    tasks the cap, rate x hours) and against the client's in-house cost
    estimate when there is one (50 at it, 100 at half of it or less, 0 at one
    and a half times it or more), and against the lowest bid when there are
    others (100 for it, 0 from half as much again). A single bid is judged by
    the budget and the estimate alone. Savings against the in-house estimate
    are shown beside it (minor units and percent, negative when the bid is
    dearer). Hourly bids compare their estimated totals (rate x hours).
geography
    On-site and hybrid tasks: the supplier in the task's city 100, in its
    country 60, elsewhere 0. Remote tasks: how much of a 9:00-17:00 working
    day the client's and the supplier's time zones share on the day bidding
    closes (overlap hours / 8 x 100). Missing when the supplier gives no
    country (on-site) or no valid time zone (remote).
flexibility
    Three parts: the earliest start (100 today, 0 on the task deadline), the
    delivery date (100 on or before the deadline; a late delivery scores
    50 - 10 per day late, so 0 from five days late) and the hours a week
    offered (100 at 40 h or more). Delivery counts double.
communication
    The supplier's median reply time in this task's thread (the time from a
    client message to the supplier's next message: 100 within an hour, 0 at
    48 hours or more; a message already unanswered for 48 hours counts, as
    it scores 0 whenever the answer comes) and its average communication
    rating in revealed reviews (1 star 0, 5 stars 100): the average of the
    parts that exist.
reputation
    Its average overall rating in revealed reviews (as above) and its
    completed contracts (20 points each, 100 from five): rating counts
    double. Missing for a supplier with neither.

Reply times and ratings lean toward the middle as if two middling ones came
first (:func:`_leaning`): one instant reply or one 5-star review is not a
perfect score. Every factor says what it rests on (``evidence``), and
communication and reputation on fewer than three replies, reviews or
contracts are marked *thin*.

:func:`compare_bids` runs one query whatever the number of bids: the bids,
their suppliers, and reviews, contracts and messages aggregated per supplier.
"""

from marketplace.comparison.factors import (
    DEFAULT_WEIGHTS,
    FACTOR_LABELS,
    FACTOR_QUESTIONS,
    FACTORS,
    MAX_WEIGHT,
    SORTS,
    effective_weights,
)
from marketplace.comparison.ranking import compare_bids, comparison_key
from marketplace.comparison.reads import live_bids_with_records
from marketplace.comparison.results import BidRow, Comparison, FactorRow, FactorScore, Part, Savings
from marketplace.comparison.scoring import SupplierRecord, savings_of

__all__ = [
    "DEFAULT_WEIGHTS",
    "FACTORS",
    "FACTOR_LABELS",
    "FACTOR_QUESTIONS",
    "MAX_WEIGHT",
    "SORTS",
    "BidRow",
    "Comparison",
    "FactorRow",
    "FactorScore",
    "Part",
    "Savings",
    "SupplierRecord",
    "compare_bids",
    "comparison_key",
    "effective_weights",
    "live_bids_with_records",
    "savings_of",
]
