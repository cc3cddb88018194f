"""``manage.py seed_demo``: the demo data every app contributes (:mod:`core.demo`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core import demo


class Command(BaseCommand):
    help = "Create the demo accounts, organizations and marketplace data (safe to run again: adds what is missing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the accounts table")

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        seeded = demo.seed()
        if options["verbosity"] >= 2:
            for line in seeded.created or ["nothing new: the demo data was already there"]:
                self.stdout.write(f"seed_demo: {line}")
        if not quiet:
            for text in demo.descriptions():
                self.stdout.write(text)
