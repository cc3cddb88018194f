"""``manage.py ensure_signing_certificate``: the key and certificate that seal contract PDFs, made if missing.

The files are ``CONTRACT_SIGNING_KEY`` and ``CONTRACT_SIGNING_CERT`` (``var/signing/`` unless set).
When neither exists it makes a self-signed pair, the key readable by its owner only: the embedded
default, which ``bin/start`` runs after migrating. When both exist it checks they are a pair and
changes nothing, so it is safe to run at every start. Production points the settings at a
certificate of its own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contracts import pdf_seal


class Command(BaseCommand):
    help = "Make the self-signed key and certificate that seal contract PDFs, unless they exist."

    def handle(self, *args: Any, **options: Any) -> None:
        key_path, cert_path = pdf_seal.configured_paths()
        try:
            made = pdf_seal.ensure_certificate(key_path=key_path, cert_path=cert_path, common_name=settings.SITE_NAME)
            certificate = pdf_seal.platform_certificate()
        except (pdf_seal.SealUnavailable, ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        subject = certificate.subject.human_friendly
        if made:
            self.stdout.write(f"made a self-signed contract signing certificate ({subject}) in {cert_path.parent}")
        else:
            self.stdout.write(f"contract signing certificate in place: {subject}, {cert_path}")
