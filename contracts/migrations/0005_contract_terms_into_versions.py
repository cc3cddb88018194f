"""Every existing contract's terms become its version 1, and its milestones take keys (m1, m2, …).

Until now a contract held its scope, total and deadline itself and its
milestones their title, amount and due date. Those become the terms of
version 1 (``contracts.terms``: its JSON, canonical text and SHA-256),
proposed by whoever drafted the contract (the client's first owner when no
one is recorded, no one when the client has no members); each milestone keeps its row and state under the key the
version gives it. Backwards, the current version's terms are written back.
"""

from datetime import date

from django.db import migrations

from contracts.terms import MilestoneTerms, Party, Terms, canonical_text, sha256


def _party(organization):
    return Party(name=organization.name, country=str(organization.country or ""), city=organization.city)


def into_versions(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    ContractVersion = apps.get_model("contracts", "ContractVersion")
    Membership = apps.get_model("accounts", "Membership")
    for contract in Contract.objects.select_related("client", "supplier").order_by("pk"):
        milestones = list(contract.milestones.order_by("position", "pk"))
        for number, milestone in enumerate(milestones, start=1):
            milestone.key = f"m{number}"
            milestone.save(update_fields=["key"])
        terms = Terms(
            title=contract.title,
            client=_party(contract.client),
            supplier=_party(contract.supplier),
            scope=contract.scope,
            currency=contract.currency,
            price=contract.total_amount,
            milestones=tuple(
                MilestoneTerms(key=m.key, title=m.title, amount=m.amount, due_date=m.due_date) for m in milestones
            )
            or (MilestoneTerms(key="m1", title=contract.title, amount=contract.total_amount, due_date=contract.deadline),),
            end_date=contract.deadline,
        )
        if not milestones:
            contract.milestones.create(
                key="m1", position=1, title=contract.title, amount=contract.total_amount, due_date=contract.deadline
            )
        members = Membership.objects.filter(organization_id=contract.client_id).order_by("pk")
        proposer = (
            contract.created_by_id
            or members.filter(role="owner").values_list("user_id", flat=True).first()
            or members.values_list("user_id", flat=True).first()
        )
        text = canonical_text(terms, contract_id=contract.pk, number=1)
        version = ContractVersion.objects.create(
            contract=contract,
            number=1,
            terms=terms.as_json(),
            text=text,
            sha256=sha256(text),
            proposed_by_id=proposer,
            proposed_by_organization_id=contract.client_id,
            note="The terms of the draft as it was made.",
        )
        contract.current_version = version
        if contract.status in ("active", "completed", "terminated"):
            contract.signed_version = version
        contract.save(update_fields=["current_version", "signed_version"])


def out_of_versions(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    ContractVersion = apps.get_model("contracts", "ContractVersion")
    for contract in Contract.objects.exclude(current_version=None).select_related("current_version"):
        terms = contract.current_version.terms
        contract.scope = terms["scope"]
        contract.total_amount = terms["price"]
        contract.deadline = date.fromisoformat(terms["end_date"]) if terms["end_date"] else None
        contract.current_version = contract.signed_version = None
        contract.save(update_fields=["scope", "total_amount", "deadline", "current_version", "signed_version"])
        by_key = {m["key"]: (position, m) for position, m in enumerate(terms["milestones"], start=1)}
        for milestone in contract.milestones.all():
            position, m = by_key[milestone.key]
            milestone.position, milestone.title, milestone.amount = position, m["title"], m["amount"]
            milestone.due_date = date.fromisoformat(m["due_date"]) if m["due_date"] else None
            milestone.save(update_fields=["position", "title", "amount", "due_date"])
    ContractVersion.objects.all().delete()  # before 0006's trigger: versions were never frozen here


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_contract_versions")]

    operations = [migrations.RunPython(into_versions, out_of_versions)]
