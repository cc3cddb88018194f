"""The directory lists organizations that offer services and name a skill; before, naming a skill was enough.

Organizations that named a skill are taken to offer services (the backfill),
so the directory lists the same organizations on the day this runs; from then
on a firm says it, and a pure client's skills no longer list it. The tally's
trigger function (migration 0004) counts with the new predicate, and the tally
is counted again under it. Writers of organizations wait for this migration
(the table lock), so none slips between the recount and the new function.
"""

from django.db import migrations

# accounts.models.LISTED_SUPPLIER_SQL as this migration was written; the old one is 0004's.
LISTED = "offers_services AND skills <> '{}'"
NAMED_A_SKILL = "skills <> '{}'"


def tally_function(predicate: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION accounts_supplier_tally() RETURNS trigger AS $$
DECLARE
    change bigint := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT change + count(*) INTO change FROM new_rows WHERE {predicate};
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT change - count(*) INTO change FROM old_rows WHERE {predicate};
    END IF;
    IF change <> 0 THEN
        UPDATE accounts_suppliertally SET suppliers = suppliers + change WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

UPDATE accounts_suppliertally SET suppliers = (SELECT count(*) FROM accounts_organization WHERE {predicate}) WHERE id = 1;
"""


LOCK = "LOCK TABLE accounts_organization IN SHARE ROW EXCLUSIVE MODE;"
FORWARD = LOCK + f"UPDATE accounts_organization SET offers_services = true WHERE {NAMED_A_SKILL};" + tally_function(LISTED)
REVERSE = LOCK + tally_function(NAMED_A_SKILL)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_organization_offers_services"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
