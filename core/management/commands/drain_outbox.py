"""``manage.py drain_outbox``: publish pending outbox messages now.

Beat runs ``core.drain_outbox`` every minute; this is the same for an operator
who has just brought the broker back and does not want to wait.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core import outbox


class Command(BaseCommand):
    help = "Publish pending outbox messages to the Celery broker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=0,
            metavar="SECONDS",
            help="only messages pending at least this long (default 0: all of them)",
        )

    def handle(self, *args: Any, older_than: int = 0, **options: Any) -> None:
        sent = outbox.drain(older_than_seconds=older_than)
        self.stdout.write(f"published {sent} pending message(s)")
