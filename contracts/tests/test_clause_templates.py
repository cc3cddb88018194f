"""Clause templates: staff keep them in the admin, a category's own replaces the general one, drafts take them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from contracts.models import ClauseTemplate, ContractVersion
from contracts.selectors import clauses_for
from core.models import AuditEvent
from marketplace.models import Category
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEEDED = ["confidentiality", "ownership", "termination", "governing-law", "disagreements"]


def category(slug: str) -> Category:
    return Category.objects.get(slug=slug)


def staff() -> Client:
    client = Client()
    client.force_login(UserFactory(email="staff@platform.test", is_staff=True, is_superuser=True))
    return client


def test_the_seeded_clauses_apply_to_every_category_in_their_order():
    general = clauses_for(category_id=None)
    payroll = clauses_for(category_id=category("payroll").pk)

    assert [clause.key for clause in general] == SEEDED
    assert payroll == general
    assert all(clause.title and clause.text for clause in general)


def test_the_seeded_clauses_promise_nothing_the_platform_does_not_do():
    from tests.test_claims import _promises

    texts = " ".join(f"{clause.title} {clause.text}" for clause in clauses_for(category_id=None))

    assert _promises(texts) == []
    assert "7 days' notice" in texts
    assert "law of the country where the client is established" in texts


def test_a_categorys_own_template_replaces_the_general_one_of_the_same_key_there_only():
    payroll, design = category("payroll"), category("design")
    ClauseTemplate.objects.create(
        key="confidentiality", category=payroll, title="Confidentiality of payroll data", text="Salaries stay secret."
    )
    ClauseTemplate.objects.create(
        key="data-processing", category=payroll, title="Data processing", text="GDPR.", position=5
    )

    in_payroll = clauses_for(category_id=payroll.pk)
    in_design = clauses_for(category_id=design.pk)

    assert [clause.key for clause in in_payroll] == ["data-processing", *SEEDED]
    assert in_payroll[1].title == "Confidentiality of payroll data"
    assert [clause.key for clause in in_design] == SEEDED
    assert in_design[0].title == "Confidentiality"


def test_inactive_templates_are_left_out_and_an_inactive_override_leaves_the_general_one():
    payroll = category("payroll")
    ClauseTemplate.objects.filter(key="governing-law", category=None).update(active=False)
    ClauseTemplate.objects.create(key="ownership", category=payroll, title="Old ownership", text="x", active=False)

    keys = [clause.key for clause in clauses_for(category_id=payroll.pk)]
    titles = [clause.title for clause in clauses_for(category_id=payroll.pk)]

    assert keys == ["confidentiality", "ownership", "termination", "disagreements"]
    assert "Old ownership" not in titles


def test_a_draft_from_a_bid_holds_the_clauses_of_its_tasks_category(firm, other_firm):
    from contracts.tests.conftest import days
    from marketplace import services as marketplace
    from tests.factories import MilestoneInputFactory, bid_input, open_task

    ClauseTemplate.objects.create(
        key="confidentiality",
        category=category("payroll"),
        title="Payroll confidentiality",
        text="Salaries stay secret.",
    )
    task = open_task(firm, title="Payroll 2027", budget_amount=400_000)
    milestones = [MilestoneInputFactory(title="Set-up", amount=280_000, due_date=days(10))]
    bid = marketplace.submit_bid(
        actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input(amount=280_000, milestones=milestones)
    )
    marketplace.accept_bid(actor=firm.owner, bid=bid)

    version = ContractVersion.objects.get(contract__bid=bid)
    terms = version.read_terms()
    assert [clause.key for clause in terms.clauses] == SEEDED
    assert terms.clauses[0].title == "Payroll confidentiality"
    assert "\nPayroll confidentiality\nSalaries stay secret.\n" in version.text
    assert "\nGoverning law\n" in version.text


def test_editing_a_template_changes_no_draft_already_made(contract):
    before = contract.current_version.text
    ClauseTemplate.objects.filter(key="confidentiality").update(text="Something else entirely.")

    assert ContractVersion.objects.get(pk=contract.current_version_id).text == before
    assert "Something else entirely." not in before


# --- the admin -------------------------------------------------------------------------------------


def test_staff_add_a_category_template_in_the_admin_and_it_is_audited():
    client = staff()
    payroll = category("payroll")

    response = client.post(
        reverse("admin:contracts_clausetemplate_add"),
        {
            "key": "confidentiality",
            "title": "Payroll confidentiality",
            "text": "Salaries stay secret.",
            "category": payroll.pk,
            "position": 10,
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    template = ClauseTemplate.objects.get(category=payroll, key="confidentiality")
    assert AuditEvent.objects.filter(action="contracts.clause_template_added", target_id=str(template.pk)).exists()
    listing = client.get(reverse("admin:contracts_clausetemplate_changelist") + "?q=payroll")
    assert "Payroll confidentiality" in listing.content.decode()


def test_the_admin_refuses_a_second_general_template_of_a_key_and_nul_in_its_text():
    client = staff()

    response = client.post(
        reverse("admin:contracts_clausetemplate_add"),
        {"key": "confidentiality", "title": "Again", "text": "Secret\x00", "position": 1, "active": "on"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Null characters are not allowed." in page
    assert ClauseTemplate.objects.filter(key="confidentiality").count() == 1


def test_contracts_versions_milestones_and_signatures_are_read_only_in_the_admin(contract):
    client = staff()
    version = contract.current_version

    assert client.get(reverse("admin:contracts_contract_changelist")).status_code == 200
    assert client.get(reverse("admin:contracts_contract_change", args=[contract.pk])).status_code == 200
    assert client.get(reverse("admin:contracts_contractversion_change", args=[version.pk])).status_code == 200
    assert client.get(reverse("admin:contracts_contractmilestone_changelist")).status_code == 200
    assert client.get(reverse("admin:contracts_signature_changelist")).status_code == 200
    assert client.get(reverse("admin:contracts_contractversion_add")).status_code == 403
    assert client.get(reverse("admin:contracts_contractversion_delete", args=[version.pk])).status_code == 403
    client.post(reverse("admin:contracts_contractversion_change", args=[version.pk]), {"note": "forged"})
    assert ContractVersion.objects.get(pk=version.pk).note == version.note
