"""
Conditional requests (RFC 9110): no lost updates.

Every record has a `version` that each save increments. A detail response carries it as a
strong `ETag` ("3"); a client that sends it back in `If-Match` with `PUT`, `PATCH` or `DELETE`
writes only if nobody has changed the record since: otherwise it gets 412 with the current
`ETag`, and nothing changes. The check and the write are one transaction in which the row is
held (`TimeStampedModel.lock_at_version`), so two clients writing with the same `If-Match` can
never both succeed. With `POLICYTRACKER_REQUIRE_IF_MATCH` on, a write without `If-Match` gets 428.
"""

import re

from django.conf import settings
from django.db import transaction
from django.utils.http import parse_etags

from options.api.errors import PreconditionFailed, PreconditionRequired

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
        with transaction.atomic():
            self.check_if_match(serializer.instance)
            super().perform_update(serializer)

    def perform_destroy(self, instance):
        with transaction.atomic():
            self.check_if_match(instance)
            super().perform_destroy(instance)

    def check_if_match(self, instance) -> None:
        """Within the write's transaction: hold the record if it is at a version `If-Match`
        names, else refuse the write (412), or require `If-Match` (428) if so configured."""
        if_match = self.request.headers.get("If-Match")
        if if_match is None:
            if settings.POLICYTRACKER_REQUIRE_IF_MATCH:
                raise PreconditionRequired()
            return
        versions = versions_in(if_match)
        if versions is None:
            return
        if not instance.lock_at_version(versions):
            current = type(instance)._base_manager.filter(pk=instance.pk).first()
            raise PreconditionFailed(etag_of(current or instance))

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
