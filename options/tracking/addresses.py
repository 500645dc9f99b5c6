"""
The service's public address (settings.BASE_URL) for links made outside a client's request: a
webhook's payload, made by a task worker, and the feed links the admin shows.

BASE_URL may have a path, where the service is mounted under a prefix behind a proxy
(`https://example.org/tracker`): links are reversed under that path, whatever script prefix the
current thread has (none in a worker; the admin request's own, which must not be added twice).
"""

import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import get_script_prefix, set_script_prefix


@contextmanager
def under_base_url() -> Iterator[HttpRequest]:
    """A request for the service's public address: URLs reversed with it inside the block are
    absolute under BASE_URL, its path included."""
    base = urllib.parse.urlsplit(settings.BASE_URL)
    secure = base.scheme == "https"
    port = base.port or (443 if secure else 80)
    request = RequestFactory().get(
        "/", secure=secure, SERVER_NAME=base.hostname, SERVER_PORT=str(port)
    )
    # The host is the service's own address, from its settings, not a client's: reversing a
    # URL need not check it against ALLOWED_HOSTS.
    request.get_host = lambda: base.netloc
    previous = get_script_prefix()
    set_script_prefix(base.path.rstrip("/") + "/")
    try:
        yield request
    finally:
        set_script_prefix(previous)
