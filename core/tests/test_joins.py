"""``core.joins``: rows read into the instances the ORM would make of them."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Membership, Organization, User
from core import joins
from marketplace.models import Bid, Category, Task
from marketplace.tests.api_support import submit
from tests.factories import open_task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Task, Organization, Category, Bid, User, Membership])
def test_an_instance_is_the_orms_attribute_for_attribute(model, firm, other_firm):
    task = open_task(firm, country="DE", city="Berlin")
    bid = submit(task, other_firm)
    # Stored as written, not as the field cleans it: the instance must clean it as the ORM's does.
    Organization.objects.filter(pk=firm.pk).update(country="fr")
    pk = {
        Task: task.pk,
        Organization: firm.pk,
        Category: task.category_id,
        Bid: bid.pk,
        User: firm.owner.pk,
        Membership: firm.memberships.get().pk,
    }[model]
    columns = joins.Columns.of(model, "x", database="default")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM {joins.table(model, 'default')} x WHERE x.id = %s", [pk])
        row = cursor.fetchone()

    made = columns.instance(list(row), "default")
    orm = model.objects.get(pk=pk)

    assert columns.guarded is not None, "built through the model's from_db, not the fast path this test is about"
    assert {k: v for k, v in vars(made).items() if k != "_state"} == {
        k: v for k, v in vars(orm).items() if k != "_state"
    }
    assert (made._state.adding, made._state.db, made._state.fields_cache) == (False, "default", {})
    if model is Organization:
        assert made.country.code == "FR"
        # The attributes that would change a value as it is set are set through them.
        assert {"country", "logo"} <= columns.guarded


def test_a_model_with_init_signal_receivers_is_built_by_its_from_db(firm):
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Category)
    try:
        columns = joins.Columns.of(Category, "x", database="default")
        category = Category.objects.first()
        row = [getattr(category, name) for name in columns.attnames]
        columns.instance(row, "default")
    finally:
        post_init.disconnect(receiver, sender=Category)
    assert seen == [category.pk, category.pk]  # the ORM's get, then the join's instance
