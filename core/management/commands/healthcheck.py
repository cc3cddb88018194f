"""``manage.py healthcheck``: the /health/ checks without HTTP, for container health probes.

Exits 0 when database, cache and broker answer, 1 naming the failing part
otherwise. docker-compose uses it for the worker and beat containers, which
serve no HTTP.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import health


class Command(BaseCommand):
    help = "Check that the database, cache and Celery broker answer (exit 1 if one does not)."

    def handle(self, *args: Any, **options: Any) -> None:
        checks = health.run_checks()
        for name, status in checks.items():
            self.stdout.write(f"{name}: {status}")
        failing = [name for name, status in checks.items() if status != "ok"]
        if failing:
            raise CommandError(f"unhealthy: {', '.join(failing)}")
