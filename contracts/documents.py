"""The signed contract PDF: rendering the version every party signed, sealing it, and verifying a copy.

:func:`issue_document` is what the ``contracts.render_contract_pdf`` job runs when the last party signs:
it renders the version's terms, the parties' signatures and a certificate of completion (the contract's
audit trail) with WeasyPrint, seals the PDF with the platform's certificate (``contracts.pdf_seal``),
stores it and records its SHA-256. One document per version, safe to repeat.

:func:`verify_pdf` answers the public verification page: a file is genuine when the platform's seal on
it holds over every byte and a document issued here has exactly its SHA-256.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_countries import countries

from accounts.models import User
from contracts import pdf_seal
from contracts.models import (
    Contract,
    ContractDocument,
    ContractVersion,
    DocumentStatus,
    Signature,
    SignatureMethod,
    SigningConsent,
)
from contracts.selectors import EVENT_LABELS
from contracts.terms import Party, Terms
from core import audit
from core.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied, Unavailable
from core.models import AuditEvent
from core.money import format_money
from core.outbox import enqueue

logger = logging.getLogger(__name__)

#: The document's template: cover, terms, signatures, certificate of completion.
TEMPLATE = "contracts/pdf/contract.html"
#: The largest file the verification page reads.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: The handwriting font typed signatures are drawn in (served as a static file, from npm).
HANDWRITING_FONT = "vendor/dancing-script/dancing-script-latin-400-normal.woff2"
#: Errors worth another try of the job: the database or the storage or the timestamp authority did not
#: answer (pyHanko's ``TimestampRequestError`` is an ``OSError``). Anything else fails the document.
TRANSIENT_ERRORS = (OperationalError, OSError)

_SIDES = (("client", "Client"), ("supplier", "Supplier"))


# --- issuing -------------------------------------------------------------------------------------


def issue_document(*, contract_id: int, version_id: int) -> ContractDocument:
    """The sealed PDF of the version, rendered and stored; the existing one when it is ready already.

    The version must be the one every party signed. The document's row is locked while it renders, so a
    second job waits and then finds it ready. A failure that is not transient (see
    :data:`TRANSIENT_ERRORS`, raised for the job to retry) marks the document failed with the error, and
    a later run tries again.
    """
    with transaction.atomic():
        version = (
            ContractVersion.objects.select_related("contract__client", "contract__supplier")
            .filter(pk=version_id, contract_id=contract_id)
            .first()
        )
        if version is None:
            raise NotFound("No such contract version.")
        contract = version.contract
        if contract.signed_version_id != version.pk:
            raise InvalidTransition(f"Version {version.number} is not the version every party signed.")
        document, _ = ContractDocument.objects.get_or_create(version=version, defaults={"contract": contract})
        document = ContractDocument.objects.select_for_update().get(pk=document.pk)
        if document.status == DocumentStatus.READY:
            return document
        try:
            pdf, pages = render_signed_pdf(contract=contract, version=version)
        except TRANSIENT_ERRORS:
            raise
        except Exception as error:
            logger.exception("contract document failed", extra={"contract": contract.pk, "version": version.pk})
            document.status, document.finished_at = DocumentStatus.FAILED, timezone.now()
            document.error = f"{type(error).__name__}: {error}"[:2000]
            document.save(update_fields=["status", "finished_at", "error"])
            return document
        document.file.save(file_name(contract, version), ContentFile(pdf), save=False)
        document.sha256 = hashlib.sha256(pdf).hexdigest()
        document.size, document.pages = len(pdf), pages
        document.status, document.finished_at, document.error = DocumentStatus.READY, timezone.now(), ""
        document.save(update_fields=["file", "sha256", "size", "pages", "status", "finished_at", "error"])
        audit.record(
            action="contract.document_issued",
            actor=None,
            organization=None,
            target=contract,
            details={"version": version.number, "sha256": document.sha256, "pages": pages, "size": len(pdf)},
        )
        return document


def record_failure(*, contract_id: int, version_id: int, error: BaseException) -> None:
    """The document of the version failed for good (the job gave up retrying): say so, with why."""
    with transaction.atomic():
        version = ContractVersion.objects.filter(pk=version_id, contract_id=contract_id).first()
        if version is None:
            return
        document, _ = ContractDocument.objects.get_or_create(version=version, defaults={"contract_id": contract_id})
        ContractDocument.objects.filter(pk=document.pk).exclude(status=DocumentStatus.READY).update(
            status=DocumentStatus.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
        )


def render_again(*, actor: User, document: ContractDocument) -> ContractDocument:
    """Staff send a failed document back to the job (after mending what made it fail: the certificate,
    the storage, the timestamp authority). Safe to repeat: a document being rendered or ready is left
    as it is, and only the first of two clicks queues a job."""
    if not actor.is_staff:
        raise PermissionDenied("Only the platform's staff render a contract's PDF again.")
    with transaction.atomic():
        document = ContractDocument.objects.select_for_update().select_related("version").get(pk=document.pk)
        if document.status != DocumentStatus.FAILED:
            return document
        error = document.error
        document.status, document.finished_at, document.error = DocumentStatus.RENDERING, None, ""
        document.save(update_fields=["status", "finished_at", "error"])
        audit.record(
            action="contract.document_rendered_again",
            actor=actor,
            organization=None,
            target=document.contract,
            details={"version": document.version.number, "last_error": error[:500]},
        )
        enqueue("contracts.render_contract_pdf", contract_id=document.contract_id, version_id=document.version_id)
    return document


def file_name(contract: Contract, version: ContractVersion) -> str:
    """What a downloaded copy is called: the contract's number, version and title."""
    title = slugify(version.read_terms().title)[:60].strip("-") or "contract"
    return f"contract-{contract.pk}-v{version.number}-{title}.pdf"


def render_signed_pdf(*, contract: Contract, version: ContractVersion) -> tuple[bytes, int]:
    """The version's sealed PDF and its number of pages."""
    return render_sealed(pdf_context(contract=contract, version=version))


def render_sealed(context: dict[str, Any]) -> tuple[bytes, int]:
    """The PDF of a :func:`pdf_context`, sealed, and its number of pages."""
    import weasyprint  # here: a heavy import the web processes, which never render, do without

    document = weasyprint.HTML(string=render_to_string(TEMPLATE, context), base_url=str(settings.BASE_DIR)).render()
    unsealed = document.write_pdf()
    assert unsealed is not None  # no target given: the bytes come back
    contract, version = context["contract"], context["version"]
    sealed = pdf_seal.seal(
        unsealed,
        reason=f"Contract {contract.pk}, version {version.number}: signed by every party, issued by "
        f"{settings.SITE_NAME}",
        location=settings.SITE_URL,
    )
    return sealed, len(document.pages)


# --- what the PDF says -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureBlock:
    """One party's signature as the PDF shows it."""

    side: str  # "Client" or "Supplier"
    organization: str
    signer_name: str
    role: str
    method: str
    method_label: str
    typed_name: str
    image: str  # a drawn signature as a data: URI, else ""
    confirmed_by: str  # in person: who confirmed the scan
    confirmed_at: datetime | None
    signed_at: datetime
    ip_address: str
    user_agent: str
    sha256: str
    consent_at: datetime | None  # when the signer agreed to sign electronically


@dataclass(frozen=True)
class EventLine:
    at: datetime  # UTC
    label: str
    actor: str
    ip_address: str


def pdf_context(*, contract: Contract, version: ContractVersion) -> dict[str, Any]:
    """What the PDF of the version shows, read from the database."""
    return document_context(
        contract=contract,
        version=version,
        signatures=_signature_blocks(version),
        events=_events(contract),
        in_force_since=in_force_since(contract, version),
    )


def document_context(
    *,
    contract: Contract,
    version: ContractVersion,
    signatures: list[SignatureBlock],
    events: list[EventLine],
    in_force_since: datetime | None,
) -> dict[str, Any]:
    """The template's context from what was read (the benchmark builds one without a database)."""
    terms = version.read_terms()
    money = lambda amount: format_money(amount, terms.currency)  # noqa: E731
    return {
        "site_name": settings.SITE_NAME,
        "running_title": css_string(f"{settings.SITE_NAME} · Contract no. {contract.pk}"),
        "verify_url": settings.SITE_URL.rstrip("/") + reverse("verify-document"),
        "contract": contract,
        "version": version,
        "terms": terms,
        "client_place": _place(terms.client),
        "supplier_place": _place(terms.supplier),
        "milestones": [{"title": m.title, "amount": money(m.amount), "due_date": m.due_date} for m in terms.milestones],
        "milestone_total": money(sum(m.amount for m in terms.milestones)),
        "price": _price(terms, money),
        "limit": _limit(terms, money),
        "in_force_since": in_force_since,
        "signatures": signatures,
        "events": events,
        "handwriting_font": handwriting_font(),
        "issued_at": timezone.now().astimezone(UTC),
    }


def _place(party: Party) -> str:
    """ "Berlin, Germany": the party's city and country, the country by its name."""
    return ", ".join(part for part in (party.city, countries.name(party.country) or party.country) if part)


def _price(terms: Terms, money: Any) -> str:
    if terms.is_hourly:
        return f"{money(terms.hourly_rate or 0)} an hour, estimated at {money(terms.price)} in all"
    return f"{money(terms.price)}, fixed"


def _limit(terms: Terms, money: Any) -> str:
    by = f"by {terms.end_date:%-d %B %Y}" if terms.end_date else "with no end date"
    if terms.end_kind == "hours":
        return f"At most {terms.hours_cap} hours of work, {by}."
    if terms.end_kind == "budget":
        return f"At most {money(terms.budget_cap or 0)} in all, {by}."
    return f"The work is delivered {by}."


def _signature_blocks(version: ContractVersion) -> list[SignatureBlock]:
    signatures = list(
        Signature.objects.filter(version=version)
        .valid()
        .select_related("organization", "confirmed_by")
        .order_by("signed_at", "id")
    )
    consents = {
        user_id: given_at
        for user_id, given_at in SigningConsent.objects.filter(user__in=[s.signer_id for s in signatures])
        .order_by("given_at")
        .values_list("user_id", "given_at")
    }
    order = {side: position for position, (side, _label) in enumerate(_SIDES)}
    return [
        SignatureBlock(
            side=signature.get_side_display(),
            organization=signature.organization.name,
            signer_name=signature.signer_name,
            role=signature.role.capitalize(),
            method=signature.method,
            method_label=signature.get_method_display(),
            typed_name=signature.typed_name,
            image=_data_uri(signature) if signature.method == SignatureMethod.DRAWN else "",
            confirmed_by=signature.confirmed_by.display_name if signature.confirmed_by else "",
            confirmed_at=signature.confirmed_at,
            signed_at=signature.signed_at,
            ip_address=signature.ip_address or "",
            user_agent=signature.user_agent,
            sha256=signature.sha256,
            consent_at=consents.get(signature.signer_id),
        )
        for signature in sorted(signatures, key=lambda s: order.get(s.side, 9))
    ]


def _data_uri(signature: Signature) -> str:
    if not signature.image:
        return ""
    with signature.image.open("rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")


def in_force_since(contract: Contract, version: ContractVersion) -> datetime | None:
    """When the version bound both parties: the contract's activation, else (a version since amended) the
    moment its last signature counted."""
    if contract.signed_version_id == version.pk and contract.activated_at:
        return contract.activated_at
    counted = version.signatures.valid().values_list("signed_at", "confirmed_at")
    moments = [confirmed or signed for signed, confirmed in counted]
    return max(moments, default=None)


def _events(contract: Contract) -> list[EventLine]:
    events = (
        AuditEvent.objects.filter(target_type=Contract._meta.label_lower, target_id=str(contract.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        EventLine(
            at=event.created_at.astimezone(UTC),
            label=EVENT_LABELS.get(event.action) or _humanize(event.action),
            actor=event.actor.display_name if event.actor is not None else settings.SITE_NAME,
            ip_address=event.ip_address or "",
        )
        for event in events
    ]


def _humanize(action: str) -> str:
    """``contract.sent_for_signing`` -> ``Sent for signing``, for actions the pages have no label for yet."""
    words = action.split(".", 1)[-1].replace("_", " ")
    return words[:1].upper() + words[1:]


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, every character but letters, digits and spaces escaped (it goes
    into a style sheet, where HTML escaping does not apply)."""
    return '"' + "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in text) + '"'


@functools.cache
def handwriting_font() -> tuple[str, str] | None:
    """The handwriting font as WeasyPrint loads it fastest: (file URI, CSS format), or None when the
    static file is missing (the style sheet falls back to a cursive or serif face).

    The WOFF2 from npm is decompressed once into a TrueType copy in the temporary folder (named by the
    source's hash): WeasyPrint would decompress it at every render, a tenth of the rendering time.
    """
    found = finders.find(HANDWRITING_FONT)
    path = Path(found[0] if isinstance(found, list) else found) if found else None
    if path is None:
        return None
    source = path.read_bytes()
    target = (
        Path(tempfile.gettempdir()) / "contract-fonts" / f"{path.stem}-{hashlib.sha256(source).hexdigest()[:16]}.ttf"
    )
    if not target.exists():
        try:
            from fontTools.ttLib import TTFont

            font = TTFont(io.BytesIO(source))
            font.flavor = None
            target.parent.mkdir(exist_ok=True)
            partial = target.with_name(f".{target.name}.{os.getpid()}")
            font.save(partial)
            os.replace(partial, target)
        except (OSError, ImportError, ValueError):
            logger.warning("handwriting font not converted, using the WOFF2", exc_info=True)
            return path.resolve().as_uri(), "woff2"
    return target.as_uri(), "truetype"


# --- verifying ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the platform says of an uploaded file: genuine or not, why, and what it is when genuine."""

    genuine: bool
    reason: str
    contract_id: int | None = None
    title: str = ""
    version_number: int | None = None
    client: str = ""
    supplier: str = ""
    in_force_since: datetime | None = None
    sealed_at: datetime | None = None
    sha256: str = ""


def verify_pdf(data: bytes) -> Verification:
    """Whether ``data`` is a contract PDF the platform issued, byte for byte.

    Refuses (``DomainError`` on ``file``) what cannot be checked: nothing, too large, not a PDF.
    """
    if not data:
        raise DomainError("Choose the contract PDF to check.", field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(f"A contract PDF is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", field="file")
    if b"%PDF-" not in data[:1024]:
        raise DomainError(
            "That file is not a PDF. Upload the contract PDF exactly as you downloaded or received it.",
            field="file",
        )
    digest = hashlib.sha256(data).hexdigest()
    try:
        check = pdf_seal.check_seal(data)
    except pdf_seal.SealUnavailable as error:
        logger.error("contract PDFs cannot be verified: %s", error)
        raise Unavailable(
            "Contract PDFs cannot be checked right now: the platform's certificate is not set up. Try again later."
        ) from error
    if not check.holds:
        return Verification(genuine=False, reason=check.problem, sha256=digest)
    document = (
        ContractDocument.objects.filter(sha256=digest, status=DocumentStatus.READY)
        .select_related("contract", "version")
        .first()
    )
    if document is None:
        return Verification(
            genuine=False,
            reason=f"The file carries {settings.SITE_NAME}'s seal, but no contract issued here has exactly "
            "these bytes.",
            sha256=digest,
        )
    terms = document.version.read_terms()
    return Verification(
        genuine=True,
        reason=f"This file is a contract issued by {settings.SITE_NAME}, unchanged since it was sealed.",
        contract_id=document.contract_id,
        title=terms.title,
        version_number=document.version.number,
        client=terms.client.name,
        supplier=terms.supplier.name,
        in_force_since=in_force_since(document.contract, document.version),
        sealed_at=check.signed_at,
        sha256=digest,
    )
