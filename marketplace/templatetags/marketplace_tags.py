"""Template filters of the marketplace pages: ``{% load marketplace_tags %}``.

Skill names: tasks and profiles store skill slugs. A view loads the names of
every slug on its page (``load_skill_names``: the names this process already
knows, one query for the rest) and passes
them as ``skill_names``; ``{{ slug|skill_name:skill_names }}`` reads from that.
Without the mapping the filter uses the names loaded so far in this process,
else the slug humanised: it never queries on its own, so a list never costs a
query per skill. ``{{ organization.skills|skill_names }}`` loads the names of
one list in a single query, for pages whose view does not preload them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django import template
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import SafeString, mark_safe

from core.fragments import render_each
from core.markdown import render_markdown
from core.money import format_money
from core.widgets import options_html
from marketplace import selectors
from marketplace.models import BudgetType, LocationType, Skill, Task

register = template.Library()
logger = logging.getLogger(__name__)

# Names seen by this process. The product only ever adds skills; staff may
# rename one in the admin, which this process hears at once (the signals
# below) and the others within _KNOWN_SECONDS. The bound keeps it small.
_KNOWN_NAMES: dict[str, str] = {}
_KNOWN_LIMIT = 20_000
_KNOWN_SECONDS = 600.0
_known_until = [0.0]


def remember_skill_names(names: Mapping[str, str]) -> None:
    now = time.monotonic()
    if len(_KNOWN_NAMES) + len(names) > _KNOWN_LIMIT or now >= _known_until[0]:
        _KNOWN_NAMES.clear()
        _known_until[0] = now + _KNOWN_SECONDS
    _KNOWN_NAMES.update(names)


def _skill_changed(sender: Any, instance: Skill, **kwargs: Any) -> None:
    _KNOWN_NAMES.clear()


post_save.connect(_skill_changed, sender=Skill, dispatch_uid="marketplace.skill_names.saved")
post_delete.connect(_skill_changed, sender=Skill, dispatch_uid="marketplace.skill_names.deleted")


def load_skill_names(slugs: Iterable[str]) -> dict[str, str]:
    """The names of ``slugs``, what views pass to templates as ``skill_names``: the ones this
    process knows, and one query for the others (none when every name is known)."""
    wanted = {str(slug) for slug in slugs if slug}
    if time.monotonic() >= _known_until[0]:
        _KNOWN_NAMES.clear()
    names = {slug: _KNOWN_NAMES[slug] for slug in wanted if slug in _KNOWN_NAMES}
    if len(names) < len(wanted):
        found = selectors.skill_names(slugs=wanted - names.keys())
        remember_skill_names(found)
        names.update(found)
    return names


def forget_skill_names() -> None:
    """For tests, whose rolled-back skills leave no trace otherwise."""
    _KNOWN_NAMES.clear()


def humanise_slug(slug: str) -> str:
    text = str(slug).replace("-", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def skill_name(slug: str, names: Mapping[str, str] | None = None) -> str:
    """``payroll`` -> ``Payroll``; ``microsoft-365`` -> ``Microsoft 365``."""
    if not slug:
        return ""
    slug = str(slug)
    if names and slug in names:
        return names[slug]
    return _KNOWN_NAMES.get(slug) or humanise_slug(slug)


@register.filter
def skill_names(slugs: Iterable[str] | None) -> list[str]:
    """The names of a list of slugs, loaded in one query."""
    slugs = [str(slug) for slug in slugs or [] if slug]
    if not slugs:
        return []
    names = load_skill_names(slugs)
    return [skill_name(slug, names) for slug in slugs]


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    """User Markdown as sanitised HTML (no raw HTML, no scripts, safe links only)."""
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - nh3 has sanitised it


@register.filter
def budget(task: Task) -> str:
    """The budget as a client states it: "€3,000.00 fixed" or "€40.00-€60.00 / hour" (with an en dash)."""
    if task.budget_type == BudgetType.HOURLY and task.hourly_rate_min is not None:
        low = format_money(task.hourly_rate_min, task.currency)
        high = format_money(task.hourly_rate_max or task.hourly_rate_min, task.currency)
        return f"{low} / hour" if low == high else f"{low}–{high} / hour"
    return format_money(task.budget_amount, task.currency)


@register.filter
def budget_note(task: Task) -> str:
    """The second line of a budget: "Fixed price" or "Up to 100 h · cap €6,000.00"."""
    if task.budget_type == BudgetType.HOURLY:
        cap = format_money(task.budget_amount, task.currency)
        return f"Hourly, up to {task.hours_cap} h · cap {cap}" if task.hours_cap else f"Hourly · cap {cap}"
    return "Fixed price"


@register.filter
def place(task: Any) -> str:
    """ "Remote", "On-site · Berlin, Germany", "Hybrid · Manchester"."""
    kind = LocationType(task.location_type).label if task.location_type in LocationType.values else ""
    where = ", ".join(part for part in (task.city, task.country.name if task.country else "") if part)
    if task.location_type == LocationType.REMOTE:
        return f"Remote · {where}" if where else "Remote"
    return f"{kind} · {where}" if where else kind


@register.filter
def days_left(value: date | datetime | None) -> str:
    """ "today", "in 3 days", "5 days ago" for a deadline or a closing time."""
    if value is None:
        return ""
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    delta = (day - timezone.localdate()).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {delta} days" if delta > 0 else f"{-delta} days ago"


@register.filter
def query_with(params: Mapping[str, Any], extra: str = "") -> str:
    """``params|query_with:"cursor=abc"`` -> ``?q=payroll&cursor=abc`` (lists become repeated keys)."""
    parts = dict(params or {})
    if extra:
        key, _, value = extra.partition("=")
        if value:
            parts[key] = value
        else:
            parts.pop(key, None)
    encoded = urlencode(parts, doseq=True)
    return f"?{encoded}" if encoded else ""


@register.filter
def is_checked(values: Any, value: Any) -> bool:
    """For multiple-choice inputs rendered by hand: ``{% if chosen|is_checked:pk %}``."""
    return str(value) in {str(item) for item in values or []}


# --- what an edit changed ------------------------------------------------------------------

_FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "category_id": "Category",
    "skills": "Skills",
    "budget_type": "Budget type",
    "currency": "Currency",
    "budget_amount": "Budget",
    "hourly_rate_min": "Lowest hourly rate",
    "hourly_rate_max": "Highest hourly rate",
    "hours_cap": "Hours cap",
    "deadline": "Deadline",
    "bidding_closes_at": "Bidding closes",
    "location_type": "Location",
    "country": "Country",
    "city": "City",
    "postal_code": "Postal code",
    "visibility": "Visibility",
}
_MONEY_FIELDS = {"budget_amount", "hourly_rate_min", "hourly_rate_max"}
_LONG_FIELDS = {"description"}


def _shown(name: str, value: Any, *, currency: str, categories: Mapping[int, str], names: Mapping[str, str]) -> str:
    if value in (None, "", []):
        return "—"
    if name in _MONEY_FIELDS and isinstance(value, int):
        return format_money(value, currency)
    if name == "category_id":
        return categories.get(value, "another category")
    if name == "skills" and isinstance(value, list):
        return ", ".join(skill_name(slug, names) for slug in value)
    if name == "deadline":
        day = parse_date(str(value))
        return day.strftime("%-d %b %Y") if day else str(value)
    if name == "bidding_closes_at":
        moment = parse_datetime(str(value))
        return timezone.localtime(moment).strftime("%-d %b %Y, %H:%M") if moment else str(value)
    if name == "budget_type":
        return BudgetType(value).label if value in BudgetType.values else str(value)
    if name == "location_type":
        return LocationType(value).label if value in LocationType.values else str(value)
    if name == "visibility":
        return {"public": "Public", "invite_only": "Invite only"}.get(str(value), str(value))
    return str(value)


@register.simple_tag
def revision_lines(
    revision: Any, currency: str, categories: Mapping[int, str], names: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """``{% revision_lines revision task.currency category_names skill_names as lines %}``: what one edit changed."""
    lines = []
    for name, pair in (revision.changes or {}).items():
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        label = _FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
        if name in _LONG_FIELDS:
            lines.append({"label": label, "old": "", "new": "", "note": "rewritten"})
            continue
        lines.append(
            {
                "label": label,
                "old": _shown(name, old, currency=currency, categories=categories, names=names or {}),
                "new": _shown(name, new, currency=currency, categories=categories, names=names or {}),
                "note": "",
            }
        )
    return lines


def revision_skill_slugs(revisions: Iterable[Any]) -> set[str]:
    """Every skill slug named in some edits, so their names load in the page's one query."""
    slugs: set[str] = set()
    for revision in revisions:
        pair = (revision.changes or {}).get("skills")
        if isinstance(pair, list | tuple):
            for side in pair:
                if isinstance(side, list):
                    slugs.update(str(slug) for slug in side)
    return slugs


_STATUS_BADGES = {
    "draft": "",
    "open": "badge-success",
    "awarded": "badge-brand",
    "closed": "",
    "cancelled": "badge-danger",
}


@register.filter
def status_badge(status: str) -> str:
    """The badge modifier class of a task status."""
    return _STATUS_BADGES.get(str(status), "")


@register.filter
def stars(rating: float | None) -> str:
    """A rating out of five as "4.7"; empty when there is none (never invent one)."""
    if rating is None:
        return ""
    return f"{float(rating):.1f}"


@register.filter
def file_ext(name: str) -> str:
    """ "brief.docx" -> "DOCX" (for a file icon)."""
    _, dot, ext = str(name).rpartition(".")
    return ext[:4].upper() if dot and ext else "FILE"


_CHOICE_HINTS = {
    ("budget_type", "fixed"): "One price for the whole job, paid by milestone.",
    ("budget_type", "hourly"): "Pay for the hours worked, within a rate range and a cap.",
    ("location_type", "remote"): "Done online, from anywhere.",
    ("location_type", "onsite"): "Done at your premises.",
    ("location_type", "hybrid"): "Partly on site, partly remote.",
    ("visibility", "public"): "Listed in Find work for every supplier.",
    ("visibility", "invite_only"): "Only the suppliers you invite can see and bid.",
}


@register.filter
def choice_hint(value: Any, field_name: str) -> str:
    """A line explaining one option of a radio group on the task form."""
    return _CHOICE_HINTS.get((str(field_name), str(value)), "")


@register.filter
def skill_names_field(bound_field: Any) -> Any:
    """A form's skills box showing skill names instead of the stored slugs ("microsoft-365" -> "Microsoft 365").

    Saving the names gives the same slugs back, so nothing changes unless the
    person edits the list. What a person typed (a bound, enabled field) is kept.
    """
    initial = bound_field.initial
    if isinstance(initial, list | tuple):
        bound_field.initial = skill_names(initial)
    return bound_field


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "3 days ago"."""
    if moment is None:
        return ""
    from django.utils.timesince import timesince

    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment).split(',')[0]} ago"


@register.simple_tag
def select_options(choices: Any, chosen: Any = None) -> SafeString:
    """``{% select_options choices chosen %}``: the ``<option>`` tags of (value, label) pairs, ``chosen`` selected."""
    return options_html(choices, "" if chosen is None else str(chosen))


# --- task cards, memoised by what they show ------------------------------------------------

CARD_TEMPLATE = "marketplace/_task_card.html"
CARD_SECONDS = 600


def card_key(task: Task, names: Mapping[str, str], now: datetime, today: date, zone: str) -> tuple[Any, ...]:
    """What the card shows, as a cache key: the task as last saved (every write of a task goes through
    its ``save()``, which moves ``updated_at``), its client's, category's and skills' names, and the
    viewer's time zone and day (deadlines read "in 3 days"). "Posted 5 minutes ago" is kept to its
    unit: the minute within the first hour, the hour within the first day, then the day.
    """
    elapsed = int((now - task.published_at).total_seconds()) if task.published_at else 0
    posted = elapsed // 60 if elapsed < 3600 else 100 + elapsed // 3600 if elapsed < 86400 else 1000 + elapsed // 86400
    return (
        task.pk,
        task.updated_at,
        task.organization.name,
        task.category.name,
        tuple(skill_name(slug, names) for slug in task.skills or ()),
        zone,
        today,
        posted,
    )


@register.simple_tag
def task_cards(tasks: Iterable[Task], names: Mapping[str, str] | None = None) -> SafeString:
    """``{% task_cards tasks skill_names %}``: the cards of a list, each rendered once and then read
    from the cache (one round trip for the page, :mod:`core.fragments`).

    Rendering a card costs about a millisecond of template work (more with a long
    description's Markdown), and every visitor who may see a task sees the same card:
    it holds nothing about the viewer. Without the cache the cards are rendered.
    """
    tasks, names = list(tasks), names or {}
    now, today, zone = timezone.now(), timezone.localdate(), timezone.get_current_timezone_name()
    return render_each(
        CARD_TEMPLATE,
        [{"task": task, "skill_names": names} for task in tasks],
        [card_key(task, names, now, today, zone) for task in tasks],
        prefix="task-card",
        seconds=CARD_SECONDS,
    )


@register.filter
def reply_time(seconds: int | None) -> str:
    """A typical reply time, as people say it: "within an hour", "in about 3 hours", "in about 2 days"."""
    if seconds is None:
        return ""
    hours = round(seconds / 3600)
    if seconds <= 3600:
        return "within an hour"
    if hours < 36:
        return f"in about {hours} hour{'s' if hours != 1 else ''}"
    days = round(seconds / 86400)
    return f"in about {days} days"
