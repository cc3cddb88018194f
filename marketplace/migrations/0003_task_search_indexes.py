"""Covering indexes of open tasks: one per sort order of the task search, and one by place.

Each holds, besides its sort key and id, every column the browse filters and
the visibility rule read, so ``marketplace.selectors.search_tasks`` finds a
page's ids with an index-only scan: filters are checked on the index entries
and the table is read for the page's rows only (see docs/benchmarks.md).
Partial (open tasks only): the search never looks at other statuses.

Raw SQL on purpose: a partial covering index declared in ``Task.Meta`` would
be the same, but these belong to the search, and Django's state does not need
them. Built CONCURRENTLY so a deploy does not lock a large table.
"""

from django.db import migrations

# What the browse filters and the visibility rule read.
COVERED = "bidding_closes_at, visibility, organization_id, category_id, location_type, budget_type, skills"

INDEXES = {
    "task_open_newest_cover": (
        f"(published_at DESC, id DESC) INCLUDE ({COVERED}, country, city, budget_amount, deadline)"
    ),
    "task_open_budget_cover": f"(budget_amount, id) INCLUDE ({COVERED}, country, city, published_at, deadline)",
    "task_open_deadline_cover": f"(deadline, id) INCLUDE ({COVERED}, country, city, published_at, budget_amount)",
    # A place narrows a search more than any sort order helps: the tasks of
    # one city come straight from here (the city filter ignores case).
    "task_open_place_cover": f"(country, upper(city)) INCLUDE ({COVERED}, city, published_at, budget_amount, deadline)",
}


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("marketplace", "0002_seed_categories")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON marketplace_task {columns} WHERE status = 'open'",
            f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
