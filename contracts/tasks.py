"""Background jobs of contracts (Celery)."""

from __future__ import annotations

import structlog
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from contracts import documents, files
from core.exceptions import DomainError

log = structlog.get_logger(__name__)

# A render takes well under a second; the limits only stop a stuck one. A retry's countdown (at most
# 300 s) plus the time limit stays below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT).
RENDER_MAX_RETRIES = 6


@shared_task(
    name="contracts.render_contract_pdf",
    bind=True,
    max_retries=RENDER_MAX_RETRIES,
    soft_time_limit=90,
    time_limit=120,
)
def render_contract_pdf(self: Task, *, contract_id: int, version_id: int) -> int | None:
    """Render and seal the PDF of the version every party signed. Idempotent: a second run (or a
    redelivery after the file was stored) finds the document ready and returns it.

    The database, the storage or the timestamp authority not answering is retried with backoff; the
    last failed try, like any other error, leaves the document failed with the reason."""
    try:
        document = documents.issue_document(contract_id=contract_id, version_id=version_id)
    except DomainError as refusal:  # not the signed version, or gone: nothing to render, ever
        log.warning("contract_document.refused", contract_id=contract_id, version_id=version_id, reason=str(refusal))
        return None
    except (*documents.TRANSIENT_ERRORS, SoftTimeLimitExceeded) as error:
        if self.request.retries >= RENDER_MAX_RETRIES:
            documents.record_failure(contract_id=contract_id, version_id=version_id, error=error)
            return None
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    return document.pk


@shared_task(name="contracts.sweep_orphan_files")
def sweep_orphan_files() -> dict[str, int]:
    """Beat job (daily): delete stored signature images, scans and PDFs left by rolled-back requests. Idempotent."""
    return files.sweep_orphan_files().as_dict()
