"""Attachment files left in storage by rolled-back uploads, and the daily sweep that removes them."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from marketplace import files, services
from marketplace.models import TaskAttachment
from tests.factories import task_input

pytestmark = pytest.mark.django_db


def brief(name: str = "brief.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 brief", content_type="application/pdf")


def stored(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def age(root: Path, hours: float) -> None:
    """Make every stored file look ``hours`` old."""
    moment = time.time() - hours * 3600
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (moment, moment))


class RolledBack(Exception):
    pass


def post_and_roll_back(firm) -> None:  # type: ignore[no-untyped-def]
    """A task with a file whose transaction then fails, as a refused or crashed request would."""

    def post_then_fail() -> None:
        with transaction.atomic():
            services.create_task(
                actor=firm.owner, organization=firm, data=task_input(), attachments=[brief("lost.pdf")]
            )
            raise RolledBack

    with pytest.raises(RolledBack):
        post_then_fail()
    assert not TaskAttachment.objects.filter(original_name="lost.pdf").exists()


def test_a_rolled_back_upload_leaves_a_file_that_the_sweep_deletes_and_kept_files_stay(firm, tmp_path):
    kept = services.create_task(actor=firm.owner, organization=firm, data=task_input(), attachments=[brief()])
    post_and_roll_back(firm)
    kept_file = TaskAttachment.objects.get(task=kept).file.name
    assert len(stored(tmp_path)) == 2  # the orphan is there until swept
    age(tmp_path, hours=7)

    sweep = files.sweep_orphan_attachments()

    assert sweep.as_dict() == {"looked_at": 2, "deleted": 1}
    assert stored(tmp_path) == {kept_file}
    assert default_storage.exists(kept_file)


def test_an_orphan_younger_than_the_grace_period_is_kept_and_a_rerun_deletes_nothing_more(firm, tmp_path):
    post_and_roll_back(firm)
    age(tmp_path, hours=1)  # its transaction might still be running

    assert files.sweep_orphan_attachments().deleted == 0
    assert len(stored(tmp_path)) == 1
    age(tmp_path, hours=7)
    assert files.sweep_orphan_attachments().deleted == 1
    assert files.sweep_orphan_attachments().as_dict() == {"looked_at": 0, "deleted": 0}


def test_an_empty_storage_is_swept_without_error():
    assert files.sweep_orphan_attachments().as_dict() == {"looked_at": 0, "deleted": 0}


def test_the_sweep_runs_daily_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-orphan-attachments"]

    assert entry["task"] == "marketplace.sweep_orphan_attachments"
    assert entry["schedule"] == 86400.0
