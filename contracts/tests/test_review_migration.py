"""Reviews moved from ``marketplace`` to ``contracts`` with their rows (contracts 0003, marketplace 0011)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from tests.support import latest_migrations, migrate_to

BEFORE = [("contracts", "0002_initial"), ("marketplace", "0010_task_status_before_hiding_db_default")]
AFTER = [("contracts", "0003_review"), ("marketplace", "0011_review_moved_to_contracts")]


@pytest.mark.django_db(transaction=True)
def test_reviews_keep_their_rows_ids_and_constraints_in_contracts():
    apps = migrate_to(BEFORE)
    try:
        Organization = apps.get_model("accounts", "Organization")
        Contract = apps.get_model("contracts", "Contract")
        OldReview = apps.get_model("marketplace", "Review")
        client = Organization.objects.create(name="Client", slug="migration-client")
        supplier = Organization.objects.create(name="Supplier", slug="migration-supplier")
        contract = Contract.objects.create(
            client=client, supplier=supplier, title="Audit", scope="Books", currency="EUR", total_amount=100
        )
        revealed = timezone.now()
        given = OldReview.objects.create(
            contract=contract,
            author=client,
            subject=supplier,
            rating=4,
            communication_rating=5,
            comment="On time.",
            revealed_at=revealed,
        )

        apps = migrate_to(AFTER)
        Review = apps.get_model("contracts", "Review")
        moved = Review.objects.get()
        assert (moved.pk, moved.contract_id, moved.author_id, moved.subject_id) == (
            given.pk,
            contract.pk,
            client.pk,
            supplier.pk,
        )
        assert (moved.rating, moved.communication_rating, moved.comment) == (4, 5, "On time.")
        assert moved.revealed_at == revealed
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('marketplace_review')")
            assert cursor.fetchone() == (None,)
        # The sequence runs past the copied ids, and the review's rules hold in the new table.
        reply = {"contract_id": contract.pk, "author_id": supplier.pk, "subject_id": client.pk}
        other = Review.objects.create(**reply, rating=5, communication_rating=5)
        assert other.pk > given.pk
        with pytest.raises(Exception, match="contracts_one_review_per_side"):
            Review.objects.create(**reply, rating=5, communication_rating=5)
    finally:
        migrate_to(latest_migrations())
