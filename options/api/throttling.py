"""
Request rates (settings `POLICYTRACKER_THROTTLE_ANON` and `POLICYTRACKER_THROTTLE_USER`): per
client address for anonymous requests, per account for authenticated ones, counted in the
default cache (Redis when `REDIS_URL` is set, so that every worker counts the same requests).
Over the rate: 429 with `Retry-After`, in seconds. Failed token authentications are counted per
client address too (`POLICYTRACKER_THROTTLE_FAILED_TOKENS`), and the login lockout (django-axes)
takes the client's address the same way (`client_address`).

DRF's classes read the rates once, at import; these read them on every request, so that a
changed setting (a test's `settings` fixture) takes effect, and a rate of None turns one off.
"""

import ipaddress

from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.settings import api_settings


class _RateFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def wait(self):
        # DRF's wait() gives None when more requests were counted than the rate allows (the
        # rate was lowered, or workers raced): then the 429 would have no Retry-After. Wait
        # until enough counted requests are older than the period.
        wait = super().wait()
        if wait is None and self.history:
            index = min(max(self.num_requests, 1), len(self.history)) - 1
            wait = max(self.duration - (self.now - self.history[index]), 1)
        return wait


class AnonRateThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Anonymous requests, counted per client address."""


class UserRateThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Authenticated requests, counted per account."""


class FailedTokenThrottle(_RateFromSettings, throttling.SimpleRateThrottle):
    """Failed token authentications, counted per client address (setting
    `POLICYTRACKER_THROTTLE_FAILED_TOKENS`): once an address has sent as many wrong, expired or
    malformed tokens as the rate allows, every token it sends is refused with 429 until the
    oldest failure leaves the period, so that tokens cannot be guessed at the request rate.
    options/api/authentication.py asks `blocked()` before it checks a token and calls
    `failure()` when the token is refused."""

    scope = "failed_token"

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request) -> None:
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()

    def blocked(self, request) -> bool:
        """Whether the request's address has failed as often as the rate allows (`wait()` then
        says for how many seconds)."""
        if self.rate is None:
            return False
        self._load(request)
        return len(self.history) >= self.num_requests

    def failure(self, request) -> None:
        """Count a failed token authentication from the request's address."""
        if self.rate is None:
            return
        self._load(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the throttles count it (`POLICYTRACKER_NUM_PROXIES`), for
    django-axes' login lockout (`AXES_CLIENT_IP_CALLABLE`): with no proxy, the connection's
    address, whatever X-Forwarded-For says. axes stores it as an IP address, so an entry that
    is none (a proxy count higher than the proxies really there lets the client's own entry
    through) counts as the connection's address."""
    address = throttling.BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")
