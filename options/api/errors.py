"""
One JSON error format for the whole API: problem details (RFC 9457).

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "Invalid input.", "code": "invalid",
     "errors": {"stance": ["Ensure this value is less than or equal to 2."]}}

`errors` (validation errors, by field; `non_field_errors` for the rest) and `referrers` (what
still refers to an object that cannot be deleted) appear only where they apply.

Errors are JSON whatever the request's `Accept` header says (the browsable API included), and
the answers Django gives outside the REST framework under `/api/` are problem details too: an
unknown address (`api_not_found`, and `handler404` in production), a suspicious request
(`handler400`), a server error (`handler500`). Elsewhere (the admin, the topic pages) Django's
usual pages stay.
"""

import logging
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

from options.api.renderers import ORJSONRenderer


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with stored data."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, referrers=()):
        super().__init__(detail, code)
        self.referrers = list(referrers)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class PreconditionFailed(exceptions.APIException):
    """The `If-Match` names a version that is no longer the current one: someone else changed
    the record since. The response's `ETag` is the current version."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record has changed since you read it (your If-Match is not its current ETag). "
        "Nothing was changed: read it again, then retry with its new ETag."
    )
    default_code = "precondition_failed"

    def __init__(self, current_etag: str):
        super().__init__()
        self.etag = current_etag


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This server requires an If-Match header on writes: send the ETag you read the "
        "record with, so that a change made meanwhile is not overwritten."
    )
    default_code = "precondition_required"


class UnknownQueryParameters(exceptions.ValidationError):
    """Query parameters the operation does not take: each is named under `errors`, and the
    detail lists the ones it takes. (Silently ignored, a misspelt filter would return the whole
    collection as if it were the filtered answer.)"""

    problem_code = "unknown_parameter"

    def __init__(self, unknown: list[str], allowed: list[str]):
        super().__init__({name: ["Unknown query parameter."] for name in unknown})
        plural = "s" if len(unknown) > 1 else ""
        self.problem_detail = (
            f"Unknown query parameter{plural}: {', '.join(unknown)}. "
            f"This operation takes: {', '.join(allowed)}."
        )


class ReferrerSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='The kind of record, e.g. "position".')
    id = serializers.IntegerField()
    display = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """The body of every error response."""

    type = serializers.CharField(help_text='"about:blank": the status code says it all.')
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    code = serializers.CharField(
        help_text='A stable code, e.g. "invalid", "unknown_parameter", "parse_error", '
        '"not_authenticated", "permission_denied", "not_found", "protected", "throttled".'
    )
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Validation errors: a list of messages per field name.",
    )
    referrers = ReferrerSerializer(
        many=True, required=False, help_text="The records that still refer to this one."
    )


def _as_api_exception(exc):
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(
            f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    if isinstance(exc, SuspiciousOperation):
        # As Django does with the ones it catches itself: log them, answer 400.
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        return exceptions.ValidationError({"non_field_errors": [str(exc)]})
    if isinstance(exc, ProtectedError | RestrictedError):
        objects = (
            exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        )
        referrers = sorted(objects, key=lambda obj: (obj._meta.model_name, obj.pk))
        return Conflict(
            "This record cannot be deleted: other records still refer to it. "
            "Delete or change them first.",
            code="protected",
            referrers=referrers,
        )
    if isinstance(exc, IntegrityError):
        # Validation runs before every write; this is a concurrent write that got there first.
        return Conflict("The change conflicts with data stored meanwhile; reload and retry.")
    return exc


def problem_exception_handler(exc, context):
    """DRF's exception handler, answering in the problem-details format."""
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if request is not None:
        # JSON, even for a client that asked for HTML (the browsable API) or for something
        # the API cannot produce (406).
        request.accepted_renderer = ORJSONRenderer()
        request.accepted_media_type = ORJSONRenderer.media_type
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(response.status_code).phrase,
        "status": response.status_code,
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        problem.update(
            detail=getattr(exc, "problem_detail", "Invalid input."),
            code=getattr(exc, "problem_code", "invalid"),
            errors=errors,
        )
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = detail.code if hasattr(detail, "code") else "error"
        problem.update(detail=str(detail), code=code)
    if isinstance(exc, Conflict) and exc.referrers:
        problem["referrers"] = [
            {"type": obj._meta.model_name, "id": obj.pk, "display": str(obj)}
            for obj in exc.referrers
        ]
    response.data = problem
    if isinstance(exc, PreconditionFailed):
        response["ETag"] = exc.etag
    return response


# --- Django's own error answers under /api/ ---------------------------------------------------


def _under_api(request) -> bool:
    return request.path_info == "/api" or request.path_info.startswith("/api/")


def problem_response(status_code: int, detail: str, code: str) -> JsonResponse:
    """A problem-details answer outside the REST framework's views."""
    return JsonResponse(
        {
            "type": "about:blank",
            "title": HTTPStatus(status_code).phrase,
            "status": status_code,
            "detail": detail,
            "code": code,
        },
        status=status_code,
    )


NO_ENDPOINT = "No API endpoint at this address."


# Exempt from the CSRF check: it changes nothing, and a POST, PUT, PATCH or DELETE to an address
# without an endpoint would otherwise get Django's HTML "CSRF verification failed" page (403)
# instead of this JSON 404.
@csrf_exempt
def api_not_found(request, exception=None):
    """Every address under /api/ that no endpoint answers (routed last under /api/, so that the
    answer is JSON with DEBUG on too, where Django would show its HTML page).

    Like Django's APPEND_SLASH, a GET or HEAD of an endpoint without its trailing slash is
    redirected to it; other methods are not, since a redirect would lose their body: the detail
    names the address instead."""
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/"):
        try:
            match = resolve(f"{path}/", get_urlconf())
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            return problem_response(
                404, f"{NO_ENDPOINT} Did you mean {request.path}/ (with a slash)?", "not_found"
            )
    return problem_response(404, NO_ENDPOINT, "not_found")


def bad_request(request, exception):
    """handler400: a request Django refused (a suspicious host or body) before any view."""
    if _under_api(request):
        return problem_response(400, "The request was refused as malformed.", "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """handler403."""
    if _under_api(request):
        return problem_response(
            403, "You do not have permission to perform this action.", "permission_denied"
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """handler404 (with DEBUG off)."""
    if _under_api(request):
        return problem_response(404, NO_ENDPOINT, "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500 (with DEBUG off; with it on, Django shows the traceback)."""
    if _under_api(request):
        return problem_response(
            500, "The server failed to answer; the error has been logged.", "server_error"
        )
    return defaults.server_error(request)
