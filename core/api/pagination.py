"""Cursor pagination for every list endpoint.

Cursors stay stable while rows are added and use an index instead of
OFFSET. The order is the view's ``ordering`` (a real, non-null column such as
``created_at``, never a lookup across a relation), newest first by default;
``id`` breaks ties so rows created in the same instant keep one order.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions, pagination
from rest_framework.pagination import Cursor
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> tuple[str, ...]:
        view_ordering = getattr(view, "ordering", None)
        if view_ordering and not any(
            hasattr(backend, "get_ordering") for backend in getattr(view, "filter_backends", [])
        ):
            return (view_ordering,) if isinstance(view_ordering, str) else tuple(view_ordering)
        return super().get_ordering(request, queryset, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        # DRF answers a cursor it cannot read with 404, as if the list were gone; it is bad input.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from exc
