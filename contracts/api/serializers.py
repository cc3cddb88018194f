"""Shapes of the contracts API.

Output: a contract as a party sees it (:class:`ContractSerializer`, read from one query plus two
prefetches however many rows a page holds), its versions with their terms and canonical text, and
the answer of the public check of a PDF.

Input: a proposal is terms in the shape the versions list shows them (``Terms.as_json()``), minus what
the server owns: the parties' names and places (copied from the organizations), the platform's fee and
the review window. Every string, list and number is bounded here by the same limits the page's form
and ``contracts.services.check_terms`` use; the rules between fields (the milestones add up to the
price, the currency is the contract's) are the service's, reported in the same 400.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts import services
from contracts.models import (
    Contract,
    ContractDocument,
    ContractStatus,
    ContractVersion,
    DocumentStatus,
    EndKind,
    SignatureMethod,
    SigningOrder,
)
from contracts.selectors import awaited_sides
from contracts.services.drafting import LEGAL_DETAIL_LIMITS
from contracts.services.signing import MAX_DRAWING_BYTES
from contracts.terms import END_KINDS
from core import limits
from core.money import RATE_CURRENCIES

# Base64 of the largest drawing the service takes, with room for a ``data:image/png;base64,`` prefix.
MAX_DRAWING_CHARACTERS = 4 * (MAX_DRAWING_BYTES // 3 + 1) + 64
SHA256 = re.compile(r"[0-9a-f]{64}")
#: The two sides of a contract (one enum in the schema: ``ContractSideEnum``).
SIDE_CHOICES = [("client", "Client"), ("supplier", "Supplier")]
#: How a party may end an active contract early (``TerminationKindEnum``).
TERMINATION_CHOICES = [(kind.value, kind.label) for kind in services.EARLY_ENDS]


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


# --- a contract --------------------------------------------------------------------------------------


class PartySummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VersionSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    sha256 = serializers.CharField(help_text="SHA-256 of the version's canonical text, hex: what a signature names.")
    created_at = serializers.DateTimeField()


class SignatureSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Names a paper signature to confirm (`signatures/{id}/confirm/`).")
    side = serializers.ChoiceField(choices=SIDE_CHOICES)
    signer_name = serializers.CharField()
    method = serializers.ChoiceField(choices=SignatureMethod.choices)
    signed_at = serializers.DateTimeField()
    counts = serializers.BooleanField(help_text="False for a paper signature the other side has not confirmed.")


class SigningSerializer(serializers.Serializer):
    order = serializers.ChoiceField(choices=SigningOrder.choices)
    expires_at = serializers.DateTimeField(allow_null=True)
    waiting_for = serializers.ListField(
        child=serializers.ChoiceField(choices=SIDE_CHOICES),
        help_text="The sides whose signature on the current version is missing or unconfirmed (while signing).",
    )
    signatures = SignatureSummarySerializer(many=True, help_text="On the current version; voided ones left out.")


class DocumentSummarySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DocumentStatus.choices)
    url = serializers.URLField(allow_null=True, help_text="The PDF's download, once it is ready.")


class SettledMilestoneSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    amount = serializers.IntegerField(help_text="Minor units of the contract's currency.")
    status = serializers.CharField(help_text="The milestone's state when the contract ended.")


class EndingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(source="end_kind", choices=EndKind.choices)
    reason = serializers.CharField(source="end_reason")
    ends_on = serializers.DateField(allow_null=True, help_text="The last day of the notice.")
    ended_at = serializers.DateTimeField(allow_null=True)
    settlement = SettledMilestoneSerializer(
        many=True, help_text="The milestones under way when it ended: what the parties settle."
    )


class ContractUrlsSerializer(serializers.Serializer):
    api = serializers.URLField()
    page = serializers.URLField(help_text="The contract's page on the site.")
    versions = serializers.URLField()
    pdf = serializers.URLField()


class ContractSerializer(serializers.Serializer):
    """A contract as one of its parties sees it. Needs the rows of :func:`contracts_for_api`."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=ContractStatus.choices)
    currency = serializers.CharField(help_text="ISO 4217: every amount of the contract is in its minor units.")
    client = PartySummarySerializer()
    supplier = PartySummarySerializer()
    side = serializers.SerializerMethodField(help_text="The side the acting organization is on.")
    current_version = serializers.SerializerMethodField(help_text="The newest version: the only one to sign.")
    signed_version = serializers.SerializerMethodField(help_text="The version every party signed, once active.")
    signing = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField(help_text="The signed PDF, once the contract is active.")
    ending = serializers.SerializerMethodField(help_text="How it ended, once terminated; null while it runs.")
    urls = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=SIDE_CHOICES))
    def get_side(self, contract: Contract) -> str:
        return contract.side_of(self.context["organization"])

    @extend_schema_field(VersionSummarySerializer(allow_null=True))
    def get_current_version(self, contract: Contract) -> dict[str, Any] | None:
        version = contract.current_version
        return None if version is None else VersionSummarySerializer(version).data

    @extend_schema_field(VersionSummarySerializer(allow_null=True))
    def get_signed_version(self, contract: Contract) -> dict[str, Any] | None:
        version = contract.signed_version
        return None if version is None else VersionSummarySerializer(version).data

    @extend_schema_field(SigningSerializer)
    def get_signing(self, contract: Contract) -> dict[str, Any]:
        # The prefetched live signatures (contracts_for_api); the current version's are the ones shown.
        signatures = [s for s in contract.live_signatures if s.version_id == contract.current_version_id]  # type: ignore[attr-defined]
        waiting = awaited_sides(contract, signatures)
        return {
            "order": contract.signing_order,
            "expires_at": serializers.DateTimeField().to_representation(contract.signing_expires_at)
            if contract.signing_expires_at
            else None,
            "waiting_for": waiting,
            "signatures": SignatureSummarySerializer(signatures, many=True).data,
        }

    @extend_schema_field(DocumentSummarySerializer(allow_null=True))
    def get_document(self, contract: Contract) -> dict[str, Any] | None:
        found: list[ContractDocument] = [
            d
            for d in contract.prefetched_documents  # type: ignore[attr-defined]
            if d.version_id == contract.signed_version_id
        ]
        if not found:
            return None
        document = found[0]
        url = _absolute(self.context, pdf_path(contract)) if document.status == DocumentStatus.READY else None
        return {"status": document.status, "url": url}

    @extend_schema_field(EndingSerializer(allow_null=True))
    def get_ending(self, contract: Contract) -> dict[str, Any] | None:
        if not contract.end_kind:
            return None
        return EndingSerializer(contract).data

    @extend_schema_field(ContractUrlsSerializer)
    def get_urls(self, contract: Contract) -> dict[str, str]:
        api = reverse("contracts-api:api-contract-detail", kwargs={"contract_id": contract.pk})
        return {
            "api": _absolute(self.context, api),
            "page": _absolute(self.context, reverse("contract-detail", kwargs={"contract_id": contract.pk})),
            "versions": _absolute(self.context, f"{api}versions/"),
            "pdf": _absolute(self.context, pdf_path(contract)),
        }


def pdf_path(contract: Contract) -> str:
    return reverse("contracts-api:api-contract-pdf", kwargs={"contract_id": contract.pk})


# --- versions and their terms ----------------------------------------------------------------------------


class PartyTermsSerializer(serializers.Serializer):
    name = serializers.CharField()
    country = serializers.CharField(allow_blank=True)
    city = serializers.CharField(allow_blank=True)
    legal_name = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    registration_number = serializers.CharField(allow_blank=True)
    vat_number = serializers.CharField(allow_blank=True)
    signatory = serializers.CharField(allow_blank=True)


class MilestoneTermsSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    amount = serializers.IntegerField(help_text="Minor units of the contract's currency.")
    due_date = serializers.DateField(allow_null=True)


class ClauseSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()


class TermsSerializer(serializers.Serializer):
    """A version's terms as stored (``contracts.terms.Terms.as_json``)."""

    title = serializers.CharField()
    client = PartyTermsSerializer()
    supplier = PartyTermsSerializer()
    scope = serializers.CharField()
    currency = serializers.CharField()
    price = serializers.IntegerField(help_text="Minor units: the fixed price, or an hourly contract's estimate.")
    milestones = MilestoneTermsSerializer(many=True)
    hourly_rate = serializers.IntegerField(allow_null=True, help_text="Minor units an hour; null: a fixed price.")
    end_kind = serializers.ChoiceField(choices=[(kind, kind) for kind in END_KINDS])
    end_date = serializers.DateField(allow_null=True)
    hours_cap = serializers.IntegerField(allow_null=True)
    budget_cap = serializers.IntegerField(allow_null=True)
    platform_fee_percent = serializers.CharField()
    review_days = serializers.IntegerField()
    clauses = ClauseSerializer(many=True)


class VersionSerializer(serializers.ModelSerializer[ContractVersion]):
    proposed_by_organization = PartySummarySerializer()
    proposed_by = serializers.CharField(
        source="proposed_by.display_name", allow_null=True, default=None, help_text="Who proposed it."
    )
    terms = TermsSerializer()
    text = serializers.CharField(help_text="The canonical text: what is hashed, signed, and compared between versions.")

    class Meta:
        model = ContractVersion
        fields = ("number", "sha256", "proposed_by_organization", "proposed_by", "note", "created_at", "terms", "text")
        read_only_fields = fields


# --- proposing -----------------------------------------------------------------------------------------


def _amount(**kwargs: Any) -> serializers.IntegerField:
    # No lower bound of zero here: "above zero" is the service's rule, reported in its words.
    return serializers.IntegerField(min_value=-limits.MAX_AMOUNT, max_value=limits.MAX_AMOUNT, **kwargs)


class LegalDetailsSerializer(serializers.Serializer):
    """A party's legal details; its name, country and city are the organization's, copied by the server."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            name: serializers.CharField(required=False, allow_blank=True, max_length=limit, trim_whitespace=False)
            for name, (limit, _label) in LEGAL_DETAIL_LIMITS.items()
        }


class MilestoneInputSerializer(serializers.Serializer):
    key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_KEY,
        help_text="The key of a milestone of the current terms keeps it (and its state); a new one gets the next.",
    )
    title = serializers.CharField(max_length=limits.TITLE)
    amount = _amount(help_text="Minor units of the contract's currency.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class ClauseInputSerializer(serializers.Serializer):
    key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_KEY,
        help_text="The key of a clause of the current terms keeps it; a new one gets the next.",
    )
    title = serializers.CharField(max_length=limits.TITLE)
    text = serializers.CharField(max_length=limits.CLAUSE, trim_whitespace=False)


class ProposalSerializer(serializers.Serializer):
    """New terms: every field left out keeps the current version's value; a list given replaces it all."""

    title = serializers.CharField(required=False, max_length=limits.TITLE)
    scope = serializers.CharField(required=False, max_length=limits.DESCRIPTION, trim_whitespace=False)
    currency = serializers.CharField(
        required=False, max_length=3, help_text="A contract keeps one currency: if given, it is the contract's."
    )
    price = _amount(required=False, help_text="Minor units: the fixed price, or an hourly contract's estimate.")
    hourly_rate = _amount(
        required=False, allow_null=True, help_text="Minor units an hour; only an hourly contract has one."
    )
    end_kind = serializers.ChoiceField(choices=[(kind, kind) for kind in END_KINDS], required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    hours_cap = serializers.IntegerField(
        required=False, allow_null=True, min_value=-limits.MAX_HOURS, max_value=limits.MAX_HOURS
    )
    budget_cap = _amount(required=False, allow_null=True, help_text="Minor units.")
    client = LegalDetailsSerializer(required=False)
    supplier = LegalDetailsSerializer(required=False)
    milestones = serializers.ListField(
        child=MilestoneInputSerializer(), required=False, max_length=services.MAX_MILESTONES
    )
    clauses = serializers.ListField(child=ClauseInputSerializer(), required=False, max_length=limits.MAX_CLAUSES)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.SHORT_NOTE, help_text="What it changes."
    )


class OfferSerializer(ProposalSerializer):
    """A direct offer: a client's first terms for a supplier of the directory, without a task."""

    supplier_organization = serializers.IntegerField(
        min_value=1,
        max_value=limits.INTEGER_MAX,
        help_text="The id of the supplier's organization (as the directory and its profile page show it).",
    )
    title = serializers.CharField(max_length=limits.TITLE)
    scope = serializers.CharField(max_length=limits.DESCRIPTION, trim_whitespace=False)
    currency = serializers.ChoiceField(choices=[(code, code) for code in RATE_CURRENCIES])  # type: ignore[assignment]
    price = _amount(help_text="Minor units: the fixed price, or an hourly contract's estimate.")
    hourly_rate = _amount(
        required=False, allow_null=True, help_text="Minor units an hour: given, the contract is hourly."
    )
    milestones = serializers.ListField(
        child=MilestoneInputSerializer(), min_length=1, max_length=services.MAX_MILESTONES
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limits.SHORT_NOTE, help_text="For the supplier."
    )


# --- signing -------------------------------------------------------------------------------------------


class SendSerializer(serializers.Serializer):
    order = serializers.ChoiceField(choices=SigningOrder.choices, default=SigningOrder.ANY)
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Empty: the offer does not expire."
    )


class SignSerializer(serializers.Serializer):
    sha256 = serializers.CharField(
        max_length=64, help_text="The hash of the version you read (`current_version.sha256`)."
    )
    method = serializers.ChoiceField(choices=SignatureMethod.choices)
    typed_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    drawing = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_DRAWING_CHARACTERS,
        help_text="`drawn`: the signature as a PNG, base64 (a `data:image/png;base64,` prefix may stay).",
    )
    scan = serializers.FileField(
        required=False, allow_null=True, default=None, help_text="`in_person`: the scan (PDF, PNG or JPEG); multipart."
    )
    consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="I agree to sign electronically: needed once, before a person's first typed or drawn signature.",
    )

    def validate_sha256(self, value: str) -> str:
        value = value.strip().lower()
        if not SHA256.fullmatch(value):
            raise serializers.ValidationError("A SHA-256 is 64 hexadecimal characters.")
        return value

    def validate_drawing(self, value: str) -> bytes:
        if not value:
            return b""
        _prefix, _comma, data = value.rpartition(",")
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as error:
            raise serializers.ValidationError("The drawing is a PNG in base64.") from error


class HandOverSerializer(serializers.Serializer):
    to = serializers.IntegerField(
        min_value=1,
        max_value=limits.INTEGER_MAX,
        help_text="The user id of another signatory of your organization, who is then asked to sign.",
    )


class TerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=limits.SHORT_NOTE, trim_whitespace=False, help_text="Why it ends.")
    end_kind = serializers.ChoiceField(
        choices=TERMINATION_CHOICES,
        default=EndKind.TERMINATED,
        help_text="`insourced`: the client takes the work back in-house (the client only).",
    )
    effective_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The last day; empty: today plus the notice the terms give, the earliest allowed.",
    )


# --- verifying -----------------------------------------------------------------------------------------


class VerifyUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The contract PDF, as downloaded or received.")


class VerificationSerializer(serializers.Serializer):
    genuine = serializers.BooleanField(help_text="Issued by the platform and unchanged since it was sealed.")
    reason = serializers.CharField()
    sha256 = serializers.CharField(help_text="SHA-256 of the uploaded bytes.")
    contract_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField(allow_blank=True)
    version_number = serializers.IntegerField(allow_null=True)
    client = serializers.CharField(allow_blank=True)
    supplier = serializers.CharField(allow_blank=True)
    in_force_since = serializers.DateTimeField(allow_null=True)
    sealed_at = serializers.DateTimeField(allow_null=True)
