"""Rules shared by the marketplace services: transitions and uploads.

Role checks are accounts' own (``require_member``, ``require_manager``), re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from accounts.services import require_manager, require_member
from core.exceptions import ErrorCollector, InvalidTransition


def check_transition(table: Mapping[str, frozenset[str]], *, current: str, target: str, noun: str) -> None:
    if target not in table.get(current, frozenset()):
        raise InvalidTransition(f"A {current} {noun} cannot become {target}.")


# Attachments: what a business would send with a brief or a proposal.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
ALLOWED_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".md": "text/markdown",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
}
# The first bytes of the formats whose content we can recognise cheaply.
MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".zip": (b"PK",),
    ".docx": (b"PK",),
    ".xlsx": (b"PK",),
    ".pptx": (b"PK",),
    ".odt": (b"PK",),
    ".ods": (b"PK",),
}


def check_uploads(
    uploads: list[UploadedFile], *, field: str = "attachments", existing: int = 0
) -> list[dict[str, Any]]:
    """Refuse oversized, unknown or disguised files; return what to store for each.

    The type comes from the extension and must match the file's first bytes
    where the format has a signature, so a renamed executable is refused.
    """
    errors = ErrorCollector()
    if existing + len(uploads) > MAX_ATTACHMENTS:
        errors.add(field, f"Attach at most {MAX_ATTACHMENTS} files.")
    checked = []
    for upload in uploads:
        name = os.path.basename(upload.name or "file")
        extension = os.path.splitext(name)[1].lower()
        if extension not in ALLOWED_EXTENSIONS:
            allowed = ", ".join(sorted(e.lstrip(".") for e in ALLOWED_EXTENSIONS))
            errors.add(field, f"{name}: this type of file is not allowed (allowed: {allowed}).")
            continue
        if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
            errors.add(field, f"{name} is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.")
            continue
        if upload.size == 0:
            errors.add(field, f"{name} is empty.")
            continue
        head = upload.read(8)
        upload.seek(0)
        signatures = MAGIC.get(extension)
        if signatures and not head.startswith(signatures):
            errors.add(field, f"{name} does not look like a {extension.lstrip('.').upper()} file.")
            continue
        checked.append(
            {
                "file": upload,
                "original_name": name[:255],
                "content_type": ALLOWED_EXTENSIONS[extension],
                "size": upload.size,
            }
        )
    errors.raise_if_any()
    return checked


__all__ = ["check_transition", "check_uploads", "require_manager", "require_member"]
