"""Bids: the supplier's own, and the actions of either side on one bid."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.permissions import IsOrganizationMember
from accounts.tenancy import acting_organization, acting_user
from core.api.schema import error_responses
from core.api.serializers import read_or_refuse
from core.idempotency import idempotent
from core.web import serve_attachment
from marketplace import selectors, services
from marketplace.api.serializers.bids import (
    BidListParamsSerializer,
    BidSerializer,
    BidWriteSerializer,
    DeclineSerializer,
    ShortlistSerializer,
)
from marketplace.api.serializers.files import BidAttachmentSerializer
from marketplace.api.views.files import ServesFiles, attachment_endpoint, attachments_endpoint, uploaded_files
from marketplace.models import Bid, Task
from marketplace.services import BidInput, MilestoneInput
from marketplace.services.bids import validate_bid

# --- bids ------------------------------------------------------------------------------------


def bid_input_from_values(values: dict[str, Any], base: BidInput | None = None) -> BidInput:
    values = dict(values)
    if "milestones" in values:
        values["milestones"] = [MilestoneInput(**milestone) for milestone in values["milestones"]]
    if base is None:
        return BidInput(**values)
    for name, value in values.items():
        setattr(base, name, value)
    return base


def read_bid_terms(serializer: BidWriteSerializer, *, task: Task, base: BidInput | None = None) -> BidInput:
    """The request's terms, or one 400 naming what could not be read and every rule broken (as the bid form does)."""
    return read_or_refuse(
        serializer,
        to_input=bid_input_from_values,
        check=lambda terms: validate_bid(task=task, data=terms),
        blank=BidInput(),
        base=base,
    )


class BidViewSet(ServesFiles, viewsets.GenericViewSet):
    """The acting organization's bids as a supplier, and single bids from either side.

    A bid has three scopes: reading it (its bidder and the task's client), the bidder's actions
    (edit, withdraw, files) and the client's (shortlist, decline, accept). Each route fetches the bid
    through its own scope's selector, so a bid outside it answers 404 exactly like an unknown id,
    whichever side the caller is on: the pages answer the same. 403 is left for a member of the
    right side whose role may not act (only the client's owners and admins accept), decided by the service.
    """

    serializer_class = BidSerializer
    queryset = Bid.objects.none()  # tells the schema the model; reads go through the selectors
    permission_classes = (IsOrganizationMember,)
    lookup_url_kwarg = "bid_id"
    lookup_value_converter = "int"
    ordering = ("-created_at", "-id")

    def get_queryset(self) -> QuerySet[Bid]:
        return (
            selectors.supplier_bids(organization=acting_organization(self.request))
            .select_related("supplier")
            .prefetch_related("milestones", "attachments")
        )

    def get_object(self) -> Bid:
        """The bid as either side may read it."""
        return selectors.get_bid(bid_id=self.kwargs["bid_id"], organization=acting_organization(self.request))

    def as_bidder(self) -> Bid:
        """The bid as its bidder acts on it; the client's ids are not found here."""
        return selectors.get_own_bid(bid_id=self.kwargs["bid_id"], organization=acting_organization(self.request))

    def as_client(self) -> Bid:
        """The bid as the task's client acts on it; the bidder's ids are not found here."""
        return selectors.get_bid_on_own_task(
            bid_id=self.kwargs["bid_id"], organization=acting_organization(self.request)
        )

    def respond(self) -> Response:
        """The bid as it is now, read again after a change."""
        return Response(BidSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(
        summary="List your organization's bids (as a supplier)",
        parameters=[BidListParamsSerializer],
        responses={200: BidSerializer(many=True), **error_responses(400, 401, 403)},
        tags=["bids"],
    )
    def list(self, request: Request) -> Response:
        params = BidListParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        queryset = self.get_queryset()
        if params.validated_data.get("status"):
            queryset = queryset.filter(status=params.validated_data["status"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(BidSerializer(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Read a bid (its bidder, or the task's client)",
        responses={200: BidSerializer, **error_responses(401, 403, 404)},
        tags=["bids"],
    )
    def retrieve(self, request: Request, bid_id: int) -> Response:
        return self.respond()

    @extend_schema(
        summary="Edit a live bid (the bidder)",
        description="Fields left out keep their value; `milestones`, when given, replaces them all.",
        request=BidWriteSerializer,
        responses={200: BidSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["bids"],
    )
    def partial_update(self, request: Request, bid_id: int) -> Response:
        bid = self.as_bidder()
        serializer = BidWriteSerializer(data=request.data, partial=True)
        data = read_bid_terms(serializer, task=bid.task, base=services.bid_input_from(bid))
        services.update_bid(actor=acting_user(request), bid=bid, data=data)
        return self.respond()

    @extend_schema(
        summary="Withdraw a bid (the bidder)",
        request=None,
        responses={200: BidSerializer, **error_responses(401, 403, 404, 409)},
        tags=["bids"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request: Request, bid_id: int) -> Response:
        services.withdraw_bid(actor=acting_user(request), bid=self.as_bidder())
        return self.respond()

    @extend_schema(
        summary="Accept a bid: award the task (the client's owners and admins)",
        description="The other live bids are declined and a draft contract is made. When another bid on the "
        "task was accepted first, answers 409.",
        request=None,
        responses={200: BidSerializer, **error_responses(401, 403, 404, 409)},
        tags=["bids"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request: Request, bid_id: int) -> Response:
        services.accept_bid(actor=acting_user(request), bid=self.as_client())
        return self.respond()

    @extend_schema(
        summary="Put a bid on the shortlist, or take it off (the client)",
        request=ShortlistSerializer,
        responses={200: BidSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["bids"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def shortlist(self, request: Request, bid_id: int) -> Response:
        bid = self.as_client()
        serializer = ShortlistSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.shortlist_bid(
            actor=acting_user(request), bid=bid, shortlisted=serializer.validated_data["shortlisted"]
        )
        return self.respond()

    @extend_schema(
        summary="Decline a bid (the client)",
        request=DeclineSerializer,
        responses={200: BidSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["bids"],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request: Request, bid_id: int) -> Response:
        bid = self.as_client()
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.decline_bid(actor=acting_user(request), bid=bid, reason=serializer.validated_data["reason"])
        return self.respond()

    # --- files ---

    @attachments_endpoint(
        serializer=BidAttachmentSerializer,
        tag="bids",
        listing="List a bid's files (its bidder, or the task's client)",
        upload="Attach files to a bid (the bidder, while the bid can be edited)",
    )
    def attachments(self, request: Request, bid_id: int) -> Response:
        context = self.get_serializer_context()
        if request.method == "POST":
            bid = self.as_bidder()
            created = services.add_bid_attachments(actor=acting_user(request), bid=bid, uploads=uploaded_files(request))
            return Response(
                BidAttachmentSerializer(created, many=True, context=context).data, status=status.HTTP_201_CREATED
            )
        return Response(BidAttachmentSerializer(self.get_object().attachments.all(), many=True, context=context).data)

    @attachment_endpoint(
        tag="bids",
        download="Download a bid's file (its bidder, or the task's client)",
        delete="Remove a file from a bid (the bidder, while the bid can be edited)",
    )
    def attachment(self, request: Request, bid_id: int, attachment_id: int) -> Response | HttpResponse:
        if request.method == "DELETE":
            attachment = selectors.get_bid_attachment(bid=self.as_bidder(), attachment_id=attachment_id)
            services.remove_bid_attachment(actor=acting_user(request), attachment=attachment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return serve_attachment(selectors.get_bid_attachment(bid=self.get_object(), attachment_id=attachment_id))
