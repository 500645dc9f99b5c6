"""
Request IDs: every request gets two, every response carries them (`X-Request-ID`,
`X-Server-Request-ID`), and the audit trail records both with each change, so that a change can
be traced to the request that made it (and a client's logs to the server's).

- The request id (`request.id`) is the client's `X-Request-ID` when it sent a valid one, so that
  it can find its changes under its own id; else the server id.
- The server id (`request.server_id`) is always made by the server, unique to the request: a
  client may send any request id, even one another request used, but cannot make its changes
  pass for another request's.

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
SERVER_REQUEST_ID_HEADER = "X-Server-Request-ID"
# What a client may send: short and harmless in a log line or a header.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


def request_id_from(request: HttpRequest, server_id: str) -> str:
    """The client's `X-Request-ID` when it is valid (at most 200 of A-Z a-z 0-9 . _ -), else
    `server_id`."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if VALID_REQUEST_ID.fullmatch(incoming):
        return incoming
    return server_id


class RequestIDMiddleware:
    """Sets `request.id` and `request.server_id` and answers them in the `X-Request-ID` and
    `X-Server-Request-ID` headers of every response.

    First in MIDDLEWARE, so that responses made by other middleware (redirects, static files,
    CSRF failures) and error pages carry it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.server_id = uuid.uuid4().hex
        request.id = request_id_from(request, request.server_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.id
        response[SERVER_REQUEST_ID_HEADER] = request.server_id
        return response


class RequestIDLogFilter(logging.Filter):
    """Gives every log record `request_id` and `server_request_id`: the ids of the request it
    was logged in (the record's own request, as Django's request logger gives it, else the
    request being served), or "-" outside one. So that a server error's traceback in the log is
    found from the `X-Request-ID` or `X-Server-Request-ID` its client got."""

    def filter(self, record: logging.LogRecord) -> bool:
        from options.audit import current_request  # the models' module: not at import

        request = getattr(record, "request", None) or current_request()
        record.request_id = getattr(request, "id", "") or "-"
        record.server_request_id = getattr(request, "server_id", "") or "-"
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
