"""
Request IDs: every request gets one, every response carries it in `X-Request-ID`, and the audit
trail records it with each change, so that a change can be traced to the request that made it
(and a client's logs to the server's).

`RequestIDLogFilter` puts the request's id in every log line.

And read replicas: the analysis endpoints' requests are marked for the database router
(options/routers.py).
"""

import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from options import routers

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


class RequestIDLogFilter(logging.Filter):
    """Gives every log record `request_id`: the id of the request it was logged in (the record's
    own request, as Django's request logger gives it, else the request being served), or "-"
    outside one. So that a server error's traceback in the log is found from the `X-Request-ID`
    its client got."""

    def filter(self, record: logging.LogRecord) -> bool:
        from options.audit import current_request_id  # the models' module: not at import

        request_id = getattr(getattr(record, "request", None), "id", "") or current_request_id()
        record.request_id = request_id or "-"
        return True


class ReplicaReadsMiddleware:
    """Lets the analysis endpoints read from the read replica, when there is one.

    A GET or HEAD of one of `options.routers.REPLICA_VIEWS` sets `reads_from_replica` for the
    rest of the request, and `ReplicaRouter` sends its reads of the tracked data to the replica.
    Other requests, writes among them, leave it unset: they read and write the primary. Settings
    install it with the router, when `DATABASE_REPLICA_URL` is set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # process_view may set it; whatever happens, it is back to its value once the request ends.
        token = routers.reads_from_replica.set(False)
        try:
            return self.get_response(request)
        finally:
            routers.reads_from_replica.reset(token)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if (
            request.method in ("GET", "HEAD")
            and request.resolver_match.view_name in routers.REPLICA_VIEWS
        ):
            routers.reads_from_replica.set(True)
