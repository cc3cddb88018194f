"""The marketplace part of ``manage.py seed_demo``: tasks, bids and a conversation to click through."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Organization
from marketplace.models import Bid, BidInvitation, Message, SupplierReplyTime, Task, Thread
from marketplace.selectors import SupplierFilters, search_suppliers

pytestmark = pytest.mark.django_db


def seed() -> float:
    started = time.monotonic()
    call_command("seed_demo", stdout=StringIO())
    return time.monotonic() - started


def test_northwind_posts_six_open_tasks_of_every_kind():
    seed()

    northwind = Organization.objects.get(name="Northwind Trading")
    tasks = Task.objects.for_org(northwind).filter(status="open")
    assert tasks.count() == 6
    # and one awarded: the translation the demo's contract is about (contracts.demo)
    assert list(Task.objects.for_org(northwind).exclude(status="open").values_list("status", flat=True)) == ["awarded"]
    assert tasks.values("category").distinct().count() >= 5
    assert tasks.filter(in_house_cost_estimate__isnull=False).exists()
    assert tasks.filter(budget_type="hourly").exists()
    assert tasks.filter(location_type="onsite", city="Berlin", country="DE").exists()
    invite_only = tasks.get(visibility="invite_only")
    assert list(BidInvitation.objects.filter(task=invite_only).values_list("supplier__name", flat=True)) == [
        "Ledgerly Accounting"
    ]


def test_pixel_and_pine_and_ledgerly_bid_and_talk_with_the_client():
    seed()

    bidders = set(Bid.objects.live().values_list("supplier__name", flat=True))
    assert bidders == {"Pixel & Pine Studio", "Ledgerly Accounting", "Wordsmith Translations"}  # the last hired
    assert Bid.objects.filter(supplier__name="Ledgerly Accounting", task__visibility="invite_only").exists()
    thread = Thread.objects.get(supplier__name="Pixel & Pine Studio")
    senders = list(Message.objects.filter(thread=thread).values_list("sender__email", flat=True))
    assert senders == ["alice@demo.test", "bob@demo.test", "alice@demo.test"]


def test_the_directory_shows_the_reply_time_of_the_supplier_that_answered():
    seed()
    seed()  # recomputed, not repeated

    figures = {
        name: (replies, median)
        for name, replies, median in SupplierReplyTime.objects.values_list(
            "organization__name", "replies", "median_seconds"
        )
    }
    assert set(figures) <= {"Pixel & Pine Studio", "Ledgerly Accounting", "Wordsmith Translations"}  # in a thread
    replies, median = figures["Pixel & Pine Studio"]
    assert replies == 1  # Bob answered Alice once
    assert median is not None
    assert median < 3600
    assert figures["Ledgerly Accounting"] == (0, None)  # its thread has no message: nothing shown
    assert figures.get("Wordsmith Translations", (0, None)) == (0, None)


def test_the_supplier_directory_has_a_handful_of_firms():
    seed()

    names = set(search_suppliers(filters=SupplierFilters()).values_list("name", flat=True))
    assert {"Pixel & Pine Studio", "Ledgerly Accounting", "Brightdesk IT", "Northstar Software"} <= names
    assert len(names) >= 7
    assert "Northwind Trading" not in names  # a pure client, though its profile names what it trades in


def test_northwind_is_a_client_again_after_a_database_that_took_it_for_a_supplier():
    seed()
    Organization.objects.filter(name="Northwind Trading").update(offers_services=True)  # as accounts 0006 left it

    seed()

    assert not Organization.objects.get(name="Northwind Trading").offers_services


def test_a_second_run_adds_nothing_and_stays_quick():
    seed()
    counts = (Task.objects.count(), Bid.objects.count(), BidInvitation.objects.count(), Message.objects.count())

    elapsed = seed()

    assert (Task.objects.count(), Bid.objects.count(), BidInvitation.objects.count(), Message.objects.count()) == counts
    assert elapsed < 5  # bin/start seeds on every start
