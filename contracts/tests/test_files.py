"""Signature scans and images that a rolled-back request left in storage, and the daily sweep that removes them."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from contracts import files, services
from contracts.models import Signature
from contracts.services import SignatureInput
from contracts.tests.test_signing import consenting, sent
from marketplace.tests.test_files import RolledBack, age, stored

pytestmark = pytest.mark.django_db


def paper(contract) -> SignatureInput:  # type: ignore[no-untyped-def]
    scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n", content_type="application/pdf")
    return SignatureInput(sha256=contract.current_version.sha256, method="in_person", scan=scan)


def test_a_rolled_back_signature_leaves_a_scan_the_sweep_deletes_and_kept_scans_stay(
    contract, firm, other_firm, tmp_path
):
    consenting(firm.owner, other_firm.owner)
    signing = sent(contract, firm)
    kept = services.sign(actor=firm.owner, organization=firm, contract=signing, data=paper(signing))

    def sign_then_fail() -> None:
        with transaction.atomic():
            services.sign(actor=other_firm.owner, organization=other_firm, contract=signing, data=paper(signing))
            raise RolledBack

    with pytest.raises(RolledBack):
        sign_then_fail()
    assert Signature.objects.count() == 1
    assert len(stored(tmp_path)) == 2  # the lost scan is there until swept
    age(tmp_path, hours=1)  # its transaction might still be running
    assert files.sweep_orphan_files().deleted == 0
    age(tmp_path, hours=7)

    sweep = files.sweep_orphan_files()

    assert sweep.as_dict() == {"looked_at": 2, "deleted": 1}
    assert stored(tmp_path) == {kept.scan.name}
    assert default_storage.exists(kept.scan.name)
    assert files.sweep_orphan_files().as_dict() == {"looked_at": 1, "deleted": 0}  # safe to repeat


def test_the_contract_sweep_runs_daily_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-orphan-contract-files"]

    assert entry["task"] == "contracts.sweep_orphan_files"
    assert entry["schedule"] == 86400.0
