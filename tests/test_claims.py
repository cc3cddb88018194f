"""Pages claim only what the product does today.

Escrow, payouts, invoices, fees and disputes are not built yet, so no
page, email or message may promise them, and no page carries a testimonial
nobody gave. When a capability lands, its issue takes its words off
``NOT_BUILT`` together with the pages that describe it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from contracts.models import Contract, ContractMilestone
from contracts.tests.conftest import make_active
from marketplace.models import Thread
from marketplace.tests.api_support import make_org, submit
from tests.factories import open_task
from tests.support import signed_in

# Words that promise a capability not built yet, and the capability.
NOT_BUILT = {
    r"escrow": "payments",
    r"pay[- ]?outs?\b": "payments",
    r"invoices?\b": "payments",
    r"\bfees?\b": "payments",
    r"\brefund": "payments",
    r"disputes?\b": "disputes",
}
PROMISE = re.compile("|".join(f"(?:{word})" for word in NOT_BUILT), re.IGNORECASE)
# A quotation presented as a customer's words.
TESTIMONIAL = re.compile(r"<blockquote|testimonial", re.IGNORECASE)


def _templates() -> list[Path]:
    roots = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    roots += [path for path in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in path.parts]
    found = [path for root in roots for path in root.rglob("*") if path.suffix in {".html", ".txt"}]
    assert len(found) > 50, "the template folders moved: point this test at them"
    return found


def _promises(text: str) -> list[str]:
    return sorted({match.group(0) for match in PROMISE.finditer(text)} | set(TESTIMONIAL.findall(text)))


def test_no_template_promises_what_is_not_built():
    promised = {str(path.relative_to(settings.BASE_DIR)): _promises(path.read_text()) for path in _templates()}
    assert {name: found for name, found in promised.items() if found} == {}


@pytest.mark.parametrize(
    "text", ["Payments are held in escrow.", "Fund escrow", "a paid invoice", "no fee", "Fair disputes", "<blockquote>"]
)
def test_the_check_sees_a_promise(text):
    assert _promises(text)


@pytest.mark.parametrize("text", ["Sign in", "Sign up", "Feedback", "Accept and draft the contract", "coffee"])
def test_the_check_lets_ordinary_words_pass(text):
    assert _promises(text) == []


def _visible(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.django_db
def test_the_pages_of_a_whole_bid_promise_nothing_unbuilt():
    """Every page a client and a supplier see from the landing page to an accepted bid (emails are templates: above)."""
    client_firm, supplier = make_org("Northwind Trading"), make_org("Pixel & Pine Studio")
    task = open_task(client_firm)
    bid = submit(task, supplier)
    thread = Thread.objects.get(task=task, supplier=supplier)
    anonymous = Client()
    client, supplier_side = signed_in(client_firm.owner, client_firm), signed_in(supplier.owner, supplier)
    other_task = open_task(client_firm, title="Office cleaning, twice a week")

    pages = {
        "landing page": anonymous.get(reverse("home")),
        "sign in": anonymous.get(reverse("account_login")),
        "sign up": anonymous.get(reverse("account_signup")),
        "home, as the client": client.get(reverse("home")),
        "home, as the supplier": supplier_side.get(reverse("home")),
        "settings": client.get(reverse("settings")),
        "client dashboard": client.get(reverse("client-dashboard")),
        "bid form": supplier_side.get(reverse("bid-create", kwargs={"task_id": other_task.pk})),
        "bid, as the client": client.get(reverse("bid-detail", kwargs={"bid_id": bid.pk})),
        "bid, as the supplier": supplier_side.get(reverse("bid-detail", kwargs={"bid_id": bid.pk})),
        "comparison": client.get(reverse("task-comparison", kwargs={"task_id": task.pk})),
        "thread": client.get(reverse("thread-detail", kwargs={"thread_id": thread.pk})),
        "accept confirmation": client.post(reverse("bid-accept", kwargs={"bid_id": bid.pk})),
    }
    accept = reverse("bid-accept", kwargs={"bid_id": bid.pk})
    pages["accepted bid"] = client.post(accept, {"confirm": "yes"}, follow=True)
    pages["accepted bid, as the supplier"] = supplier_side.get(reverse("bid-detail", kwargs={"bid_id": bid.pk}))
    contract = Contract.objects.get(bid=bid)
    pages["contract version"] = supplier_side.get(
        reverse("contract-version", kwargs={"contract_id": contract.pk, "number": 1})
    )
    pages["contracts"] = supplier_side.get(reverse("contract-list"))
    pages["proposal form"] = supplier_side.get(reverse("contract-propose", kwargs={"contract_id": contract.pk}))
    # The contract signed, amended and ended: the pages of issue 9 ("After signing").
    active = make_active(contract, client_firm, supplier)
    pages["amendment form"] = client.get(reverse("contract-propose", kwargs={"contract_id": active.pk}))
    pages["active contract"] = client.get(reverse("contract-detail", kwargs={"contract_id": active.pk}))
    ContractMilestone.objects.filter(contract=active).update(status="funded")
    end = reverse("contract-end", kwargs={"contract_id": active.pk})
    pages["ending confirmation"] = client.post(end, {"reason": "Budget cut.", "insourced": "on"})
    pages["ended contract"] = client.post(
        end, {"reason": "Budget cut.", "insourced": "on", "confirm": "yes"}, follow=True
    )
    pages["ended contract, as the supplier"] = supplier_side.get(
        reverse("contract-detail", kwargs={"contract_id": active.pk})
    )
    pages["task taken back in-house"] = client.get(task.get_absolute_url())
    pages["client dashboard with contracts"] = client.get(reverse("client-dashboard"))
    promised = {name: found for name, response in pages.items() if (found := _promises(_visible(response)))}
    assert promised == {}
    assert "taken back in-house" in _visible(pages["task taken back in-house"]).lower()
    assert "this draft contract" in _visible(pages["accepted bid"]).lower()  # the client is taken to the draft
    assert "not signed yet" in _visible(pages["accepted bid"]).lower()
