"""The five factors a comparison scores, and the client's weights for them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marketplace.models import Task

FACTORS = ("price", "geography", "flexibility", "communication", "reputation")
FACTOR_LABELS = {
    "price": "Price",
    "geography": "Location",
    "flexibility": "Flexibility",
    "communication": "Communication",
    "reputation": "Reputation",
}
FACTOR_QUESTIONS = {
    "price": "How cheap is it, next to the other bids and your budget?",
    "geography": "Can they be there, or work while you do?",
    "flexibility": "How soon can they start, and will they meet the deadline?",
    "communication": "How quickly do they answer, and how do clients rate it?",
    "reputation": "How did earlier clients rate them, and how much have they delivered?",
}
DEFAULT_WEIGHTS: dict[str, int] = {
    "price": 3,
    "geography": 2,
    "flexibility": 2,
    "communication": 2,
    "reputation": 2,
}
MAX_WEIGHT = 5
SORTS = ("total", *FACTORS)


def weight_problem(name: str, value: object) -> str | None:
    """Why ``value`` is not a weight of the factor ``name``, or None: the one rule the page, the API
    and the service apply."""
    if name not in FACTORS:
        return f"Unknown factor {name!r}: use {', '.join(FACTORS)}."
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_WEIGHT:
        return f"Weights go from 0 (ignore) to {MAX_WEIGHT} (matters most)."
    return None


def effective_weights(task: Task, overrides: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Defaults, then the client's saved weights, then ``overrides``; anything :func:`weight_problem`
    refuses is ignored."""
    weights = dict(DEFAULT_WEIGHTS)
    for source in (task.comparison_weights or {}, overrides or {}):
        for name, value in source.items():
            if weight_problem(name, value) is None:
                weights[name] = value
    return weights
