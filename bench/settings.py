"""
Settings of the benchmarks: the project's own, with what a benchmark must not measure turned off.

- Throttling off: a benchmark sends thousands of requests a minute from one address; a 429
  would be measured as a (very fast) answer. The harness also checks that every answer is 200.
- DEBUG off, as in production (with DEBUG on, Django keeps every query of every request).
- Plain HTTP on loopback: no redirect to HTTPS, no secure-only cookies.
- Persistent database connections (`CONN_MAX_AGE`), as a production server would keep them;
  otherwise every request would also measure opening a connection.
- The URLs are the project's plus the baselines' (bench/urls.py).
"""

from collections import defaultdict

from policytracker.settings import *  # noqa: F403
from policytracker.settings import DATABASES, REST_FRAMEWORK

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
ROOT_URLCONF = "bench.urls"

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

DATABASES["default"]["CONN_MAX_AGE"] = None  # for the life of the process

# Every rate off, whatever its scope (a rate of None lets every request through), and no
# throttle class at all. The project's throttles read the rates on every request.
POLICYTRACKER_THROTTLE_ANON = None
POLICYTRACKER_THROTTLE_USER = None
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": defaultdict(lambda: None),
}
