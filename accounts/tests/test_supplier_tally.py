"""The supplier directory's size, kept by triggers (accounts.models.SupplierTally)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.models import LISTED_SUPPLIER, Organization, SupplierTally
from accounts.selectors import supplier_count
from accounts.services import recount_suppliers
from marketplace.selectors import SupplierFilters, count_suppliers, search_suppliers

pytestmark = pytest.mark.django_db


def counted() -> int:
    return Organization.objects.filter(LISTED_SUPPLIER).count()


def tally() -> int:
    return SupplierTally.objects.get(pk=1).suppliers


def test_every_way_of_writing_organizations_keeps_the_tally_exact(firm, other_firm):
    start = tally()
    assert start == counted()

    baker = Organization.objects.create(name="Baker", slug="baker", skills=["payroll"], offers_services=True)
    plain = Organization.objects.create(name="Plain", slug="plain", offers_services=True)
    assert tally() == start + 1 == counted()

    plain.skills = ["bookkeeping"]
    plain.save()
    assert tally() == start + 2 == counted()

    baker.headline = "Still a supplier"  # a change that keeps a skill moves nothing
    baker.save()
    assert tally() == start + 2

    Organization.objects.bulk_create(
        [
            Organization(name=f"Bulk {n}", slug=f"bulk-{n}", skills=["payroll"] if n % 2 else [], offers_services=True)
            for n in range(9)
        ]
    )
    assert tally() == start + 6 == counted()

    Organization.objects.filter(slug__startswith="bulk-").update(skills=[])
    assert tally() == start + 2 == counted()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_organization SET skills = '{seo}' WHERE slug LIKE 'bulk-%%'")
    assert tally() == start + 11 == counted()

    Organization.objects.filter(slug__startswith="bulk-").delete()
    baker.delete()
    assert tally() == start + 1 == counted()


def test_a_client_naming_skills_is_not_counted_until_it_offers_services(firm):
    start = tally()
    client = Organization.objects.create(name="Pure client", slug="pure-client", skills=["wholesale"])
    assert tally() == start == counted()

    Organization.objects.filter(pk=client.pk).update(offers_services=True)
    assert tally() == start + 1 == counted()

    Organization.objects.filter(pk=client.pk).update(offers_services=False)
    assert tally() == start == counted()


def test_a_rolled_back_write_leaves_the_tally_as_it_was(firm):
    start = tally()

    seen = []

    def write_then_fail() -> None:
        with transaction.atomic():
            Organization.objects.create(name="Gone", slug="gone", skills=["payroll"], offers_services=True)
            seen.append(tally())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert seen == [start + 1]
    assert tally() == start == counted()


def test_the_count_leaves_out_the_organization_looking_and_only_if_it_is_listed(firm, other_firm):
    Organization.objects.create(name="Baker", slug="baker", skills=["payroll"], offers_services=True)
    firm.skills, firm.offers_services = ["bookkeeping"], True
    firm.save()
    other_firm.skills = []
    other_firm.save()
    listed = counted()

    assert supplier_count() == listed
    assert supplier_count(besides=firm) == listed - 1
    assert supplier_count(besides=other_firm) == listed


@pytest.mark.parametrize("filters", [{}, {"country": "DE"}, {"q": "bake"}])
def test_the_directory_counts_from_the_tally_only_unfiltered_and_falls_back_without_it(
    firm, django_assert_num_queries, filters
):
    Organization.objects.create(name="Baker", slug="baker", country="DE", skills=["payroll"], offers_services=True)
    chosen = SupplierFilters(**filters)
    expected = search_suppliers(filters=chosen, exclude=firm).count()
    if not filters:  # the tally holds a figure no query of the rows would give: it is what is read
        SupplierTally.objects.filter(pk=1).update(suppliers=1_000)
        assert count_suppliers(filters=chosen, exclude=firm) == 1_000 - (1 if firm.is_listed_supplier else 0)
        recount_suppliers()
    assert count_suppliers(filters=chosen, exclude=firm) == expected

    SupplierTally.objects.all().delete()  # as TRUNCATE leaves it

    assert supplier_count(besides=firm) is None
    assert count_suppliers(filters=chosen, exclude=firm) == expected
    assert recount_suppliers() == counted() == tally()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_each_count_once():
    """Organizations made by several connections at once, committed in any order, all counted."""
    start = tally()
    errors: list[BaseException] = []

    def make(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    Organization.objects.create(
                        name=f"T{n}-{i}", slug=f"t{n}-{i}", skills=["payroll"], offers_services=True
                    )
                    Organization.objects.filter(slug=f"t{n}-{i - 1}").update(skills=[] if i % 2 else ["seo"])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=make, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert tally() == counted() == start + 4 * 5  # each made 10 and emptied 5 (the odd steps empty the one before)
