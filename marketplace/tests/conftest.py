"""The cast of the marketplace tests.

firm: the client. other_firm: a supplier. stranger: a third organization with no part in any of it.
"""

from __future__ import annotations

import pytest

from accounts.models import Organization, Role
from marketplace import services
from marketplace.models import Bid, Task, Thread
from marketplace.tests.api_support import make_org, signed_in, submit
from tests import support
from tests.factories import make_member, open_task, task_input


@pytest.fixture
def member(firm):
    """A plain member of the client firm: may post and edit tasks, may not accept bids."""
    return make_member(firm, role=Role.MEMBER)


@pytest.fixture
def stranger():
    return make_org("Initech")


@pytest.fixture
def task(firm) -> Task:
    return open_task(firm)


@pytest.fixture
def draft(firm) -> Task:
    return services.create_task(actor=firm.owner, organization=firm, data=task_input(title="Office cleaning"))


@pytest.fixture
def bid(task, other_firm) -> Bid:
    return submit(task, other_firm)


@pytest.fixture
def thread(bid) -> Thread:
    return Thread.objects.get(task=bid.task, supplier=bid.supplier)


@pytest.fixture
def client_api(firm):
    return signed_in(firm.owner, firm)


@pytest.fixture
def supplier_api(other_firm):
    return signed_in(other_firm.owner, other_firm)


@pytest.fixture
def stranger_api(stranger):
    return signed_in(stranger.owner, stranger)


# --- the task pages: a listed supplier and signed-in clients of both sides -------------------------------


@pytest.fixture
def supplier(other_firm):
    """A supplier organization with a listed profile (skills), acting as ``other_firm``."""
    Organization.objects.filter(pk=other_firm.pk).update(
        skills=["payroll", "datev"], country="DE", city="Berlin", hourly_rate=6_500, headline="Payroll bureau"
    )
    other_firm.refresh_from_db()
    other_firm.owner = other_firm.memberships.get(role="owner").user
    return other_firm


@pytest.fixture
def client_of(firm):
    return support.signed_in(firm.owner, firm)


@pytest.fixture
def supplier_client(supplier):
    return support.signed_in(supplier.owner, supplier)
