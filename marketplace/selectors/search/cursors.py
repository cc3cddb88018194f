"""Keyset paging of a task search: each sort's ordering, and the opaque cursor that resumes after a row."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import (
    F,
    Q,
)
from django.utils import timezone
from django.utils.dateparse import parse_date

from marketplace.models import (
    Task,
)
from marketplace.selectors.search.words import TIERS

# Each sort: the ordering, and the (field, descending) pairs its keyset compares.
_ORDERINGS: dict[str, list[tuple[str, bool]]] = {
    # Title matches (tier 1) before description-only matches (tier 2), newest first within a tier.
    "relevance": [("tier", False), ("published_at", True), ("id", True)],
    "newest": [("published_at", True), ("id", True)],
    "budget_high": [("budget_amount", True), ("id", True)],
    "budget_low": [("budget_amount", False), ("id", False)],
    "deadline": [("deadline", False), ("id", False)],
}


@dataclass
class TaskPage:
    tasks: list[Task]
    next_cursor: str | None
    sort: str


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date | datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: str) -> list[Any] | None:
    """The sort values of the last row seen; ``None`` when the cursor is malformed (it is then ignored)."""
    names = [name for name, _ in _ORDERINGS[sort]]
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(names):
            return None
        return [_cursor_value(name, value) for name, value in zip(names, values, strict=True)]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, KeyError, OverflowError):
        return None


def _cursor_value(name: str, value: Any) -> Any:
    """One keyset value, checked against the type of its column; ValueError when it does not fit."""
    if name == "tier":
        if value in TIERS and isinstance(value, int) and not isinstance(value, bool):
            return value
    elif name == "published_at":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is not None and timezone.is_aware(moment):
            return moment
    elif name == "deadline":
        day = parse_date(value) if isinstance(value, str) else None
        if day is not None:
            return day
    elif isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    raise ValueError(f"bad cursor value for {name}")


def _after(values: list[Any], ordering: list[tuple[str, bool]]) -> Q:
    """Rows strictly after ``values`` in ``ordering``.

    Spelled out as ``a < x OR (a = x AND id < y)``, plus the redundant
    ``a <= x`` that lets PostgreSQL start the index scan at the cursor
    instead of filtering every row before it.
    """
    condition = Q()
    for index, (name, descending) in enumerate(ordering):
        step = Q(**{f"{name}__lt" if descending else f"{name}__gt": values[index]})
        for prior_index in range(index):
            step &= Q(**{ordering[prior_index][0]: values[prior_index]})
        condition |= step
    first, descending = ordering[0]
    return Q(**{f"{first}__lte" if descending else f"{first}__gte": values[0]}) & condition


def _sorted_without_index(ordering: list[tuple[str, bool]]) -> list[Any]:
    """The same order, spelled so no index produces it: PostgreSQL fetches the (few) matches and sorts them.

    The sort keys are never null, so flipping where nulls go changes nothing
    but the plan: an index walk could otherwise read the whole index looking
    for a page of rare matches.
    """
    (first, descending), *rest = ordering
    key = F(first).desc(nulls_last=True) if descending else F(first).asc(nulls_first=True)
    return [key, *(f"-{name}" if desc else name for name, desc in rest)]


def _order_by(ordering: list[tuple[str, bool]]) -> list[str]:
    return [f"-{name}" if descending else name for name, descending in ordering]
