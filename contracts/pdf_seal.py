"""The platform's seal on a contract PDF: its key and certificate, sealing a PDF, and checking a seal.

The seal is a PAdES certification signature by the platform's certificate (``CONTRACT_SIGNING_KEY`` and
``CONTRACT_SIGNING_CERT``, PEM files), with a timestamp from ``CONTRACT_PDF_TSA_URL`` when one is set
(PAdES B-T; without it B-B). It certifies the document allowing no change, and :func:`check_seal` also
asks that the signature covers the whole file, so any byte changed or appended after sealing (an
incremental update included) shows. The certificate is trusted because it *is* the platform's: it is the
one trust root of the check, and the signer's certificate must be it, byte for byte.

Without configured files, :func:`ensure_certificate` makes a self-signed pair (the embedded default:
``manage.py ensure_signing_certificate``, which ``bin/start`` runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

#: The name of the signature field the seal fills.
SEAL_FIELD = "PlatformSeal"
#: How long a self-signed certificate of the embedded default lasts.
SELF_SIGNED_DAYS = 10 * 365
#: Seconds a timestamp authority may take to answer.
TSA_TIMEOUT = 10
#: Bytes kept in the file for the signature (CMS with the certificate, and a timestamp token with its
#: certificates): a size given up front spares pyHanko a trial signature to measure it.
SIGNATURE_BYTES = 8 * 1024
TIMESTAMPED_SIGNATURE_BYTES = 32 * 1024


T = TypeVar("T")
logger = logging.getLogger(__name__)


class SealUnavailable(Exception):
    """The platform's key or certificate cannot be read: a set-up problem, not the document's."""


# --- the platform's key and certificate ----------------------------------------------------------


def ensure_certificate(*, key_path: Path, cert_path: Path, common_name: str) -> bool:
    """A self-signed key and certificate at these paths, made when neither exists; True when made.

    Safe to repeat and to race: each file is written under a temporary name and linked into place only
    if nothing is there, so two processes starting at once keep the first pair. One file without the
    other is refused: the pair would not match.
    """
    if key_path.exists() and cert_path.exists():
        return False
    if key_path.exists() or cert_path.exists():
        missing = cert_path if key_path.exists() else key_path
        raise SealUnavailable(f"{missing} is missing while its pair exists: restore it, or remove both to start anew")
    # ECDSA P-256: as strong as RSA-3072, and loaded for each signature in a millisecond instead of 100.
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Contract documents"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: a seal stands behind the content
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_once(key_path, key_pem, mode=0o600)
    _write_once(cert_path, certificate.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return True


def _write_once(path: Path, content: bytes, *, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, mode)  # whatever the umask said
        with contextlib.suppress(FileExistsError):  # another process made it first: its file stays
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def configured_paths() -> tuple[Path, Path]:
    return Path(settings.CONTRACT_SIGNING_KEY), Path(settings.CONTRACT_SIGNING_CERT)


def platform_signer() -> signers.SimpleSigner:
    """The signer of the configured key and certificate (read once per process and pair of files)."""
    key_path, cert_path = configured_paths()
    try:
        stamps = (key_path.stat().st_mtime_ns, cert_path.stat().st_mtime_ns)
    except FileNotFoundError as error:
        raise SealUnavailable(
            f"The contract signing key or certificate is missing ({error.filename}): set CONTRACT_SIGNING_KEY "
            "and CONTRACT_SIGNING_CERT, or run `manage.py ensure_signing_certificate`"
        ) from error
    return _load_signer(str(key_path), str(cert_path), stamps)


@functools.lru_cache(maxsize=4)
def _load_signer(key_path: str, cert_path: str, _stamps: tuple[int, int]) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load(key_path, cert_path)
    if signer is None or signer.signing_cert is None:
        raise SealUnavailable(f"The contract signing key {key_path} or certificate {cert_path} could not be read")
    key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    if key.public_key().public_bytes(*_SPKI) != signer.signing_cert.public_key.dump():
        raise SealUnavailable(f"The contract signing key {key_path} does not belong to the certificate {cert_path}")
    return signer


_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def platform_certificate() -> asn1_x509.Certificate:
    certificate = platform_signer().signing_cert
    assert certificate is not None
    return certificate


# --- sealing ----------------------------------------------------------------------------------------


def seal(pdf: bytes, *, reason: str, location: str) -> bytes:
    """``pdf`` with the platform's seal appended (PAdES, certified: no change allowed after it).

    Raises :class:`SealUnavailable` when the key cannot be read, and ``OSError`` (pyHanko's
    ``TimestampRequestError`` is one) when the timestamp authority does not answer: worth another try.
    """
    signer = platform_signer()
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        reason=reason,
        location=location,
        name=_common_name(platform_certificate()),
    )
    url = settings.CONTRACT_PDF_TSA_URL
    timestamper = HTTPTimeStamper(url, timeout=TSA_TIMEOUT) if url else None
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        _outside_event_loop(
            signers.sign_pdf,
            writer,
            metadata,
            signer=signer,
            timestamper=timestamper,
            output=out,
            bytes_reserved=TIMESTAMPED_SIGNATURE_BYTES if timestamper else SIGNATURE_BYTES,
        )
    except SigningError as error:
        if isinstance(error.__cause__, OSError):
            raise error.__cause__ from error
        raise
    return out.getvalue()


def _common_name(certificate: asn1_x509.Certificate) -> str:
    return str(certificate.subject.native.get("common_name", "")) or settings.SITE_NAME


# --- checking a seal ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealCheck:
    """What the embedded signatures of a PDF say. ``problem`` is empty when the platform's seal holds."""

    problem: str
    signed_at: datetime | None = None  # the timestamp's time when there is one, else the signer's claim
    timestamped: bool = False

    @property
    def holds(self) -> bool:
        return not self.problem


def check_seal(pdf: bytes) -> SealCheck:
    """Whether ``pdf`` carries the platform's seal, intact, over the whole file and nothing after it.

    Problems are said in plain words for the person who uploaded the file. ``pdf`` is anyone's upload:
    whatever a malformed file makes the PDF reader raise is an answer ("damaged"), never an error.
    """
    platform = platform_certificate()
    try:
        embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if len(embedded) != 1:
            return SealCheck(_NO_SEAL if not embedded else _SIGNED_AGAIN)
        signature = embedded[0]
        signer = signature.signer_cert
        if signer is None or signer.dump() != platform.dump():
            return SealCheck(f"The file is signed, but not by {settings.SITE_NAME}: it is not a document we issued.")
        context = ValidationContext(trust_roots=[platform], allow_fetching=False, revocation_mode="soft-fail")
        # Any byte after the seal already fails the coverage check below: no need to analyse what changed.
        status = _outside_event_loop(
            validate_pdf_signature, signature, signer_validation_context=context, skip_diff=True
        )
    except Exception as error:  # a hostile or broken file can make the reader raise anything
        logger.info("contract seal unreadable", extra={"error": repr(error)[:300]})
        return SealCheck(f"The file could not be read as a sealed PDF; it is damaged ({_short(error)}).")
    if not status.intact or not status.valid:
        return SealCheck("The file was changed after it was sealed: its content no longer matches the signature.")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SealCheck("Something was added to the file after it was sealed: it is not the document as issued.")
    if not status.trusted:
        return SealCheck(f"The signature's certificate is not {settings.SITE_NAME}'s valid certificate.")
    timestamp = status.timestamp_validity
    return SealCheck(
        "",
        signed_at=timestamp.timestamp if timestamp is not None else status.signer_reported_dt,
        timestamped=timestamp is not None,
    )


_NO_SEAL = (
    "The file carries no digital signature. Documents from the platform always do; printing or re-saving a PDF "
    "removes it."
)
_SIGNED_AGAIN = "The file was signed again after the platform sealed it: it is not the document issued."


def _outside_event_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(...)``, in a thread of its own when this one runs an event loop: pyHanko's synchronous
    calls start one with ``asyncio.run``, which refuses to run inside another (an ASGI server, a
    Playwright session)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _short(error: Exception) -> str:
    return (str(error) or type(error).__name__)[:200]
