"""A queryset compiled once answers each call with that call's values, as the queryset itself would."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from accounts.models import Membership, Organization
from core.exceptions import NotFound
from core.lookups import AnyOf
from core.queries import CompiledQuery, one_or_not_found
from tests.factories import OrganizationFactory, make_member

pytestmark = pytest.mark.django_db

ANY_ORGANIZATION, ANY_ROLE = -9_001, "\x00role"


def members(organization, role):  # type: ignore[no-untyped-def]
    """A queryset with a subquery annotation and two values, like the pages that use the helper."""
    return (
        Organization.objects.filter(memberships__organization=organization, memberships__role=role)
        .only("id", "name")
        .annotate(seats=Count("memberships"))
        .order_by("name", "id")
    )


def test_each_call_gets_the_rows_of_its_own_values(firm, other_firm):
    compiled = CompiledQuery(Organization, members, organization=ANY_ORGANIZATION, role=ANY_ROLE)
    make_member(other_firm, role="admin")

    for organization in (firm, other_firm, firm):
        for role in ("owner", "admin", "member"):
            expected = [(row.pk, row.name, row.seats) for row in members(organization, role)]
            page = compiled.page(offset=0, limit=10, organization=organization, role=role)
            assert [(row.pk, row.name, row.seats) for row in page] == expected


def test_pages_follow_the_querysets_order(firm):
    for n in range(5):
        make_member(Organization.objects.create(name=f"Org {n}", slug=f"org-{n}"), role="owner")
    compiled = CompiledQuery(
        Organization,
        lambda role: Organization.objects.filter(memberships__role=role).order_by("name", "id"),
        role=ANY_ROLE,
    )
    everyone = list(Organization.objects.filter(memberships__role="owner").order_by("name", "id"))
    assert len(everyone) > 5

    paged = [
        row for start in range(0, len(everyone) + 2, 2) for row in compiled.page(offset=start, limit=2, role="owner")
    ]

    assert paged == everyone


def test_a_stand_in_the_sql_does_not_carry_as_a_parameter_is_refused():
    compiled = CompiledQuery(
        Organization,
        lambda organization, role: Organization.objects.filter(pk=organization),  # role is never used
        organization=ANY_ORGANIZATION,
        role=ANY_ROLE,
    )

    with pytest.raises(ValueError, match="role"):
        compiled.sql(organization=1, role="owner")


def test_every_value_must_be_given():
    compiled = CompiledQuery(Membership, lambda role: Membership.objects.filter(role=role), role=ANY_ROLE)

    with pytest.raises(TypeError):
        compiled.sql()


def test_an_array_of_ids_is_one_parameter_of_any_length(firm, other_firm):
    # core.lookups.AnyOf sends a list as one array parameter; a list stand-in names it.
    compiled = CompiledQuery(
        Organization,
        lambda ids: Organization.objects.filter(AnyOf(F("pk"), ids)).order_by("pk"),
        ids=[ANY_ORGANIZATION],
    )

    for ids in ([], [firm.pk], [other_firm.pk, firm.pk, -1]):
        assert [row.pk for row in compiled.all(ids=ids)] == sorted(pk for pk in ids if pk > 0)


def test_rows_are_a_values_querysets_columns_in_order(firm, other_firm):
    make_member(firm, role="member")
    make_member(firm, role="member")
    make_member(other_firm, role="admin")
    compiled = CompiledQuery(
        Membership,
        lambda organization: (
            Membership.objects.filter(organization=organization)
            .order_by("role")
            .values("role")
            .annotate(seats=Count("*"))
        ),
        organization=ANY_ORGANIZATION,
    )

    for organization in (firm, other_firm):
        expected = [
            (row["role"], row["seats"])
            for row in Membership.objects.filter(organization=organization)
            .order_by("role")
            .values("role")
            .annotate(seats=Count("*"))
        ]
        assert compiled.rows(organization=organization) == expected


def test_a_parameter_that_cannot_be_hashed_is_never_taken_for_a_stand_in():
    from core.queries import _key

    assert _key([ANY_ORGANIZATION, -2]) == ("array", ANY_ORGANIZATION, -2)
    assert _key([[1], [2]]) is None
    assert _key((1, [2])) is None
    assert _key(ANY_ROLE) == ANY_ROLE


def test_counts_and_pages_of_rows_are_the_querysets(firm, other_firm):
    for n in range(5):
        make_member(Organization.objects.create(name=f"Org {n}", slug=f"org-{n}"), role="owner")
    make_member(other_firm, role="admin")

    def owned(role):  # type: ignore[no-untyped-def]
        return Organization.objects.filter(memberships__role=role).order_by("name", "id").values_list("pk")

    compiled = CompiledQuery(Organization, owned, role=ANY_ROLE)

    for role in ("owner", "admin", "member"):
        everyone = list(owned(role))
        assert compiled.count(role=role) == len(everyone)
        pages = range(0, len(everyone) + 2, 2)
        paged = [row for start in pages for row in compiled.rows(offset=start, limit=2, role=role)]
        assert paged == everyone


# --- one_or_not_found: the one shape of a scoped "get one" selector


def test_one_or_not_found_gives_the_row_the_lookups_name_within_the_queryset():
    firm = OrganizationFactory()

    assert one_or_not_found(Organization.objects.all(), "No such firm.", pk=firm.pk) == firm


def test_one_or_not_found_treats_a_row_outside_the_queryset_is_as_missing_as_an_unknown_one():
    outside = OrganizationFactory()
    scope = Organization.objects.exclude(pk=outside.pk)

    with pytest.raises(NotFound) as hidden:
        one_or_not_found(scope, "No such firm.", field="firm", pk=outside.pk)
    with pytest.raises(NotFound) as unknown:
        one_or_not_found(scope, "No such firm.", field="firm", pk=outside.pk + 1000)

    assert (hidden.value.message, hidden.value.field) == (unknown.value.message, unknown.value.field)
    assert hidden.value.field_errors == {"firm": ["No such firm."]}
