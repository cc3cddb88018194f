"""Tasks get a bounded plain-text excerpt for lists; saved searches lose filter values no search accepts.

The backfill renders each description once, in batches, with the helper the
task services use, so old and new rows read alike. Saved searches could keep
a ``budget_min`` of 10^20 (the API then returned it against its own schema):
amounts outside 0..10^12 minor units are dropped, as the browse page drops them.
"""

from django.db import migrations, models

BATCH = 2000
MAX_AMOUNT = 10**12  # core.limits.MAX_AMOUNT when this was written


def backfill_excerpts(apps, schema_editor):
    from django.db import connection

    from core.markdown import excerpt

    Task = apps.get_model("marketplace", "Task")
    table = connection.ops.quote_name(Task._meta.db_table)
    last = 0
    while True:
        rows = list(Task.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "description")[:BATCH])
        if not rows:
            return
        params = [value for pk, description in rows for value in (pk, excerpt(description, 300))]
        # One UPDATE joined to a VALUES list: bulk_update's CASE per row is quadratic in the batch.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS task SET excerpt = v.excerpt "  # noqa: S608 - the table name is ours
                f"FROM (VALUES {', '.join(['(%s::bigint, %s)'] * len(rows))}) AS v(id, excerpt) "
                "WHERE task.id = v.id",
                params,
            )
        last = rows[-1][0]


def bound_saved_filters(apps, schema_editor):
    SavedSearch = apps.get_model("marketplace", "SavedSearch")
    for saved in SavedSearch.objects.all().iterator():
        filters = dict(saved.filters or {})
        for name in ("budget_min", "budget_max"):
            value = filters.get(name)
            if value is not None and not (isinstance(value, int) and 0 <= value <= MAX_AMOUNT):
                filters.pop(name)
        if filters != saved.filters:
            saved.filters = filters
            saved.save(update_fields=["filters"])


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0005_task_title_lexemes_gin"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="excerpt",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The description's start as plain text; written with the description by the task services.",
                max_length=300,
            ),
        ),
        migrations.RunPython(backfill_excerpts, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(bound_saved_filters, migrations.RunPython.noop, elidable=True),
    ]
