"""The signed contract PDF on the web: its download and its state for the parties, and the public page
where anyone holding a copy checks it is the document the platform issued, unchanged.

The parties reach the PDF through their contract (``selectors.get_contract``), so anyone else gets the
404 of an unknown id. The verification page is open to everyone; it reads at most
``documents.MAX_UPLOAD_BYTES`` of an upload and keeps nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accounts.tenancy import AuthedRequest, organization_required
from contracts import documents, selectors
from contracts.models import DocumentStatus
from core.exceptions import DomainError
from core.routing import public
from core.web import declared_length, get_or_404, serve_file

_MB = 1024 * 1024
TOO_LARGE = f"A contract PDF is at most {documents.MAX_UPLOAD_BYTES // _MB} MB."


@organization_required
@require_GET
def contract_document(request: AuthedRequest, contract_id: int) -> HttpResponse:
    """The sealed PDF of the version in force, as a download; 404 until it is ready."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    document = selectors.document_of(contract)
    if document is None or document.status != DocumentStatus.READY or contract.signed_version is None:
        raise Http404("No signed PDF yet.")
    filename = documents.file_name(contract, contract.signed_version)
    return serve_file(document.file, filename=filename, content_type="application/pdf")


@organization_required
@require_GET
def contract_document_status(request: AuthedRequest, contract_id: int) -> HttpResponse:
    """The contract page's PDF box, as it stands now: polled while the PDF is being prepared."""
    contract = get_or_404(selectors.get_contract, contract_id=contract_id, organization=request.organization)
    context = {"contract": contract, "document": selectors.document_of(contract)}
    response = render(request, "contracts/_document.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


# --- verification, public ------------------------------------------------------------------------------


class VerifyForm(forms.Form):
    file = forms.FileField(
        label="Contract PDF",
        error_messages={"required": "Choose the contract PDF to check."},
        help_text=f"The PDF as you downloaded or received it, at most {documents.MAX_UPLOAD_BYTES // _MB} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.too_large:
            self.errors.pop("file", None)  # "required": the upload was dropped for its size, so say that
            self.add_error("file", TOO_LARGE)
        return cleaned


class BoundedUploadHandler(FileUploadHandler):
    """Reads no more of an upload than the page checks: past the limit the file is dropped (the rest of
    the body is read and thrown away, never stored) and the request says so."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True  # type: ignore[union-attr]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@public
@csrf_exempt  # the CSRF check reads the body: the upload's bound goes in first, then _verify checks CSRF
@require_http_methods(["GET", "POST"])
def verify_document(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and declared_length(request) > documents.MAX_UPLOAD_BYTES + _MB:
        # Said too large before a byte of it is read; nothing is done, so there is nothing to protect.
        return _verify_page(request, VerifyForm(data={}, files={}, too_large=True), status=413)
    request.upload_handlers = [
        BoundedUploadHandler(request, limit=documents.MAX_UPLOAD_BYTES),
        *request.upload_handlers,
    ]
    return _verify(request)


@csrf_protect
def _verify(request: HttpRequest) -> HttpResponse:
    """Anyone uploads a contract PDF and learns whether the platform issued it, unchanged, and for whom."""
    if request.method != "POST":
        return _verify_page(request, VerifyForm())
    form = VerifyForm(request.POST, request.FILES, too_large=getattr(request, "upload_too_large", False))
    if not form.is_valid():
        return _verify_page(request, form, status=413 if form.too_large else 400)
    try:
        result = documents.verify_pdf(form.cleaned_data["file"].read(documents.MAX_UPLOAD_BYTES + 1))
    except DomainError as refusal:
        form.add_error("file", refusal.message)
        return _verify_page(request, form, status=refusal.status_code)
    return _verify_page(request, VerifyForm(), result=result)


def _verify_page(
    request: HttpRequest, form: VerifyForm, *, result: documents.Verification | None = None, status: int = 200
) -> HttpResponse:
    return render(request, "contracts/verify.html", {"form": form, "result": result}, status=status)
