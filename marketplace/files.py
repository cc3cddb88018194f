"""Attachment files that rolled-back uploads left in storage, and their daily sweep (``core.files``).

Tasks', bids' and messages' attachments are stored as ``attachments/<model>/<random>/<name>``
(``marketplace.models.attachment_path``).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import Storage

from core.files import GRACE, StoredFiles, Sweep, sweep_orphans
from marketplace.models import BidAttachment, MessageAttachment, TaskAttachment

ATTACHMENT_MODELS = (TaskAttachment, BidAttachment, MessageAttachment)
PLACES = tuple(StoredFiles(f"attachments/{model._meta.model_name}", model, ("file",)) for model in ATTACHMENT_MODELS)


def sweep_orphan_attachments(*, storage: Storage | None = None, grace: timedelta = GRACE) -> Sweep:
    """Delete stored attachment files no row names, once older than ``grace``. Safe to repeat."""
    return sweep_orphans(PLACES, storage=storage, grace=grace)
