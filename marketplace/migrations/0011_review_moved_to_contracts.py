"""Reviews now live in ``contracts`` (its 0003 copied the rows); this table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_review"),
        ("marketplace", "0010_task_status_before_hiding_db_default"),
    ]

    operations = [migrations.DeleteModel(name="Review")]
