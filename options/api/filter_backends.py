"""
A list refuses the query parameters it does not take: `?stakholder=…` (misspelt) is a 400 that
names it and lists the parameters the list takes, not the whole collection as if filtered.

A list takes its filter set's filters (a date range as `<name>_after` and `<name>_before`), the
parameters of its other filter backends (`search`, `ordering`) and of its paginator (`limit`,
`offset`), and `format`: the very parameters its schema documents (tests/api/test_errors.py
checks that they agree). A view may name more in `extra_query_parameters`.

Only viewsets' `list` actions are checked here; a view that reads its own parameters (a query
serializer) calls `read_query`, or `reject_unknown_query_parameters` with the names it takes.

`search` is bounded (`SearchFilter`): at most 20 words and 200 characters, or a 400.
"""

import functools
from collections.abc import Iterable

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.settings import api_settings

from options.api.errors import UnknownQueryParameters
from options.api.pagination import LimitOffsetPagination


@functools.cache
def filterset_parameters(filterset_class) -> frozenset[str]:
    """The query parameters of a django-filter filter set: a filter's name, or its name with
    each suffix of a multi-value widget (`as_of_after`, `as_of_before`)."""
    names = set()
    for name, filter_ in filterset_class.base_filters.items():
        widget = filter_.extra.get("widget") or filter_.field_class.widget
        suffixes = getattr(widget, "suffixes", None)
        if suffixes:
            names.update(f"{name}_{suffix}" if suffix else name for suffix in suffixes)
        else:
            names.add(name)
    return frozenset(names)


def allowed_query_parameters(view) -> set[str]:
    """Every query parameter a list view takes."""
    names = set(getattr(view, "extra_query_parameters", ()))
    if api_settings.URL_FORMAT_OVERRIDE:
        names.add(api_settings.URL_FORMAT_OVERRIDE)
    for backend_class in view.filter_backends:
        if issubclass(backend_class, KnownQueryParametersBackend):
            continue
        backend = backend_class()
        if isinstance(backend, DjangoFilterBackend):
            filterset_class = backend.get_filterset_class(view, view.get_queryset())
            if filterset_class is not None:
                names |= filterset_parameters(filterset_class)
        else:
            names.update(p["name"] for p in backend.get_schema_operation_parameters(view))
    paginator = view.paginator
    if paginator is not None:
        names.update(p["name"] for p in paginator.get_schema_operation_parameters(view))
    return names


def reject_unknown_query_parameters(request, allowed: Iterable[str]) -> None:
    """Raise a 400 (`unknown_parameter`) if the request has a query parameter not in `allowed`
    (`format` is always allowed)."""
    allowed = set(allowed)
    if api_settings.URL_FORMAT_OVERRIDE:
        allowed.add(api_settings.URL_FORMAT_OVERRIDE)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise UnknownQueryParameters(unknown, sorted(allowed))


class KnownQueryParametersBackend(BaseFilterBackend):
    """Answers 400 to a list request with a query parameter the list does not take. Put it
    first among the filter backends: it filters nothing."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset
        reject_unknown_query_parameters(request, allowed_query_parameters(view))
        return queryset


PAGE_PARAMETERS = [
    LimitOffsetPagination.limit_query_param,
    LimitOffsetPagination.offset_query_param,
]


def read_query(serializer_class, request, *, paged: bool = False) -> dict:
    """Validate the query parameters with a serializer: a JSON 400 when they are bad or when
    one is not the serializer's (or, if `paged`, a page's)."""
    serializer = serializer_class(data=request.query_params)
    reject_unknown_query_parameters(
        request, [*serializer.fields, *(PAGE_PARAMETERS if paged else [])]
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SearchFilter(filters.SearchFilter):
    """DRF's `?search=`, bounded: at most `MAX_TERMS` words (a "quoted phrase" is one; DRF
    splits the rest at spaces and commas) and `MAX_LENGTH` characters, or a 400 that names the
    parameter and the limits. Each word adds a condition on every searched field (ORed, then
    ANDed with the other words'), so the query grows with their number: a thousand words made
    SQLite refuse the query ("Expression tree is too large") and PostgreSQL take 1.2 s. 20
    words (a hundred `LIKE`s on five fields) and 200 characters are more than a person's search
    takes: a name, a phrase from a quote, a long title. The limits apply wherever the view searches: a list, its CSV export,
    and a detail (DRF's `get_object` filters too)."""

    MAX_TERMS = 20
    MAX_LENGTH = 200
    search_description = (
        "Only the records that contain each word, in any case, in one of the texts searched "
        f'(a "quoted phrase" counts as one word). At most {MAX_TERMS} words and {MAX_LENGTH} '
        "characters: a longer search is refused (400)."
    )

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        terms = super().get_search_terms(request)
        if len(value) > self.MAX_LENGTH or len(terms) > self.MAX_TERMS:
            raise ValidationError(
                {
                    self.search_param: [
                        f"A search has at most {self.MAX_TERMS} words and {self.MAX_LENGTH} "
                        f"characters; this one has {len(terms)} words and {len(value)} "
                        "characters."
                    ]
                }
            )
        return terms

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["maxLength"] = self.MAX_LENGTH
        return parameters
