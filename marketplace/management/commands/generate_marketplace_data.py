"""``manage.py generate_marketplace_data``: a realistic marketplace at scale, for benchmarks.

Generate into a database of its own, never the dev one::

    createdb -h 127.0.0.1 -U postgres marketplace_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/marketplace_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_marketplace_data --tasks 1000000 --orgs 20000 --bids-per-task 3 --seed 42

It writes rows with COPY and bypasses the services on purpose; see
:mod:`marketplace.management.datagen` for the rules it keeps by construction.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from marketplace.management.datagen import GENERATED_PASSWORD, Generator, Options
from marketplace.models import Task


class Command(BaseCommand):
    help = "Load a realistic data set (organizations, users, tasks, bids, milestones, threads) with COPY."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tasks", type=int, default=10_000, help="tasks to create (default 10,000)")
        parser.add_argument("--orgs", type=int, default=500, help="client and supplier organizations (default 500)")
        parser.add_argument("--bids-per-task", type=float, default=3.0, help="average bids per published task")
        parser.add_argument("--seed", type=int, default=42, help="random seed: the same seed gives the same data")
        parser.add_argument("--chunk", type=int, default=20_000, help="tasks per COPY batch")
        parser.add_argument(
            "--append",
            action="store_true",
            help="add to a database that already has tasks (refused otherwise, to protect a dev database)",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="do not drop and rebuild secondary indexes and foreign keys around the load",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tasks"] < 0 or options["orgs"] < 10:
            raise CommandError("Pass --tasks 0 or more and --orgs 10 or more.")
        database = connection.settings_dict["NAME"]
        existing = Task.objects.count()
        if existing and not options["append"]:
            raise CommandError(
                f"Database {database!r} already has {existing:,} tasks. Generate into a database of its own "
                "(createdb ... marketplace_bench; DATABASE_URL=...), or pass --append to add to it."
            )
        self.stdout.write(
            f"Generating {options['tasks']:,} tasks for {options['orgs']:,} organizations into {database!r} "
            f"(seed {options['seed']}, ~{options['bids_per_task']} bids per task)"
        )
        generator = Generator(
            Options(
                tasks=options["tasks"],
                orgs=options["orgs"],
                bids_per_task=options["bids_per_task"],
                seed=options["seed"],
                chunk=options["chunk"],
                defer_indexes=not options["keep_indexes"],
            ),
            log=lambda line: self.stdout.write(line),
        )
        try:
            generator.run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Generated users sign in with the password {GENERATED_PASSWORD!r}.")
