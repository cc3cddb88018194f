"""Stored attachment files that no row points at, and their sweep.

An upload is written to storage when its row is saved, inside the service's
transaction. When that transaction rolls back (a refused bid, a task whose
publication failed, a crash) the row is gone but the file stays. Every file
lives in a folder of its own, ``attachments/<model>/<random>/<name>`` (see
``marketplace.models.attachment_path``), so a file is an orphan when no row
of its model names it. A daily beat job deletes orphans older than a grace
period, which covers uploads whose transaction has not committed yet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from marketplace.models import BidAttachment, MessageAttachment, TaskAttachment

logger = logging.getLogger(__name__)

ATTACHMENT_MODELS = (TaskAttachment, BidAttachment, MessageAttachment)

# Far longer than any request or upload transaction takes.
GRACE = timedelta(hours=6)


@dataclass
class Sweep:
    looked_at: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"looked_at": self.looked_at, "deleted": self.deleted}


def sweep_orphan_attachments(*, storage: Storage | None = None, grace: timedelta = GRACE) -> Sweep:
    """Delete stored attachment files no row names, once older than ``grace``. Safe to repeat."""
    storage = storage or default_storage
    cutoff = timezone.now() - grace
    sweep = Sweep()
    for model in ATTACHMENT_MODELS:
        for names in _in_batches(_stored_files(storage, f"attachments/{model._meta.model_name}"), 500):
            sweep.looked_at += len(names)
            known = set(model.objects.filter(file__in=names).values_list("file", flat=True))
            for name in names:
                if name in known or storage.get_modified_time(name) > cutoff:
                    continue
                storage.delete(name)
                sweep.deleted += 1
                logger.info("deleted orphan attachment file", extra={"file": name})
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
