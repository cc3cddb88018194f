"""The terms now live only in versions: the columns they came from go, and versions are frozen.

A trigger refuses every ``UPDATE`` and ``DELETE`` of a version, whatever the
path (the ORM, the admin, raw SQL); ``ContractVersion.save`` refuses a second
save before the database is asked.
"""

from django.db import migrations, models

FROZEN = """
CREATE FUNCTION contracts_version_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'contract version % is frozen: propose a new one', OLD.id USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER contracts_version_frozen BEFORE UPDATE OR DELETE ON contracts_contractversion
    FOR EACH ROW EXECUTE FUNCTION contracts_version_frozen();
"""

THAWED = """
DROP TRIGGER IF EXISTS contracts_version_frozen ON contracts_contractversion;
DROP FUNCTION IF EXISTS contracts_version_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("contracts", "0005_contract_terms_into_versions")]

    operations = [
        migrations.RemoveConstraint(model_name="contract", name="contract_total_positive"),
        migrations.RemoveConstraint(model_name="contractmilestone", name="contract_milestone_position"),
        migrations.RemoveField(model_name="contract", name="scope"),
        migrations.RemoveField(model_name="contract", name="total_amount"),
        migrations.RemoveField(model_name="contract", name="deadline"),
        migrations.RemoveField(model_name="contractmilestone", name="position"),
        migrations.RemoveField(model_name="contractmilestone", name="title"),
        migrations.RemoveField(model_name="contractmilestone", name="amount"),
        migrations.RemoveField(model_name="contractmilestone", name="due_date"),
        migrations.AlterField(
            model_name="contractmilestone",
            name="key",
            field=models.CharField(help_text="The milestone's key in the versions' terms.", max_length=20),
        ),
        migrations.AlterModelOptions(name="contractmilestone", options={"ordering": ["contract", "id"]}),
        migrations.AddConstraint(
            model_name="contractmilestone",
            constraint=models.UniqueConstraint(fields=("contract", "key"), name="contract_milestone_key"),
        ),
        migrations.RunSQL(FROZEN, THAWED),
    ]
