"""Rules shared by the marketplace services: transitions (``core.states``, re-exported) and uploads.

Role checks are accounts' own (``require_member``, ``require_manager``), re-exported here.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import Organization, User
from accounts.services import require_manager, require_member
from core import audit
from core.exceptions import ErrorCollector
from core.states import check_transition

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


def store_attachments(
    *, actor: User, uploads: list[UploadedFile], files: Any, organization: Organization, target: Any, action: str
) -> list[Any]:
    """Check ``uploads`` against the owner's ``files`` (its related manager) and keep all or none; audit it.

    The caller holds the owner's lock (so the count of files stays true) and has checked the actor may add them.
    """
    checked = check_uploads(uploads, existing=files.count())
    created = [files.create(uploaded_by=actor, **item) for item in checked]
    audit.record(
        action=action,
        actor=actor,
        organization=organization,
        target=target,
        details={"files": [attachment.original_name for attachment in created]},
    )
    return created


def delete_attachment(*, actor: User, attachment: Any, organization: Organization, target: Any, action: str) -> None:
    """Delete an attachment's row now and its stored file once the transaction commits; audit it on ``target``.

    A rollback keeps both, so a refused request never leaves a row pointing at
    a missing file. The caller has checked the actor may remove it.
    """
    name = attachment.original_name
    stored, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    audit.record(action=action, actor=actor, organization=organization, target=target, details={"file": name})


__all__ = [
    "check_transition",
    "check_uploads",
    "delete_attachment",
    "require_manager",
    "require_member",
    "store_attachments",
]
