"""A proposal posted to the API, read into :class:`~contracts.terms.Terms` over the current version's.

Fields left out keep the current value; a list given replaces the list. What the server owns stays as
the current terms have it: the parties' names and places, the platform's fee, the review window, and
whether the contract is hourly. Rows keep their ``key`` when the current terms know it (so a milestone
keeps its state through a proposal); a row without one, or with a key the terms do not know, gets the
next free one (``m3``, ``clause-2``), as the page's rows do.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contracts.terms import Clause, MilestoneTerms, Party, RowKeys, Terms


def proposed_terms(values: dict[str, Any], current: Terms) -> Terms:
    end_kind = values.get("end_kind", current.end_kind)
    hours_cap = values.get("hours_cap", current.hours_cap)
    budget_cap = values.get("budget_cap", current.budget_cap)
    return replace(
        current,
        title=values.get("title", current.title),
        scope=values.get("scope", current.scope),
        currency=values.get("currency", current.currency),
        price=values.get("price", current.price),
        # Only an hourly contract has a rate; a fixed one that is sent one is told so (rate_refusal).
        hourly_rate=values.get("hourly_rate", current.hourly_rate) if current.is_hourly else None,
        end_kind=end_kind,
        end_date=values.get("end_date", current.end_date),
        hours_cap=hours_cap if end_kind == "hours" else None,
        budget_cap=budget_cap if end_kind == "budget" else None,
        client=_party(current.client, values.get("client")),
        supplier=_party(current.supplier, values.get("supplier")),
        milestones=_milestones(values["milestones"], current) if "milestones" in values else current.milestones,
        clauses=_clauses(values["clauses"], current) if "clauses" in values else current.clauses,
    )


def rate_refusal(values: dict[str, Any], current: Terms) -> dict[str, list[str]]:
    """A fixed-price contract sent an hourly rate (the page shows no such field): say so."""
    if not current.is_hourly and values.get("hourly_rate") is not None:
        return {"hourly_rate": ["A fixed-price contract has no hourly rate."]}
    return {}


def _party(party: Party, given: dict[str, Any] | None) -> Party:
    if not given:
        return party
    return replace(party, **given)


def _milestones(rows: list[dict[str, Any]], current: Terms) -> tuple[MilestoneTerms, ...]:
    keys = RowKeys("m", {m.key for m in current.milestones})
    return tuple(
        MilestoneTerms(
            key=keys.take(row.get("key", "")), title=row["title"], amount=row["amount"], due_date=row.get("due_date")
        )
        for row in rows
    )


def _clauses(rows: list[dict[str, Any]], current: Terms) -> tuple[Clause, ...]:
    keys = RowKeys("clause-", {c.key for c in current.clauses})
    return tuple(Clause(key=keys.take(row.get("key", "")), title=row["title"], text=row["text"]) for row in rows)
