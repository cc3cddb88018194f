"""The supplier directory's size, kept by the database (``accounts.models.SupplierTally``).

Statement-level triggers see every row a statement wrote (its transition
tables), so a bulk insert or an ``update()`` of thousands of organizations
changes the tally once. CREATE TRIGGER locks writers out of
``accounts_organization`` until this migration commits, so the first count,
taken after the triggers exist, misses no concurrent write.
"""

from django.db import migrations, models

# Who the directory lists, as org_supplier_name_idx spells it (accounts.models.Organization.Meta).
SUPPLIER_SQL = "skills <> '{}'"

SQL = f"""
CREATE OR REPLACE FUNCTION accounts_supplier_tally() RETURNS trigger AS $$
DECLARE
    change bigint := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT change + count(*) INTO change FROM new_rows WHERE {SUPPLIER_SQL};
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT change - count(*) INTO change FROM old_rows WHERE {SUPPLIER_SQL};
    END IF;
    IF change <> 0 THEN
        UPDATE accounts_suppliertally SET suppliers = suppliers + change WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_supplier_tally_insert AFTER INSERT ON accounts_organization
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION accounts_supplier_tally();
CREATE TRIGGER accounts_supplier_tally_update AFTER UPDATE ON accounts_organization
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION accounts_supplier_tally();
CREATE TRIGGER accounts_supplier_tally_delete AFTER DELETE ON accounts_organization
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION accounts_supplier_tally();

INSERT INTO accounts_suppliertally (id, suppliers)
SELECT 1, count(*) FROM accounts_organization WHERE {SUPPLIER_SQL};
"""

REVERSE = """
DROP TRIGGER IF EXISTS accounts_supplier_tally_insert ON accounts_organization;
DROP TRIGGER IF EXISTS accounts_supplier_tally_update ON accounts_organization;
DROP TRIGGER IF EXISTS accounts_supplier_tally_delete ON accounts_organization;
DROP FUNCTION IF EXISTS accounts_supplier_tally();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_organization_supplier_name_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='SupplierTally',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('suppliers', models.BigIntegerField()),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='supplier_tally_one_row')],
            },
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
