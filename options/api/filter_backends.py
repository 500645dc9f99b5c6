"""
A list refuses the query parameters it does not take: `?stakholder=…` (misspelt) is a 400 that
names it and lists the parameters the list takes, not the whole collection as if filtered.

A list takes its filter set's filters (a date range as `<name>_after` and `<name>_before`), the
parameters of its other filter backends (`search`, `ordering`) and of its paginator (`limit`,
`offset`), and `format`: the very parameters its schema documents (tests/api/test_errors.py
checks that they agree). A view may name more in `extra_query_parameters`.

Only viewsets' `list` actions are checked here; a view that reads its own parameters (a query
serializer) calls `read_query`, or `reject_unknown_query_parameters` with the names it takes.
"""

import functools
from collections.abc import Iterable

from django_filters.rest_framework import DjangoFilterBackend
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
