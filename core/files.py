"""Stored files that no row points at, and their sweep.

An upload is written to storage when its row is saved, inside the service's
transaction. When that transaction rolls back (a refused request, a crash) the
row is gone but the file stays. Every uploaded file lives in a folder of its
own, ``<root>/<random>/<name>`` (``marketplace.models.attachment_path``,
``contracts.models.signature_path``), so a file is an orphan when no row of
the model that stores under that root names it. Each app's daily beat job
deletes its orphans older than a grace period, which covers uploads whose
transaction has not committed yet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

# Far longer than any request or upload transaction takes.
GRACE = timedelta(hours=6)


@dataclass(frozen=True)
class StoredFiles:
    """Where a model's files are stored (``root/<random>/<name>``) and which of its fields name them."""

    root: str
    model: Any
    fields: tuple[str, ...]

    def known(self, names: list[str]) -> set[str]:
        """The ``names`` some row names in one of the fields."""
        found: set[str] = set()
        for field in self.fields:
            rows = self.model.objects.filter(**{f"{field}__in": names}).values_list(field, flat=True)
            found.update(rows)
        return found


@dataclass
class Sweep:
    looked_at: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"looked_at": self.looked_at, "deleted": self.deleted}


def sweep_orphans(places: Iterable[StoredFiles], *, storage: Storage | None = None, grace: timedelta = GRACE) -> Sweep:
    """Delete the stored files under ``places`` that no row names, once older than ``grace``. Safe to repeat."""
    storage = storage or default_storage
    cutoff = timezone.now() - grace
    sweep = Sweep()
    for place in places:
        for names in _in_batches(_stored_files(storage, place.root), 500):
            sweep.looked_at += len(names)
            known = place.known(names)
            for name in names:
                if name in known or storage.get_modified_time(name) > cutoff:
                    continue
                storage.delete(name)
                sweep.deleted += 1
                logger.info("deleted orphan file", extra={"file": name})
    return sweep


def _stored_files(storage: Storage, root: str) -> Iterator[str]:
    """Every file two levels under ``root`` (``root/<random>/<name>``)."""
    if not storage.exists(root):
        return
    folders, _ = storage.listdir(root)
    for folder in folders:
        _, files = storage.listdir(f"{root}/{folder}")
        for name in files:
            yield f"{root}/{folder}/{name}"


def _in_batches(names: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
