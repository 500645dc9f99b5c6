"""
Conditional requests (RFC 9110): no lost updates.

Every record has a `version` that each save increments. A detail response carries it as a
strong `ETag` ("3"); a client that sends it back in `If-Match` with `PUT`, `PATCH` or `DELETE`
writes only if nobody has changed the record since: otherwise it gets 412 with the current
`ETag`, and nothing changes. The write service checks the version in the write's transaction
and holds the row until it ends (options/services.py), so two clients writing with the same
`If-Match` can never both succeed. With `POLICYTRACKER_REQUIRE_IF_MATCH` on, a write without
`If-Match` gets 428.
"""

import re

from django.conf import settings
from django.utils.http import parse_etags

from options import services
from options.api.errors import PreconditionFailed, PreconditionRequired
from options.api.serializers import EXPECTED_VERSIONS
from options.api.serializers.reading import forget_read_along
from options.services import VersionConflict

STRONG_VERSION_ETAG = re.compile(r'^"(\d{1,18})"$')


def etag_of(instance) -> str:
    return f'"{instance.version}"'


def versions_in(if_match: str) -> list[int] | None:
    """The versions an `If-Match` header names; None for `*` (any current version). Weak and
    foreign ETags name none: If-Match compares strongly."""
    etags = parse_etags(if_match)
    if etags == ["*"]:
        return None
    return [int(match[1]) for etag in etags if (match := STRONG_VERSION_ETAG.match(etag))]


class ConditionalWritesMixin:
    """ETags on detail responses; `If-Match` honoured (and, if configured, required) on
    `PUT`, `PATCH` and `DELETE` of a ModelViewSet."""

    def get_object(self):
        instance = super().get_object()
        self.etag_instance = instance
        return instance

    def perform_create(self, serializer):
        super().perform_create(serializer)
        self.etag_instance = serializer.instance

    def perform_update(self, serializer):
        try:
            serializer.save(**{EXPECTED_VERSIONS: self.expected_versions()})
        except VersionConflict as conflict:
            raise PreconditionFailed(etag_of(conflict.current or serializer.instance)) from None
        forget_read_along(serializer.instance)

    def perform_destroy(self, instance):
        try:
            services.record_delete(instance, expected_versions=self.expected_versions())
        except VersionConflict as conflict:
            raise PreconditionFailed(etag_of(conflict.current or instance)) from None

    def expected_versions(self) -> list[int] | None:
        """The versions `If-Match` names (None: any), which the write service checks in the
        write's transaction; or 428 if `If-Match` is required and missing."""
        if_match = self.request.headers.get("If-Match")
        if if_match is None:
            if settings.POLICYTRACKER_REQUIRE_IF_MATCH:
                raise PreconditionRequired()
            return None
        return versions_in(if_match)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        instance = getattr(self, "etag_instance", None)
        if (
            instance is not None
            and self.action in {"retrieve", "create", "update", "partial_update"}
            and 200 <= response.status_code < 300
        ):
            response["ETag"] = etag_of(instance)
        return response
