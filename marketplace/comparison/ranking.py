"""The comparison: every live bid scored, totalled under the client's weights and ranked."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.utils import timezone

from core import joins
from marketplace.comparison.factors import FACTOR_LABELS, FACTORS, effective_weights
from marketplace.comparison.reads import LiveBids, live_bids_with_records
from marketplace.comparison.results import BidRow, Comparison, _total_key
from marketplace.comparison.scoring import (
    _round,
    communication_key,
    savings_of,
    score_communication,
    score_flexibility,
    score_geography,
    score_price,
    score_reputation,
)
from marketplace.models import Task


def _total(row: BidRow, weights: dict[str, int]) -> None:
    row.ignored = [name for name in FACTORS if weights[name] == 0]
    row.left_out = [name for name in FACTORS if row.factors[name].missing and weights[name] > 0]
    used = [name for name in FACTORS if weights[name] > 0 and not row.factors[name].missing]
    notes = []
    if row.left_out:
        notes.append(f"Left out for lack of data: {', '.join(FACTOR_LABELS[n].lower() for n in row.left_out)}.")
    if row.ignored:
        notes.append(f"Weighted 0 by you: {', '.join(FACTOR_LABELS[n].lower() for n in row.ignored)}.")
    if not used:
        row.total = row.total_exact = None
        row.total_explanation = " ".join(["No total: no factor you weigh has data for this bid.", *notes])
        return
    weight_sum = sum(weights[name] for name in used)
    row.total_exact = Fraction(sum(weights[name] * (row.factors[name].score or 0) for name in used), weight_sum)
    row.total = _round(row.total_exact)
    terms = ", ".join(f"{FACTOR_LABELS[name].lower()} {row.factors[name].score} × {weights[name]}" for name in used)
    row.total_explanation = " ".join(
        [f"Weighted average of {len(used)} of {len(FACTORS)} factors ({terms}) ÷ {weight_sum} = {row.total}.", *notes]
    )


#: The scoring's own code, for keys of what it computes: a release that changes how bids score is
#: another key.
SCORING_STAMP = hashlib.sha256(
    b"".join(path.read_bytes() for path in sorted(Path(__file__).parent.glob("*.py")))
).hexdigest()[:16]


def comparison_key(task: Task, loaded: LiveBids, *, today: date) -> tuple[Any, ...]:
    """Everything :func:`compare_bids` reads for ``task``'s saved weights, as a cache key: the task as
    last saved (its weights, budget, estimate and dates are saved with it), the day, the client's time
    zone, each live bid and its supplier as loaded, each supplier's record (a waiting message as far as
    the score tells waits apart: :func:`communication_key`), and the scoring's code."""
    bids, records, client_time_zone = loaded
    return (
        SCORING_STAMP,
        task.pk,
        task.updated_at,
        today,
        client_time_zone,
        tuple((joins.values(bid), joins.values(bid.supplier), communication_key(records[bid.pk])) for bid in bids),
    )


def compare_bids(
    *,
    task: Task,
    weights: Mapping[str, Any] | None = None,
    today: date | None = None,
    sort: str = "total",
    loaded: LiveBids | None = None,
) -> Comparison:
    """Score every live bid (submitted, shortlisted, accepted) on ``task``, best total first.

    ``weights`` override the client's saved ones (a preview); ``today`` is for
    tests. One query: the bids with their suppliers' records
    (:func:`live_bids_with_records`), unless the caller ``loaded`` them already.
    """
    chosen = effective_weights(task, weights)
    today = today or timezone.localdate()
    bids, records, client_time_zone = loaded or live_bids_with_records(task)
    if not bids:
        return Comparison(task=task, weights=chosen, rows=[], sort=sort)
    amounts = [bid.amount for bid in bids]
    rows = []
    for bid in bids:
        record = records[bid.pk]
        factors = {
            "price": score_price(bid, task=task, amounts=amounts),
            "geography": score_geography(bid, task=task, client_time_zone=client_time_zone),
            "flexibility": score_flexibility(bid, task=task, today=today),
            "communication": score_communication(record),
            "reputation": score_reputation(record),
        }
        row = BidRow(bid=bid, factors=factors, savings=savings_of(bid, task=task))
        _total(row, chosen)
        rows.append(row)
    rows.sort(key=_total_key)
    for position, row in enumerate((r for r in rows if r.total is not None), start=1):
        row.rank = position
    return Comparison(task=task, weights=chosen, rows=rows).sorted_by(sort)
