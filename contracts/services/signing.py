"""Signing a contract: sending its current version for signatures, consent, signatures, handing the
signing over, confirming an in-person signature, and the activation that follows the last signature.

Who signs: an organization's authorised signatories (``Membership.can_sign``: owners, admins and
members it designates), or the one the signing was handed to. What is signed: the current version,
named by its SHA-256, so a signature made on a page that was overtaken by a newer proposal is refused
(:class:`StaleVersion`) instead of landing on terms the signer never read. Re-authentication right
before signing is the page's and the API's part (allauth's reauthentication flow); consent to sign
electronically is recorded here, once per person and wording.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from accounts.models import Membership, Organization, User
from contracts import notifications
from contracts.models import (
    ESIGN_DISCLOSURE_VERSION,
    Contract,
    ContractStatus,
    Signature,
    SignatureMethod,
    SigningConsent,
    SigningOrder,
)
from contracts.selectors import signatory_membership, signing_obstacle, valid_signatures, waiting_for
from contracts.services._common import lock_for, transition
from contracts.services.drafting import check_amendment, follow_keys
from core import audit
from core.exceptions import Conflict, DomainError, InvalidTransition, PermissionDenied
from core.outbox import enqueue
from core.request_context import current_origin
from core.text import clean, is_blank

#: The longest an offer may wait for signatures.
MAX_SIGNING_DAYS = 90
#: A drawn signature: a PNG at most this many bytes and pixels.
MAX_DRAWING_BYTES = 300_000
MAX_DRAWING_SIZE = (2000, 1000)
#: An in-person signature's scan: a PDF, PNG or JPEG of at most this many bytes.
MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class StaleVersion(Conflict):
    """The hash signed is not the current version's: a newer version was proposed since the page loaded."""

    code = "stale_version"


@dataclass(frozen=True)
class SignatureInput:
    """What a signer gives: the hash of the version they read, the method and its mark."""

    sha256: str
    method: str
    typed_name: str = ""
    drawing: bytes = b""  # a drawn signature, PNG
    scan: UploadedFile | None = None  # in person: the scan of the paper signed


# --- who may sign ------------------------------------------------------------------------------------


def _require_signatory(*, actor: User, organization: Organization) -> Membership:
    membership = signatory_membership(user=actor, organization=organization)
    if membership is None:
        raise PermissionDenied(
            f"Only {organization.name}'s authorised signatories (owners, admins and members it designates) "
            "can sign its contracts."
        )
    return membership


def has_consented(user: User) -> bool:
    return SigningConsent.objects.filter(user=user, disclosure_version=ESIGN_DISCLOSURE_VERSION).exists()


def give_consent(*, user: User) -> SigningConsent:
    """The person agrees to do business electronically. Safe to repeat."""
    origin = current_origin()
    consent, created = SigningConsent.objects.get_or_create(
        user=user,
        disclosure_version=ESIGN_DISCLOSURE_VERSION,
        defaults={"ip_address": origin.ip_address, "user_agent": origin.user_agent[:500]},
    )
    if created:
        audit.record(
            action="contract.esign_consent",
            actor=user,
            organization=None,
            target=consent,
            details={"disclosure_version": ESIGN_DISCLOSURE_VERSION},
        )
    return consent


# --- sending for signatures --------------------------------------------------------------------------


@transaction.atomic
def send_for_signing(
    *,
    actor: User,
    organization: Organization,
    contract: Contract,
    order: str = SigningOrder.ANY,
    expires_at: datetime | None = None,
) -> Contract:
    """The current version goes out for signatures, in ``order``, signable until ``expires_at`` (none: no
    end). A contract already waiting may be sent again with another order or expiry while nobody has
    signed. Safe to repeat."""
    contract = lock_for(actor=actor, organization=organization, contract=contract)
    _require_signatory(actor=actor, organization=organization)
    if order not in SigningOrder.values:
        raise DomainError("Choose who signs first: the supplier, the client, or either.", field="order")
    now = timezone.now()
    if expires_at is not None and not now < expires_at <= now + timedelta(days=MAX_SIGNING_DAYS):
        raise DomainError(f"The offer expires in the future and within {MAX_SIGNING_DAYS} days.", field="expires_at")
    if contract.status == ContractStatus.ACTIVE and not contract.has_amendment:
        raise InvalidTransition("This contract is signed: propose an amendment to send it for signatures.")
    if contract.out_for_signing:
        if (contract.signing_order, contract.signing_expires_at) == (order, expires_at):
            return contract
        if valid_signatures(contract):
            raise InvalidTransition("Someone has signed already: propose a new version to change the signing.")
    contract.signing_order, contract.signing_expires_at = order, expires_at
    if contract.has_amendment:  # the contract stays active under its signed version meanwhile
        contract.amendment_sent_at = contract.amendment_sent_at or now
        contract.save(update_fields=["signing_order", "signing_expires_at", "amendment_sent_at", "updated_at"])
    elif contract.status == ContractStatus.SIGNING:
        contract.save(update_fields=["signing_order", "signing_expires_at", "updated_at"])
    else:
        transition(
            contract,
            ContractStatus.SIGNING,
            actor=actor,
            organization=organization,
            fields=("signing_order", "signing_expires_at"),
        )
    audit.record(
        action="contract.sent_for_signing",
        actor=actor,
        organization=organization,
        target=contract,
        details={
            "version": contract.current_version.number if contract.current_version else None,
            "sha256": contract.current_version.sha256 if contract.current_version else None,
            "order": order,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "amendment": contract.has_amendment,
        },
    )
    _notify_other_side(contract, organization, kind="sent_for_signing")
    return contract


@transaction.atomic
def hand_over_signing(*, actor: User, organization: Organization, contract: Contract, to: User) -> Contract:
    """A signatory asks another authorised signatory of the same organization to sign instead. Safe to
    repeat."""
    contract = lock_for(actor=actor, organization=organization, contract=contract)
    _require_signatory(actor=actor, organization=organization)
    if not contract.out_for_signing:
        raise InvalidTransition("Only a contract waiting for signatures can be handed over.")
    if signatory_membership(user=to, organization=organization) is None:
        raise DomainError(f"{to.display_name} is not one of {organization.name}'s signatories.", field="to")
    field = f"{contract.side_of(organization)}_signer"
    if getattr(contract, f"{field}_id") == to.pk:
        return contract
    setattr(contract, field, to)
    contract.save(update_fields=[field, "updated_at"])
    audit.record(
        action="contract.signing_handed_over",
        actor=actor,
        organization=organization,
        target=contract,
        details={"to": to.pk, "to_name": to.display_name},
    )
    enqueue_signing_request(contract, to)
    return contract


# --- signing -----------------------------------------------------------------------------------------


@transaction.atomic
def sign(*, actor: User, organization: Organization, contract: Contract, data: SignatureInput) -> Signature:
    """The actor signs the current version for ``organization``. When every side's signature counts, the
    contract becomes active. Safe to repeat: the same person signing the same version again gets their
    signature back."""
    contract = lock_for(actor=actor, organization=organization, contract=contract)
    membership = _require_signatory(actor=actor, organization=organization)
    version = contract.current_version
    if not contract.out_for_signing or version is None:
        if (
            contract.status == ContractStatus.ACTIVE
            and contract.signed_version
            and data.sha256 == contract.signed_version.sha256
        ):
            mine = contract.signatures.filter(version=contract.signed_version, organization=organization).first()
            if mine is not None and mine.signer_id == actor.pk:
                return mine
        raise InvalidTransition(f"A {contract.get_status_display().lower()} contract cannot be signed.")
    if data.sha256 != version.sha256:
        raise StaleVersion(
            f"You signed an older version: version {version.number} is the current one. Read it, then sign it."
        )
    side = contract.side_of(organization)
    if contract.has_amendment:  # a milestone may have moved on since the amendment was proposed
        check_amendment(contract, version.read_terms())
    signatures = list(contract.signatures.filter(version=version, voided_at__isnull=True))
    mine = next((signature for signature in signatures if signature.side == side), None)
    if mine is not None and mine.signer_id == actor.pk:
        return mine  # a repeat
    if (obstacle := signing_obstacle(contract, side=side, user=actor, signatures=signatures)) is not None:
        raise obstacle
    if data.method != SignatureMethod.IN_PERSON and not has_consented(actor):
        raise PermissionDenied("Agree to sign electronically first.", code="consent_required")
    origin = current_origin()
    signature = Signature(
        contract=contract,
        version=version,
        sha256=version.sha256,
        organization=organization,
        side=side,
        signer=actor,
        signer_name=actor.display_name,
        role=membership.role,
        method=data.method,
        signed_at=timezone.now(),
        ip_address=origin.ip_address,
        user_agent=origin.user_agent[:500],
    )
    _attach_mark(signature, data, actor=actor)
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError as error:  # another signatory of the same side, at the same moment
        raise Conflict(f"Someone already signed this version for {organization.name}.") from error
    audit.record(
        action="contract.signed",
        actor=actor,
        organization=organization,
        target=contract,
        details={
            "version": version.number,
            "sha256": version.sha256,
            "method": data.method,
            "side": side,
            "role": membership.role,
            "signature": signature.pk,
        },
    )
    if not _activate_when_complete(contract, actor=actor, organization=organization):
        _notify_other_side(contract, organization, kind="signed")
    return signature


@transaction.atomic
def confirm_in_person(*, actor: User, organization: Organization, contract: Contract, signature_id: int) -> Signature:
    """The other side confirms an in-person signature: the scan is the paper both saw signed. Safe to repeat."""
    contract = lock_for(actor=actor, organization=organization, contract=contract)
    _require_signatory(actor=actor, organization=organization)
    signature = contract.signatures.filter(pk=signature_id, method=SignatureMethod.IN_PERSON).first()
    if signature is None or signature.organization_id == organization.pk:
        raise DomainError("Only the other side can confirm an in-person signature.", field="signature")
    if signature.confirmed_at is not None:
        return signature
    if signature.voided_at is not None or not contract.out_for_signing:
        raise InvalidTransition("That signature was on a version that is no longer the one to sign.")
    signature.confirmed_by, signature.confirmed_at = actor, timezone.now()
    signature.save(update_fields=["confirmed_by", "confirmed_at"])
    audit.record(
        action="contract.in_person_confirmed",
        actor=actor,
        organization=organization,
        target=contract,
        details={"signature": signature.pk, "sha256": signature.sha256},
    )
    _activate_when_complete(contract, actor=actor, organization=organization)
    return signature


# --- the pieces --------------------------------------------------------------------------------------


def contract_signer_name(contract: Contract, side: str) -> str:
    signer = getattr(contract, f"{side}_signer")
    return signer.display_name if signer is not None else ""


def _activate_when_complete(contract: Contract, *, actor: User, organization: Organization) -> bool:
    if waiting_for(contract):
        return False
    if contract.has_amendment:
        _put_amendment_in_force(contract, actor=actor, organization=organization)
        return True
    contract.signed_version, contract.activated_at = contract.current_version, timezone.now()
    transition(
        contract,
        ContractStatus.ACTIVE,
        actor=actor,
        organization=organization,
        fields=("signed_version", "activated_at"),
    )
    enqueue("contracts.render_contract_pdf", contract_id=contract.pk, version_id=contract.signed_version_id)
    notifications.contract_active(contract=contract)
    return True


def _put_amendment_in_force(contract: Contract, *, actor: User, organization: Organization) -> None:
    """Every party signed the amendment: it is the version in force, its milestones' records follow its
    keys, and its PDF is rendered. The contract stays active throughout."""
    before = contract.signed_version
    version = contract.current_version
    assert version is not None
    contract.signed_version, contract.amendment_sent_at = version, None
    contract.save(update_fields=["signed_version", "amendment_sent_at", "updated_at"])
    follow_keys(contract, version.read_terms())
    audit.record(
        action="contract.amendment_signed",
        actor=actor,
        organization=organization,
        target=contract,
        details={
            "version": version.number,
            "sha256": version.sha256,
            "replaces": before.number if before else None,
        },
    )
    enqueue("contracts.render_contract_pdf", contract_id=contract.pk, version_id=version.pk)
    notifications.amendment_signed(contract=contract)


def _attach_mark(signature: Signature, data: SignatureInput, *, actor: User) -> None:
    """The signer's mark for the method chosen, checked: a typed name, a drawn PNG or a scan."""
    if data.method == SignatureMethod.TYPED:
        name = data.typed_name.strip()
        if is_blank(name) or clean(name) != name:
            raise DomainError("Type your full name to sign.", field="typed_name")
        if len(name) > 200:
            raise DomainError("Keep your typed name under 200 characters.", field="typed_name")
        signature.typed_name = name
    elif data.method == SignatureMethod.DRAWN:
        signature.image.save("signature.png", ContentFile(_checked_drawing(data.drawing)), save=False)
    elif data.method == SignatureMethod.IN_PERSON:
        scan, content_type = _checked_scan(data.scan)
        signature.scan.save(f"scan{SCAN_TYPES[content_type]}", ContentFile(scan), save=False)
        signature.scan_content_type = content_type
    else:
        raise DomainError("Sign by typing your name, drawing your signature, or uploading the paper.", field="method")


def _checked_drawing(drawing: bytes) -> bytes:
    """The drawn signature, re-encoded as a plain PNG (no metadata), or a refusal."""
    if not drawing:
        raise DomainError("Draw your signature in the box.", field="drawing")
    if len(drawing) > MAX_DRAWING_BYTES:
        raise DomainError("That drawing is too large; clear it and draw again.", field="drawing")
    try:
        with Image.open(io.BytesIO(drawing)) as image:
            if image.format != "PNG":
                raise DomainError("A drawn signature is a PNG image.", field="drawing")
            if image.width > MAX_DRAWING_SIZE[0] or image.height > MAX_DRAWING_SIZE[1]:
                raise DomainError("That drawing is too large; clear it and draw again.", field="drawing")
            pixels = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise DomainError("That drawing could not be read; clear it and draw again.", field="drawing") from error
    if pixels.getchannel("A").getbbox() is None:
        raise DomainError("Draw your signature in the box.", field="drawing")
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _checked_scan(scan: UploadedFile | None) -> tuple[bytes, str]:
    """The scan's bytes and type, when it is a PDF, PNG or JPEG of a sane size; else a refusal."""
    if scan is None:
        raise DomainError("Upload the scan of the signed paper (PDF, PNG or JPEG).", field="scan")
    if scan.size is None or scan.size > MAX_SCAN_BYTES:
        raise DomainError(f"A scan is at most {MAX_SCAN_BYTES // (1024 * 1024)} MB.", field="scan")
    content = scan.read()
    if content.startswith(b"%PDF-"):
        return content, "application/pdf"
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise DomainError("A scan is a PDF, PNG or JPEG file.", field="scan") from error
    if kind not in ("PNG", "JPEG"):
        raise DomainError("A scan is a PDF, PNG or JPEG file.", field="scan")
    return content, f"image/{kind.lower()}"


def _notify_other_side(contract: Contract, organization: Organization, *, kind: str) -> None:
    other = contract.supplier if organization.pk == contract.client_id else contract.client
    notifications.signature_awaited(contract=contract, organization=other, kind=kind)


def enqueue_signing_request(contract: Contract, to: User) -> None:
    notifications.signing_handed_over(contract=contract, to=to)
