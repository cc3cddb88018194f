"""A supplier's track record: one rule for what counts, read alike by the directory and the comparison."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Organization
from contracts.models import Contract, ContractStatus, Review
from contracts.selectors import TRACK_RECORD_PARAMETERS, TrackRecord, track_record_sql, with_track_record

pytestmark = pytest.mark.django_db


def contract(client: Organization, supplier: Organization, status: str) -> Contract:
    return Contract.objects.create(client=client, supplier=supplier, title="Books", currency="EUR", status=status)


@pytest.fixture
def record(firm, other_firm):  # type: ignore[no-untyped-def]
    """Two revealed reviews (4 and 5 stars), one not revealed, one completed contract and one active."""
    done, running = contract(firm, other_firm, ContractStatus.COMPLETED), contract(firm, other_firm, "active")
    now = timezone.now()
    Review.objects.create(
        contract=done, author=firm, subject=other_firm, rating=4, communication_rating=3, revealed_at=now
    )
    Review.objects.create(
        contract=running, author=firm, subject=other_firm, rating=5, communication_rating=5, revealed_at=now
    )
    # Not revealed yet, and written by the supplier about the client: neither counts for the supplier.
    Review.objects.create(contract=done, author=other_firm, subject=firm, rating=1, communication_rating=1)
    return other_firm


def test_the_directory_reads_revealed_reviews_and_completed_contracts(record):
    supplier = with_track_record(Organization.objects.filter(pk=record.pk)).get()
    assert (supplier.rating, supplier.review_count, supplier.completed_contracts) == (4.5, 2, 1)


def test_the_comparisons_statement_reads_the_same_record(record, firm):
    sql = track_record_sql("%(supplier)s", database="default")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", {**TRACK_RECORD_PARAMETERS, "supplier": record.pk})
        (value,) = cursor.fetchone()
        read = TrackRecord.read(value)
        cursor.execute(f"SELECT {sql}", {**TRACK_RECORD_PARAMETERS, "supplier": firm.pk})
        (client_side,) = cursor.fetchone()
    assert read == TrackRecord(review_count=2, rating_total=9, communication_total=8, completed_contracts=1)
    assert read.rating == 4.5
    assert TrackRecord.read(client_side) == TrackRecord()  # its one review is not revealed; it supplied nothing
