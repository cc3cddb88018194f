"""The contract pages: both parties read a contract, its versions and what changed between them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Contract
from contracts.tests.conftest import make_active
from contracts.tests.test_api import other_contract
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


def test_the_demo_holds_a_contract_in_its_second_version_signed_by_the_supplier_and_a_direct_offer():
    from io import StringIO

    from django.core.management import call_command

    from contracts.models import Contract

    call_command("seed_demo", "--quiet", stdout=StringIO())
    call_command("seed_demo", "--quiet", stdout=StringIO())  # again: nothing more

    contract = Contract.objects.select_related("current_version").get(task__isnull=False)
    assert (contract.client.name, contract.supplier.name) == ("Northwind Trading", "Wordsmith Translations")
    assert (contract.status, contract.current_version.number) == ("signing", 2)
    assert "a week later" in contract.current_version.note
    assert [(s.side, s.version_id) for s in contract.signatures.valid()] == [("supplier", contract.current_version_id)]
    offer = Contract.objects.select_related("current_version").get(task__isnull=True)
    assert (offer.client.name, offer.supplier.name, offer.status) == ("Northwind Trading", "Harbor Legal", "draft")
    assert (offer.terms.hourly_rate, offer.terms.hours_cap, offer.terms.price) == (15_000, 20, 300_000)


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


# --- the page's cache: never stale ------------------------------------------------------------------------

TOKENS = re.compile(r'name="(csrfmiddlewaretoken|submit_token)" value="[^"]*"')


def _fresh_and_cached(client, contract) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The page as the cache serves it now, and as it renders with nothing cached (tokens blanked)."""
    served = html(client.get(url("contract-detail", contract)))
    cache.clear()
    fresh = html(client.get(url("contract-detail", contract)))
    return TOKENS.sub(r'name="\1" value=""', served), TOKENS.sub(r'name="\1" value=""', fresh)


def _signed_by_supplier(contract, firm, other_firm) -> None:  # type: ignore[no-untyped-def]
    services.give_consent(user=other_firm.owner)
    data = services.SignatureInput(sha256=contract.current_version.sha256, method="typed", typed_name="Sam")
    services.sign(actor=other_firm.owner, organization=other_firm, contract=contract, data=data)


def _paper_confirmed(contract, firm, other_firm) -> None:  # type: ignore[no-untyped-def]
    scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 the paper", content_type="application/pdf")
    data = services.SignatureInput(sha256=contract.current_version.sha256, method="in_person", scan=scan)
    paper = services.sign(actor=other_firm.owner, organization=other_firm, contract=contract, data=data)
    services.confirm_in_person(actor=firm.owner, organization=firm, contract=contract, signature_id=paper.pk)


CHANGES = {
    "the other side signs": _signed_by_supplier,
    "a paper signature is confirmed": _paper_confirmed,
    "the signing is handed over": lambda c, f, o: services.hand_over_signing(
        actor=f.owner, organization=f, contract=c, to=make_member(f, role="admin")
    ),
    "a member becomes a signatory": lambda c, f, o: make_member(f, role="admin"),
    "the offer expires": lambda c, f, o: Contract.objects.filter(pk=c.pk).update(
        signing_expires_at=timezone.now() - timedelta(seconds=1)
    ),
    "the other side is renamed": lambda c, f, o: type(o).objects.filter(pk=o.pk).update(name="Globex Renamed"),
    "a new version": lambda c, f, o: services.propose_version(
        actor=o.owner, organization=o, contract=c, terms=replace(c.terms, scope="The tax return as well.")
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_after_each_change_the_cached_page_is_the_freshly_rendered_one(contract, firm, other_firm, change):
    services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)
    client = signed_in(firm.owner, firm)
    before = html(client.get(url("contract-detail", contract)))  # now in the cache

    CHANGES[change](Contract.objects.get(pk=contract.pk), firm, other_firm)

    served, fresh = _fresh_and_cached(client, contract)
    assert served == fresh
    assert TOKENS.sub("", served) != TOKENS.sub("", before)  # the change shows


def test_a_renamed_member_of_the_other_side_shows_in_the_cached_history(contract, firm, other_firm):
    services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)
    _signed_by_supplier(contract, firm, other_firm)  # the history: "signed by" the supplier's owner
    client = signed_in(firm.owner, firm)
    before = html(client.get(url("contract-detail", contract)))  # now in the cache
    assert other_firm.owner.name in before

    type(other_firm.owner).objects.filter(pk=other_firm.owner.pk).update(name="Renamed Signer")

    served, fresh = _fresh_and_cached(client, contract)
    assert served == fresh
    assert "Renamed Signer" in served


def test_two_viewers_never_share_a_cached_page(contract, firm, other_firm):
    services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)
    admin = signed_in(make_member(firm, role="admin"), firm)
    member = signed_in(make_member(firm, role="member"), firm)

    as_admin = html(admin.get(url("contract-detail", contract)))
    as_member = html(member.get(url("contract-detail", contract)))
    as_supplier = html(signed_in(other_firm.owner, other_firm).get(url("contract-detail", contract)))

    assert "Send version 1 again" in as_admin or "Hand the signing" in as_admin  # a signatory's actions
    assert "Hand the signing" not in as_member
    assert "your supplier" in as_admin
    assert "your client" in as_supplier


def test_a_form_from_a_cached_page_carries_this_visitors_tokens_and_posts(contract, firm):
    client = signed_in(firm.owner, firm, client=Client(enforce_csrf_checks=True))
    first = html(client.get(url("contract-detail", contract)))
    second = html(client.get(url("contract-detail", contract)))  # from the cache
    submit = re.compile(r'name="submit_token" value="([^"]+)"')
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert submit.findall(first)
    assert set(submit.findall(first)).isdisjoint(submit.findall(second))  # a new one-time token each time

    response = client.post(
        url("contract-send", contract),
        {"order": "any", "csrfmiddlewaretoken": csrf.findall(second)[0], "submit_token": submit.findall(second)[0]},
    )

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "signing"


def test_the_list_reads_a_fixed_number_of_queries_however_many_rows_and_cold(contract, firm, other_firm):
    client = signed_in(firm.owner, firm)

    def queries() -> int:
        cache.clear()  # cold: every row rendered
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("contract-list")).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(3):
        other_contract(firm, other_firm)

    assert queries() == one


LIST_CHANGES = {
    "a new version retitles it": lambda c, f, o: services.propose_version(
        actor=o.owner, organization=o, contract=c, terms=replace(c.terms, title="Annual accounts, revised")
    ),
    "it is sent for signatures": lambda c, f, o: services.send_for_signing(actor=f.owner, organization=f, contract=c),
    "the other side is renamed": lambda c, f, o: type(o).objects.filter(pk=o.pk).update(name="Globex Renamed"),
    "another contract": lambda c, f, o: other_contract(f, o),
    "it ends": lambda c, f, o: (
        make_active(c, f, o),
        services.terminate_contract(actor=f.owner, organization=f, contract=c, reason="Done.", end_kind="insourced"),
    ),
}


@pytest.mark.parametrize("change", list(LIST_CHANGES))
def test_after_each_change_the_cached_list_is_the_freshly_rendered_one(contract, firm, other_firm, change):
    client = signed_in(firm.owner, firm)
    before = html(client.get(reverse("contract-list")))  # now in the cache

    LIST_CHANGES[change](Contract.objects.get(pk=contract.pk), firm, other_firm)

    served = TOKENS.sub("", html(client.get(reverse("contract-list"))))
    cache.clear()
    assert served == TOKENS.sub("", html(client.get(reverse("contract-list"))))
    assert served != TOKENS.sub("", before)


def test_made_up_query_strings_add_no_list_entries_and_still_page(contract, firm):
    client = signed_in(firm.owner, firm)
    cache.clear()
    client.get(reverse("contract-list"))
    kept = len(cache_keys())

    for asked in ["1", "0", "-3", "x", "99999999999999999999", "1&utm=a", "1&utm=b"]:
        assert client.get(reverse("contract-list") + f"?page={asked}").status_code == 200

    assert len(cache_keys()) == kept  # every one is page 1 of 1, or not kept


def cache_keys() -> list[bytes]:
    return [key for key in cache._cache.get_client().keys("*") if b"contract-list:" in key]  # type: ignore[attr-defined]
