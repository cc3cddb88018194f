"""Signature images, paper scans and PDFs that rolled-back requests left in storage, and their daily sweep
(``core.files``).

A drawn signature's image and an in-person signature's scan are stored when the signature is saved, inside
``services.sign``'s transaction; a signature refused after that (a stale version, a second signature in a
race) leaves its file behind. A sealed PDF is stored inside ``documents.issue_document``'s. Each is stored as
``contracts/<model>/<random>/<name>`` (``contracts.models.signature_path``).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import Storage

from contracts.models import ContractDocument, Signature
from core.files import GRACE, StoredFiles, Sweep, sweep_orphans

PLACES = (
    StoredFiles("contracts/signature", Signature, ("image", "scan")),
    StoredFiles("contracts/contractdocument", ContractDocument, ("file",)),
)


def sweep_orphan_files(*, storage: Storage | None = None, grace: timedelta = GRACE) -> Sweep:
    """Delete stored signature images, scans and PDFs no row names, once older than ``grace``. Safe to repeat."""
    return sweep_orphans(PLACES, storage=storage, grace=grace)
