"""Pagination: pages for people, cursors for incremental sync by provincial platforms."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class SyncCursorPagination(CursorPagination):
    """Stable order by (updated_at, id): rows changed during a sync are picked up on the next pass."""

    ordering = ("updated_at", "id")
    page_size_query_param = "page_size"
    page_size = 100
    max_page_size = 1000
