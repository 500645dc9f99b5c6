"""
One JSON error format for the whole API: problem details (RFC 9457).

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "Invalid input.", "code": "invalid",
     "errors": {"stance": ["Ensure this value is less than or equal to 2."]}}

`errors` (validation errors, by field; `non_field_errors` for the rest) and `referrers` (what
still refers to an object that cannot be deleted) appear only where they apply.
"""

from http import HTTPStatus

from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with stored data."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, referrers=()):
        super().__init__(detail, code)
        self.referrers = list(referrers)


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
    code = serializers.CharField(help_text='A stable code, e.g. "invalid", "not_found".')
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Validation errors: a list of messages per field name.",
    )
    referrers = ReferrerSerializer(
        many=True, required=False, help_text="The records that still refer to this one."
    )


def _as_api_exception(exc):
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
    problem = {
        "type": "about:blank",
        "title": HTTPStatus(response.status_code).phrase,
        "status": response.status_code,
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        problem.update(detail="Invalid input.", code="invalid", errors=errors)
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
    return response
