"""How big anything a person or a client sends may be: one home for models, forms, serializers and services.

Money is integer minor units. ``MAX_AMOUNT`` is ten billion in a
two-decimal currency (a trillion yen): no task on this marketplace comes
near it, every product the product computes (highest rate x hours cap,
hourly rate x estimated hours) stays far inside PostgreSQL's bigint, and
every amount the API returns stays below 2^53, so JavaScript clients read it
exactly. Hours are bounded by what a contract can plausibly buy: fifty
person-years of work.

Forms and serializers read these to refuse an oversized value before it
costs anything; services check them again (they hold the rules) and name
the field in their refusal. A limit is changed here and nowhere else.
"""

from __future__ import annotations

from core.money import format_money

# --- money, minor units --------------------------------------------------------------------

MAX_AMOUNT = 10**12

# --- counts --------------------------------------------------------------------------------

MAX_HOURS = 100_000  # an hourly task's hours cap, a bid's estimated hours
HOURS_PER_WEEK = 168  # a bid's availability
SMALLINT_MAX = 32_767  # PostgreSQL smallint: weights, positions, hours a week
INTEGER_MAX = 2_147_483_647  # PostgreSQL integer: ids, hours, sizes

# --- text, in characters -----------------------------------------------------------------------

TITLE = 200  # task and milestone titles
DESCRIPTION = 50_000  # a task's Markdown description
COVER_LETTER = 50_000
MESSAGE = 10_000  # one message of a conversation
SHORT_NOTE = 2_000  # an invitation's message, a decline reason
SEARCH_WORDS = 200  # the words of a task or supplier search
NAME = 100  # saved searches, API tokens
ORGANIZATION_NAME = 150
PERSON_NAME = 150
HEADLINE = 200
ABOUT = 10_000  # an organization's "about"
CITY = 100
POSTAL_CODE = 20
SKILL = 60  # one skill tag
MAX_SKILLS = 15  # skill tags on a task, skills in a search
PROFILE_LIST = 30  # an organization's skills, its languages
PORTFOLIO_LINKS = 10
MAX_CLAUSES = 30  # clauses in a contract's terms
EXCERPT = 300  # the plain-text summary of a description shown in lists
LEGAL_NAME = 200  # a party's registered name in a contract
ADDRESS = 500  # a party's registered address, all its lines
LEGAL_ID = 50  # a company registration number, a VAT number
CLAUSE = 10_000  # one clause of a contract


def too_much(currency: str) -> str:
    """The end of a refusal of an amount above ``MAX_AMOUNT``: "at most €10,000,000,000.00"."""
    try:
        return f"at most {format_money(MAX_AMOUNT, currency or 'EUR')}"
    except (AttributeError, ValueError):
        return f"at most {MAX_AMOUNT:,} minor units"


__all__ = [
    "ABOUT",
    "ADDRESS",
    "CITY",
    "CLAUSE",
    "COVER_LETTER",
    "DESCRIPTION",
    "EXCERPT",
    "HEADLINE",
    "HOURS_PER_WEEK",
    "INTEGER_MAX",
    "LEGAL_ID",
    "LEGAL_NAME",
    "MAX_AMOUNT",
    "MAX_CLAUSES",
    "MAX_HOURS",
    "MAX_SKILLS",
    "MESSAGE",
    "NAME",
    "ORGANIZATION_NAME",
    "PERSON_NAME",
    "PORTFOLIO_LINKS",
    "POSTAL_CODE",
    "PROFILE_LIST",
    "SEARCH_WORDS",
    "SHORT_NOTE",
    "SKILL",
    "SMALLINT_MAX",
    "TITLE",
    "too_much",
]
