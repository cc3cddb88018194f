"""The header's sides and unread count, kept in the cache between the writes that change them."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from redis.exceptions import ConnectionError as RedisConnectionError

from marketplace import services
from marketplace.models import Thread
from marketplace.selectors import activity as header
from tests.factories import OrganizationFactory, bid_input, make_member, open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier():  # type: ignore[no-untyped-def]
    organization = OrganizationFactory(name="Ledgerly Accounting", skills=["payroll"], offers_services=True)
    organization.owner = make_member(organization, role="owner")
    return organization


@pytest.fixture
def thread(firm, supplier):  # type: ignore[no-untyped-def]
    task = open_task(firm, title="Monthly payroll")
    services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())
    return Thread.objects.get(task=task, supplier=supplier)


def activity_queries(firm) -> tuple[header.Activity, int]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        found = header.activity_of(organization=firm, user=firm.owner)
    return found, len(queries)


def test_a_second_look_asks_the_database_nothing(firm, thread, supplier):
    services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Can we start?")

    first, asked_first = activity_queries(firm)
    again, asked_again = activity_queries(firm)

    assert (first.unread_threads, first.posts_tasks) == (1, True)
    assert again == first
    assert (asked_first, asked_again) == (1, 0)


def test_a_message_a_reading_and_a_first_task_each_show_at_the_next_look(firm, thread, supplier, other_firm):
    assert header.activity_of(organization=firm, user=firm.owner).unread_threads == 0

    services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Can we start?")
    assert header.activity_of(organization=firm, user=firm.owner).unread_threads == 1

    services.mark_thread_read(user=firm.owner, thread=thread)
    assert header.activity_of(organization=firm, user=firm.owner).unread_threads == 0

    assert header.activity_of(organization=other_firm, user=other_firm.owner).posts_tasks is False
    open_task(other_firm)
    assert header.activity_of(organization=other_firm, user=other_firm.owner).posts_tasks is True


def test_every_member_of_the_other_side_sees_a_new_message(firm, thread, supplier):
    colleague = make_member(firm, role="member")
    assert header.activity_of(organization=firm, user=colleague).unread_threads == 0

    services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Can we start?")

    assert header.activity_of(organization=firm, user=colleague).unread_threads == 1


def test_what_a_view_kept_from_before_a_write_committed_is_not_shown_after_it(firm, thread, supplier):
    """A view that read the database before the message committed stores its figures after the
    message's forgetting: under the generations it read, which the next look no longer accepts."""
    header.activity_of(organization=firm, user=firm.owner)
    organization_key, user_key, entry_key = header._activity_keys(firm.pk, firm.owner.pk)
    read_before = cache.get_many([organization_key, user_key])

    services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Can we start?")
    cache.set(entry_key, (read_before[organization_key], read_before[user_key], True, 0))  # the late view

    assert header.activity_of(organization=firm, user=firm.owner).unread_threads == 1


def test_without_redis_the_header_reads_the_database(firm, thread, supplier):
    services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Can we start?")
    down = RedisConnectionError("Redis is not answering")

    with mock.patch.multiple(cache, get_many=mock.Mock(side_effect=down), delete_many=mock.Mock(side_effect=down)):
        found, asked = activity_queries(firm)
        services.mark_thread_read(user=firm.owner, thread=thread)  # forgetting fails quietly

    assert (found.unread_threads, asked) == (1, 1)
