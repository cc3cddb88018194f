"""The bid comparison's columns: ``{% load comparison_table %}``.

The comparison shows every live bid side by side: a column head, five score
cells, the savings and the decision forms per bid. Rendered by the template
engine that was some 60 nodes per bid with an include per cell and a
``{% url %}``, ``{% csrf_token %}`` and ``{% submit_token %}`` per form:
half of the page's time (13 of 26 ms for the benchmark's 19 bids). These
tags write the same markup with :func:`core.html.format_html`, which
escapes every value it is given (supplier names, explanations, the page's
own path); the page template keeps everything shown once.

``marketplace/tests/test_comparison_table.py`` holds them to the markup of
the templates they replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from accounts.templatetags.accounts_format import initials
from core.html import format_html
from core.idempotency import TOKEN_FIELD, new_form_token
from core.money import format_money
from marketplace.comparison import FACTORS, BidRow, Comparison, FactorScore
from marketplace.models import BidStatus

register = template.Library()

# marketplace/bids/_bid_status.html, for the statuses it names.
_STATUS_BADGES = {
    BidStatus.SUBMITTED: '<span class="badge badge-brand badge-dot">Submitted</span>',
    BidStatus.SHORTLISTED: '<span class="badge badge-star badge-dot">Shortlisted</span>',
    BidStatus.ACCEPTED: '<span class="badge badge-success badge-dot">Accepted</span>',
    BidStatus.DECLINED: '<span class="badge badge-danger badge-dot">Declined</span>',
}


def _safe(html: str) -> SafeString:
    """Markup built here from literals and :func:`format_html` output only."""
    return mark_safe(html)  # noqa: S308 - see above: nothing unescaped reaches it


def _join(pieces: Iterable[str]) -> SafeString:
    return _safe("".join(pieces))


def id_url(name: str, kwarg: str) -> Callable[[int], str]:
    """``reverse(name, kwargs={kwarg: ...})`` for every row of a page at the cost of one ``reverse``.

    For routes whose only argument is an ``<int:...>`` id: the converter writes
    the id as its digits, so the path reversed for a marker id, with the
    marker replaced, is the row's.
    """
    marker = "918273645"
    head, _, tail = reverse(name, kwargs={kwarg: int(marker)}).rpartition(marker)
    return lambda pk: f"{head}{int(pk)}{tail}"


def bid_url(name: str) -> Callable[[int], str]:
    return id_url(name, "bid_id")


def bid_status_badge(bid: Any) -> str:
    badge = _STATUS_BADGES.get(bid.status)
    if badge is None:
        return str(format_html('<span class="badge badge-dot">{}</span>', bid.get_status_display()))
    return badge


def score_cell(item: FactorScore) -> str:
    """``marketplace/bids/_score.html`` (replaced): one factor's score of one bid, or that data is missing."""
    if item.missing:
        return str(
            format_html(
                '<div class="cmp-score cmp-score-missing">\n<span class="badge badge-missing">Missing</span>\n'
                '<p class="cmp-explain">{}</p>\n</div>',
                item.explanation,
            )
        )
    parts = ""
    if item.parts:
        items = "\n".join(
            str(
                format_html(
                    '<li{}>\n<span class="cmp-part-label">{}</span>\n<span class="cmp-part-score">{}</span>\n</li>',
                    _safe(' class="cmp-part-missing"') if part.score is None else "",
                    part.label,
                    "missing" if part.score is None else part.score,
                )
            )
            for part in item.parts
        )
        parts = f'<ul class="cmp-parts">\n{items}\n</ul>\n'
    level = item.level
    evidence = ""
    if item.evidence:
        evidence = str(
            format_html(
                '<p class="cmp-evidence{}">{}Rests on {}</p>\n',
                " cmp-evidence-thin" if item.thin else "",
                _safe('<span class="badge badge-thin">Little evidence</span> ') if item.thin else "",
                item.evidence,
            )
        )
    return str(
        format_html(
            '<div class="cmp-score">\n<div class="cmp-score-line">\n'
            '<span class="score-bar" aria-hidden="true"><span class="score-fill {} level-{}"></span></span>\n'
            '<span class="score-num level-{}"><span class="visually-hidden">{} score </span>{}</span>\n</div>\n'
            '<p class="cmp-value">{}</p>\n{}{}<p class="cmp-explain">{}</p>\n</div>',
            item.bar_class,
            level,
            level,
            item.label,
            item.score,
            item.value,
            _safe(evidence),
            _safe(parts),
            item.explanation,
        )
    )


def column_head(row: BidRow, *, detail_url: Callable[[int], str]) -> str:
    """One bid's ``<th>``: rank, status, supplier, total and coverage, and its scores for the weights preview."""
    bid = row.bid
    rank = format_html('<span class="cmp-rank" title="Rank by total score">#{}</span>', row.rank) if row.rank else ""
    if row.total is not None:
        total = format_html(
            '<span class="cmp-total-num level-{}" data-total>{}</span><span class="cmp-total-of">/ 100</span>',
            row.total_level,
            row.total,
        )
    else:
        total = _safe('<span class="cmp-total-none" data-total>No total</span>')
    coverage = f"Based on {row.coverage} of 5 factors" if row.left_out else "Based on every factor you weigh"
    scores = ("" if row.factors[factor].score is None else row.factors[factor].score for factor in FACTORS)
    return str(
        format_html(
            '<th scope="col" class="cmp-bid{}" data-bid-column data-score-price="{}" data-score-geography="{}"'
            ' data-score-flexibility="{}" data-score-communication="{}" data-score-reputation="{}">\n'
            '<div class="cmp-bid-top">\n{}\n{}\n</div>\n'
            '<p class="cmp-supplier"><span class="avatar avatar-xs" aria-hidden="true">{}</span>'
            '<a href="{}">{}</a></p>\n'
            '<div class="cmp-total">\n{}\n</div>\n'
            '<span class="score-bar score-bar-lg" aria-hidden="true">'
            '<span class="score-fill {} level-{}" data-total-bar></span></span>\n'
            '<p class="cmp-coverage">{}</p>\n</th>',
            " cmp-best" if row.rank == 1 else "",
            *scores,
            rank,
            _safe(bid_status_badge(bid)),
            initials(bid.supplier.name),
            detail_url(bid.pk),
            bid.supplier.name,
            total,
            row.total_class,
            row.total_level,
            coverage,
        )
    )


def savings_cell(row: BidRow) -> str:
    """What the bid saves against the client's in-house estimate, or that there is no estimate."""
    savings = row.savings
    if savings is None:
        return (
            '<td>\n<span class="badge badge-missing">Missing</span>\n'
            '<p class="cmp-explain">You gave no in-house estimate for this task.</p>\n</td>'
        )
    if savings.amount > 0:
        tone, headline, against = "savings-good", f"Saves {savings.amount_display}", f"{savings.percent_display} below"
    elif savings.amount < 0:
        tone, headline = "savings-bad", f"Costs {savings.amount_display} more"
        against = f"{savings.percent_display} above"
    else:
        tone, headline, against = "", "Same cost", "Equal to"
    return str(
        format_html(
            '<td>\n<p class="cmp-savings {}">\n{}\n</p>\n<p class="cmp-explain">{} your estimate of {}.</p>\n</td>',
            tone,
            headline,
            against,
            format_money(int(savings.estimate), savings.currency or "EUR"),
        )
    )


@dataclass(frozen=True)
class PageParts:
    """What every decision form of the page shares, escaped once, and the bids' URLs."""

    csrf_input: SafeString  # what {% csrf_token %} renders here (nothing without a token)
    next_input: SafeString  # where the forms send the user back to: this page
    detail_url: Callable[[int], str]
    accept_url: Callable[[int], str]
    shortlist_url: Callable[[int], str]
    decline_url: Callable[[int], str]

    @classmethod
    def of(cls, context: template.Context) -> PageParts:
        token = context.get("csrf_token")
        csrf_input = (
            format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
            if token and token != "NOTPROVIDED"
            else _safe("")
        )
        return cls(
            csrf_input=csrf_input,
            next_input=format_html('<input type="hidden" name="next" value="{}">', context["request"].get_full_path()),
            detail_url=bid_url("bid-detail"),
            accept_url=bid_url("bid-accept"),
            shortlist_url=bid_url("bid-shortlist"),
            decline_url=bid_url("bid-decline"),
        )


def _form(page: PageParts, action: str, body: str, *args: Any, attributes: str = "") -> str:
    """A decision form: the page's CSRF token, a one-time submit token of its own, the way back, then ``body``.

    ``body`` is a :func:`format_html` format string for ``args``; ``attributes`` a literal of ours.
    """
    return str(
        format_html(
            '<form method="post" action="{}"{}>\n{}\n<input type="hidden" name="{}" value="{}">\n{}\n'
            + body
            + "</form>\n",
            action,
            _safe(attributes),
            page.csrf_input,
            TOKEN_FIELD,
            new_form_token(),
            page.next_input,
            *args,
        )
    )


def actions_cell(row: BidRow, *, task_open: bool, can_manage: bool, page: PageParts) -> str:
    """Accept (owners and admins), shortlist and decline a bid still open to a decision; a link to the bid."""
    bid = row.bid
    name = bid.supplier.name
    forms = ""
    if task_open and bid.status in (BidStatus.SUBMITTED, BidStatus.SHORTLISTED):
        if can_manage:
            forms += _form(
                page,
                page.accept_url(bid.pk),
                '<button type="submit" class="btn btn-primary btn-sm btn-block">Accept…'
                '<span class="visually-hidden"> bid of {}</span></button>\n',
                name,
            )
        shortlisted = bid.status == BidStatus.SHORTLISTED
        forms += _form(
            page,
            page.shortlist_url(bid.pk),
            '<input type="hidden" name="shortlisted" value="{}">\n'
            '<button type="submit" class="btn btn-secondary btn-sm btn-block">{}'
            '<span class="visually-hidden"> {}</span></button>\n',
            "0" if shortlisted else "1",
            "Unshortlist" if shortlisted else "Shortlist",
            name,
        )
        decline = _form(
            page,
            page.decline_url(bid.pk),
            '<label for="reason-{}" class="label">Reason <span class="optional">optional, shown to the supplier'
            '</span></label>\n<textarea id="reason-{}" name="reason" rows="3" maxlength="2000"></textarea>\n'
            '<button type="submit" class="btn btn-danger btn-sm">Decline the bid</button>\n',
            bid.pk,
            bid.pk,
            attributes=' class="bid-popover-panel"',
        )
        forms += str(
            format_html(
                '<details class="bid-popover bid-popover-up">\n<summary class="btn btn-danger-quiet btn-sm btn-block">'
                'Decline…<span class="visually-hidden"> {}</span></summary>\n{}</details>\n',
                name,
                _safe(decline),
            )
        )
    return str(
        format_html(
            '<td>\n<div class="button-stack">\n{}<a class="btn btn-ghost btn-sm btn-block" href="{}">Open the bid</a>\n'
            "</div>\n</td>",
            _safe(forms),
            page.detail_url(bid.pk),
        )
    )


@register.simple_tag
def comparison_heads(comparison: Comparison) -> SafeString:
    """The column heads, one ``<th>`` per bid."""
    detail_url = bid_url("bid-detail")
    return _join(column_head(row, detail_url=detail_url) + "\n" for row in comparison.rows)


@register.simple_tag
def comparison_cells(cells: list[FactorScore]) -> SafeString:
    """One factor's line: a ``<td>`` per bid."""
    return _join(f"<td>\n{score_cell(item)}\n</td>\n" for item in cells)


@register.simple_tag
def comparison_savings(comparison: Comparison) -> SafeString:
    """The savings line: a ``<td>`` per bid."""
    return _join(savings_cell(row) + "\n" for row in comparison.rows)


@register.simple_tag(takes_context=True)
def comparison_actions(
    context: template.Context, comparison: Comparison, task_open: bool, can_manage: bool
) -> SafeString:
    """The decision line: a ``<td>`` per bid."""
    page = PageParts.of(context)
    return _join(
        actions_cell(row, task_open=task_open, can_manage=can_manage, page=page) + "\n" for row in comparison.rows
    )
