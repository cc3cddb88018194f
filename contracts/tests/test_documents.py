"""The signed contract PDF: issued when the last party signs, sealed by the platform, downloaded by the
parties only, and checked by anyone on the public verification page."""

from __future__ import annotations

import hashlib
import io
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import weasyprint
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageDraw
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from contracts import documents, pdf_seal, selectors, services, tasks
from contracts.models import ContractDocument, DocumentStatus
from contracts.services import SignatureInput
from core import request_context
from core.exceptions import DomainError, PermissionDenied
from core.models import AuditEvent, OutboxMessage
from tests.factories import OrganizationFactory, UserFactory, make_member
from tests.support import html, signed_in

pytestmark = pytest.mark.django_db


# --- the world -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def signing_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One self-signed platform certificate for the whole run, as ``ensure_signing_certificate`` makes it."""
    folder = tmp_path_factory.mktemp("signing")
    pdf_seal.ensure_certificate(key_path=folder / "key.pem", cert_path=folder / "cert.pem", common_name="Outsource")
    return folder


@pytest.fixture(autouse=True)
def _platform_certificate(settings, signing_folder):  # type: ignore[no-untyped-def]
    settings.CONTRACT_SIGNING_KEY = signing_folder / "key.pem"
    settings.CONTRACT_SIGNING_CERT = signing_folder / "cert.pem"
    settings.CONTRACT_PDF_TSA_URL = ""


@contextmanager
def from_browser(ip: str, agent: str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0") -> Iterator[None]:
    """Services called as from a request of this address and browser (what the middleware records)."""
    token = request_context._origin.set(request_context.RequestOrigin(ip_address=ip, user_agent=agent))
    try:
        yield
    finally:
        request_context._origin.reset(token)


def drawn_signature() -> bytes:
    image = Image.new("RGBA", (400, 120), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.line([(20, 90), (80, 30), (120, 95), (170, 40), (230, 85), (300, 35), (370, 70)], fill="#102a6b", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sign_all(contract, firm, other_firm, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Both parties sign (supplier drawn, client typed); the commits run, so the PDF job runs as in production."""
    with django_capture_on_commit_callbacks(execute=True), from_browser("203.0.113.7"):
        services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)
        services.give_consent(user=other_firm.owner)
        services.sign(
            actor=other_firm.owner,
            organization=other_firm,
            contract=contract,
            data=SignatureInput(sha256=contract.current_version.sha256, method="drawn", drawing=drawn_signature()),
        )
    with django_capture_on_commit_callbacks(execute=True), from_browser("198.51.100.23"):
        services.give_consent(user=firm.owner)
        services.sign(
            actor=firm.owner,
            organization=firm,
            contract=contract,
            data=SignatureInput(
                sha256=contract.current_version.sha256, method="typed", typed_name=firm.owner.display_name
            ),
        )
    contract.refresh_from_db()
    return contract


@pytest.fixture
def signed(contract, firm, other_firm, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    return sign_all(contract, firm, other_firm, django_capture_on_commit_callbacks)


@pytest.fixture
def document(signed) -> ContractDocument:  # type: ignore[no-untyped-def]
    return ContractDocument.objects.get(version=signed.signed_version)


def pdf_bytes(document: ContractDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    """The text of a PDF, page by page (form feeds between pages), by poppler's pdftotext."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True, timeout=60
    ).stdout.decode()


def uploaded(data: bytes, name: str = "contract.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- issuing -------------------------------------------------------------------------------------------


def test_the_last_signature_issues_a_sealed_pdf_of_the_signed_version(signed, document, firm, other_firm):
    data = pdf_bytes(document)

    assert document.status == DocumentStatus.READY
    assert document.contract == signed
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert data.startswith(b"%PDF-")
    assert document.file.name.endswith(f"contract-{signed.pk}-v1-annual-accounts-2026.pdf")


def test_the_pdf_has_a_cover_the_terms_the_signatures_and_a_certificate_of_completion(
    signed, document, firm, other_firm
):
    pages = pdf_text(pdf_bytes(document)).split("\f")[: document.pages]
    text = "\n".join(pages)

    assert document.pages == len(pages) >= 3
    assert "Annual accounts 2026" in pages[0]
    assert signed.signed_version.sha256 in "".join(pages[0].split())  # the hash may wrap
    assert f"Contract no. {signed.pk}" in pages[1]
    assert f"Page 2 of {document.pages}" in pages[1]
    assert "Books closed" in text
    assert "€1,000.00" in text
    assert firm.owner.display_name in text
    assert other_firm.owner.display_name in text
    assert "Certificate of completion" in pages[-1]
    assert "203.0.113.7" in pages[-1]
    assert "198.51.100.23" in pages[-1]
    assert "Sent for signatures" in text or "Sent for signing" in text


def test_the_seal_validates_with_pyhanko_intact_over_the_whole_file(document, signing_folder):
    reader = PdfFileReader(io.BytesIO(pdf_bytes(document)))
    [signature] = reader.embedded_signatures
    root = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate((signing_folder / "cert.pem").read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    )

    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root], allow_fetching=False))

    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.docmdp_level == MDPPerm.NO_CHANGES  # certified: no change allowed after the seal
    assert status.timestamp_validity is None  # no timestamp authority configured: PAdES B-B


def test_issuing_records_itself_in_the_contracts_audit_trail(signed, document):
    event = AuditEvent.objects.get(action="contract.document_issued", target_id=str(signed.pk))

    assert event.details["sha256"] == document.sha256
    assert event.actor is None


def test_the_job_run_twice_makes_one_document(signed, document):
    first = pdf_bytes(document)

    again = tasks.render_contract_pdf.apply(
        kwargs={"contract_id": signed.pk, "version_id": signed.signed_version_id}
    ).get()

    assert again == document.pk
    assert ContractDocument.objects.filter(contract=signed).count() == 1
    document.refresh_from_db()
    assert pdf_bytes(document) == first


def test_a_version_nobody_signed_gets_no_document(contract):
    result = tasks.render_contract_pdf.apply(
        kwargs={"contract_id": contract.pk, "version_id": contract.current_version_id}
    ).get()

    assert result is None
    assert not ContractDocument.objects.exists()


def test_a_failure_marks_the_document_failed_and_a_later_run_issues_it(
    contract, firm, other_firm, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.CONTRACT_SIGNING_KEY = tmp_path / "nowhere" / "key.pem"

    signed = sign_all(contract, firm, other_firm, django_capture_on_commit_callbacks)
    failed = ContractDocument.objects.get(version=signed.signed_version)
    assert failed.status == DocumentStatus.FAILED
    assert "CONTRACT_SIGNING_KEY" in failed.error
    assert not failed.file

    settings.CONTRACT_SIGNING_KEY = settings.CONTRACT_SIGNING_CERT.with_name("key.pem")
    documents.issue_document(contract_id=signed.pk, version_id=signed.signed_version_id)
    failed.refresh_from_db()
    assert failed.status == DocumentStatus.READY
    assert failed.error == ""


@pytest.fixture
def failed(contract, firm, other_firm, django_capture_on_commit_callbacks, settings, tmp_path) -> ContractDocument:  # type: ignore[no-untyped-def]
    """The PDF failed for want of the platform's key; the key is then mended, as staff would."""
    key = settings.CONTRACT_SIGNING_KEY
    settings.CONTRACT_SIGNING_KEY = tmp_path / "nowhere" / "key.pem"
    signed = sign_all(contract, firm, other_firm, django_capture_on_commit_callbacks)
    settings.CONTRACT_SIGNING_KEY = key
    document = ContractDocument.objects.get(version=signed.signed_version)
    assert document.status == DocumentStatus.FAILED
    return document


def _render_jobs() -> int:
    return OutboxMessage.objects.filter(task_name="contracts.render_contract_pdf").count()


def test_staff_send_a_failed_pdf_back_to_its_job_once(failed, django_capture_on_commit_callbacks):
    staff = UserFactory(is_staff=True)
    jobs = _render_jobs()

    documents.render_again(actor=staff, document=failed)
    documents.render_again(actor=staff, document=failed)  # a second click: already queued

    failed.refresh_from_db()
    assert (failed.status, failed.error) == (DocumentStatus.RENDERING, "")
    assert _render_jobs() == jobs + 1
    event = AuditEvent.objects.get(action="contract.document_rendered_again")
    assert event.actor == staff
    assert "CONTRACT_SIGNING_KEY" in event.details["last_error"]
    # And the job, run, seals it
    tasks.render_contract_pdf.apply(kwargs={"contract_id": failed.contract_id, "version_id": failed.version_id})
    failed.refresh_from_db()
    assert failed.status == DocumentStatus.READY


def test_only_staff_render_again(failed):  # type: ignore[no-untyped-def]
    member = failed.contract.client.memberships.first().user
    jobs = _render_jobs()

    with pytest.raises(PermissionDenied):
        documents.render_again(actor=member, document=failed)

    failed.refresh_from_db()
    assert failed.status == DocumentStatus.FAILED
    assert _render_jobs() == jobs


def test_the_admin_action_renders_a_failed_pdf_and_then_leaves_it_alone(failed):  # type: ignore[no-untyped-def]
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    act = lambda: admin.post(  # noqa: E731
        reverse("admin:contracts_contractdocument_changelist"),
        {"action": "render_again", "_selected_action": [failed.pk]},
        follow=True,
    )

    first, second = act().content.decode(), act().content.decode()

    assert "1 PDF queued to render again." in first
    assert "1 not failed (being rendered or ready)" in second
    failed.refresh_from_db()
    assert failed.status == DocumentStatus.RENDERING
    assert AuditEvent.objects.filter(action="contract.document_rendered_again").count() == 1


def test_the_template_draws_typed_names_in_the_handwriting_font_and_escapes_its_running_title(contract):
    version = contract.current_version
    context = documents.pdf_context(contract=contract, version=version)

    html_text = render_to_string(documents.TEMPLATE, context)

    assert "dancing-script-latin-400-normal" in html_text  # the handwriting font, from npm
    assert documents.css_string('Ac"me</style>') == '"Ac\\22 me\\3c \\2f style\\3e "'


# --- verifying ---------------------------------------------------------------------------------------


def test_the_issued_file_is_genuine_with_its_parties_and_version(signed, document):
    result = documents.verify_pdf(pdf_bytes(document))

    assert result.genuine
    assert result.contract_id == signed.pk
    assert result.version_number == 1
    assert result.client == "Northwind Trading"
    assert result.supplier == "Globex Supplies"
    assert result.in_force_since == signed.activated_at


def flip_one_byte_of_the_content(data: bytes) -> bytes:
    """One bit of the first page's content stream changed."""
    start = data.index(b"stream", data.index(b"/Contents")) + 40
    changed = bytearray(data)
    changed[start] ^= 0x01
    return bytes(changed)


def test_one_byte_changed_is_not_genuine(document):
    result = documents.verify_pdf(flip_one_byte_of_the_content(pdf_bytes(document)))

    assert not result.genuine
    assert "changed" in result.reason or "damaged" in result.reason


def test_an_incremental_update_appended_after_the_seal_is_not_genuine(document):
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes(document)))
    writer.root["/Lang"] = generic.TextStringObject("fr")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    result = documents.verify_pdf(out.getvalue())

    assert not result.genuine
    assert "added to the file after it was sealed" in result.reason


def test_a_pdf_without_the_seal_is_not_genuine():
    unsealed = weasyprint.HTML(string="<h1>Contract</h1><p>Looks like one.</p>").write_pdf()

    result = documents.verify_pdf(unsealed)

    assert not result.genuine
    assert "no digital signature" in result.reason


def test_a_pdf_sealed_with_another_certificate_is_not_genuine(settings, tmp_path):
    unsealed = weasyprint.HTML(string="<h1>Contract</h1>").write_pdf()
    platform = (settings.CONTRACT_SIGNING_KEY, settings.CONTRACT_SIGNING_CERT)
    pdf_seal.ensure_certificate(key_path=tmp_path / "k.pem", cert_path=tmp_path / "c.pem", common_name="Outsource")
    settings.CONTRACT_SIGNING_KEY, settings.CONTRACT_SIGNING_CERT = tmp_path / "k.pem", tmp_path / "c.pem"
    forged = pdf_seal.seal(unsealed, reason="forged", location="elsewhere")
    settings.CONTRACT_SIGNING_KEY, settings.CONTRACT_SIGNING_CERT = platform

    result = documents.verify_pdf(forged)

    assert not result.genuine
    assert "not by Outsource" in result.reason


def test_a_sealed_pdf_the_platform_never_issued_is_not_genuine():
    sealed = pdf_seal.seal(weasyprint.HTML(string="<h1>Draft</h1>").write_pdf(), reason="test", location="here")

    result = documents.verify_pdf(sealed)

    assert not result.genuine
    assert "no contract issued here" in result.reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Choose the contract PDF"),
        (b"PK\x03\x04 a zip file", "not a PDF"),
        (b"%PDF-1.7\n" + b"0" * documents.MAX_UPLOAD_BYTES, "at most 20 MB"),
    ],
    ids=["empty", "not a pdf", "too large"],
)
def test_what_cannot_be_checked_is_refused_with_a_clear_message(data, message):
    with pytest.raises(DomainError, match=message):
        documents.verify_pdf(data)


def test_a_damaged_pdf_is_not_genuine_and_says_so():
    result = documents.verify_pdf(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntrailer garbage")

    assert not result.genuine
    assert result.reason


# --- the pages ------------------------------------------------------------------------------------------


def test_a_party_downloads_the_pdf_as_an_attachment(signed, document, other_firm):
    response = signed_in(other_firm.owner, other_firm).get(reverse("contract-document", args=[signed.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"contract-{signed.pk}-v1-annual-accounts-2026.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf_bytes(document)


def test_an_outsider_gets_404_and_an_anonymous_visitor_is_sent_to_sign_in(signed, document):
    stranger = OrganizationFactory(name="Stranger Ltd")
    stranger.owner = make_member(stranger, role="owner")
    url = reverse("contract-document", args=[signed.pk])

    status_url = reverse("contract-document-status", args=[signed.pk])
    assert signed_in(stranger.owner, stranger).get(url).status_code == 404
    assert signed_in(stranger.owner, stranger).get(status_url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))


def test_before_the_pdf_is_ready_the_download_is_404_and_the_box_says_it_is_being_prepared(contract, firm):
    client = signed_in(firm.owner, firm)
    type(contract).objects.filter(pk=contract.pk).update(
        status="active", signed_version=contract.current_version, activated_at=datetime.now(UTC)
    )

    assert client.get(reverse("contract-document", args=[contract.pk])).status_code == 404
    box = html(client.get(reverse("contract-document-status", args=[contract.pk])))
    assert "Preparing the signed PDF…" in box
    assert f'data-poll="{reverse("contract-document-status", args=[contract.pk])}"' in box
    assert "js/contract-document.js" in box


def test_once_ready_the_box_links_the_download_and_stops_polling(signed, document, firm):
    box = html(signed_in(firm.owner, firm).get(reverse("contract-document-status", args=[signed.pk])))

    assert reverse("contract-document", args=[signed.pk]) in box
    assert "data-poll" not in box
    assert selectors.document_of(signed) == document


def test_the_verification_page_is_public():
    response = Client().get(reverse("verify-document"))

    assert response.status_code == 200
    assert "Verify a contract PDF" in html(response)
    assert 'enctype="multipart/form-data"' in html(response)


def test_uploading_the_issued_pdf_says_it_is_genuine_and_for_whom(document):
    response = Client().post(reverse("verify-document"), {"file": uploaded(pdf_bytes(document))})
    page = html(response)

    assert response.status_code == 200
    assert "Genuine." in page
    assert "Northwind Trading" in page
    assert "Globex Supplies" in page
    assert "<dt>Version</dt><dd>1</dd>" in page


def test_uploading_a_changed_pdf_says_it_is_not_genuine(document):
    response = Client().post(
        reverse("verify-document"), {"file": uploaded(flip_one_byte_of_the_content(pdf_bytes(document)))}
    )
    page = html(response)

    assert response.status_code == 200
    assert "Not a genuine contract from Outsource." in page
    assert "Northwind Trading" not in page


def test_uploading_something_else_says_what_to_upload():
    response = Client().post(reverse("verify-document"), {"file": uploaded(b"GIF89a...", "photo.pdf")})

    assert response.status_code == 400
    assert "That file is not a PDF." in html(response)


def test_an_upload_over_the_limit_is_refused_without_being_kept(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    too_big = b"%PDF-1.7\n" + b"0" * (documents.MAX_UPLOAD_BYTES + 10)

    response = Client().post(reverse("verify-document"), {"file": uploaded(too_big)})

    assert response.status_code == 413
    assert "at most 20 MB" in html(response)


def test_the_verification_form_is_protected_against_cross_site_posts(document):
    response = Client(enforce_csrf_checks=True).post(reverse("verify-document"), {"file": uploaded(b"%PDF-1.7")})

    assert response.status_code == 403


# --- the platform's certificate ---------------------------------------------------------------------


def test_ensure_signing_certificate_makes_a_private_key_once(settings, tmp_path):
    settings.CONTRACT_SIGNING_KEY = tmp_path / "s" / "key.pem"
    settings.CONTRACT_SIGNING_CERT = tmp_path / "s" / "cert.pem"

    call_command("ensure_signing_certificate", stdout=io.StringIO())
    first = settings.CONTRACT_SIGNING_CERT.read_bytes()
    out = io.StringIO()
    call_command("ensure_signing_certificate", stdout=out)

    assert settings.CONTRACT_SIGNING_KEY.stat().st_mode & 0o777 == 0o600
    assert settings.CONTRACT_SIGNING_CERT.read_bytes() == first
    assert "in place" in out.getvalue()


def test_ensure_signing_certificate_refuses_half_a_pair(settings, tmp_path):
    settings.CONTRACT_SIGNING_KEY, settings.CONTRACT_SIGNING_CERT = tmp_path / "key.pem", tmp_path / "cert.pem"
    settings.CONTRACT_SIGNING_CERT.write_bytes(b"only the certificate")

    with pytest.raises(CommandError, match="missing while its pair exists"):
        call_command("ensure_signing_certificate", stdout=io.StringIO())


# --- a timestamp authority (PAdES B-T) -----------------------------------------------------------------


def _timestamp_authority() -> DummyTimeStamper:
    """pyHanko's own time-stamping engine, with a TSA certificate of its own."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Local test TSA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )


@pytest.fixture
def tsa_url() -> Iterator[str]:
    """An RFC 3161 server over HTTP on localhost, answering with pyHanko's DummyTimeStamper."""
    stamper = _timestamp_authority()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_with_a_timestamp_authority_the_seal_carries_its_timestamp(
    contract, firm, other_firm, django_capture_on_commit_callbacks, settings, tsa_url
):
    settings.CONTRACT_PDF_TSA_URL = tsa_url

    signed = sign_all(contract, firm, other_firm, django_capture_on_commit_callbacks)
    data = pdf_bytes(ContractDocument.objects.get(version=signed.signed_version, status=DocumentStatus.READY))
    check = pdf_seal.check_seal(data)

    assert check.holds
    assert check.timestamped
    assert abs(check.signed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert documents.verify_pdf(data).genuine


def test_a_timestamp_authority_that_does_not_answer_is_worth_a_retry(contract, settings):
    settings.CONTRACT_PDF_TSA_URL = "http://127.0.0.1:9/"  # discard: nothing listens

    with pytest.raises(OSError):
        pdf_seal.seal(weasyprint.HTML(string="<p>x</p>").write_pdf(), reason="test", location="here")


def test_an_in_person_signature_shows_as_paper_confirmed_by_the_other_side(
    contract, firm, other_firm, django_capture_on_commit_callbacks
):
    sha = contract.current_version.sha256
    with django_capture_on_commit_callbacks(execute=True):
        services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)
        services.give_consent(user=other_firm.owner)
        paper = services.sign(
            actor=other_firm.owner,
            organization=other_firm,
            contract=contract,
            data=SignatureInput(
                sha256=sha, method="in_person", scan=uploaded(b"%PDF-1.4 the scanned paper", "scan.pdf")
            ),
        )
        services.give_consent(user=firm.owner)
        services.confirm_in_person(actor=firm.owner, organization=firm, contract=contract, signature_id=paper.pk)
        services.sign(
            actor=firm.owner,
            organization=firm,
            contract=contract,
            data=SignatureInput(sha256=sha, method="typed", typed_name=firm.owner.display_name),
        )

    text = " ".join(pdf_text(pdf_bytes(ContractDocument.objects.get(version=contract.current_version))).split())

    assert f"Signed on paper; scan confirmed by {firm.owner.display_name}" in text


def test_the_contracts_history_names_the_issued_pdf(signed, document):
    labels = [entry.label for entry in selectors.timeline_of(contract=signed)]

    assert labels[-1] == "Signed PDF issued"


def test_without_the_platforms_certificate_the_check_is_unavailable_not_an_error(settings, tmp_path):
    settings.CONTRACT_SIGNING_KEY = tmp_path / "missing-key.pem"
    settings.CONTRACT_SIGNING_CERT = tmp_path / "missing-cert.pem"
    from django.test import Client
    from django.urls import reverse

    from core.exceptions import Unavailable

    sealed_elsewhere = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with pytest.raises(Unavailable):
        documents.verify_pdf(sealed_elsewhere)
    page = Client().post(reverse("verify-document"), {"file": uploaded(sealed_elsewhere)})
    assert page.status_code == 503
    assert "cannot be checked right now" in page.content.decode()
    api = Client().post(reverse("contracts-api:api-verify"), {"file": uploaded(sealed_elsewhere)})
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "unavailable"
