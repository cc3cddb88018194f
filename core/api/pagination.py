from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable, index-friendly paging for every list endpoint (newest first)."""

    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 100
