"""The "Moderators" group: platform staff who read what users wrote and act on it in the admin.

Each app gives the group the permissions its own models need, after its
migrations ran (``grant_to_moderators`` from its ``AppConfig.ready``), so this
base app knows nothing of the others. Users with ``is_moderator`` are put in
it by :func:`accounts.services.set_moderator`.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

GROUP = "Moderators"


def grant_to_moderators(app_config: AppConfig, codenames: list[str]) -> None:
    """After ``app_config``'s migrations, the Moderators group holds these of its permissions (and keeps others)."""

    def grant(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
        from django.contrib.auth.management import create_permissions
        from django.contrib.auth.models import Group, Permission

        create_permissions(sender, verbosity=0, using=using)  # post_migrate of auth may not have run for it yet
        group, _ = Group.objects.using(using).get_or_create(name=GROUP)
        permissions = Permission.objects.using(using).filter(
            content_type__app_label=sender.label, codename__in=codenames
        )
        group.permissions.add(*permissions)

    post_migrate.connect(grant, sender=app_config, weak=False, dispatch_uid=f"moderators-{app_config.label}")
