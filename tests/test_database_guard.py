"""Two pytest runs on one test database stop at the start instead of deadlocking each other's tests."""

from __future__ import annotations

import uuid

import pytest
from django.db import connections

from tests.database_guard import DatabaseInUse, claim

# A session without a database test does not set the test database up; these need it (and its lock).
pytestmark = pytest.mark.django_db


def _claim(name: str):  # type: ignore[no-untyped-def]
    connection = connections["default"]
    return claim(connection.get_connection_params(), name, connection.Database.connect)


def test_a_second_run_on_the_same_test_database_is_refused_until_the_first_ends():
    name = f"test_guard_{uuid.uuid4().hex[:8]}"
    first = _claim(name)
    try:
        with pytest.raises(DatabaseInUse, match=name):
            _claim(name)
        _claim(f"{name}_other").close()  # another database is another run's own
    finally:
        first.close()

    _claim(name).close()  # the first run is over: the database is free


def test_this_run_holds_its_own_test_database(django_db_setup):  # type: ignore[no-untyped-def]
    with pytest.raises(DatabaseInUse):
        _claim(connections["default"].settings_dict["NAME"])
