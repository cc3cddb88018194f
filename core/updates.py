"""Editing a row: set the values that differ, and know which changed (for ``update_fields`` and the audit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model


def apply_changes(instance: Model, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set on ``instance`` each of ``values`` that differs from what it holds; answer ``{name: (old, new)}``
    for those, in the order given. Nothing is saved: the caller saves ``[*changes, ...]``."""
    changes = {
        name: (getattr(instance, name), value) for name, value in values.items() if getattr(instance, name) != value
    }
    for name, (_old, new) in changes.items():
        setattr(instance, name, new)
    return changes
