"""A full-text index of task titles, for relevance's first tier (title matches).

Relevance puts the tasks whose title matches the words before those whose
description does (``marketplace.selectors.search``). Words rare in titles
("moving company": 62 titles among the newest 50,000 open tasks, 1,387
matches in all) would otherwise be found by testing the rows of every
match of the words; this index hands over the title matches alone, and its
statistics (``ANALYZE`` keeps them for an expression index) say how common
a word is in titles. The expression is the title's lexemes as the search
vector holds them (weight A), so it matches phrases exactly as the title
alone would. Raw SQL and CONCURRENTLY for the reasons of migration 0003.

Not partial, unlike 0003's: PostgreSQL reads the statistics of an
expression index only when it covers the whole table, and without them it
guessed 3,662 titles for every word ("book": 40,930), skipped the sort key's
range and read 36,000 table pages for one page of "booking website" (1.4 s).
"""

from django.db import migrations

TITLE_LEXEMES = "ts_filter(search_vector, '{a}'::\"char\"[])"


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("marketplace", "0004_task_category_budget_index")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS task_open_title_gin ON marketplace_task "
            f"USING gin ({TITLE_LEXEMES})",
            "DROP INDEX CONCURRENTLY IF EXISTS task_open_title_gin",
        ),
        # Relevance reads the index's statistics to tell common title words from rare ones.
        migrations.RunSQL("ANALYZE marketplace_task", migrations.RunSQL.noop),
    ]
