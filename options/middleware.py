"""
Request IDs: every request gets one, every response carries it in `X-Request-ID`, and the audit
trail records it with each change, so that a change can be traced to the request that made it
(and a client's logs to the server's).
"""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# What a client may send: short and harmless in a log line or a header.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


def request_id_from(request: HttpRequest) -> str:
    """The client's `X-Request-ID` when it is valid (at most 200 of A-Z a-z 0-9 . _ -), else a
    new one (32 hex digits)."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if VALID_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIDMiddleware:
    """Sets `request.id` and answers it in the `X-Request-ID` header of every response.

    First in MIDDLEWARE, so that responses made by other middleware (redirects, static files,
    CSRF failures) and error pages carry it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.id = request_id_from(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.id
        return response
