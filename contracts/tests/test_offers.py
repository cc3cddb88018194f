"""A direct offer: a client offers a contract to a supplier of the directory without a task, from the
supplier's profile or over the API; the draft then goes on as any other (changes, signatures, activation)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from contracts import services
from contracts.models import Contract, ContractMilestone, ContractStatus, ContractVersion
from contracts.terms import MilestoneTerms, Terms
from contracts.tests.conftest import days, make_active, proposal_form
from core.exceptions import DomainError, PermissionDenied
from core.models import AuditEvent, OutboxMessage
from tests.factories import OrganizationFactory, make_member
from tests.support import signed_in, with_token

pytestmark = pytest.mark.django_db

API = "/api/v1"


def offer(client_org, supplier, **changes: Any) -> Terms:  # type: ignore[no-untyped-def]
    """Terms a client writes for a fixed-price offer of two milestones, 3,000.00 EUR in all."""
    starter = services.offer_terms(client=client_org, supplier=supplier, currency="EUR", hourly=False)
    return replace(
        starter,
        title="Payroll for the Lisbon office",
        scope="Run the monthly payroll of 12 people, from January.",
        price=300_000,
        milestones=(
            MilestoneTerms(key="m1", title="Set-up", amount=100_000, due_date=days(14)),
            MilestoneTerms(key="m2", title="First quarter", amount=200_000, due_date=days(100)),
        ),
        end_date=days(100),
        **changes,
    )


def make_offer(firm, other_firm, **changes: Any) -> Contract:  # type: ignore[no-untyped-def]
    return services.offer_contract(
        actor=firm.owner, organization=firm, supplier=other_firm, terms=offer(firm, other_firm, **changes)
    )


def counts() -> tuple[int, int, int]:
    return Contract.objects.count(), ContractVersion.objects.count(), AuditEvent.objects.count()


class TestOffering:
    def test_an_offer_is_a_draft_without_a_task_that_the_supplier_is_told_of(self, firm, other_firm):
        contract = make_offer(firm, other_firm)

        assert (contract.client, contract.supplier, contract.status) == (firm, other_firm, ContractStatus.DRAFT)
        assert contract.task is None
        assert contract.bid is None
        terms = contract.terms
        assert contract.current_version.number == 1
        assert (terms.title, terms.price, terms.currency) == ("Payroll for the Lisbon office", 300_000, "EUR")
        assert (terms.client.name, terms.supplier.name) == ("Northwind Trading", "Globex Supplies")
        assert terms.clauses  # the general clauses of the seeded templates
        assert sorted(ContractMilestone.objects.filter(contract=contract).values_list("key", flat=True)) == ["m1", "m2"]
        event = AuditEvent.objects.get(action="contract.offered")
        assert event.details["supplier"] == other_firm.pk
        emails = [m.kwargs for m in OutboxMessage.objects.filter(task_name="core.send_email")]
        assert [e["to"] for e in emails] == [[other_firm.owner.email]]
        assert emails[0]["subject"].endswith("Northwind Trading offers you a contract: “Payroll for the Lisbon office”")
        assert "€3,000.00" in emails[0]["body"]

    def test_the_parties_names_and_the_platform_terms_are_the_servers(self, firm, other_firm):
        forged = offer(firm, other_firm)
        forged = replace(
            forged,
            client=replace(forged.client, name="Someone Else", legal_name="Northwind Trading Lda"),
            platform_fee_percent="0",
            review_days=1,
        )

        contract = services.offer_contract(actor=firm.owner, organization=firm, supplier=other_firm, terms=forged)

        terms = contract.terms
        assert terms.client.name == "Northwind Trading"
        assert terms.client.legal_name == "Northwind Trading Lda"  # legal details are the client's to give
        assert terms.platform_fee_percent != "0"
        assert terms.review_days > 1

    def test_then_it_goes_on_as_any_draft_to_an_active_contract(self, firm, other_firm):
        contract = make_offer(firm, other_firm)
        services.propose_version(
            actor=other_firm.owner,
            organization=other_firm,
            contract=contract,
            terms=replace(contract.terms, end_date=days(120)),
        )

        make_active(contract, firm, other_firm)

        contract.refresh_from_db()
        assert contract.status == ContractStatus.ACTIVE
        assert contract.signed_version.number == 2

    @pytest.mark.parametrize(
        ("case", "field"),
        [
            ("itself", "supplier"),
            ("unlisted", "supplier"),
            ("currency", "currency"),
            ("sum", "milestones"),
            ("blank title", "title"),
            ("note", "note"),
        ],
    )
    def test_a_bad_offer_is_refused_with_its_field_and_writes_nothing(self, firm, other_firm, case, field):
        supplier, terms, note = other_firm, offer(firm, other_firm), ""
        if case == "itself":
            supplier = firm
        elif case == "unlisted":
            supplier = OrganizationFactory(name="Not A Supplier")
        elif case == "currency":
            terms = replace(terms, currency="XXX")
        elif case == "sum":
            terms = replace(terms, price=300_001)
        elif case == "blank title":
            terms = replace(terms, title="\u200b\u200b")
        else:
            note = "a\x00b"
        before = counts()

        with pytest.raises(DomainError) as refused:
            services.offer_contract(actor=firm.owner, organization=firm, supplier=supplier, terms=terms, note=note)

        assert field in refused.value.field_errors
        assert counts() == before

    def test_only_an_owner_or_admin_makes_an_offer(self, firm, other_firm):
        member = make_member(firm, role="member")
        before = counts()

        with pytest.raises(PermissionDenied):
            services.offer_contract(actor=member, organization=firm, supplier=other_firm, terms=offer(firm, other_firm))

        assert counts() == before


# --- the page --------------------------------------------------------------------------------------


def offer_page(supplier, **query: str) -> str:  # type: ignore[no-untyped-def]
    path = reverse("contract-offer", kwargs={"slug": supplier.slug})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def offer_form(firm, other_firm, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return proposal_form(offer(firm, other_firm), note="You did our Porto payroll well.", **overrides)


class TestOfferPage:
    def test_the_suppliers_profile_offers_it_to_a_visiting_client(self, firm, other_firm):
        page = signed_in(firm.owner, firm).get(reverse("organization-detail", kwargs={"slug": other_firm.slug}))

        assert page.status_code == 200
        assert offer_page(other_firm).encode() in page.content

    def test_the_form_starts_empty_with_the_parties_and_the_general_clauses(self, firm, other_firm):
        page = signed_in(firm.owner, firm).get(offer_page(other_firm))

        assert page.status_code == 200
        html = page.content.decode()
        assert "Offer a contract to Globex Supplies" in html
        assert 'name="milestones-TOTAL_FORMS" value="1"' in html
        assert 'name="price"' in html
        assert 'name="hourly_rate"' not in html  # a fixed price unless hourly is chosen
        assert (
            'name="hourly_rate"'
            in signed_in(firm.owner, firm).get(offer_page(other_firm, pricing="hourly")).content.decode()
        )

    def test_sending_it_makes_the_draft_and_shows_it(self, firm, other_firm):
        client = signed_in(firm.owner, firm)

        response = client.post(offer_page(other_firm, currency="EUR", pricing="fixed"), offer_form(firm, other_firm))

        contract = Contract.objects.get(supplier=other_firm)
        assert response.status_code == 302
        assert response["Location"] == reverse("contract-detail", kwargs={"contract_id": contract.pk})
        assert contract.current_version.note == "You did our Porto payroll well."
        assert contract.terms.price == 300_000
        detail = client.get(response["Location"], follow=True)
        assert "Offer sent to Globex Supplies" in detail.content.decode()
        assert signed_in(other_firm.owner, other_firm).get(response["Location"]).status_code == 200

    def test_an_offer_that_breaks_the_rules_shows_every_problem_and_makes_nothing(self, firm, other_firm):
        before = counts()

        response = signed_in(firm.owner, firm).post(
            offer_page(other_firm), offer_form(firm, other_firm, title="", price="3,000.01")
        )

        assert response.status_code == 200
        html = response.content.decode()
        assert "Give the contract a title." in html
        assert "add up to" in html
        assert counts() == before

    def test_another_row_is_added_without_javascript(self, firm, other_firm):
        response = signed_in(firm.owner, firm).post(
            offer_page(other_firm), {**offer_form(firm, other_firm), "rows": "add-milestone"}
        )

        assert response.status_code == 200
        assert 'name="milestones-TOTAL_FORMS" value="3"' in response.content.decode()
        assert not Contract.objects.exists()

    def test_a_member_is_told_who_makes_offers_and_cannot_post_one(self, firm, other_firm):
        member = signed_in(make_member(firm, role="member"), firm)

        page = member.get(offer_page(other_firm))
        posted = member.post(offer_page(other_firm), offer_form(firm, other_firm))

        assert "Only owners and admins make offers" in page.content.decode()
        assert posted.status_code == 403
        assert not Contract.objects.exists()

    def test_only_a_listed_supplier_has_an_offer_page(self, firm, other_firm):
        unlisted = OrganizationFactory(name="Quiet Ltd")

        assert signed_in(firm.owner, firm).get(offer_page(unlisted)).status_code == 404
        assert Client().get(offer_page(other_firm)).status_code == 302  # to sign in

    def test_what_the_client_types_is_escaped(self, firm, other_firm):
        hostile = '"><script>alert(1)</script>'

        response = signed_in(firm.owner, firm).post(
            offer_page(other_firm), {**offer_form(firm, other_firm, title=hostile), "rows": "add-clause"}
        )

        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&quot;&gt;&lt;script&gt;" in html


# --- the API ---------------------------------------------------------------------------------------


def offer_body(other_firm, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {
        "supplier_organization": other_firm.pk,
        "title": "Payroll for the Lisbon office",
        "scope": "Run the monthly payroll of 12 people.",
        "currency": "EUR",
        "price": 300_000,
        "end_date": days(100).isoformat(),
        "milestones": [
            {"title": "Set-up", "amount": 100_000, "due_date": days(14).isoformat()},
            {"title": "First quarter", "amount": 200_000, "due_date": days(100).isoformat()},
        ],
        "note": "As discussed.",
    }
    body.update(overrides)
    return body


class TestOfferApi:
    def test_an_offer_makes_a_draft_both_sides_read(self, firm, other_firm):
        response = with_token(firm.owner, firm).post(f"{API}/contracts/", offer_body(other_firm), format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["status"], body["side"], body["supplier"]["id"]) == ("draft", "client", other_firm.pk)
        listed = with_token(other_firm.owner, other_firm).get(f"{API}/contracts/").json()["results"]
        assert [(c["id"], c["side"]) for c in listed] == [(body["id"], "supplier")]
        versions = with_token(other_firm.owner, other_firm).get(f"{API}/contracts/{body['id']}/versions/").json()
        terms = versions["results"][0]["terms"]
        assert [m["key"] for m in terms["milestones"]] == ["m1", "m2"]
        assert terms["hourly_rate"] is None

    def test_an_hourly_rate_makes_an_hourly_contract(self, firm, other_firm):
        body = offer_body(other_firm, hourly_rate=9_000, end_kind="hours", hours_cap=40, price=360_000)
        body["milestones"] = [{"title": "Hours", "amount": 360_000}]

        response = with_token(firm.owner, firm).post(f"{API}/contracts/", body, format="json")

        assert response.status_code == 201, response.content
        terms = Contract.objects.get(pk=response.json()["id"]).terms
        assert (terms.hourly_rate, terms.hours_cap, terms.end_kind) == (9_000, 40, "hours")

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            ({"supplier_organization": 2_000_000_000}, {"supplier_organization"}),
            ({"currency": "XXX", "milestones": [], "title": "x" * 201}, {"currency", "milestones", "title"}),
            ({"price": 300_001}, {"milestones"}),
            ({"price": 10**13}, {"price"}),
            ({"scope": "a\x00b"}, {"scope"}),
        ],
    )
    def test_bad_input_is_one_400_naming_the_fields_and_nothing_is_written(self, firm, other_firm, overrides, fields):
        client = with_token(firm.owner, firm)
        before = counts()

        response = client.post(f"{API}/contracts/", offer_body(other_firm, **overrides), format="json")

        assert response.status_code == 400, response.content
        assert set(response.json()["error"]["fields"]) == fields
        assert counts() == before

    def test_offering_to_yourself_or_as_a_member_is_refused(self, firm, other_firm):
        other_firm_as_client = with_token(other_firm.owner, other_firm)
        member = with_token(make_member(firm, role="member"), firm)
        before = counts()

        itself = other_firm_as_client.post(f"{API}/contracts/", offer_body(other_firm), format="json")
        as_member = member.post(f"{API}/contracts/", offer_body(other_firm), format="json")

        assert itself.status_code == 400
        assert set(itself.json()["error"]["fields"]) == {"supplier_organization"}
        assert as_member.status_code == 403
        assert counts() == before

    def test_an_outsider_never_sees_the_offer(self, firm, other_firm):
        contract_id = (
            with_token(firm.owner, firm).post(f"{API}/contracts/", offer_body(other_firm), format="json").json()["id"]
        )
        outsider = OrganizationFactory(name="Elsewhere")
        outsider_owner = make_member(outsider, role="owner")

        response = with_token(outsider_owner, outsider).get(f"{API}/contracts/{contract_id}/")

        assert response.status_code == 404
