"""Full-text indexes of open tasks that also hold their category and country.

A common word can be rare inside one category: "payroll" is in 69,000 of the
benchmark database's million tasks and in none of the 116,000 open ones about
software development. The full-text index alone hands over all 69,000, and
the category's index all 116,000, before PostgreSQL finds that no task is in
both: a tier of the relevance search took 35-55 ms that way, and the search
walked the newest tasks in bands first (up to 120 ms a tier), hoping to find
matches sooner. With the category and the country in the same GIN index
(``btree_gin`` gives GIN the plain columns' operators) the index intersects
the two lists itself: 3-6 ms, and so the search can skip the bands when the
newest candidates held no match (``marketplace.selectors.search``).

One for the whole text and one for the title's lexemes (relevance's first
tier; the expression of migration 0005, whose whole-table index keeps the
statistics). Partial (open tasks only), as the search never looks elsewhere.
Raw SQL and CONCURRENTLY for the reasons of migration 0003.
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations

TITLE_LEXEMES = "ts_filter(search_vector, '{a}'::\"char\"[])"

INDEXES = {
    "task_open_words_gin": "category_id, country, search_vector",
    "task_open_title_words_gin": f"category_id, country, {TITLE_LEXEMES}",
}


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("marketplace", "0007_task_org_newest_index")]

    operations = [
        BtreeGinExtension(),
        *(
            migrations.RunSQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON marketplace_task "
                f"USING gin ({columns}) WHERE status = 'open'",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, columns in INDEXES.items()
        ),
        migrations.RunSQL("ANALYZE marketplace_task", migrations.RunSQL.noop),
    ]
