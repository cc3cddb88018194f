"""Demo data for a laptop run: ``manage.py seed_demo`` (bin/start runs it every time).

Each app contributes its own part in a ``demo`` module (``accounts/demo.py``:
people and firms; ``marketplace/demo.py``: tasks, bids, a conversation): a list
``STEPS`` of :class:`Step`, run in the order of ``INSTALLED_APPS``, all in one
transaction, each taking the :class:`Demo` built so far; and optionally a
``describe()`` whose text the command prints (the demo accounts). The base
apps know none of the apps after them.

Idempotent: each step looks its rows up by natural key and creates only what
is missing, through the same services the product uses, so a second run
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction

if TYPE_CHECKING:
    from accounts.models import Organization, User


@dataclass
class Demo:
    """What the steps built so far, by natural key; later steps read it."""

    users: dict[str, User] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # what this run added, for the report

    def user(self, email: str) -> User:
        return self.users[email]


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Demo], None]


def contributions() -> list[ModuleType]:
    """Each installed app's ``demo`` module, in the order of ``INSTALLED_APPS``."""
    found = []
    for app in apps.get_app_configs():
        name = f"{app.name}.demo"
        if name != __name__ and find_spec(name) is not None:  # core's own is this module
            found.append(import_module(name))
    return found


def steps() -> list[Step]:
    return [step for module in contributions() for step in getattr(module, "STEPS", [])]


def seed(chosen: list[Step] | None = None) -> Demo:
    """Run the steps in one transaction: a failure leaves no half-seeded data."""
    demo = Demo()
    with transaction.atomic():
        for step in steps() if chosen is None else chosen:
            step.run(demo)
    return demo


def descriptions() -> list[str]:
    """What the contributing apps say of their demo data (the accounts to sign in with)."""
    return [module.describe() for module in contributions() if hasattr(module, "describe")]
