from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=` pages of 50 by default, 500 at the most."""

    default_limit = 50
    max_limit = 500
