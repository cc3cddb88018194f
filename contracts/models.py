"""Contracts between a client and a supplier organization.

This is the first, minimal shape: a draft born from an accepted bid. The
contract work (versions, signatures, PDFs, milestones, termination) grows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from accounts.models import Organization


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    TERMINATED = "terminated", "Terminated"
    CANCELLED = "cancelled", "Cancelled"


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
    title = models.CharField(max_length=200)
    scope = models.TextField(help_text="What the supplier does; starts as the task description.")
    currency = models.CharField(max_length=3, help_text="ISO 4217; one currency per contract.")
    total_amount = models.BigIntegerField(help_text="Minor units of currency.")
    deadline = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gt=0), name="contract_total_positive"),
            models.CheckConstraint(condition=~Q(client=models.F("supplier")), name="contract_parties_differ"),
        ]

    def __str__(self) -> str:
        return self.title


class ContractMilestone(models.Model):
    """A deliverable with its amount and due date, copied from the bid into the draft."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    amount = models.BigIntegerField(help_text="Minor units of the contract's currency.")
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["contract", "position"], name="contract_milestone_position")]

    def __str__(self) -> str:
        return self.title


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
