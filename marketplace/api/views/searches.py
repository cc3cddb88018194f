"""Saved searches: the task search's filters kept by a user in the acting organization, with a digest by email.

What the saved-searches page allows, no more: save the filters (with a name
and the digest on or off), list, read and delete them. A saved search belongs
to the user who saved it in the organization they were acting in; anybody
else's, another organization member's included, answers 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.permissions import IsOrganizationMember
from accounts.tenancy import acting_organization, acting_user
from core.api.schema import NO_CONTENT, error_responses
from core.idempotency import idempotent
from marketplace import selectors, services
from marketplace.api.serializers.searches import SavedSearchCreateSerializer, SavedSearchSerializer
from marketplace.models import SavedSearch


class SavedSearchViewSet(viewsets.GenericViewSet):
    """The caller's saved searches in the acting organization."""

    serializer_class = SavedSearchSerializer
    queryset = SavedSearch.objects.none()  # tells the schema the model; reads go through the selectors
    permission_classes = (IsOrganizationMember,)
    lookup_url_kwarg = "saved_search_id"
    lookup_value_converter = "int"
    ordering = ("-created_at", "-id")

    def get_queryset(self) -> QuerySet[SavedSearch]:
        return selectors.saved_searches_of(
            user=acting_user(self.request), organization=acting_organization(self.request)
        )

    def get_object(self) -> SavedSearch:
        saved_search: SavedSearch = selectors.get_saved_search(
            saved_search_id=self.kwargs["saved_search_id"],
            user=acting_user(self.request),
            organization=acting_organization(self.request),
        )
        return saved_search

    def body(self, saved_search: SavedSearch) -> object:
        return SavedSearchSerializer(saved_search, context=self.get_serializer_context()).data

    @extend_schema(
        summary="List your saved searches in the acting organization, newest first",
        responses={200: SavedSearchSerializer(many=True), **error_responses(401, 403)},
        tags=["saved-searches"],
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            SavedSearchSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Save the task search's filters",
        description="`filters` takes the task search's parameters (amounts in minor units, skills as slugs); "
        "left out, the search is every open task. With `notify`, new matching tasks are emailed in a digest. "
        "At most 25 saved searches per user and organization.",
        request=SavedSearchCreateSerializer,
        responses={201: SavedSearchSerializer, **error_responses(400, 401, 403)},
        tags=["saved-searches"],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = SavedSearchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved_search = services.save_search(
            actor=acting_user(request),
            organization=acting_organization(request),
            name=serializer.validated_data["name"],
            filters=dict(serializer.validated_data["filters"]),
            notify=serializer.validated_data["notify"],
        )
        return Response(self.body(saved_search), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Read a saved search",
        responses={200: SavedSearchSerializer, **error_responses(401, 403, 404)},
        tags=["saved-searches"],
    )
    def retrieve(self, request: Request, saved_search_id: int) -> Response:
        return Response(self.body(self.get_object()))

    @extend_schema(
        summary="Delete a saved search (its digest stops)",
        responses={**NO_CONTENT, **error_responses(401, 403, 404)},
        tags=["saved-searches"],
    )
    def destroy(self, request: Request, saved_search_id: int) -> Response:
        services.delete_saved_search(actor=acting_user(request), saved_search=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
