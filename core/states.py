"""State machines' one rule: a move is allowed when the object's transitions table lists it.

Each app keeps its own table (``marketplace.services`` for tasks and bids, ``contracts.services`` for
contracts and milestones); the service that moves an object asks :func:`check_transition` first.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.exceptions import InvalidTransition


def check_transition(
    table: Mapping[str, frozenset[str]],
    *,
    current: str,
    target: str,
    noun: str,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Refuse a move ``table`` does not list; ``labels`` name the states in the refusal (their values
    otherwise)."""
    if target not in table.get(current, frozenset()):
        name = (lambda state: str(labels.get(state, state)).lower()) if labels else str
        raise InvalidTransition(f"A {name(current)} {noun} cannot become {name(target)}.")
