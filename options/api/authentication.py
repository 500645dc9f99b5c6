"""
Authentication: API tokens, and the login lockout of Django's login pages.

API tokens are django-rest-knox's, stored as SHA-512 digests (a leaked database gives no usable
token), each with an expiry, revocable one by one (`manage.py revoke_api_token`). Clients send
`Authorization: Token <key>`; `manage.py create_api_token` prints a key once. Failed token
authentications are counted per client address (`POLICYTRACKER_THROTTLE_FAILED_TOKENS`, in the
cache like the request rates): past the rate, every token from that address gets 429 with
`Retry-After` instead of being checked.

Logins with a password (the admin's and the browsable API's login pages, `/admin/login/` and
`/api-auth/login/`) go through django-axes: after `POLICYTRACKER_LOGIN_FAILURE_LIMIT` failures for
an account, or from a client address, within `POLICYTRACKER_LOGIN_COOLOFF_MINUTES`, the account or
address is locked out for that long, right password or not; each failure is recorded (the admin's
"Access attempts") and logged. `LoginLockoutBackend` refuses the login, `lockout_response` says
when to retry.
"""

import datetime
import math
import re

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox import auth
from knox.settings import knox_settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from options.api.throttling import FailedTokenThrottle


class TokenAuthentication(auth.TokenAuthentication):
    """knox's token authentication, refusing a malformed key before any query (knox would fail
    with a 500 on a key that is not UTF-8, and PostgreSQL on one with a NUL byte), and refusing
    every token with 429 from an address that sent too many bad ones."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.authenticate_header(request).encode().lower():
            return None  # no token: anonymous, or another scheme's
        throttle = FailedTokenThrottle()
        if throttle.blocked(request):
            raise exceptions.Throttled(
                throttle.wait(), gettext("Too many failed token authentications from this address.")
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.failure(request)
            raise

    def authenticate_credentials(self, token: bytes):
        length = len(knox_settings.TOKEN_PREFIX) + knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
        pattern = re.escape(knox_settings.TOKEN_PREFIX.encode()) + rb"[0-9a-f]{%d}" % (
            knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
        )
        if len(token) != length or not re.fullmatch(pattern, token):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first of `AUTHENTICATION_BACKENDS`: refuses a locked-out
    account or address before any password is checked.

    Every login over HTTP passes its request (Django's login form does). A call without one,
    from code rather than a client (a script's `authenticate()`, the test client's `login()`),
    has no client address to count: it is let through to the password check, as without axes,
    where axes would raise `AxesBackendRequestParameterRequired`."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The answer to a login refused for a lockout (`AXES_LOCKOUT_CALLABLE`): 429, a page saying
    why and when to retry, and `Retry-After` in seconds. The wait counts from this attempt: each
    attempt during a lockout starts it again."""
    limit = get_failure_limit(request, credentials)
    cool_off = get_cool_off(request)
    reason = format_html(
        "Logging in is blocked after {} failed attempts, for this account or from this address.",
        limit,
    )
    if cool_off:
        started = getattr(request, "axes_attempt_time", None) or timezone.now()
        retry_at = started + cool_off
        retry = format_html(
            "Try again in {} (after {} UTC).",
            timeuntil(retry_at, started).replace("\xa0", " "),
            f"{retry_at.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S}",
        )
    else:
        retry = "An administrator must unlock it."
    response = HttpResponse(
        format_html(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Too many failed logins</title></head>"
            "<body><h1>Too many failed logins</h1><p>{}</p><p>{}</p></body></html>",
            reason,
            retry,
        ),
        status=settings.AXES_HTTP_RESPONSE_CODE,
        content_type="text/html; charset=utf-8",
    )
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response
