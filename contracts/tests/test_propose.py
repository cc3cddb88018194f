"""Proposing changes from the contract's page: the form shows the current terms, a change makes the next version."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from contracts import services
from contracts.models import ContractStatus, ContractVersion
from contracts.tests.conftest import days, proposal_form
from core import limits
from core.models import AuditEvent
from tests.factories import OrganizationFactory, make_member
from tests.support import html, signed_in

pytestmark = pytest.mark.django_db


def propose_url(contract) -> str:  # type: ignore[no-untyped-def]
    return reverse("contract-propose", kwargs={"contract_id": contract.pk})


class FormReader(HTMLParser):
    """The values a browser would post from the page's proposal form (no button pressed)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self.inside = False
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and "data-terms-form" in found:
            self.inside = True
        if not self.inside or not found.get("name"):
            return
        name = str(found["name"])
        kind = found.get("type")
        if tag == "input" and (kind not in ("radio", "checkbox", "submit") or (kind == "radio" and "checked" in found)):
            self.data[name] = found.get("value") or ""
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea:
            self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")  # as browsers read it
            self.textarea = None
        if tag == "form":
            self.inside = False


def form_of(page: str) -> dict[str, Any]:
    reader = FormReader()
    reader.feed(page)
    return {key: value for key, value in reader.data.items() if key not in ("csrfmiddlewaretoken", "submit_token")}


def versions(contract) -> int:  # type: ignore[no-untyped-def]
    return ContractVersion.objects.filter(contract=contract).count()


# --- the page --------------------------------------------------------------------------------------


def test_the_form_shows_the_current_terms_to_either_party(contract, firm, other_firm):
    for organization in (firm, other_firm):
        page = html(signed_in(organization.owner, organization).get(propose_url(contract)))

        assert "Propose version 2" in page
        assert 'value="Books closed"' in page
        assert 'value="1,800.00"' in page
        assert 'value="Confidentiality"' in page
        assert f'value="{days(40).isoformat()}"' in page
        assert "submit_token" in page


def test_the_contract_page_offers_to_propose_changes_while_the_terms_are_open(contract, firm, other_firm):
    page = html(signed_in(firm.owner, firm).get(reverse("contract-detail", kwargs={"contract_id": contract.pk})))
    assert f'href="{propose_url(contract)}">Propose changes</a>' in page

    services.cancel_contract(actor=firm.owner, organization=firm, contract=contract, reason="Booked up")

    page = html(signed_in(firm.owner, firm).get(reverse("contract-detail", kwargs={"contract_id": contract.pk})))
    assert propose_url(contract) not in page


def test_the_page_as_served_sent_back_unchanged_makes_no_version(contract, other_firm):
    client = signed_in(other_firm.owner, other_firm)
    posted = form_of(html(client.get(propose_url(contract))))
    posted["scope"] = posted["scope"].replace("\n", "\r\n")  # as browsers send line breaks

    page = html(client.post(propose_url(contract), posted))

    assert "Nothing changed." in page
    assert versions(contract) == 1
    assert not AuditEvent.objects.filter(action="contract.version_proposed").exists()


# --- a proposal ------------------------------------------------------------------------------------


def test_a_changed_milestone_makes_version_two_with_its_diff_and_note(contract, firm, other_firm):
    client = signed_in(other_firm.owner, other_firm)
    posted = form_of(html(client.get(propose_url(contract))))
    posted.update(
        {
            "price": "3,000.00",
            "milestones-1-amount": "2,000.00",
            "supplier_vat_number": "DE123456789",
            "note": "Filing takes longer than we thought.",
        }
    )

    response = client.post(propose_url(contract), posted)

    assert response.status_code == 302
    assert response["Location"] == reverse("contract-detail", kwargs={"contract_id": contract.pk})
    contract.refresh_from_db()
    version = contract.current_version
    terms = version.read_terms()
    assert (version.number, version.proposed_by_organization, version.note) == (
        2,
        other_firm,
        "Filing takes longer than we thought.",
    )
    assert contract.status == ContractStatus.NEGOTIATING
    assert terms.price == 300_000
    assert [(m.key, m.amount) for m in terms.milestones] == [("m1", 100_000), ("m2", 200_000)]
    assert terms.supplier.vat_number == "DE123456789"
    assert terms.clauses == ContractVersion.objects.get(contract=contract, number=1).read_terms().clauses
    detail = html(client.get(response["Location"]))
    assert f"Version 2 proposed. {firm.name} sees what changed" in detail
    diff = html(client.get(reverse("contract-changes", kwargs={"contract_id": contract.pk, "older": 1, "newer": 2})))
    assert "Removed: </span>2. [m2] Accounts filed: €1,800.00" in diff
    assert "Added: </span>2. [m2] Accounts filed: €2,000.00" in diff
    assert "Added: </span>  VAT number: DE123456789" in diff


def test_rows_are_added_and_removed_without_javascript_and_a_new_milestone_gets_a_new_key(contract, firm):
    client = signed_in(firm.owner, firm)
    posted = form_of(html(client.get(propose_url(contract))))
    posted["title"] = "Annual accounts 2026, and payroll"

    added = html(client.post(propose_url(contract), {**posted, "rows": "add-milestone"}))
    assert versions(contract) == 1
    assert 'value="Annual accounts 2026, and payroll"' in added  # what was typed is kept
    again = form_of(added)
    assert again["milestones-TOTAL_FORMS"] == "3"
    removed = form_of(html(client.post(propose_url(contract), {**again, "rows": "remove-clause-0"})))
    assert removed["clauses-TOTAL_FORMS"] == str(int(again["clauses-TOTAL_FORMS"]) - 1)
    assert removed["clauses-0-key"] == "ownership"  # the first clause went, the others kept their keys
    removed.update(
        {
            "milestones-2-title": "Payroll set up",
            "milestones-2-amount": "500.00",
            "milestones-2-due_date": days(50).isoformat(),
            "price": "3,300.00",
        }
    )

    response = client.post(propose_url(contract), removed)

    assert response.status_code == 302, html(response)[:3000]
    terms = ContractVersion.objects.get(contract=contract, number=2).read_terms()
    assert [(m.key, m.title) for m in terms.milestones] == [
        ("m1", "Books closed"),
        ("m2", "Accounts filed"),
        ("m3", "Payroll set up"),
    ]
    assert "confidentiality" not in [clause.key for clause in terms.clauses]
    assert sorted(contract.milestones.values_list("key", flat=True)) == ["m1", "m2", "m3"]


def test_a_clause_of_ones_own_is_added_under_a_new_key(contract, firm):
    client = signed_in(firm.owner, firm)
    posted = form_of(html(client.post(propose_url(contract), {**proposal_form(contract.terms), "rows": "add-clause"})))
    last = int(posted["clauses-TOTAL_FORMS"]) - 1
    posted[f"clauses-{last}-title"] = "Working hours"
    posted[f"clauses-{last}-text"] = "On site only between 8:00 and 18:00."

    assert client.post(propose_url(contract), posted).status_code == 302

    terms = ContractVersion.objects.get(contract=contract, number=2).read_terms()
    assert (terms.clauses[-1].key, terms.clauses[-1].title) == ("clause-1", "Working hours")


# --- refusals --------------------------------------------------------------------------------------


def too_many_milestones(terms) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    data = proposal_form(terms, **{"milestones-TOTAL_FORMS": "25", "price": "25.00"})
    for index in range(25):
        data.update({f"milestones-{index}-title": f"Step {index}", f"milestones-{index}-amount": "1.00"})
    return data


BAD_INPUT = {
    "NUL in the title": (lambda t: proposal_form(t, title="Accounts\x00"), "Null characters are not allowed."),
    "a title too long": (
        lambda t: proposal_form(t, title="A" * (limits.TITLE + 1)),
        f"Ensure this value has at most {limits.TITLE} characters",
    ),
    "a control character in the scope": (
        lambda t: proposal_form(t, scope="Books\x07"),
        "Remove the control characters (a NUL, say) from the text.",
    ),
    "milestones that do not add up to the price": (
        lambda t: proposal_form(t, **{"milestones-1-amount": "2,000.00"}),
        "The milestones add up to €3,000.00, not to the price of €2,800.00.",
    ),
    "an amount above the limit": (
        lambda t: proposal_form(t, **{"milestones-1-amount": "10,000,000,000.01", "price": "10,000,000,001.01"}),
        "Every milestone&#x27;s amount is above zero and at most €10,000,000,000.00.",
    ),
    "25 milestones": (too_many_milestones, "A contract holds at most 20 milestones."),
    "an end kind that does not exist": (
        lambda t: proposal_form(t, end_kind="forever"),
        "The work ends by a date, a cap on hours or a budget cap.",
    ),
    "an hours cap missing": (lambda t: proposal_form(t, end_kind="hours"), "Give the cap on hours, at most 100,000."),
    "a legal name too long": (
        lambda t: proposal_form(t, client_legal_name="N" * (limits.LEGAL_NAME + 1)),
        f"Ensure this value has at most {limits.LEGAL_NAME} characters",
    ),
    "a blank clause": (
        lambda t: proposal_form(t, **{"clauses-0-text": ""}),
        "Write the clause, or remove it.",
    ),
    "a note too long": (
        lambda t: proposal_form(t, title="Changed", note="n" * (limits.SHORT_NOTE + 1)),
        f"Ensure this value has at most {limits.SHORT_NOTE} characters",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_shown_next_to_its_field_and_in_the_summary_and_nothing_is_written(case, contract, firm):
    build, message = BAD_INPUT[case]
    audit_before = AuditEvent.objects.count()

    response = signed_in(firm.owner, firm).post(propose_url(contract), build(contract.terms))

    page = html(response)
    assert response.status_code == 200
    assert "data-error-summary" in page
    assert page.count(message) >= 2, f"{message!r} should be in the summary and by its field"
    assert versions(contract) == 1
    assert AuditEvent.objects.count() == audit_before


def test_an_organization_not_party_to_the_contract_gets_404_and_writes_nothing(contract):
    stranger = OrganizationFactory(name="Stranger Ltd")
    stranger.owner = make_member(stranger, role="owner")
    client = signed_in(stranger.owner, stranger)

    assert client.get(propose_url(contract)).status_code == 404
    assert client.post(propose_url(contract), proposal_form(contract.terms, title="Mine now")).status_code == 404
    assert versions(contract) == 1


def test_a_cancelled_contract_explains_why_its_terms_no_longer_change_and_refuses_a_proposal(contract, firm):
    services.cancel_contract(actor=firm.owner, organization=firm, contract=contract, reason="Booked up")
    client = signed_in(firm.owner, firm)

    page = html(client.get(propose_url(contract)))
    refused = client.post(propose_url(contract), proposal_form(contract.terms, title="Revived"))

    assert "The terms of this contract can no longer change" in page
    assert "It is cancelled" in page
    assert "Booked up" in page
    assert refused.status_code == 409
    assert versions(contract) == 1


def test_text_people_typed_is_escaped_on_the_form(contract, firm):
    hostile = '</textarea><script>alert("x")</script>'
    client = signed_in(firm.owner, firm)
    assert client.post(propose_url(contract), proposal_form(contract.terms, scope=hostile)).status_code == 302

    page = html(client.get(propose_url(contract)))

    assert "<script>alert" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;" in page
