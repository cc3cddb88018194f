"""The contracts API: thin views over the same selectors and services as the contract pages.

Every contract route fetches the contract through ``selectors.get_contract`` with the acting
organization (the API token's, else the session's), so another organization's contract answers the
404 of an unknown id, for every method, before the body is read. Writes call ``contracts.services``,
which check the role (signatories sign and send), the state and the version, lock, write and audit.

Signing and re-authentication: the page asks for the password again (allauth's re-authentication)
right before a signature. Over the API, a call made with the browser's session gets the same rule: it
answers 403 ``reauthentication_required`` unless the person confirmed their password in the last few
minutes. A call made with an API token is not asked again: the token is a credential its owner made
while signed in, scoped to one organization and expiring, and it is what proves who calls. Either way
the first typed or drawn signature of a person needs ``consent: true`` (agreement to sign
electronically), as the page's checkbox does; without it the service answers 403 ``consent_required``.

The signed PDF: ``GET .../pdf/`` answers 404 ``no_document`` before every party has signed (there is
nothing to prepare), 409 ``document_not_ready`` while the job renders and seals it (poll the contract:
``document.status`` becomes ``ready`` and ``document.url`` appears), 409 ``document_failed`` when it
could not be made, and the file once it is ready.
"""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.permissions import IsOrganizationMember
from accounts.tenancy import acting_organization, acting_user, request_token
from contracts import documents, selectors, services
from contracts.api import proposals
from contracts.api.serializers import (
    ContractSerializer,
    HandOverSerializer,
    OfferSerializer,
    ProposalSerializer,
    SendSerializer,
    SignSerializer,
    TerminateSerializer,
    VerificationSerializer,
    VerifyUploadSerializer,
    VersionSerializer,
)
from contracts.document_views import BoundedUploadHandler
from contracts.models import (
    Contract,
    ContractDocument,
    ContractStatus,
    ContractVersion,
    DocumentStatus,
    Signature,
)
from contracts.terms import Terms
from core.api.parsers import JSONParser, RequestTooLarge
from core.api.schema import error_responses
from core.api.serializers import refuse_with_rules
from core.exceptions import (
    Conflict,
    DomainError,
    Invalid,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from core.idempotency import idempotent
from core.queries import one_or_not_found
from core.web import declared_length, serve_file

TAG = "contracts"
CONTRACT_ERRORS = error_responses(401, 403, 404)
REAUTHENTICATION = (
    "Confirm your password first (the site's re-authentication page), then send the signature again within "
    "a few minutes. An API token needs no confirmation."
)


def with_signing_state(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """``contracts`` with what :class:`ContractSerializer` reads: two queries for any number of rows."""
    return contracts.select_related("signed_version").prefetch_related(
        Prefetch(
            "signatures",
            queryset=Signature.objects.filter(voided_at__isnull=True).order_by("signed_at", "id"),
            to_attr="live_signatures",
        ),
        Prefetch("documents", queryset=ContractDocument.objects.order_by("id"), to_attr="prefetched_documents"),
    )


def _api_field(name: str) -> str:
    """A rule's field as the request names it: ``client_legal_name`` is ``client.legal_name``."""
    for side in ("client", "supplier"):
        if name.startswith(f"{side}_"):
            return f"{side}.{name[len(side) + 1 :]}"
    return name


def _in_api_fields(error: DomainError) -> Invalid:
    return Invalid({_api_field(name): messages for name, messages in error.field_errors.items()})


class ContractViewSet(viewsets.GenericViewSet):
    """The acting organization's contracts, on either side."""

    serializer_class = ContractSerializer
    queryset = Contract.objects.none()  # tells the schema the model; reads go through the selectors
    permission_classes = (IsOrganizationMember,)
    lookup_url_kwarg = "contract_id"
    lookup_value_converter = "int"
    parser_classes = (JSONParser,)

    @property
    def ordering(self) -> tuple[str, ...]:  # read by the cursor pagination
        if self.action in ("versions", "amendments"):
            return ("-number",)
        return ("-created_at", "-id")

    def get_queryset(self) -> QuerySet[Contract]:
        return with_signing_state(selectors.contracts_of(organization=acting_organization(self.request)))

    def get_object(self) -> Contract:
        return selectors.get_contract(contract_id=self.kwargs["contract_id"], organization=self.organization)

    @property
    def organization(self) -> Any:
        return acting_organization(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "organization": self.organization}

    def respond(self, *, status_code: int = status.HTTP_200_OK) -> Response:
        """The contract as it is now, read again after a change."""
        contract = one_or_not_found(self.get_queryset(), "No such contract.", pk=self.kwargs["contract_id"])
        return Response(ContractSerializer(contract, context=self.get_serializer_context()).data, status=status_code)

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # The PDF is not rendered, so no renderer has to match the client's Accept; a refusal stays JSON.
        serves_file = getattr(self, "action", None) == "pdf"
        return super().perform_content_negotiation(request, force=force or serves_file)  # type: ignore[return-value]

    @extend_schema(
        summary="List your organization's contracts (as the client or the supplier), newest first",
        responses={200: ContractSerializer(many=True), **error_responses(401, 403)},
        tags=[TAG],
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            ContractSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Offer a contract to a supplier directly, without a task (an owner or admin of the client)",
        description="The acting organization is the client; `supplier_organization` is a supplier the directory "
        "lists. The body is the first terms, in the shape of a proposal (`versions/`) with `title`, `scope`, "
        "`currency`, `price` and `milestones` required; an `hourly_rate` makes it an hourly contract. The "
        "server sets the parties' names and places, the platform's fee and the review window, and adds the "
        "general clauses when `clauses` is left out. Answers 201 with a draft contract, which goes on as any "
        "draft: either side proposes changes, a signatory sends it for signatures. Every problem is named in "
        "one 400 and nothing is written.",
        request=OfferSerializer,
        responses={201: ContractSerializer, **error_responses(400, 401, 403)},
        tags=[TAG],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = OfferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        try:
            supplier = selectors.offerable_supplier(pk=values.pop("supplier_organization"))
        except NotFound as unknown:
            raise Invalid({"supplier_organization": ["No supplier with this id in the directory."]}) from unknown
        starter = services.offer_terms(
            client=self.organization,
            supplier=supplier,
            currency=values["currency"],
            hourly=values.get("hourly_rate") is not None,
        )
        try:
            contract = services.offer_contract(
                actor=acting_user(request),
                organization=self.organization,
                supplier=supplier,
                terms=proposals.proposed_terms(values, starter),
                note=values.get("note", ""),
            )
        except DomainError as refused:
            if type(refused) not in (DomainError, Invalid):  # a refusal of the role, not of the input
                raise
            # The service's "supplier" is the organization offered to; in the body that is supplier_organization.
            fields = {_api_field(n): m for n, m in refused.field_errors.items()}
            raise Invalid(
                {("supplier_organization" if n == "supplier" else n): m for n, m in fields.items()}
            ) from refused
        self.kwargs["contract_id"] = contract.pk
        return self.respond(status_code=status.HTTP_201_CREATED)

    @extend_schema(summary="Read a contract", responses={200: ContractSerializer, **CONTRACT_ERRORS}, tags=[TAG])
    def retrieve(self, request: Request, contract_id: int) -> Response:
        return self.respond()

    # --- versions ---

    @extend_schema(
        methods=["GET"],
        summary="List a contract's versions, newest first, with their terms and canonical text",
        description="Compare two versions' `text` line by line to see what changed: each term is one line.",
        responses={200: VersionSerializer(many=True), **CONTRACT_ERRORS},
        tags=[TAG],
    )
    @extend_schema(
        methods=["POST"],
        summary="Propose new terms: a new version (either party)",
        description="The body is terms in the shape the versions list shows them. A field left out keeps the "
        "current version's value; `milestones` or `clauses`, when given, replace them all. The server keeps "
        "the parties' names and places, the platform's fee and the review window; `currency` may be left out "
        "and is otherwise the contract's. Amounts are integers in minor units. Every problem is named in one "
        "400 and nothing is written. Signatures of earlier versions are voided and a contract waiting for them "
        "is negotiated again. Answers 201 with the new version, or 200 with the current one when the terms "
        "are the current ones (nothing to propose).",
        request=ProposalSerializer,
        responses={
            201: VersionSerializer,
            200: OpenApiResponse(VersionSerializer, description="Nothing changed: the current version."),
            **error_responses(
                400, 401, 403, 404, 409, descriptions={409: "The contract takes no proposals in its state."}
            ),
        },
        tags=[TAG],
    )
    @action(detail=True, methods=["get", "post"])
    @idempotent
    def versions(self, request: Request, contract_id: int) -> Response:
        contract = self.get_object()
        if request.method != "POST":
            page = self.paginate_queryset(selectors.versions_for_api(contract=contract))
            return self.get_paginated_response(VersionSerializer(page, many=True).data)
        return self._propose(request, contract)

    @extend_schema(
        methods=["GET"],
        summary="List an active contract's amendments (change orders), newest first",
        description="The versions proposed after the contract became active, in the versions list's shape. "
        "The one in force is `signed_version`; a newer `current_version` is an amendment being agreed.",
        responses={200: VersionSerializer(many=True), **CONTRACT_ERRORS},
        tags=[TAG],
    )
    @extend_schema(
        methods=["POST"],
        summary="Propose an amendment to an active contract (either party)",
        description="The body is a proposal, as for `versions/`: add or change milestones, the deadline or "
        "the amount. The contract stays active under its signed version until both sides sign the amendment "
        "(`send/`, then `sign/`). A milestone that money or delivery has reached cannot be removed or "
        "lowered; every problem is named in one 400 and nothing is written. 409 when the contract is not "
        "active: before it is, propose changes through `versions/`.",
        request=ProposalSerializer,
        responses={
            201: VersionSerializer,
            200: OpenApiResponse(VersionSerializer, description="Nothing changed: the current version."),
            **error_responses(400, 401, 403, 404, 409, descriptions={409: "The contract is not active."}),
        },
        tags=[TAG],
    )
    @action(detail=True, methods=["get", "post"])
    @idempotent
    def amendments(self, request: Request, contract_id: int) -> Response:
        contract = self.get_object()
        if request.method != "POST":
            page = self.paginate_queryset(selectors.amendments_of(contract=contract))
            return self.get_paginated_response(VersionSerializer(page, many=True).data)
        if contract.status != ContractStatus.ACTIVE:
            raise InvalidTransition(
                f"Only an active contract is amended; this one is {contract.get_status_display().lower()}. "
                "Propose changes through its versions."
            )
        return self._propose(request, contract)

    def _propose(self, request: Request, contract: Contract) -> Response:
        if contract.current_version is None:
            raise Conflict("This contract has no terms to change yet.")
        current = contract.terms
        serializer = ProposalSerializer(data=request.data)
        terms, note = self._read_proposal(serializer, contract=contract, current=current)
        before = contract.current_version_id
        try:
            version = services.propose_version(
                actor=acting_user(request), organization=self.organization, contract=contract, terms=terms, note=note
            )
        except Invalid as refused:
            raise _in_api_fields(refused) from refused
        made = version.pk != before
        version = ContractVersion.objects.select_related("proposed_by", "proposed_by_organization").get(pk=version.pk)
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED if made else status.HTTP_200_OK)

    @staticmethod
    def _read_proposal(serializer: ProposalSerializer, *, contract: Contract, current: Terms) -> tuple[Terms, str]:
        """The proposed terms, or one 400 naming what could not be read and every rule broken."""

        def rules(values: dict[str, Any], unreadable: set[str]) -> None:
            errors = proposals.rate_refusal(values, current)
            try:
                services.check_terms(proposals.proposed_terms(values, current), contract=contract)
            except DomainError as refused:
                for name, messages in refused.field_errors.items():
                    errors.setdefault(_api_field(name), []).extend(messages)
            if errors:
                raise Invalid(errors)

        if not serializer.is_valid():
            refuse_with_rules(serializer, rules)
        values = dict(serializer.validated_data)
        if refused := proposals.rate_refusal(values, current):
            raise Invalid(refused)
        return proposals.proposed_terms(values, current), values.get("note", "")

    # --- signing ---

    @extend_schema(
        summary="Send the current version for signatures (a signatory of either party)",
        description="`order`: who signs first; `expires_at`: until when it can be signed (at most 90 days; "
        "empty: no end). While nobody has signed it may be sent again with another order or expiry.",
        request=SendSerializer,
        responses={200: ContractSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[TAG],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def send(self, request: Request, contract_id: int) -> Response:
        contract = self.get_object()
        serializer = SendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.send_for_signing(
            actor=acting_user(request),
            organization=self.organization,
            contract=contract,
            order=serializer.validated_data["order"],
            expires_at=serializer.validated_data["expires_at"],
        )
        return self.respond()

    @extend_schema(
        summary="Sign the current version (a signatory of either party)",
        description="`sha256` names the version you read: when a newer version was proposed since, the answer "
        "is 409 `stale_version` and nothing is signed. `method`: `typed` (with `typed_name`), `drawn` (with "
        "`drawing`, a PNG in base64) or `in_person` (with `scan`, the signed paper, sent as "
        "`multipart/form-data`; it counts once the other side confirms it: `signatures/{id}/confirm/`). "
        "A person's first typed or drawn signature needs `consent: true` (403 `consent_required` without it). "
        "Calls made with the browser's session need a recent password confirmation, as the page does (403 "
        "`reauthentication_required`); calls made with an API token do not: the token is the credential. "
        "When every side has signed the contract becomes active and its PDF is prepared.",
        request={"application/json": SignSerializer, "multipart/form-data": SignSerializer},
        responses={
            200: ContractSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                descriptions={
                    403: "Not a signatory, the signing was handed to someone else, consent not given "
                    "(`consent_required`), or a session without a recent password confirmation "
                    "(`reauthentication_required`).",
                    409: "A newer version was proposed (`stale_version`), the contract is not waiting for "
                    "signatures or the offer expired, or the other side signs first.",
                },
            ),
        },
        tags=[TAG],
    )
    @action(detail=True, methods=["post"], parser_classes=(JSONParser, MultiPartParser))
    @idempotent
    def sign(self, request: Request, contract_id: int) -> Response:
        contract = self.get_object()
        user = acting_user(request)
        if request_token(request) is None:
            _require_recent_password(request._request)
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():  # a refused signature keeps no consent either: nothing is written
            if data["consent"]:
                services.give_consent(user=user)
            services.sign(
                actor=user,
                organization=self.organization,
                contract=contract,
                data=services.SignatureInput(
                    sha256=data["sha256"],
                    method=data["method"],
                    typed_name=data["typed_name"],
                    drawing=data["drawing"],
                    scan=data["scan"],
                ),
            )
        return self.respond()

    @extend_schema(
        summary="Hand the signing to another signatory of your organization",
        description="`to` is the user id of another of your organization's signatories (owners, admins and "
        "members it designates); they are asked to sign, and only they sign for your side.",
        request=HandOverSerializer,
        responses={
            200: ContractSerializer,
            **error_responses(400, 401, 403, 404, 409, descriptions={409: "Not waiting for signatures."}),
        },
        tags=[TAG],
    )
    @action(detail=True, methods=["post"], url_path="hand-over")
    @idempotent
    def hand_over(self, request: Request, contract_id: int) -> Response:
        contract = self.get_object()
        serializer = HandOverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = [m for m in selectors.signatories(self.organization) if m.user_id == serializer.validated_data["to"]]
        if not found:
            raise Invalid({"to": [f"Not one of {self.organization.name}'s signatories."]})
        services.hand_over_signing(
            actor=acting_user(request), organization=self.organization, contract=contract, to=found[0].user
        )
        return self.respond()

    @extend_schema(
        summary="Confirm the other side's paper signature (a signatory)",
        description="An `in_person` signature counts once a signatory of the other side confirms that its scan "
        "is the paper both saw signed. The id is in `signing.signatures`.",
        request=None,
        responses={
            200: ContractSerializer,
            **error_responses(
                400,
                401,
                403,
                404,
                409,
                descriptions={
                    400: "Not a paper signature of the other side.",
                    409: "It was on a version that is no longer the one to sign.",
                },
            ),
        },
        tags=[TAG],
    )
    @action(detail=True, methods=["post"], url_path="signatures/<int:signature_id>/confirm")
    @idempotent
    def confirm_signature(self, request: Request, contract_id: int, signature_id: int) -> Response:
        contract = self.get_object()
        services.confirm_in_person(
            actor=acting_user(request), organization=self.organization, contract=contract, signature_id=signature_id
        )
        return self.respond()

    # --- ending ---

    @extend_schema(
        summary="End an active contract with notice, or take the work back in-house (a signatory)",
        description="The contract ends on `effective_on`, by default today plus the notice its terms give (the "
        "earliest allowed, and at most a year ahead). Milestones nobody funded are cancelled; those under way "
        "are listed in `ending.settlement` for the parties to settle. `end_kind: insourced` records that the "
        "client takes the work back in-house (the client only). The other side is told. Repeating it answers "
        "the ended contract unchanged.",
        request=TerminateSerializer,
        responses={
            200: ContractSerializer,
            **error_responses(400, 401, 403, 404, 409, descriptions={409: "The contract is not active."}),
        },
        tags=[TAG],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def terminate(self, request: Request, contract_id: int) -> Response:
        contract = self.get_object()
        serializer = TerminateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.terminate_contract(
            actor=acting_user(request),
            organization=self.organization,
            contract=contract,
            reason=data["reason"],
            effective_on=data["effective_on"],
            end_kind=data["end_kind"],
        )
        return self.respond()

    # --- the signed PDF ---

    @extend_schema(
        summary="Download the signed PDF (either party)",
        description="404 `no_document` before every party has signed; 409 `document_not_ready` while it is "
        "being prepared (poll the contract until `document.status` is `ready`); 409 `document_failed` when "
        "it could not be made.",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **error_responses(
                401,
                403,
                404,
                409,
                descriptions={409: "Being prepared (`document_not_ready`), or it failed (`document_failed`)."},
            ),
        },
        tags=[TAG],
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, contract_id: int) -> HttpResponse:
        contract = self.get_object()
        document = selectors.document_of(contract)
        if document is None or contract.signed_version is None:
            raise NotFound("No signed PDF yet: it is made once every party has signed.", code="no_document")
        if document.status == DocumentStatus.RENDERING:
            raise Conflict("The signed PDF is being prepared: try again in a moment.", code="document_not_ready")
        if document.status != DocumentStatus.READY:
            raise Conflict("The signed PDF could not be made; the platform's staff were told.", code="document_failed")
        filename = documents.file_name(contract, contract.signed_version)
        try:
            return serve_file(document.file, filename=filename, content_type="application/pdf")
        except Http404 as error:
            raise NotFound("No such file.") from error


@reauthentication_required
def _recently_confirmed(request: HttpRequest) -> None:
    """Passes when allauth saw the password (or second factor) within its re-authentication window."""


def _require_recent_password(request: HttpRequest) -> None:
    try:
        _recently_confirmed(request)
    except ReauthenticationRequired as error:
        raise PermissionDenied(REAUTHENTICATION, code="reauthentication_required") from error


# --- verifying, public -------------------------------------------------------------------------------------


class VerifyView(APIView):
    """Anyone (signed in or not) uploads a contract PDF and learns whether the platform issued it, unchanged.

    Public like the ``/verify/`` page, and bounded like it: at most ``documents.MAX_UPLOAD_BYTES`` of the
    upload is read, a larger one is refused (413), nothing is kept.
    """

    is_public = True  # read by core.routing and the URL-walking isolation test
    permission_classes = (permissions.AllowAny,)
    parser_classes = (MultiPartParser,)

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body (the session's CSRF check may): past the limit the file is dropped.
        request.upload_handlers = [
            BoundedUploadHandler(request, limit=documents.MAX_UPLOAD_BYTES),
            *request.upload_handlers,
        ]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        summary="Check a contract PDF: was it issued here, unchanged? (public)",
        description="Multipart, one `file`. Open to everyone, like the site's verification page. Answers 200 "
        "whether or not the file is genuine (`genuine`, with the `reason`); 400 for a file that is not a PDF.",
        request={"multipart/form-data": VerifyUploadSerializer},
        responses={
            200: VerificationSerializer,
            **error_responses(
                400,
                413,
                503,
                descriptions={
                    413: "The file is larger than the largest contract PDF.",
                    503: "The platform's certificate is not set up: nothing can be checked until it is.",
                },
            ),
        },
        tags=[TAG],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        too_large = declared_length(request) > documents.MAX_UPLOAD_BYTES + 1024 * 1024
        serializer = VerifyUploadSerializer(data={} if too_large else request.data)
        if too_large or getattr(request._request, "upload_too_large", False):
            raise RequestTooLarge(f"A contract PDF is at most {documents.MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        serializer.is_valid(raise_exception=True)
        try:
            result = documents.verify_pdf(serializer.validated_data["file"].read(documents.MAX_UPLOAD_BYTES + 1))
        except Unavailable:
            raise
        except DomainError as refused:
            raise Invalid({"file": [refused.message]}) from refused
        return Response(VerificationSerializer(result).data)
