from rest_framework.pagination import PageNumberPagination


class PageSizePagination(PageNumberPagination):
    """Pages with `count`; clients choose `page_size` up to 10,000 (use the CSV download for more)."""

    page_size_query_param = "page_size"
    max_page_size = 10_000
