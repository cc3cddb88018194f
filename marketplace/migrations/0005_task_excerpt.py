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
    from core.markdown import excerpt

    Task = apps.get_model("marketplace", "Task")
    last = 0
    while True:
        batch = list(Task.objects.filter(pk__gt=last).order_by("pk").only("pk", "description")[:BATCH])
        if not batch:
            return
        for task in batch:
            task.excerpt = excerpt(task.description, 300)
        Task.objects.bulk_update(batch, ["excerpt"])
        last = batch[-1].pk


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
        ("marketplace", "0004_task_category_budget_index"),
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
