"""The API's task lists render through ``core.api.serializers.CompiledRepresentation``.

It must say exactly what DRF's own field-by-field rendering says, for every kind of
task and viewer, and for the odd fields other serializers may have (a related id, a
method, a source that is missing or ``None``).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import prefetch_related_objects
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from core.api.serializers import CompiledRepresentation
from marketplace import services
from marketplace.api.serializers.tasks import BidInvitationSerializer, TaskSerializer
from marketplace.models import BidInvitation, Task
from tests.factories import open_task

pytestmark = pytest.mark.django_db


def drf(serializer: serializers.Serializer, instance):
    """What DRF renders without the compiled plan."""
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.fixture
def tasks(firm):
    open_task(
        firm,
        title="Hourly help desk",
        budget_type="hourly",
        budget_amount=None,
        hourly_rate_min=4_000,
        hourly_rate_max=6_000,
        hours_cap=100,
        location_type="onsite",
        country="DE",
        city="Berlin",
        skills=[],
    )
    with_files = open_task(firm, title='Logo <design> & "brand"', in_house_cost_estimate=None)
    services.add_task_attachments(
        actor=firm.owner,
        task=with_files,
        uploads=[SimpleUploadedFile(f"brief-{n}.pdf", b"%PDF-1.4 x", content_type="application/pdf") for n in (1, 2)],
    )
    terms = services.task_input_from(with_files)
    terms.deadline = timezone.localdate() + timedelta(days=90)
    services.update_task(actor=firm.owner, task=with_files, data=terms)  # an edit: edited_at is set
    tasks = list(Task.objects.select_related("organization", "category").filter(organization=firm).order_by("pk"))
    prefetch_related_objects(tasks, "attachments")
    return tasks


@pytest.mark.parametrize("viewer", ["client", "anonymous", "other"])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Chatham"])
def test_task_list_representation_is_drfs(tasks, firm, other_firm, viewer, zone):
    organization = {"client": firm, "anonymous": None, "other": other_firm}[viewer]
    request = APIRequestFactory().get("/api/v1/tasks/")
    context = {"organization": organization, "request": request}
    with timezone.override(ZoneInfo(zone)):
        fast = TaskSerializer(tasks, many=True, context=context).data
        child = TaskSerializer(context=context)
        slow = []
        for task in tasks:
            data = drf(child, task)
            if viewer != "client":
                data.pop("in_house_cost_estimate", None)
                data.pop("comparison_weights", None)
            slow.append(data)

    assert [list(item) for item in fast] == [list(item) for item in slow]  # same keys, same order
    assert fast == slow
    assert any(item["attachments"] for item in fast)
    assert ("in_house_cost_estimate" in fast[0]) is (viewer == "client")


def test_related_ids_are_read_without_loading_the_object(tasks, firm, other_firm, django_assert_num_queries):
    invitation = services.invite_supplier_to_bid(actor=firm.owner, task=tasks[0], supplier=other_firm, message="Hi")
    invitation = BidInvitation.objects.select_related("supplier").get(pk=invitation.pk)

    class Compiled(CompiledRepresentation, BidInvitationSerializer):
        pass

    with django_assert_num_queries(0):
        fast = Compiled(invitation).data
    assert fast == drf(BidInvitationSerializer(), invitation)
    assert fast["task"] == tasks[0].pk


class Thing:
    def __init__(self, inner=None):
        self.number = "7"
        self.inner = inner
        self.name = 12

    def shout(self):
        return "HI"


class InnerSerializer(serializers.Serializer):
    name = serializers.CharField()


class ThingSerializer(CompiledRepresentation):
    number = serializers.IntegerField()
    shout = serializers.CharField()
    inner = InnerSerializer(allow_null=True)
    inner_name = serializers.CharField(source="inner.name", required=False)
    label = serializers.SerializerMethodField()

    def get_label(self, thing):
        return f"#{thing.number}"


def test_plain_fields_methods_nested_and_missing_sources_match_drf():
    with_inner, without = Thing(inner=Thing()), Thing()

    assert ThingSerializer(with_inner).data == {
        "number": 7,
        "shout": "HI",
        "inner": {"name": "12"},
        "inner_name": "12",
        "label": "#7",
    }
    assert ThingSerializer(with_inner).data == drf(ThingSerializer(), with_inner)
    # "inner.name" through a None: DRF skips the field; the compiled plan falls back to DRF.
    assert ThingSerializer(without).data == drf(ThingSerializer(), without)
    assert "inner_name" not in ThingSerializer(without).data


def test_each_request_gets_its_own_download_urls(tasks, firm):
    # The plan is compiled once per class; the attachments (their URLs read the request) are bound per serializer.
    first = APIRequestFactory().get("/api/v1/tasks/", HTTP_HOST="one.example.test")
    second = APIRequestFactory().get("/api/v1/tasks/", HTTP_HOST="two.example.test")

    urls = [
        [
            a["download_url"]
            for item in TaskSerializer(tasks, many=True, context={"request": r}).data
            for a in item["attachments"]
        ]
        for r in (first, second)
    ]

    assert urls[0]
    assert all(url.startswith("http://one.example.test/") for url in urls[0])
    assert all(url.startswith("http://two.example.test/") for url in urls[1])


class PerViewerSerializer(CompiledRepresentation):
    """Fields chosen from the context: the plan cannot be shared between instances."""

    number = serializers.IntegerField()
    name = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("staff"):
            fields.pop("name")
        return fields


def test_a_serializer_choosing_its_fields_per_instance_compiles_per_instance():
    thing = Thing()

    assert PerViewerSerializer(thing, context={"staff": True}).data == {"number": 7, "name": "12"}
    assert PerViewerSerializer(thing, context={}).data == {"number": 7}
    assert PerViewerSerializer(thing, context={"staff": True}).data == {"number": 7, "name": "12"}
