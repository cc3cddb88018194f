"""In a real browser, a contract goes from its draft to a verified signed PDF: a proposed change and its
diff, sending it for signatures, consent, re-authentication, a drawn signature and a typed one, the
contract's activation, the PDF's download, and the verification page accepting the genuine file and
refusing a copy changed by one byte."""

from __future__ import annotations

import re
import subprocess

import pytest

from contracts.models import Contract, ContractStatus, Signature
from contracts.tests.test_documents import flip_one_byte_of_the_content, signing_folder  # noqa: F401
from marketplace import services as marketplace
from tests.browser.conftest import SCREENSHOTS
from tests.browser.demo import PASSWORD, seed_demo, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _platform_certificate(settings, signing_folder):  # type: ignore[no-untyped-def]  # noqa: F811
    settings.CONTRACT_SIGNING_KEY = signing_folder / "key.pem"
    settings.CONTRACT_SIGNING_CERT = signing_folder / "cert.pem"
    settings.CONTRACT_PDF_TSA_URL = ""


def confirm_password(page) -> None:  # type: ignore[no-untyped-def]
    """allauth's reauthentication: signing asks for the password again, whenever the person signed in."""
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_url(re.compile(r"/contracts/\d+/sign/$"))


def draw_a_signature(page) -> None:  # type: ignore[no-untyped-def]
    pad = page.locator("[data-signature-pad]")
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + w * (0.1 + 0.032 * step), y + h * (0.5 + 0.25 * ((-1) ** step)), steps=2)
    page.mouse.up()


def test_a_draft_becomes_a_signed_and_verified_pdf(browser, page_factory, screenshot, tmp_path):
    demo = seed_demo()
    marketplace.accept_bid(actor=demo.northwind.memberships.get(role="owner").user, bid=demo.bid)
    contract = Contract.objects.get(bid=demo.bid)

    # Alice proposes a change and reads what changed
    alice = page_factory(width=1366, height=900)
    sign_in(alice, "alice@demo.test", "Northwind Trading")
    alice.goto(f"/contracts/{contract.pk}/")
    alice.get_by_role("link", name="Propose changes").click()
    alice.get_by_label("Title", exact=True).fill(f"{contract.title}, with a style guide")
    alice.get_by_label("What this proposal changes").fill("The style guide is part of the work.")
    alice.get_by_role("button", name=re.compile("Propose version")).last.click()
    alice.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))
    alice.get_by_role("link", name="what changed").click()
    assert "with a style guide" in alice.locator("main").inner_text()
    screenshot(alice, "signing-diff")

    # She sends version 2 for signatures
    alice.goto(f"/contracts/{contract.pk}/")
    alice.get_by_role("button", name="Send version 2 for signatures").click()
    alice.wait_for_load_state()
    assert alice.get_by_text("Sent for signatures.").is_visible()

    # Signing asks for her password again, then her consent and her intent; she draws her signature
    alice.get_by_role("link", name="Sign version 2").click()
    confirm_password(alice)
    alice.get_by_text("Drawn signature").click()
    draw_a_signature(alice)
    alice.get_by_label(re.compile("I agree to do business electronically")).check()
    alice.get_by_label(re.compile("I have read this version")).check()
    screenshot(alice, "signing-drawn")
    alice.get_by_role("button", name="Sign version 2").click()
    alice.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))
    assert alice.get_by_text("Signed. The other side has been told").is_visible()

    # Bob signs for Pixel & Pine by typing his name, shown in handwriting
    bob = page_factory(width=390, height=844)
    sign_in(bob, "bob@demo.test", "Pixel & Pine Studio")
    bob.goto(f"/contracts/{contract.pk}/")
    bob.get_by_role("link", name="Sign version 2").click()
    confirm_password(bob)
    bob.get_by_label("Type your full name").fill("Bob Baker")
    assert bob.locator("[data-typed-preview]").inner_text() == "Bob Baker"
    bob.get_by_label(re.compile("I agree to do business electronically")).check()
    bob.get_by_label(re.compile("I have read this version")).check()
    screenshot(bob, "signing-typed-phone")
    assert bob.evaluate("document.documentElement.scrollWidth") <= 390
    bob.get_by_role("button", name="Sign version 2").click()
    bob.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))
    assert bob.get_by_text("Every party has signed").is_visible()

    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert {s.method for s in Signature.objects.filter(contract=contract)} == {"drawn", "typed"}

    # The signed PDF is issued (the job ran when the last signature committed) and Alice downloads it
    alice.goto(f"/contracts/{contract.pk}/")
    alice.get_by_role("link", name="Download the signed PDF").wait_for(timeout=30_000)
    screenshot(alice, "signing-active")
    with alice.expect_download() as download:
        alice.get_by_role("link", name="Download the signed PDF").click()
    genuine = tmp_path / "contract.pdf"
    download.value.save_as(genuine)
    assert genuine.read_bytes().startswith(b"%PDF-")
    # Its pages as images, beside the journeys' screenshots, to be looked at
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(genuine), str(SCREENSHOTS / "signed-contract-page")],
        check=True,
        timeout=60,
    )
    assert len(list(SCREENSHOTS.glob("signed-contract-page-*.png"))) >= 3

    # The verification page accepts the file and refuses a copy changed by one byte
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(flip_one_byte_of_the_content(genuine.read_bytes()))
    visitor = browser.new_page(base_url=alice.url.split("/contracts/")[0])
    visitor.goto("/verify/")
    visitor.get_by_label("Contract PDF").set_input_files(str(genuine))
    visitor.get_by_role("button", name="Check the PDF").click()
    visitor.wait_for_load_state()
    assert "Genuine." in visitor.locator("#verification-result").inner_text()
    assert "Pixel & Pine Studio" in visitor.locator("#verification-result").inner_text()
    visitor.get_by_label("Contract PDF").set_input_files(str(changed))
    visitor.get_by_role("button", name="Check another PDF").click()
    visitor.wait_for_load_state()
    assert "Genuine." not in visitor.locator("#verification-result").inner_text()
    visitor.close()
