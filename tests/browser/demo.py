"""The demo's people and the things their journeys open, for the browser tests that walk every main page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import StringIO

from django.core.management import call_command

from accounts.models import Organization
from contracts.models import Contract
from marketplace.models import Bid, Task, Thread

PASSWORD = "demo-pass-2026"  # accounts.demo's DEMO_PASSWORD


@dataclass(frozen=True)
class Demo:
    """What ``seed_demo`` wrote that the journeys visit: the client, the supplier and the work between them."""

    northwind: Organization  # the client: Alice's organization
    pixel: Organization  # the supplier: Bob's organization
    bid: Bid  # Pixel & Pine's bid...
    task: Task  # ...on this task of Northwind's
    thread: Thread  # and their conversation about it
    unbid: Task  # a public task of Northwind's that Pixel & Pine has not bid on
    contract: Contract  # Northwind's with Wordsmith Translations, in its second version


def seed_demo() -> Demo:
    call_command("seed_demo", "--quiet", stdout=StringIO())
    northwind = Organization.objects.get(name="Northwind Trading")
    pixel = Organization.objects.get(name="Pixel & Pine Studio")
    bid = Bid.objects.get(supplier=pixel)
    unbid = (
        Task.objects.for_org(northwind).exclude(bids__supplier=pixel).filter(visibility="public", status="open").first()
    )
    assert unbid is not None
    return Demo(
        northwind=northwind,
        pixel=pixel,
        bid=bid,
        task=bid.task,
        thread=Thread.objects.get(task=bid.task, supplier=pixel),
        unbid=unbid,
        contract=Contract.objects.get(client=northwind, supplier__name="Wordsmith Translations"),
    )


def sign_in(page, email: str, organization: str) -> None:  # type: ignore[no-untyped-def]
    """Signs a demo user in and switches to ``organization``."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/$"))
    page.locator("summary.switcher-button").click()
    page.get_by_role("button", name=re.compile(re.escape(organization))).click()
    page.wait_for_load_state()
