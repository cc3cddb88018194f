"""The contract pages: both parties read a contract, its versions and what changed between them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse

from contracts import services
from tests.factories import OrganizationFactory, make_member
from tests.support import html, signed_in

pytestmark = pytest.mark.django_db


def url(name: str, contract, **more) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"contract_id": contract.pk, **more})


def test_both_parties_list_the_contract_and_see_their_side(contract, firm, other_firm):
    as_client = html(signed_in(firm.owner, firm).get(reverse("contract-list")))
    as_supplier = html(signed_in(other_firm.owner, other_firm).get(reverse("contract-list")))

    assert url("contract-detail", contract) in as_client
    assert f'{other_firm.name} <span class="muted">(supplier)</span>' in as_client
    assert f'{firm.name} <span class="muted">(client)</span>' in as_supplier
    assert "€2,800.00" in as_client


def test_another_organization_lists_nothing_and_reads_nothing(contract):
    stranger = OrganizationFactory(name="Stranger Ltd")
    stranger.owner = make_member(stranger, role="owner")
    client = signed_in(stranger.owner, stranger)

    assert "No contracts yet" in html(client.get(reverse("contract-list")))
    assert client.get(url("contract-detail", contract)).status_code == 404


def test_the_contract_shows_its_terms_versions_and_history(contract, firm):
    page = html(signed_in(firm.owner, firm).get(url("contract-detail", contract)))

    assert "Books closed" in page
    assert "Accounts filed" in page
    assert "€1,000.00" in page
    assert url("contract-version", contract, number=1) in page
    assert "Drafted from the accepted bid" in page
    assert "Not signed yet." in page
    assert 'aria-current="page">Contracts</a>' in page


def test_a_version_shows_the_text_that_is_signed_and_its_hash(contract, other_firm):
    version = contract.current_version

    page = html(signed_in(other_firm.owner, other_firm).get(url("contract-version", contract, number=1)))

    assert version.sha256 in page
    assert "Contract " in page
    assert signed_in(other_firm.owner, other_firm).get(url("contract-version", contract, number=9)).status_code == 404


def test_what_changed_marks_lines_put_in_and_taken_out_and_escapes_them(contract, other_firm):
    changed = replace(contract.terms, title='Accounts <script>alert("x")</script>')
    services.propose_version(actor=other_firm.owner, organization=other_firm, contract=contract, terms=changed)

    page = html(signed_in(other_firm.owner, other_firm).get(url("contract-changes", contract, older=1, newer=2)))

    assert '<del><span class="visually-hidden">Removed: </span>Title: Annual accounts 2026</del>' in page
    assert "Title: Accounts &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</ins>" in page
    assert "<script>alert" not in page
    detail = html(signed_in(other_firm.owner, other_firm).get(url("contract-detail", contract)))
    assert url("contract-changes", contract, older=1, newer=2) in detail
    assert "New version proposed" in detail


def test_the_demo_holds_a_contract_in_its_second_version_signed_by_the_supplier():
    from io import StringIO

    from django.core.management import call_command

    from contracts.models import Contract

    call_command("seed_demo", "--quiet", stdout=StringIO())
    call_command("seed_demo", "--quiet", stdout=StringIO())  # again: nothing more

    contract = Contract.objects.select_related("current_version").get()
    assert (contract.client.name, contract.supplier.name) == ("Northwind Trading", "Wordsmith Translations")
    assert (contract.status, contract.current_version.number) == ("signing", 2)
    assert "a week later" in contract.current_version.note
    assert [(s.side, s.version_id) for s in contract.signatures.valid()] == [("supplier", contract.current_version_id)]


def test_cached_rows_and_terms_follow_every_change(contract, firm, other_firm):
    """The list's rows and a version's terms card are read back from the cache: a change shows at once."""
    client = signed_in(firm.owner, firm)
    client.get(reverse("contract-list"))  # the row and the card are cached now
    client.get(url("contract-detail", contract))

    services.propose_version(
        actor=other_firm.owner,
        organization=other_firm,
        contract=contract,
        terms=replace(contract.terms, title="Annual accounts, revised", scope="The books, and the tax return too."),
    )
    other_firm.name = "Globex Renamed"
    other_firm.save(update_fields=["name"])

    listed = html(client.get(reverse("contract-list")))
    detail = html(client.get(url("contract-detail", contract)))
    assert "Annual accounts, revised" in listed
    assert "Negotiating" in listed
    assert "Globex Renamed" in listed
    assert "The books, and the tax return too." in detail  # inside the terms card
    assert "Terms of version 2" in detail
