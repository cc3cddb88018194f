"""Existing contracts' terms become their version 1 (contracts 0004-0006), and come back when reversed."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.terms import Terms, canonical_text, sha256
from tests.support import latest_migrations, migrate_to

BEFORE = [("contracts", "0003_review")]
AFTER = [("contracts", "0006_contract_terms_only_in_versions")]


@pytest.mark.django_db(transaction=True)
def test_a_drafts_terms_become_version_one_and_go_back_when_reversed():
    apps = migrate_to(BEFORE)
    try:
        Organization = apps.get_model("accounts", "Organization")
        User = apps.get_model("accounts", "User")
        Membership = apps.get_model("accounts", "Membership")
        Contract = apps.get_model("contracts", "Contract")
        client = Organization.objects.create(name="Northwind", slug="migration-northwind", city="Berlin", country="DE")
        supplier = Organization.objects.create(name="Ledgerly", slug="migration-ledgerly")
        owner = User.objects.create(email="owner@migration.test")
        Membership.objects.create(user=owner, organization=client, role="owner")
        contract = Contract.objects.create(
            client=client,
            supplier=supplier,
            title="Payroll",
            scope="Monthly payroll",
            currency="EUR",
            total_amount=300_000,
            deadline=date(2027, 3, 1),
            status="active",
        )
        contract.milestones.create(position=2, title="Run two", amount=200_000, due_date=date(2027, 3, 1))
        contract.milestones.create(position=1, title="Run one", amount=100_000, due_date=date(2027, 2, 1))

        apps = migrate_to(AFTER)
        Contract = apps.get_model("contracts", "Contract")
        moved = Contract.objects.select_related("current_version").get(pk=contract.pk)
        version = moved.current_version
        terms = Terms.from_json(version.terms)
        assert (version.number, version.proposed_by_id, version.proposed_by_organization_id) == (1, owner.pk, client.pk)
        assert moved.signed_version_id == version.pk  # an active contract's terms are those signed
        assert (terms.scope, terms.end_date, terms.total) == ("Monthly payroll", date(2027, 3, 1), 300_000)
        assert [(m.key, m.title) for m in terms.milestones] == [("m1", "Run one"), ("m2", "Run two")]
        assert (terms.client.name, terms.client.city, terms.client.country) == ("Northwind", "Berlin", "DE")
        assert version.text == canonical_text(terms, contract_id=contract.pk, number=1)
        assert version.sha256 == sha256(version.text)
        assert sorted(moved.milestones.values_list("key", "status")) == [("m1", "pending"), ("m2", "pending")]

        apps = migrate_to(BEFORE)
        Contract = apps.get_model("contracts", "Contract")
        back = Contract.objects.get(pk=contract.pk)
        assert (back.scope, back.total_amount, back.deadline) == ("Monthly payroll", 300_000, date(2027, 3, 1))
        assert sorted(back.milestones.values_list("position", "title", "amount")) == [
            (1, "Run one", 100_000),
            (2, "Run two", 200_000),
        ]
    finally:
        migrate_to(latest_migrations())
