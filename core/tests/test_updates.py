"""apply_changes: only what differs is set, and said, with what it was."""

from __future__ import annotations

from accounts.models import Organization
from core.updates import apply_changes


def test_sets_and_reports_only_the_values_that_differ():
    organization = Organization(name="Northwind", city="Leeds", headline="")

    changes = apply_changes(organization, {"name": "Northwind", "city": "York", "headline": "Coffee"})

    assert changes == {"city": ("Leeds", "York"), "headline": ("", "Coffee")}
    assert (organization.name, organization.city, organization.headline) == ("Northwind", "York", "Coffee")
    assert apply_changes(organization, {"city": "York"}) == {}
