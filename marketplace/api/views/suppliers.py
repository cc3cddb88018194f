"""The supplier directory."""

from __future__ import annotations

from django.db.models import FloatField, Value
from django.db.models.functions import Cast, Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.permissions import IsOrganizationMember
from accounts.models import Organization
from accounts.tenancy import acting_organization
from core.api.schema import error_responses
from marketplace import selectors
from marketplace.api.serializers.suppliers import SupplierSearchParamsSerializer, SupplierSerializer

# --- the supplier directory ------------------------------------------------------------------


class SupplierListView(generics.GenericAPIView):
    """Organizations offering their services, best rated first."""

    serializer_class = SupplierSerializer
    queryset = Organization.objects.none()  # for the schema; get() searches through the selector
    permission_classes = (IsOrganizationMember,)
    # Unrated suppliers last; the cast keeps the cursor's position exact (a float, not a numeric average).
    ordering = ("-rating_order", "id")

    @extend_schema(
        operation_id="v1_suppliers_list",
        summary="Search the supplier directory",
        parameters=[SupplierSearchParamsSerializer],
        responses={200: SupplierSerializer(many=True), **error_responses(400, 401, 403)},
        tags=["suppliers"],
    )
    def get(self, request: Request) -> Response:
        params = SupplierSearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        values = dict(params.validated_data)
        values["skills"] = [part.strip() for raw in values.get("skills", []) for part in raw.split(",") if part.strip()]
        values["country"] = values.get("country", "").upper()
        values["currency"] = values.get("currency", "").upper()
        queryset = selectors.search_suppliers(
            filters=selectors.SupplierFilters(**values), exclude=acting_organization(request)
        ).annotate(rating_order=Coalesce(Cast("rating", FloatField()), Value(-1.0)))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(SupplierSerializer(page, many=True).data)
