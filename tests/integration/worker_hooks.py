"""Loaded into a test worker (``celery worker --include``) to hold one job between its commit and its ack.

When ``TEST_HOLD_ADDRESS`` is set, the first ``core.send_email`` job to that
address, once its transaction committed (email written, completion recorded),
creates the file ``TEST_HOLD_MARKER`` and sleeps instead of returning, so the
job is never acked. The test then kills the worker: the moment a job is
delivered again although its effect is done.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from celery.signals import task_postrun


@task_postrun.connect
def _hold_one_job_unacked(task_id: str, task: Any, kwargs: dict[str, Any] | None = None, **_: Any) -> None:
    address, marker = os.environ.get("TEST_HOLD_ADDRESS"), os.environ.get("TEST_HOLD_MARKER")
    if not address or not marker or address not in (kwargs or {}).get("to", []):
        return
    marker_file = Path(marker)
    if marker_file.exists():
        return  # held once already: this is the delivery after the kill
    marker_file.write_text(task_id)
    time.sleep(600)
