"""What the task pages' tests share: a task as the form posts it, the tasks a page lists, a small PDF."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from marketplace.models import (
    Category,
)
from tests.support import html

PDF = b"%PDF-1.4\n% a brief\n" + b"x" * 200


def listed_task_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="task-(\d+)-title"', html(response))]


def form_data(**overrides) -> dict:
    """A valid fixed-price task as the form posts it (amounts in major units)."""
    today = timezone.localdate()
    data = {
        "title": "Quarterly VAT returns",
        "description": "File our **VAT returns** every quarter.",
        "category": Category.objects.get(slug="accounting-and-bookkeeping").pk,
        "skills": "VAT returns, Xero",
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": "2,800.00",
        "deadline": (today + timedelta(days=40)).isoformat(),
        "bidding_closes_at": (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "location_type": "remote",
        "country": "",
        "city": "",
        "postal_code": "",
        "visibility": "public",
        "in_house_cost_estimate": "4,500.00",
        "action": "publish",
    }
    data.update(overrides)
    return data
