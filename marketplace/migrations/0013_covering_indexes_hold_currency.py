"""The search's covering indexes hold the task's currency too, and the one by place its id.

A budget bound compares amounts in one currency and lists only tasks priced in
it (``marketplace.selectors.search.filters``), so a filtered walk reads
``currency`` as well. Missing from the indexes of migrations 0003 and 0004,
every entry the walk looked at cost a read of the table: on the benchmark
database "filters only, by deadline" with a budget bound read 14,000 pages
for 20,000 entries (60 ms, p95 130 ms instead of 30).

The index by place also gains the task's id: a search whose filters are sparse
(one country, fixed price, remote, by budget) fetches its few matches through
it, and without the id in it that step read a table page per entry (17,000 of
them for Ireland's open tasks, 50 ms when they were not in memory); with the id
it is an index-only scan (under a millisecond).

Each index is built anew under a temporary name beside the old one, then
takes its name, so searches keep an index throughout (CONCURRENTLY: no lock
on the table). Same columns otherwise; see 0003 and 0004.
"""

from django.db import migrations

FILTERED = "bidding_closes_at, visibility, organization_id, location_type, budget_type, skills"

BEFORE = {
    "task_open_newest_cover": (
        f"(published_at DESC, id DESC) INCLUDE ({FILTERED}, category_id, country, city, budget_amount, deadline)"
    ),
    "task_open_budget_cover": (
        f"(budget_amount, id) INCLUDE ({FILTERED}, category_id, country, city, published_at, deadline)"
    ),
    "task_open_deadline_cover": (
        f"(deadline, id) INCLUDE ({FILTERED}, category_id, country, city, published_at, budget_amount)"
    ),
    "task_open_place_cover": (
        f"(country, upper(city)) INCLUDE ({FILTERED}, category_id, city, published_at, budget_amount, deadline)"
    ),
    "task_open_category_budget_cover": (
        f"(category_id, budget_amount, id) INCLUDE ({FILTERED}, country, city, published_at, deadline)"
    ),
}


def _rebuilt(indexes: dict[str, str]) -> list[str]:
    """Statements building each index beside the one of its name, then putting it in its place."""
    statements = []
    for name, columns in indexes.items():
        building = f"{name}_building"
        statements += [
            f"DROP INDEX CONCURRENTLY IF EXISTS {building}",  # a run that stopped half way
            f"CREATE INDEX CONCURRENTLY {building} ON marketplace_task {columns} WHERE status = 'open'",
            f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            f"ALTER INDEX {building} RENAME TO {name}",
        ]
    return statements


def _with_currency(name: str, columns: str) -> str:
    added = "currency, id" if name == "task_open_place_cover" else "currency"
    return f"{columns.removesuffix(')')}, {added})"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("marketplace", "0012_supplier_reply_time")]

    operations = [
        migrations.RunSQL(
            _rebuilt({name: _with_currency(name, columns) for name, columns in BEFORE.items()}), _rebuilt(BEFORE)
        ),
    ]
