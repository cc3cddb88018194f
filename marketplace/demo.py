"""The marketplace's part of the demo data (:mod:`core.demo`): suppliers, tasks, bids, a conversation and
the reply time it gives.

Every row comes from the services the product uses, and each step looks its
rows up first (tasks by client and title, bids by supplier and task), so a
second run changes nothing. Dates are relative to the first run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Organization, Role, User
from core.demo import Demo, Step
from marketplace import services
from marketplace.models import LIVE_BID_STATUSES, Bid, Category, Message, Task, Thread


@dataclass(frozen=True)
class DemoSupplier:
    key: str
    owner_email: str
    owner_name: str
    name: str
    profile: dict[str, Any]


# Firms in the supplier directory besides Pixel & Pine and Ledgerly. Their
# owners exist so the firms have one; they are not in the printed accounts table.
SUPPLIERS = (
    DemoSupplier(
        "brightdesk",
        "priya@brightdesk.demo.test",
        "Priya Nair",
        "Brightdesk IT",
        {
            "headline": "Managed IT and help desk for offices of 5 to 100 people",
            "about": "Microsoft 365, laptops, networks and backups, with a help desk that answers within the hour.",
            "country": "GB",
            "city": "Leeds",
            "time_zone": "Europe/London",
            "languages": ["English"],
            "skills": ["Help desk", "Microsoft 365", "Networking", "Backups"],
            "hourly_rate": 6000,  # GBP 60.00
            "hourly_rate_currency": "GBP",
        },
    ),
    DemoSupplier(
        "sparkle",
        "jonas@sparkle.demo.test",
        "Jonas Weber",
        "Sparkle Facility Services",
        {
            "headline": "Office and warehouse cleaning in Berlin and Brandenburg",
            "about": "A fixed crew per client, eco-friendly products, insured, evenings and weekends.",
            "country": "DE",
            "city": "Berlin",
            "time_zone": "Europe/Berlin",
            "languages": ["German", "English"],
            "skills": ["Office cleaning", "Deep cleaning", "Window cleaning"],
            "hourly_rate": 3200,  # EUR 32.00
            "hourly_rate_currency": "EUR",
        },
    ),
    DemoSupplier(
        "wordsmith",
        "claire@wordsmith.demo.test",
        "Claire Dubois",
        "Wordsmith Translations",
        {
            "headline": "Translation and copywriting in English, French and Spanish",
            "about": "Native translators for websites, contracts and labels; glossary and proofreading included.",
            "country": "FR",
            "city": "Lyon",
            "time_zone": "Europe/Paris",
            "languages": ["French", "English", "Spanish"],
            "skills": ["Translation", "Copywriting", "Proofreading"],
            "hourly_rate": 4500,  # EUR 45.00
            "hourly_rate_currency": "EUR",
        },
    ),
    DemoSupplier(
        "harbor-legal",
        "sean@harborlegal.demo.test",
        "Sean Walsh",
        "Harbor Legal",
        {
            "headline": "Commercial contracts and GDPR for small firms, at fixed fees",
            "about": "Supplier terms, employment contracts and data protection reviews in plain language.",
            "country": "IE",
            "city": "Dublin",
            "time_zone": "Europe/Dublin",
            "languages": ["English"],
            "skills": ["Contract review", "GDPR compliance", "Employment law"],
            "hourly_rate": 15000,  # EUR 150.00
            "hourly_rate_currency": "EUR",
        },
    ),
    DemoSupplier(
        "northstar",
        "marta@northstar.demo.test",
        "Marta Nowak",
        "Northstar Software",
        {
            "headline": "Django and React teams for web shops and internal tools",
            "about": "Eight developers in Krakow building and maintaining Python and JavaScript applications.",
            "country": "PL",
            "city": "Krakow",
            "time_zone": "Europe/Warsaw",
            "languages": ["Polish", "English"],
            "skills": ["Python", "Django", "React", "API integration", "PostgreSQL"],
            "hourly_rate": 5500,  # EUR 55.00
            "hourly_rate_currency": "EUR",
        },
    ),
)


def seed_suppliers(demo: Demo) -> None:
    """Supplier firms with filled profiles, each owned by a verified user with a personal organization."""
    for spec in SUPPLIERS:
        owner = User.objects.filter(email=spec.owner_email).first()
        if owner is None:
            owner = User.objects.create_user(spec.owner_email, None, name=spec.owner_name)
            demo.created.append(f"user {spec.owner_email}")
        EmailAddress.objects.update_or_create(
            user=owner, email=spec.owner_email, defaults={"verified": True, "primary": True}
        )
        account_services.create_personal_organization(user=owner)
        firm = Organization.objects.filter(
            name=spec.name, is_personal=False, memberships__user=owner, memberships__role=Role.OWNER
        ).first()
        if firm is None:
            firm = account_services.create_organization(actor=owner, name=spec.name, **spec.profile)
            demo.created.append(f"organization {spec.name}")
        demo.users[spec.owner_email] = owner
        demo.organizations[spec.key] = firm


@dataclass(frozen=True)
class DemoTask:
    key: str
    category: str  # slug
    terms: dict[str, Any]
    invite: tuple[str, ...] = ()  # organization keys


def _tasks(today: date) -> tuple[DemoTask, ...]:
    return (
        DemoTask(
            "bookkeeping",
            "accounting-and-bookkeeping",
            {
                "title": "Monthly bookkeeping and VAT returns in Xero",
                "description": (
                    "We import olive oil, coffee and preserves and sell to 300 independent shops. About 400 "
                    "supplier and customer invoices a month need recording in Xero, matching to the bank feed "
                    "and a quarterly VAT return.\n\nWe would like a monthly close by the 10th with a short "
                    "profit and loss summary. Our finance lead, Alice, is your contact."
                ),
                "budget_type": "fixed",
                "currency": "EUR",
                "budget_amount": 540_000,  # EUR 5,400.00 for six months
                "in_house_cost_estimate": 960_000,  # a part-time bookkeeper for six months
                "skills": ["Bookkeeping", "VAT returns", "Xero"],
                "deadline": today + timedelta(days=180),
            },
        ),
        DemoTask(
            "payroll",
            "payroll",
            {
                "title": "Payroll for 42 staff in Manchester and Leeds",
                "description": (
                    "Monthly payroll for 42 employees on two sites, with starters, leavers, overtime and pension "
                    "filings. Payslips go out on the 25th.\n\nWe pay by the hour while we find out how much "
                    "work it really is."
                ),
                "budget_type": "hourly",
                "currency": "GBP",
                "hourly_rate_min": 3_500,  # GBP 35.00 an hour
                "hourly_rate_max": 5_500,
                "hours_cap": 60,
                "skills": ["Payroll", "Pension filings"],
                "deadline": today + timedelta(days=90),
            },
        ),
        DemoTask(
            "cleaning",
            "cleaning-and-facilities",
            {
                "title": "Deep clean of our Berlin warehouse office",
                "description": (
                    "Our Berlin office (12 desks, kitchen, two meeting rooms) sits above the warehouse and needs "
                    "a thorough deep clean after the refit: floors, windows, kitchen and dust from the works.\n\n"
                    "The building is open from 7:00 to 19:00 on weekdays."
                ),
                "budget_type": "fixed",
                "currency": "EUR",
                "budget_amount": 180_000,
                "skills": ["Deep cleaning", "Window cleaning"],
                "location_type": "onsite",
                "country": "DE",
                "city": "Berlin",
                "postal_code": "10245",
                "deadline": today + timedelta(days=30),
            },
        ),
        DemoTask(
            "labels",
            "design",
            {
                "title": "Label redesign for our olive oil range",
                "description": (
                    "Five olive oils, one label system: we want the range to look like a family on the shelf, "
                    "in English and Spanish.\n\nDeliverables: print-ready labels for 250 ml, 500 ml and 1 l "
                    "bottles, and a one-page brand guide."
                ),
                "budget_type": "fixed",
                "currency": "EUR",
                "budget_amount": 450_000,
                "skills": ["Brand identity", "Illustration", "Figma"],
                "deadline": today + timedelta(days=60),
            },
        ),
        DemoTask(
            "year-end",
            "accounting-and-bookkeeping",
            {
                "title": "Year-end accounts review before the audit",
                "description": (
                    "Our year ends on 31 March. We want an accountant we already trust to review the ledger, "
                    "stock valuation and accruals before the auditors arrive."
                ),
                "budget_type": "fixed",
                "currency": "EUR",
                "budget_amount": 300_000,
                "skills": ["Year-end accounts", "Xero"],
                "visibility": "invite_only",
                "deadline": today + timedelta(days=75),
            },
            invite=("ledgerly",),
        ),
        DemoTask(
            "m365",
            "it-maintenance-and-support",
            {
                "title": "Move 25 mailboxes to Microsoft 365",
                "description": (
                    "Email is still on our old web host. Move 25 mailboxes, calendars and shared contacts to "
                    "Microsoft 365, switch on multi-factor sign-in and show the team the basics."
                ),
                "budget_type": "fixed",
                "currency": "GBP",
                "budget_amount": 280_000,
                "skills": ["Microsoft 365", "Help desk"],
                "location_type": "hybrid",
                "country": "GB",
                "city": "Manchester",
                "deadline": today + timedelta(days=45),
            },
        ),
    )


def seed_tasks(demo: Demo) -> None:
    """Northwind Trading posts its tasks, open for bids; the invite-only one invites Ledgerly."""
    alice, northwind = demo.user("alice@demo.test"), demo.organizations["northwind"]
    categories = dict(Category.objects.values_list("slug", "pk"))
    for spec in _tasks(timezone.localdate()):
        task = _task(demo, spec.key)
        if task is None:
            data = services.TaskInput(
                category_id=categories[spec.category],
                bidding_closes_at=timezone.now() + timedelta(days=14),
                **spec.terms,
            )
            task = services.create_task(actor=alice, organization=northwind, data=data, publish=True)
            demo.created.append(f"task {task.title}")
        for key in spec.invite:
            services.invite_supplier_to_bid(actor=alice, task=task, supplier=demo.organizations[key])


def _task(demo: Demo, key: str) -> Task | None:
    """A demo task by its key: Northwind's task with that title."""
    title = next(spec.terms["title"] for spec in _tasks(timezone.localdate()) if spec.key == key)
    return Task.objects.for_org(demo.organizations["northwind"]).filter(title=title).first()


def _bid_terms(today: date, *, amount: int, parts: list[tuple[str, int, int]], letter: str) -> services.BidInput:
    return services.BidInput(
        amount=amount,
        start_date=today + timedelta(days=7),
        availability_hours_per_week=20,
        delivery_date=today + timedelta(days=max(days for _, _, days in parts)),
        cover_letter=letter,
        milestones=[
            services.MilestoneInput(title=title, amount=share, due_date=today + timedelta(days=days))
            for title, share, days in parts
        ],
    )


def seed_bids(demo: Demo) -> None:
    """Pixel & Pine bids on the labels; Ledgerly on the bookkeeping, the payroll and the year-end review."""
    today = timezone.localdate()
    bids = (
        (
            "bob@demo.test",
            "pixel-pine",
            "labels",
            _bid_terms(
                today,
                amount=420_000,
                parts=[
                    ("Moodboard and two label concepts", 120_000, 14),
                    ("Chosen concept across five oils", 180_000, 35),
                    ("Print-ready files and brand guide", 120_000, 50),
                ],
                letter=(
                    "We designed the Olive Grove and Brewline ranges (portfolio linked on our profile). Two "
                    "concepts, two revision rounds, print-ready files your printer can use as they are."
                ),
            ),
        ),
        (
            "carol@demo.test",
            "ledgerly",
            "bookkeeping",
            _bid_terms(
                today,
                amount=480_000,
                parts=[("Set-up and first month closed", 80_000, 30), ("Five monthly closes", 400_000, 180)],
                letter=(
                    "Xero-certified; we close the month by the 8th and file VAT on time. Fixed monthly fee, "
                    "no surprises."
                ),
            ),
        ),
        (
            "carol@demo.test",
            "ledgerly",
            "year-end",
            _bid_terms(
                today,
                amount=260_000,
                parts=[("Ledger and accruals review", 160_000, 30), ("Audit pack", 100_000, 60)],
                letter="Thank you for the invitation. We can start next week and hand over an audit pack.",
            ),
        ),
        (
            "carol@demo.test",
            "ledgerly",
            "payroll",
            services.BidInput(
                hourly_rate=4_800,  # GBP 48.00 an hour
                estimated_hours=40,
                start_date=today + timedelta(days=10),
                availability_hours_per_week=10,
                delivery_date=today + timedelta(days=90),
                cover_letter="We run payroll for 60 UK firms, pension filings included.",
            ),
        ),
    )
    for email, supplier_key, task_key, terms in bids:
        supplier, task = demo.organizations[supplier_key], _task(demo, task_key)
        if task is None or Bid.objects.filter(task=task, supplier=supplier, status__in=LIVE_BID_STATUSES).exists():
            continue
        services.submit_bid(actor=demo.user(email), supplier=supplier, task=task, data=terms)
        demo.created.append(f"bid of {supplier.name} on {task.title}")


def seed_messages(demo: Demo) -> None:
    """Alice and Bob talk about the label bid in its thread."""
    northwind, pixel = demo.organizations["northwind"], demo.organizations["pixel-pine"]
    thread = Thread.objects.filter(task=_task(demo, "labels"), supplier=pixel).first()
    if thread is None or Message.objects.filter(thread=thread).exists():
        return
    conversation = (
        ("alice@demo.test", northwind, "Thanks for the proposal. Could the labels also work on 5 l tins?"),
        ("bob@demo.test", pixel, "Yes: we would add the tin as a sixth format in the second milestone, same price."),
        ("alice@demo.test", northwind, "Lovely. We will decide by Friday."),
    )
    for email, organization, body in conversation:
        services.send_message(actor=demo.user(email), organization=organization, thread=thread, body=body)
    demo.created.append("a conversation about the label bid")


def seed_reply_times(demo: Demo) -> None:
    """The demo suppliers' reply times, computed now: the directory and profiles show them before a
    worker has run the jobs the answers enqueued (or the nightly refresh). Recomputing changes nothing."""
    ids = [organization.pk for organization in demo.organizations.values()]
    talking = Thread.objects.filter(supplier_id__in=ids).order_by().values_list("supplier_id", flat=True).distinct()
    services.refresh_reply_times(supplier_ids=talking)


# More suppliers for the directory, Northwind's tasks, bids on them, a conversation, reply times.
STEPS: list[Step] = [
    Step("marketplace suppliers", seed_suppliers),
    Step("marketplace tasks", seed_tasks),
    Step("marketplace bids", seed_bids),
    Step("marketplace messages", seed_messages),
    Step("marketplace reply times", seed_reply_times),
]
