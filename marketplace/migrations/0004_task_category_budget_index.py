"""A covering index of open tasks by category and budget, for the task search.

Budgets go with the category (payroll work is cheaper than software), so the
cheapest or dearest open tasks of one category can lie past the first
hundred thousand open tasks in budget order. With this index a bounded walk
for "this category, by budget" starts within the category instead of
walking every other category's tasks (see ``marketplace.selectors.search``
and docs/benchmarks.md). Same columns as migration 0003's indexes; raw SQL
and CONCURRENTLY for the same reasons.
"""

from django.db import migrations

COVERED = (
    "bidding_closes_at, visibility, organization_id, location_type, budget_type, skills, "
    "country, city, published_at, deadline"
)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("marketplace", "0003_task_search_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS task_open_category_budget_cover ON marketplace_task "
            f"(category_id, budget_amount, id) INCLUDE ({COVERED}) WHERE status = 'open'",
            "DROP INDEX CONCURRENTLY IF EXISTS task_open_category_budget_cover",
        )
    ]
