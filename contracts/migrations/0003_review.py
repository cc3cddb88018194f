"""Reviews are of contracts: they move here from ``marketplace``, rows and ids kept.

The new table is created, the rows are copied (ids included, the sequence set past
them), and ``marketplace`` 0011 drops its table. Backwards, the rows are copied back
before this table goes.
"""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = "id, contract_id, author_id, subject_id, rating, communication_rating, comment, created_at, revealed_at"


def _copy(source: str, target: str) -> str:
    return f"""
        INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM {source};
        SELECT setval(pg_get_serial_sequence('{target}', 'id'), coalesce(max(id), 0) + 1, false) FROM {target};
    """


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_supplier_tally"),
        ("contracts", "0002_initial"),
        ("marketplace", "0010_task_status_before_hiding_db_default"),
    ]

    operations = [
        migrations.CreateModel(
            name="Review",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rating", models.PositiveSmallIntegerField(help_text="1 to 5 stars overall.")),
                ("communication_rating", models.PositiveSmallIntegerField(help_text="1 to 5 stars for communication.")),
                ("comment", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("revealed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews_written",
                        to="accounts.organization",
                    ),
                ),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="reviews", to="contracts.contract"
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews_received",
                        to="accounts.organization",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("contract", "author"), name="contracts_one_review_per_side"),
                    models.CheckConstraint(
                        condition=models.Q(("rating__gte", 1), ("rating__lte", 5)), name="contracts_review_rating_range"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("communication_rating__gte", 1), ("communication_rating__lte", 5)),
                        name="contracts_review_communication_range",
                    ),
                ],
            },
        ),
        migrations.RunSQL(
            _copy("marketplace_review", "contracts_review"), reverse_sql=_copy("contracts_review", "marketplace_review")
        ),
    ]
