"""Contract versions: the terms move into frozen versions; milestones keep only their state.

Schema first (this migration adds), then the terms of every existing contract
become its version 1 (0005), then the columns they came from go (0006). Three
migrations, because PostgreSQL refuses to alter a table whose rows the same
transaction changed while foreign-key checks are pending.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_listed_suppliers_offer_services"),
        ("contracts", "0003_review"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The columns the terms leave may be empty from here, so 0006 can drop them and, reversed, bring
        # them back empty for 0005 to fill; reversed here, they are required again.
        migrations.AlterField(
            model_name="contract",
            name="scope",
            field=models.TextField(help_text="What the supplier does; starts as the task description.", null=True),
        ),
        migrations.AlterField(
            model_name="contract",
            name="total_amount",
            field=models.BigIntegerField(help_text="Minor units of currency.", null=True),
        ),
        migrations.AlterField(
            model_name="contractmilestone", name="position", field=models.PositiveSmallIntegerField(null=True)
        ),
        migrations.AlterField(
            model_name="contractmilestone", name="title", field=models.CharField(max_length=200, null=True)
        ),
        migrations.AlterField(
            model_name="contractmilestone",
            name="amount",
            field=models.BigIntegerField(help_text="Minor units of the contract's currency.", null=True),
        ),
        migrations.CreateModel(
            name="ContractVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("terms", models.JSONField(help_text="contracts.terms.Terms as JSON.")),
                ("text", models.TextField(help_text="The canonical text (contracts.terms.canonical_text).")),
                ("sha256", models.CharField(help_text="SHA-256 of the text, hex.", max_length=64, unique=True)),
                ("note", models.TextField(blank=True, help_text="What the proposal changes, in the proposer's words.")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "contract",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="versions", to="contracts.contract"
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        help_text=(
                            "Who proposed it; empty only for drafts made before versions were kept, with no one to name."
                        ),
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "proposed_by_organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.organization"
                    ),
                ),
            ],
            options={
                "ordering": ["contract", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("contract", "number"), name="contract_version_number"),
                    models.CheckConstraint(condition=models.Q(("number__gte", 1)), name="contract_version_number_from_one"),
                ],
            },
        ),
        migrations.AddField(
            model_name="contract",
            name="current_version",
            field=models.ForeignKey(
                blank=True,
                help_text="The newest version: the only one that can be signed.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contracts.contractversion",
            ),
        ),
        migrations.AddField(
            model_name="contract",
            name="signed_version",
            field=models.ForeignKey(
                blank=True,
                help_text="The version every party signed: the terms in force.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contracts.contractversion",
            ),
        ),
        migrations.AddField(
            model_name="contract", name="activated_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="contract",
            name="ended_at",
            field=models.DateTimeField(blank=True, help_text="When it was terminated or cancelled.", null=True),
        ),
        migrations.AddField(model_name="contract", name="end_reason", field=models.TextField(blank=True)),
        migrations.AlterField(
            model_name="contract",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("negotiating", "Negotiating"),
                    ("signing", "Waiting for signatures"),
                    ("active", "Active"),
                    ("completed", "Completed"),
                    ("terminated", "Terminated"),
                    ("cancelled", "Cancelled"),
                ],
                default="draft",
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="contract",
            name="title",
            field=models.CharField(help_text="The current version's title, for lists.", max_length=200),
        ),
        migrations.AlterField(
            model_name="contract",
            name="currency",
            field=models.CharField(
                help_text="ISO 4217; one currency per contract, in every version.", max_length=3
            ),
        ),
        migrations.AddField(
            model_name="contractmilestone",
            name="key",
            field=models.CharField(
                help_text="The milestone's key in the versions' terms.", max_length=20, null=True
            ),
        ),
        migrations.AddField(
            model_name="contractmilestone",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Not funded"),
                    ("funded", "Funded"),
                    ("submitted", "Delivered"),
                    ("approved", "Approved"),
                    ("released", "Released"),
                    ("disputed", "Disputed"),
                    ("refunded", "Refunded"),
                    ("cancelled", "Cancelled"),
                ],
                default="pending",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="contractmilestone",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contractmilestone",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
    ]
