"""One pytest run per test database at a time.

``--reuse-db`` (in the project's pytest options) lets a second run open the
database a first run is still using, without a word. The two then fight: a
transactional test's flush in one run truncates every table while the other
holds its test transaction open, PostgreSQL breaks the deadlock by failing
one of them, and a request of the other answers 500 for no reason of its
own (a deep API fuzz run met exactly that: ``deadlock detected`` inserting a
contract's milestones while another run on the same database ran
``TRUNCATE``). Rows committed by one run's flushes and seeds appear and
vanish under the other, too.

So each run holds a PostgreSQL advisory lock named after its test database,
on a connection to the server's maintenance database (the test database may
not exist yet, and a test that closes Django's connections must not release
it), and a second run stops at once with the reason.
"""

from __future__ import annotations

from typing import Any

# The first half of the two-key advisory lock: this lock's kind. The second half is the database's name.
_KIND = "marketplace pytest run"


class DatabaseInUse(Exception):
    """Another pytest run holds the test database."""


def claim(connection_params: dict[str, Any], test_database: str, connect: Any) -> Any:
    """Take the test database's lock; return the connection that holds it (closing it releases the lock)."""
    params = {**connection_params, "dbname": "postgres"}
    params.pop("database", None)
    holder = connect(**params)
    holder.autocommit = True
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s), hashtext(%s))", [_KIND, test_database])
        (taken,) = cursor.fetchone()
    if not taken:
        holder.close()
        raise DatabaseInUse(
            f"Another pytest run is using the test database {test_database!r}. Wait for it, or give this "
            "run a database of its own: export DATABASE_TEST_NAME=test_<something>."
        )
    return holder
