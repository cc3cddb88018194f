"""The comparison's columns (``marketplace.templatetags.comparison_table``) write what the templates did.

The templates below are the ones the tags replaced, verbatim (commit e297d62:
``marketplace/bids/_score.html`` and the four per-bid loops of
``task_comparison.html``). Both renderings of the same comparison must be the
same markup once whitespace between tags is ignored and the random tokens
are masked; and supplier-written text stays escaped.
"""

# ruff: noqa: E501 - the replaced templates are quoted verbatim, long lines and all

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from accounts.models import Organization
from marketplace.comparison import DEFAULT_WEIGHTS, BidRow, Comparison, FactorScore, Part, Savings, SupplierRecord
from marketplace.comparison.ranking import _total
from marketplace.comparison.scoring import score_communication, score_flexibility, score_reputation
from marketplace.models import Bid, Task

OLD_SCORE = """{% if item.missing %}
  <div class="cmp-score cmp-score-missing">
    <span class="badge badge-missing">Missing</span>
    <p class="cmp-explain">{{ item.explanation }}</p>
  </div>
{% else %}
  <div class="cmp-score">
    <div class="cmp-score-line">
      <span class="score-bar" aria-hidden="true"><span class="score-fill {{ item.bar_class }} level-{{ item.level }}"></span></span>
      <span class="score-num level-{{ item.level }}"><span class="visually-hidden">{{ item.label }} score </span>{{ item.score }}</span>
    </div>
    <p class="cmp-value">{{ item.value }}</p>
    {% if item.evidence %}<p class="cmp-evidence{% if item.thin %} cmp-evidence-thin{% endif %}">{% if item.thin %}<span class="badge badge-thin">Little evidence</span> {% endif %}Rests on {{ item.evidence }}</p>{% endif %}
    {% if item.parts %}
      <ul class="cmp-parts">
        {% for part in item.parts %}
          <li{% if part.score is None %} class="cmp-part-missing"{% endif %}>
            <span class="cmp-part-label">{{ part.label }}</span>
            <span class="cmp-part-score">{% if part.score is None %}missing{% else %}{{ part.score }}{% endif %}</span>
          </li>
        {% endfor %}
      </ul>
    {% endif %}
    <p class="cmp-explain">{{ item.explanation }}</p>
  </div>
{% endif %}"""

OLD_HEADS = """{% load accounts_format %}{% for row in comparison.rows %}
  <th scope="col" class="cmp-bid{% if row.rank == 1 %} cmp-best{% endif %}"
      data-bid-column
      data-score-price="{{ row.factors.price.score|default_if_none:'' }}"
      data-score-geography="{{ row.factors.geography.score|default_if_none:'' }}"
      data-score-flexibility="{{ row.factors.flexibility.score|default_if_none:'' }}"
      data-score-communication="{{ row.factors.communication.score|default_if_none:'' }}"
      data-score-reputation="{{ row.factors.reputation.score|default_if_none:'' }}">
    <div class="cmp-bid-top">
      {% if row.rank %}<span class="cmp-rank" title="Rank by total score">#{{ row.rank }}</span>{% endif %}
      {% include "marketplace/bids/_bid_status.html" with bid=row.bid %}
    </div>
    <p class="cmp-supplier"><span class="avatar avatar-xs" aria-hidden="true">{{ row.bid.supplier.name|initials }}</span><a href="{% url 'bid-detail' row.bid.pk %}">{{ row.bid.supplier.name }}</a></p>
    <div class="cmp-total">
      {% if row.total is not None %}
        <span class="cmp-total-num level-{{ row.total_level }}" data-total>{{ row.total }}</span><span class="cmp-total-of">/ 100</span>
      {% else %}
        <span class="cmp-total-none" data-total>No total</span>
      {% endif %}
    </div>
    <span class="score-bar score-bar-lg" aria-hidden="true"><span class="score-fill {{ row.total_class }} level-{{ row.total_level }}" data-total-bar></span></span>
    <p class="cmp-coverage">{% if row.left_out %}Based on {{ row.coverage }} of 5 factors{% else %}Based on every factor you weigh{% endif %}</p>
  </th>
{% endfor %}"""

OLD_SAVINGS = """{% load accounts_format %}{% for row in comparison.rows %}
  <td>
    {% if row.savings %}
      <p class="cmp-savings {% if row.savings.is_saving %}savings-good{% elif row.savings.amount < 0 %}savings-bad{% endif %}">
        {% if row.savings.amount > 0 %}Saves {{ row.savings.amount_display }}{% elif row.savings.amount < 0 %}Costs {{ row.savings.amount_display }} more{% else %}Same cost{% endif %}
      </p>
      <p class="cmp-explain">{% if row.savings.amount > 0 %}{{ row.savings.percent_display }} below{% elif row.savings.amount < 0 %}{{ row.savings.percent_display }} above{% else %}Equal to{% endif %} your estimate of {{ row.savings.estimate|money:row.savings.currency }}.</p>
    {% else %}
      <span class="badge badge-missing">Missing</span>
      <p class="cmp-explain">You gave no in-house estimate for this task.</p>
    {% endif %}
  </td>
{% endfor %}"""

OLD_ACTIONS = """{% for row in comparison.rows %}
  <td>
    <div class="button-stack">
      {% if task_open and row.bid.status == "submitted" or task_open and row.bid.status == "shortlisted" %}
        {% if can_manage %}
          <form method="post" action="{% url 'bid-accept' row.bid.pk %}">
            {% csrf_token %}
            {% submit_token %}
            <input type="hidden" name="next" value="{{ request.get_full_path }}">
            <button type="submit" class="btn btn-primary btn-sm btn-block">Accept…<span class="visually-hidden"> bid of {{ row.bid.supplier.name }}</span></button>
          </form>
        {% endif %}
        <form method="post" action="{% url 'bid-shortlist' row.bid.pk %}">
          {% csrf_token %}
          {% submit_token %}
          <input type="hidden" name="next" value="{{ request.get_full_path }}">
          {% if row.bid.status == "shortlisted" %}
            <input type="hidden" name="shortlisted" value="0">
            <button type="submit" class="btn btn-secondary btn-sm btn-block">Unshortlist<span class="visually-hidden"> {{ row.bid.supplier.name }}</span></button>
          {% else %}
            <input type="hidden" name="shortlisted" value="1">
            <button type="submit" class="btn btn-secondary btn-sm btn-block">Shortlist<span class="visually-hidden"> {{ row.bid.supplier.name }}</span></button>
          {% endif %}
        </form>
        <details class="bid-popover bid-popover-up">
          <summary class="btn btn-danger-quiet btn-sm btn-block">Decline…<span class="visually-hidden"> {{ row.bid.supplier.name }}</span></summary>
          <form method="post" action="{% url 'bid-decline' row.bid.pk %}" class="bid-popover-panel">
            {% csrf_token %}
            {% submit_token %}
            <input type="hidden" name="next" value="{{ request.get_full_path }}">
            <label for="reason-{{ row.bid.pk }}" class="label">Reason <span class="optional">optional, shown to the supplier</span></label>
            <textarea id="reason-{{ row.bid.pk }}" name="reason" rows="3" maxlength="2000"></textarea>
            <button type="submit" class="btn btn-danger btn-sm">Decline the bid</button>
          </form>
        </details>
      {% endif %}
      <a class="btn btn-ghost btn-sm btn-block" href="{% url 'bid-detail' row.bid.pk %}">Open the bid</a>
    </div>
  </td>
{% endfor %}"""

NEW = {
    "heads": "{% load comparison_table %}{% comparison_heads comparison %}",
    "savings": "{% load comparison_table %}{% comparison_savings comparison %}",
    "actions": "{% load comparison_table %}{% comparison_actions comparison task_open can_manage %}",
}
OLD = {"heads": OLD_HEADS, "savings": OLD_SAVINGS, "actions": OLD_ACTIONS}

HOSTILE = "<script>alert(\"x\")</script> & Söhne 'Ltd'"


def normalised(html: str) -> str:
    html = re.sub(r'(name="(?:csrfmiddlewaretoken|submit_token)" value=")[^"]*"', r'\1TOKEN"', str(html))
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def render(source: str, **context: Any) -> str:
    return Template(source).render(Context(context))


def comparison() -> Comparison:
    """Bids in every state the columns tell apart: statuses, savings either way, parts missing, no total."""
    today = date(2026, 3, 2)
    task = Task(pk=7, currency="EUR", budget_amount=300_000, deadline=today + timedelta(days=30))
    rows = []
    cases = [
        ("submitted", Savings(amount=170_000, percent=Decimal("37.8"), currency="EUR", estimate=450_000), True),
        ("shortlisted", Savings(amount=-20_000, percent=Decimal("-4.4"), currency="EUR", estimate=450_000), True),
        ("accepted", Savings(amount=0, percent=Decimal("0.0"), currency="EUR", estimate=450_000), True),
        ("submitted", None, False),
    ]
    for n, (status, savings, scored) in enumerate(cases, start=1):
        supplier = Organization(pk=100 + n, name=f"{HOSTILE} {n}")
        bid = Bid(
            pk=500 + n,
            task=task,
            supplier=supplier,
            status=status,
            amount=280_000,
            currency="EUR",
            start_date=today + timedelta(days=n),
            delivery_date=today + timedelta(days=28 + 2 * n),
            availability_hours_per_week=10 * n,
        )
        missing = FactorScore("geography", None, "Not given", f"The supplier {HOSTILE} has not said.")
        factors = {
            "price": FactorScore("price", 100 - 10 * n, f"€{n},800.00 {HOSTILE}", "The lowest & best."),
            "geography": missing if n % 2 else FactorScore("geography", 45, "3 h overlap", "Some overlap."),
            "flexibility": score_flexibility(bid, task=task, today=today),
            "communication": score_communication(SupplierRecord(review_count=n - 1, communication_total=4 * (n - 1))),
            "reputation": score_reputation(SupplierRecord(completed_contracts=n - 1)),
        }
        if not scored:
            factors = {
                name: FactorScore(name, None, "No data yet", "Nothing.", (Part("A", "a", None),)) for name in factors
            }
        row = BidRow(bid=bid, factors=factors, savings=savings)
        _total(row, dict(DEFAULT_WEIGHTS))
        rows.append(row)
    for rank, row in enumerate((r for r in rows if r.total is not None), start=1):
        row.rank = rank
    return Comparison(task=task, weights=dict(DEFAULT_WEIGHTS), rows=rows)


@pytest.mark.parametrize("part", ["heads", "savings", "actions"])
@pytest.mark.parametrize("task_open", [True, False])
@pytest.mark.parametrize("can_manage", [True, False])
def test_the_columns_are_the_markup_of_the_templates_they_replaced(part, task_open, can_manage):
    request = RequestFactory().get("/tasks/7/compare/", {"sort": 'price"><b>'})
    context = {
        "comparison": comparison(),
        "task_open": task_open,
        "can_manage": can_manage,
        "request": request,
        "csrf_token": "a-csrf-token",
    }

    new, old = render(NEW[part], **context), render(OLD[part], **context)

    assert normalised(new) == normalised(old)
    assert "<script>" not in new
    assert 'sort=price"><b>' not in new


def test_score_cells_are_the_markup_of_the_template_they_replaced():
    lines = comparison().factor_rows

    for line in lines:
        new = render("{% load comparison_table %}{% comparison_cells cells %}", cells=line.cells)
        old = "".join(f"<td>{render(OLD_SCORE, item=item)}</td>" for item in line.cells)
        assert normalised(new) == normalised(old), line.factor
        assert "<script>" not in new


def test_every_form_gets_a_submit_token_of_its_own():
    request = RequestFactory().get("/tasks/7/compare/")
    html = render(NEW["actions"], comparison=comparison(), task_open=True, can_manage=True, request=request)

    tokens = re.findall(r'name="submit_token" value="([^"]+)"', html)
    assert len(tokens) == 3 * 3  # accept, shortlist and decline for the two submitted bids and the shortlisted one
    assert len(set(tokens)) == len(tokens)


def test_without_a_csrf_token_the_forms_carry_none_as_csrf_token_renders_none():
    request = RequestFactory().get("/tasks/7/compare/")
    context = {"comparison": comparison(), "task_open": True, "can_manage": True, "request": request}

    new, old = render(NEW["actions"], **context), render(OLD_ACTIONS, **context)

    assert "csrfmiddlewaretoken" not in new
    assert normalised(new) == normalised(old)
