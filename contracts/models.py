"""Contracts between a client and a supplier organization.

A contract holds its parties, its state and its versions; the terms live in
the versions, each frozen once written (:class:`ContractVersion`: the model
refuses to save one twice and a database trigger refuses any ``UPDATE`` or
``DELETE``). ``current_version`` is the newest proposal, the only one that
can be signed; ``signed_version`` is the one in force once every party
signed it. Milestones that money and delivery will track have a runtime
record (:class:`ContractMilestone`, its state) apart from the terms that
define them (the version's milestones, by the same ``key``).

States and their transitions are in ``contracts.services`` (``CONTRACT_TRANSITIONS``,
``MILESTONE_TRANSITIONS``); every change of state is one service call that audits itself.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from contracts.terms import Terms

if TYPE_CHECKING:
    from accounts.models import Organization


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    NEGOTIATING = "negotiating", "Negotiating"
    SIGNING = "signing", "Waiting for signatures"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    TERMINATED = "terminated", "Terminated"
    CANCELLED = "cancelled", "Cancelled"


#: States in which the terms are still being agreed: a new version may be proposed.
OPEN_TO_PROPOSALS = (ContractStatus.DRAFT, ContractStatus.NEGOTIATING, ContractStatus.SIGNING)
#: States that take a proposal: those above, and an active contract, whose proposal is an amendment (both
#: sign it while the signed version stays in force).
AMENDABLE = (*OPEN_TO_PROPOSALS, ContractStatus.ACTIVE)


class EndKind(models.TextChoices):
    """How a contract ended, for the reports: an ended contract's status says only that it ended."""

    COMPLETED = "completed", "Completed"
    TERMINATED = "terminated", "Ended with notice"
    INSOURCED = "insourced", "Taken back in-house"
    CANCELLED = "cancelled", "Cancelled before it started"


class SigningOrder(models.TextChoices):
    ANY = "any", "Any order"
    SUPPLIER_FIRST = "supplier_first", "Supplier first"
    CLIENT_FIRST = "client_first", "Client first"


class ContractQuerySet(models.QuerySet["Contract"]):
    def for_org(self, organization: Organization) -> ContractQuerySet:
        """Contracts the organization is a party to, on either side."""
        return self.filter(Q(client=organization) | Q(supplier=organization))


class Contract(models.Model):
    client = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="client_contracts")
    supplier = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="supplier_contracts")
    task = models.ForeignKey(
        "marketplace.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    bid = models.OneToOneField(
        "marketplace.Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="contract"
    )
    title = models.CharField(max_length=200, help_text="The current version's title, for lists.")
    currency = models.CharField(max_length=3, help_text="ISO 4217; one currency per contract, in every version.")
    status = models.CharField(max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    current_version = models.ForeignKey(
        "ContractVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The newest version: the only one that can be signed.",
    )
    signed_version = models.ForeignKey(
        "ContractVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The version every party signed: the terms in force.",
    )
    signing_order = models.CharField(max_length=14, choices=SigningOrder.choices, default=SigningOrder.ANY)
    signing_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the version sent for signatures can no longer be signed."
    )
    client_signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The client's signatory the signing was handed to; empty: any of its signatories.",
    )
    supplier_signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The supplier's signatory the signing was handed to; empty: any of its signatories.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it was terminated or cancelled.")
    end_reason = models.TextField(blank=True)
    end_kind = models.CharField(
        max_length=10, choices=EndKind.choices, blank=True, help_text="How it ended; empty while it runs."
    )
    ends_on = models.DateField(
        null=True, blank=True, help_text="Terminated: the last day of the notice its terms give."
    )
    settlement = models.JSONField(
        default=list,
        blank=True,
        help_text="Terminated: the milestones under way when it ended, [{key, title, amount, status}], "
        "amounts in minor units of the contract's currency; the parties settle them.",
    )
    amendment_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Active: when the amendment (the current version) was sent for signatures."
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(client=models.F("supplier")), name="contract_parties_differ"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def terms(self) -> Terms:
        """The current version's terms."""
        if self.current_version is None:
            raise ValueError(f"contract {self.pk} has no version yet")
        return self.current_version.read_terms()

    @property
    def has_amendment(self) -> bool:
        """Active, with a newer version than the one in force: an amendment being agreed."""
        return (
            self.status == ContractStatus.ACTIVE
            and self.current_version_id is not None
            and self.current_version_id != self.signed_version_id
        )

    @property
    def out_for_signing(self) -> bool:
        """Its current version waits for signatures: a contract being signed, or an amendment sent."""
        return self.status == ContractStatus.SIGNING or (self.has_amendment and self.amendment_sent_at is not None)

    def side_of(self, organization: Organization) -> str:
        """ "client" or "supplier": the side ``organization`` is on (it must be a party)."""
        if organization.pk == self.client_id:
            return "client"
        if organization.pk == self.supplier_id:
            return "supplier"
        raise ValueError(f"{organization} is not a party to contract {self.pk}")


class ImmutableVersion(Exception):
    """A contract version was about to be changed or deleted: versions are frozen once written."""


class ContractVersion(models.Model):
    """One version of a contract's terms, frozen: its JSON, its canonical text and that text's SHA-256.

    A proposal by either party makes a new one (``contracts.services.propose_version``); a signature
    names the hash it signed. The text names the contract and the version's number, so no two
    versions share a hash.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    terms = models.JSONField(help_text="contracts.terms.Terms as JSON.")
    text = models.TextField(help_text="The canonical text (contracts.terms.canonical_text).")
    sha256 = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the text, hex.")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who proposed it; empty only for drafts made before versions were kept, with no one to name.",
    )
    proposed_by_organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, help_text="What the proposal changes, in the proposer's words.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="contract_version_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="contract_version_number_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableVersion(f"version {self.pk} is frozen: propose a new one")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableVersion(f"version {self.pk} is frozen: it cannot be deleted")

    def read_terms(self) -> Terms:
        return Terms.from_json(self.terms)


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", "Not funded"
    FUNDED = "funded", "Funded"
    SUBMITTED = "submitted", "Delivered"
    APPROVED = "approved", "Approved"
    RELEASED = "released", "Released"
    DISPUTED = "disputed", "Disputed"
    REFUNDED = "refunded", "Refunded"
    CANCELLED = "cancelled", "Cancelled"


class ContractMilestone(models.Model):
    """What happens to one milestone of a contract: its state. Its title, amount and due date are
    terms, in each version's milestones under the same ``key``."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    key = models.CharField(max_length=20, help_text="The milestone's key in the versions' terms.")
    status = models.CharField(max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["contract", "id"]
        constraints = [models.UniqueConstraint(fields=["contract", "key"], name="contract_milestone_key")]

    def __str__(self) -> str:
        return f"{self.contract_id}/{self.key}: {self.status}"


class SignatureMethod(models.TextChoices):
    TYPED = "typed", "Typed name"
    DRAWN = "drawn", "Drawn signature"
    IN_PERSON = "in_person", "Signed on paper, scan uploaded"


def signature_path(instance: Any, filename: str) -> str:
    # A random folder per file: names never collide and never guess; served only through a permission check.
    return f"contracts/{instance._meta.model_name}/{uuid.uuid4().hex}/{filename}"


class SignatureQuerySet(models.QuerySet["Signature"]):
    def valid(self) -> SignatureQuerySet:
        """Signatures that count: not voided by a later version, and an in-person one confirmed."""
        return self.filter(voided_at__isnull=True).exclude(method=SignatureMethod.IN_PERSON, confirmed_at__isnull=True)


class Signature(models.Model):
    """One side's signature on one version: who signed, how, the hash they signed, when and from where.

    Written by ``contracts.services.sign``; a new version voids the earlier ones (``voided_at``). An
    in-person signature (a scan of the paper signed in person) counts once the other side confirms it.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="signatures")
    sha256 = models.CharField(max_length=64, help_text="The SHA-256 of the version's text that was signed.")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=8, choices=[("client", "Client"), ("supplier", "Supplier")])
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contract_signatures")
    signer_name = models.CharField(max_length=200, help_text="The signer's name as it was when they signed.")
    role = models.CharField(max_length=10, help_text="The signer's role in the organization when they signed.")
    method = models.CharField(max_length=10, choices=SignatureMethod.choices)
    typed_name = models.CharField(max_length=200, blank=True)
    image = models.FileField(upload_to=signature_path, max_length=300, blank=True, help_text="A drawn signature, PNG.")
    scan = models.FileField(upload_to=signature_path, max_length=300, blank=True, help_text="In person: the scan.")
    scan_content_type = models.CharField(max_length=100, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="In person: when the other side confirmed.")
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True, help_text="When a newer version voided it.")

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["contract", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organization"],
                condition=Q(voided_at__isnull=True),
                name="contract_signature_one_per_side",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signer_name} for {self.side} on {self.version}"

    @property
    def counts(self) -> bool:
        return self.voided_at is None and (self.method != SignatureMethod.IN_PERSON or self.confirmed_at is not None)


#: The words a person agrees to before their first electronic signature; a new wording gets a new number.
ESIGN_DISCLOSURE_VERSION = 1


class SigningConsent(models.Model):
    """A person's consent to do business electronically (ESIGN, UETA, eIDAS simple electronic signatures),
    given once per wording of the disclosure before their first signature."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signing_consents")
    disclosure_version = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "disclosure_version"], name="signing_consent_once_per_wording")
        ]

    def __str__(self) -> str:
        return f"{self.user} consented (v{self.disclosure_version})"


class DocumentStatus(models.TextChoices):
    RENDERING = "rendering", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ContractDocument(models.Model):
    """The signed PDF of a version every party signed: its terms, signatures and certificate of completion,
    sealed by the platform (``contracts.documents``).

    One per version: rendering is idempotent, a job run twice finds the first one. ``sha256`` names the
    final bytes, so a file uploaded to the verification page is looked up by it.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="documents")
    version = models.OneToOneField(ContractVersion, on_delete=models.PROTECT, related_name="document")
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.RENDERING)
    file = models.FileField(upload_to=signature_path, max_length=300, blank=True, help_text="The sealed PDF.")
    # Unique among issued documents and empty (NULL, which never collides) until then.
    sha256 = models.CharField(
        max_length=64, null=True, blank=True, unique=True, help_text="SHA-256 of the sealed PDF's bytes, hex."
    )
    size = models.PositiveIntegerField(default=0, help_text="Bytes.")
    pages = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it was sealed, or failed.")
    error = models.TextField(blank=True, help_text="Why the last attempt failed.")

    class Meta:
        ordering = ["contract", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.READY) | (Q(sha256__isnull=False) & ~Q(file="")),
                name="contract_document_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"PDF of {self.version}: {self.status}"


class Review(models.Model):
    """Feedback one side of a contract gives the other, once it ends.

    Written and revealed by the contract flow (not built yet); a supplier's
    track record (:func:`contracts.selectors.track_records`) reads ratings from
    here, and pages show "no reviews yet" when there are none.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="reviews_written")
    subject = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="reviews_received")
    rating = models.PositiveSmallIntegerField(help_text="1 to 5 stars overall.")
    communication_rating = models.PositiveSmallIntegerField(help_text="1 to 5 stars for communication.")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "author"], name="contracts_one_review_per_side"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="contracts_review_rating_range"),
            models.CheckConstraint(
                condition=Q(communication_rating__gte=1, communication_rating__lte=5),
                name="contracts_review_communication_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.subject}: {self.rating}/5"


class ClauseTemplate(models.Model):
    """A clause new contracts start with, kept by platform staff in the admin.

    A draft's terms take the active templates (:func:`contracts.selectors.clauses_for`): those of every
    category (no category), where a template of the task's own category replaces the one of the same
    key. Versions copy the text, so editing a template changes no contract already drafted.
    """

    key = models.SlugField(max_length=40, help_text="Names the clause in every version; the same key overrides.")
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Plain text, paragraphs separated by blank lines.")
    category = models.ForeignKey(
        "marketplace.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: for every category; else it replaces the general clause of the same key there.",
    )
    position = models.PositiveSmallIntegerField(
        default=100,
        help_text="Lowest first; a category's own takes the place of the general one it replaces.",
    )
    active = models.BooleanField(default=True, help_text="Inactive templates are left out of new drafts.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(category__isnull=True), name="clause_template_general_key"
            ),
            models.UniqueConstraint(
                fields=["category", "key"], condition=Q(category__isnull=False), name="clause_template_category_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.category or 'every category'})"
