"""The demo's contracts: Northwind hired Wordsmith Translations, and the two are agreeing the terms; and
Northwind offered Harbor Legal a contract directly, without a task.

Northwind posts a translation task, Wordsmith bids, Alice accepts the bid (which drafts the contract,
version 1), and Claire at Wordsmith proposes a version 2 that moves the second delivery a week later,
sends it for signatures and signs it. The contract pages then show two versions, what changed between
them, Wordsmith's signature and the history; Alice's home shows the contract waiting for her signature. Safe to run
again: a contract already drafted from the task is left as it is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.utils import timezone

from contracts import services
from contracts.models import Contract
from contracts.terms import MilestoneTerms
from core.demo import Demo, Step
from marketplace import services as marketplace
from marketplace.models import Bid, Category, Task

TITLE = "Product catalogue in French and Spanish"


def seed_contract(demo: Demo) -> None:
    alice, northwind = demo.user("alice@demo.test"), demo.organizations["northwind"]
    claire, wordsmith = demo.user("claire@wordsmith.demo.test"), demo.organizations["wordsmith"]
    if Contract.objects.filter(task__organization=northwind, task__title=TITLE).exists():
        return
    today = timezone.localdate()
    task = Task.objects.for_org(northwind).filter(title=TITLE).first()
    if task is None:
        task = marketplace.create_task(
            actor=alice,
            organization=northwind,
            data=marketplace.TaskInput(
                title=TITLE,
                description=(
                    "Our wholesale catalogue (120 products, about 18,000 words) goes to shops in France and "
                    "Spain this spring. We need it translated by native speakers who know food labelling."
                ),
                category_id=Category.objects.get(slug="writing-and-translation").pk,
                budget_type="fixed",
                currency="EUR",
                budget_amount=380_000,
                skills=["Translation", "Copywriting"],
                deadline=today + timedelta(days=60),
                bidding_closes_at=timezone.now() + timedelta(days=10),
            ),
            publish=True,
        )
        demo.created.append(f"task {task.title}")
    bid = Bid.objects.filter(task=task, supplier=wordsmith).first() or marketplace.submit_bid(
        actor=claire,
        supplier=wordsmith,
        task=task,
        data=marketplace.BidInput(
            amount=360_000,
            start_date=today + timedelta(days=5),
            availability_hours_per_week=30,
            delivery_date=today + timedelta(days=45),
            cover_letter="Two native translators, one per language, and a proofreader who knows EU food labels.",
            milestones=[
                marketplace.MilestoneInput(
                    title="French catalogue", amount=180_000, due_date=today + timedelta(days=25)
                ),
                marketplace.MilestoneInput(
                    title="Spanish catalogue", amount=180_000, due_date=today + timedelta(days=45)
                ),
            ],
        ),
    )
    marketplace.accept_bid(actor=alice, bid=bid)
    contract = Contract.objects.get(bid=bid)
    terms = contract.terms
    later = replace(terms.milestones[1], due_date=(terms.milestones[1].due_date or today) + timedelta(days=7))
    version = services.propose_version(
        actor=claire,
        organization=wordsmith,
        contract=contract,
        terms=replace(terms, milestones=(terms.milestones[0], later), end_date=later.due_date),
        note="Our Spanish proofreader is away in week 6: the Spanish catalogue a week later.",
    )
    # Claire sends version 2 for signatures and signs it: it waits for Alice's signature on her home page.
    services.send_for_signing(actor=claire, organization=wordsmith, contract=contract)
    services.give_consent(user=claire)
    services.sign(
        actor=claire,
        organization=wordsmith,
        contract=contract,
        data=services.SignatureInput(sha256=version.sha256, method="typed", typed_name=claire.display_name),
    )
    demo.created.append(f"contract {contract.title}, two versions, signed by Wordsmith")


OFFER_TITLE = "GDPR review of our supplier agreements"


def seed_offer(demo: Demo) -> None:
    """Alice offers Harbor Legal twenty hours at its usual rate, without a task: a draft on both sides'
    contract lists, waiting for Harbor Legal to propose changes or for either side to send it for signing."""
    alice, northwind = demo.user("alice@demo.test"), demo.organizations["northwind"]
    harbor = demo.organizations["harbor-legal"]
    if Contract.objects.filter(client=northwind, supplier=harbor, task__isnull=True).exists():
        return
    today = timezone.localdate()
    starter = services.offer_terms(client=northwind, supplier=harbor, currency="EUR", hourly=True)
    rate = starter.hourly_rate or 15_000
    terms = replace(
        starter,
        title=OFFER_TITLE,
        scope=(
            "Review our twelve supplier agreements against the GDPR: who processes which personal data, the "
            "data processing terms each one needs, and a short memo per agreement with the changes to ask for."
        ),
        hourly_rate=rate,
        hours_cap=20,
        price=rate * 20,
        milestones=(
            MilestoneTerms(key="m1", title="Review and memos", amount=rate * 20, due_date=today + timedelta(days=30)),
        ),
    )
    services.offer_contract(
        actor=alice,
        organization=northwind,
        supplier=harbor,
        terms=terms,
        note="Twenty hours to start; we can extend by change order if the agreements need more.",
    )
    demo.created.append(f"contract offered to {harbor.name}: {OFFER_TITLE}")


STEPS: list[Step] = [Step("contracts", seed_contract), Step("contracts direct offer", seed_offer)]
