"""Clause templates new contracts start with, and five that apply to every category.

Staff edit them in the admin; a template of a category replaces the general
one of the same key there. The seeded texts say what the parties agree and
nothing the platform does not do yet: the platform moves no money (so the
clauses speak of the parties paying each other, not of the platform paying
anyone) and has no process for settling disagreements (so the parties agree
to try between themselves first). Versions copy the text: editing a template
later changes only drafts made after the edit.
"""

import django.db.models.deletion
from django.db import migrations, models


DEFAULTS = [
    (
        "confidentiality",
        "Confidentiality",
        "Each party keeps confidential what the other shares with it for this work and marks as confidential "
        "or is evidently meant to be, uses it only to perform this contract, and shares it only with the people "
        "who need it for that and are bound to the same confidence. This lasts for two years after the contract "
        "ends.\n\nIt does not cover information that is public, that the receiving party already had or lawfully "
        "obtained from someone else, or that the law requires it to disclose.",
    ),
    (
        "ownership",
        "Ownership of the work",
        "The rights in what the supplier delivers under a milestone, copyright and other intellectual property "
        "included, pass to the client once the client has paid the price of that milestone. Until then the "
        "supplier keeps them, and the client may review and test the delivery.\n\nThe supplier keeps the tools, "
        "know-how and material it had before this contract, and grants the client a non-exclusive, perpetual "
        "licence to use those that are part of a delivery, for the purpose of that delivery.",
    ),
    (
        "termination",
        "Ending the contract",
        "Either party may end this contract by giving the other 7 days' notice in writing (a message on the "
        "platform or an email). Work delivered before the notice period ends is paid for at the price of its "
        "milestone; a milestone in progress, in proportion to the work done, unless the parties agree "
        "otherwise.\n\nEither party may end the contract at once if the other seriously breaches it and does "
        "not put the breach right within 7 days of being asked to in writing.",
    ),
    (
        "governing-law",
        "Governing law",
        "This contract is governed by the law of the country where the client is established, unless the parties "
        "agree otherwise in writing.",
    ),
    (
        "disagreements",
        "Settling disagreements",
        "If a disagreement arises about this contract, the parties first try in good faith to settle it between "
        "themselves, in writing, for at least 30 days after one of them raises it with the other. If they cannot, "
        "either party may take it to the courts of the country whose law governs this contract.",
    ),
]


def seed(apps, schema_editor):
    ClauseTemplate = apps.get_model("contracts", "ClauseTemplate")
    for position, (key, title, text) in enumerate(DEFAULTS, start=1):
        ClauseTemplate.objects.get_or_create(
            key=key, category=None, defaults={"title": title, "text": text, "position": position * 10}
        )


def unseed(apps, schema_editor):
    ClauseTemplate = apps.get_model("contracts", "ClauseTemplate")
    ClauseTemplate.objects.filter(category=None, key__in=[key for key, _title, _text in DEFAULTS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0008_contract_document'),
        ('marketplace', '0013_covering_indexes_hold_currency'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClauseTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.SlugField(help_text='Names the clause in every version; the same key overrides.', max_length=40)),
                ('title', models.CharField(max_length=200)),
                ('text', models.TextField(help_text='Plain text, paragraphs separated by blank lines.')),
                ('position', models.PositiveSmallIntegerField(default=100, help_text="Lowest first; a category's own takes the place of the general one it replaces.")),
                ('active', models.BooleanField(default=True, help_text='Inactive templates are left out of new drafts.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('category', models.ForeignKey(blank=True, help_text='Empty: for every category; else it replaces the general clause of the same key there.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketplace.category')),
            ],
            options={
                'ordering': ['position', 'key', 'id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('category__isnull', True)), fields=('key',), name='clause_template_general_key'), models.UniqueConstraint(condition=models.Q(('category__isnull', False)), fields=('category', 'key'), name='clause_template_category_key')],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
