import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from options.api.filters import is_never_null


class KeysetPagination(pagination.CursorPagination):
    """DRF's cursor pagination, in the pages of `LimitOffsetPagination`: the cursor holds the
    value of the first sort field of the last row and how many rows after it share that value,
    so a page is read from the index whatever its depth (no `OFFSET` that the database must
    count through)."""

    page_size_query_param = "limit"
    invalid_cursor_message = "Invalid cursor: use the `next` and `previous` links as given."

    def __init__(self, *, ordering: tuple[str, ...], page_size: int, model: type[models.Model]):
        self.ordering = ordering
        self.page_size = page_size
        self.model = model

    def get_ordering(self, request, queryset, view):
        return self.ordering

    def get_page_size(self, request):
        return self.page_size

    def decode_cursor(self, request):
        if not request.query_params.get(self.cursor_query_param):
            return None  # the first page
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
                field.to_python(cursor.position)
        except Exception as error:  # DRF's NotFound, and a position of the wrong type
            if not isinstance(error, pagination.NotFound | DjangoValidationError):
                raise
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        return cursor


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """`?limit=&offset=` pages of 50 by default, 500 at the most (a larger limit is cut down), and
    on lists `?cursor=` pages: a list's first page links to the next by a cursor, which stays as
    fast however deep the page, where the list is sorted by fields that always have a value
    (the default orders are). A request with `offset` pages by offsets, as asked.

    A limit that is not a whole number from 1, or an offset that is not one from 0, is a 400: DRF
    would ignore it and answer some other page."""

    default_limit = 50
    max_limit = 500
    cursor_query_param = "cursor"

    def _read(self, request, name: str, minimum: int) -> int | None:
        value = request.query_params.get(name)
        if value in (None, ""):
            return None
        if re.fullmatch(r"[0-9]+", value):
            # Past 18 digits, as good as infinite (and Python refuses to convert thousands).
            number = int(value) if len(value.lstrip("0")) <= 18 else 10**18
            if number >= minimum:
                return number
        raise ValidationError({name: [f"Enter a whole number, {minimum} or more."]})

    def get_limit(self, request):
        limit = self._read(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return self._read(request, self.offset_query_param, minimum=0) or 0

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = None
        # An empty parameter is an absent one, as for `limit` and `offset`.
        cursor = request.query_params.get(self.cursor_query_param) or None
        offset = request.query_params.get(self.offset_query_param) or None
        if cursor is not None and offset is not None:
            raise ValidationError(
                {self.cursor_query_param: ["Give a cursor or an offset, not both."]}
            )
        ordering = self._keyset_ordering(queryset, request, view)
        if ordering is None or offset is not None:
            if cursor is not None:
                raise ValidationError(
                    {
                        self.cursor_query_param: [
                            "Cursor pages need a sort on fields that always have a value; "
                            "page this sort with `offset`."
                        ]
                    }
                )
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.limit = self.get_limit(request)
        self.keyset = KeysetPagination(
            ordering=ordering, page_size=self.limit, model=queryset.model
        )
        page = self.keyset.paginate_queryset(queryset, request, view)
        self.count = self.get_count(queryset)
        return page

    def _keyset_ordering(self, queryset, request, view) -> tuple[str, ...] | None:
        """The list's sort as field paths, if cursor pages can follow it, else None: its first field
        is the model's own, and no field is ever empty."""
        if getattr(view, "action", None) != "list" or not isinstance(queryset, models.QuerySet):
            return None
        ordering = None
        for backend in getattr(view, "filter_backends", ()):
            if hasattr(backend, "get_ordering"):
                ordering = backend().get_ordering(request, queryset, view)
                break
        ordering = tuple(ordering or queryset.model._meta.ordering)
        # The cursor holds the first field's value, read from the page's last object.
        if (
            ordering
            and "__" not in ordering[0]
            and all(
                isinstance(term, str) and is_never_null(queryset.model, term.lstrip("-"))
                for term in ordering
            )
        ):
            return ordering
        return None

    def get_paginated_response(self, data):
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": self.count,
                "next": self.keyset.get_next_link(),
                "previous": self.keyset.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        minimums = {self.limit_query_param: 1, self.offset_query_param: 0}
        for parameter in parameters:
            if parameter["name"] in minimums:
                parameter["schema"] = {
                    **parameter["schema"],
                    "minimum": minimums[parameter["name"]],
                }
        if getattr(view, "action", None) == "list":
            parameters.append(
                {
                    "name": self.cursor_query_param,
                    "required": False,
                    "in": "query",
                    "description": (
                        "A page by cursor, as the `next` and `previous` links give it: as fast "
                        "on page 1,000 as on page 1. Not with `offset`."
                    ),
                    "schema": {"type": "string"},
                }
            )
        return parameters
