"""
Request rates (settings `POLICYTRACKER_THROTTLE_ANON` and `POLICYTRACKER_THROTTLE_USER`): per
client address for anonymous requests, per account for authenticated ones, counted in the
default cache (Redis when `REDIS_URL` is set, so that every worker counts the same requests).
Over the rate: 429 with `Retry-After`, in seconds.

DRF's classes read the rates once, at import; these read them on every request, so that a
changed setting (a test's `settings` fixture) takes effect, and a rate of None turns one off.
"""

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
