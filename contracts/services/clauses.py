"""Clause templates, kept by platform staff: saving one is audited like every change that matters."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from contracts.models import ClauseTemplate
from core import audit


@transaction.atomic
def save_clause_template(*, actor: User, template: ClauseTemplate, changed: list[str]) -> ClauseTemplate:
    """Save a template staff added or edited (the admin's form has bounded and cleaned its fields).

    Only drafts made afterwards take the new text: versions copy their clauses.
    """
    adding = template._state.adding
    template.save()
    audit.record(
        action="contracts.clause_template_added" if adding else "contracts.clause_template_changed",
        actor=actor,
        organization=None,
        target=template,
        details={"key": template.key, "category": template.category_id, "active": template.active, "changed": changed},
    )
    return template
