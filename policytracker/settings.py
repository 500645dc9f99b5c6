"""
Settings for policytracker.

One module, driven by environment variables; the defaults are for development, so `make run`
works with none of them set. README.md lists every variable.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" count as yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core ------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)
# The development key works only with DEBUG on. In production (DJANGO_DEBUG=false) the server
# refuses to start without a real key rather than sign sessions and passwords' reset links
# with a key anyone can read here.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
if not DEBUG and (
    SECRET_KEY.startswith("django-insecure-") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a long random value (50 characters or more, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`) when DJANGO_DEBUG is "
        "false: the development key, or a short one, would let anyone forge sessions."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "django_filters",
    "rest_framework",
    "knox",
    # The login lockout (the Auth section below).
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "options",
]

MIDDLEWARE = [
    # First: every response, even one another middleware answers, carries X-Request-ID.
    "options.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Lets the audit trail record who made a change, and in which request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for a lockout into the lockout page (429, the Auth section).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "policytracker.urls"
WSGI_APPLICATION = "policytracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# SQLite is the embedded default; DATABASE_URL (postgres://user@host:port/name) selects
# PostgreSQL through psycopg 3.

# Connections kept open this many seconds (0: one per request) are checked before a request
# reuses them, so that a database restart costs no failed request.
DATABASE_CONN_MAX_AGE = int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
DATABASES = {
    # An empty DATABASE_URL counts as unset.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=DATABASE_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The server and the task worker (`make run`) write to one SQLite file: a write transaction
    # takes the lock when it begins (IMMEDIATE), so that two never deadlock midway; one waits up
    # to 20 s for the other; and readers are not blocked by a writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# A read replica of it (optional, e.g. a PostgreSQL streaming-replication standby): the
# analysis endpoints read from it, everything else uses default (options/routers.py). Tests
# create no database for it: it mirrors default's (a second connection to it).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASE_CONN_MAX_AGE,
        conn_health_checks=True,
        test_options={"MIRROR": "default"},
    )
    DATABASE_ROUTERS = ["options.routers.ReplicaRouter"]
    # Marks the analysis endpoints' requests, whose reads the router sends to the replica.
    MIDDLEWARE.append("options.middleware.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes), for every login with a password (/admin/login/, /api-auth/login/):
# after POLICYTRACKER_LOGIN_FAILURE_LIMIT failures for an account (from any address) or from an
# address (for any account), each within POLICYTRACKER_LOGIN_COOLOFF_MINUTES of the next, the
# account or address cannot log in, right password or not, until that long after its last
# attempt (0 minutes: until `manage.py axes_reset_username` or `axes_reset_ip`). Failures are
# recorded in the database (the admin's "Access attempts") and logged by the `axes` logger.
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "options.api.authentication.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("POLICYTRACKER_LOGIN_FAILURE_LIMIT", "5"))
_login_cooloff_minutes = float(os.environ.get("POLICYTRACKER_LOGIN_COOLOFF_MINUTES", "15"))
AXES_COOLOFF_TIME = (
    datetime.timedelta(minutes=_login_cooloff_minutes) if _login_cooloff_minutes > 0 else None
)
# By account or by address (either locks), not by the pair: so neither many passwords on one
# account from many addresses, nor one password on many accounts from one address.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# The client's address as the API's throttles take it (POLICYTRACKER_NUM_PROXIES): with no
# proxy, the connection's, so that a forged X-Forwarded-For escapes no lockout.
AXES_CLIENT_IP_CALLABLE = "options.api.throttling.client_address"
# 429 with a page saying when to retry, and Retry-After.
AXES_LOCKOUT_CALLABLE = "options.api.authentication.lockout_response"
# Each attempt during a lockout starts the wait again (the page says so).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# The log names the address (to block it further out), not the username: a mistyped one may be
# a password.
AXES_SENSITIVE_PARAMETERS = ["username"]
# A successful login does not clear the failures: it would clear the address's too, so that an
# attacker with an account of their own could reset the count between guesses.
AXES_RESET_ON_SUCCESS = False

# --- Security --------------------------------------------------------------------------------
# With DEBUG off (production), HTTPS only: redirects to HTTPS, HSTS, cookies sent over HTTPS
# alone. `manage.py check --deploy --fail-level WARNING` passes (tests/test_security.py runs it).

# Behind a proxy that terminates TLS: the header, as the proxy sends it, that says the request
# came over HTTPS, e.g. "X-Forwarded-Proto: https". Unset, no proxy is trusted. Set it only when
# the proxy sets (or overwrites) that header on every request, or clients could forge it.
_proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    _name, _colon, _value = _proxy_ssl_header.partition(":")
    if not (_colon and _name.strip() and _value.strip()):
        raise ImproperlyConfigured(
            'DJANGO_SECURE_PROXY_SSL_HEADER is "Header-Name: value", '
            'e.g. "X-Forwarded-Proto: https".'
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# A load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Origins (scheme://host) trusted for unsafe requests with a session, e.g. https://example.org.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The largest request body read into memory; a larger one is answered 413. 1 MiB is a thousand
# times a large position or event; say so explicitly rather than rely on Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024))

# Content Security Policy (django-csp), on every page. Every asset comes from this site
# (whitenoise, drf-spectacular-sidecar), so scripts load only from our files and no inline script
# runs (Swagger UI's starter script is served as a file: SpectacularSwaggerSplitView). Styles may
# be inline: the topic page colours cells with style attributes, Swagger UI and Redoc inject
# <style> elements. Redoc searches in a blob: worker; both docs use data: images and fonts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Cache -----------------------------------------------------------------------------------
# Shared by every worker (throttling counts requests in it): Redis when REDIS_URL is set
# (redis://host:6379/0), else this process's memory, which is right for one process only.

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "policytracker",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Admin imports (django-import-export) ------------------------------------------------------
# An admin import's file waits between its preview and its confirmation, which another worker
# may serve: in Redis when there is one (shared by every server), else in a folder of this
# machine (shared by its workers; not this process's memory). Either way under a random name
# that the server makes and records in the editor's session, which alone may confirm it; it is
# removed once confirmed or cancelled, or when older than IMPORT_PREVIEW_MAX_AGE seconds (by
# the next import, or Redis's expiry). options/admin/import_previews.py.
IMPORT_EXPORT_TMP_STORAGE_CLASS = (
    "options.admin.import_previews.PreviewCacheStorage"
    if REDIS_URL
    else "options.admin.import_previews.PreviewFolderStorage"
)
IMPORT_PREVIEW_MAX_AGE = int(os.environ.get("POLICYTRACKER_IMPORT_PREVIEW_MAX_AGE", "3600"))
# The previews' folder without Redis; empty: policytracker-import-previews in the temporary folder.
IMPORT_PREVIEW_DIR = os.environ.get("POLICYTRACKER_IMPORT_PREVIEW_DIR", "")
# Limits on an imported file (options/import_limits.py), refused on the import page with a
# message. Before it is read: its size in bytes, and an XLSX file's (a zip archive's) size
# unpacked, measured before the spreadsheet reader opens it. As it is read, before the preview
# checks each row: the rows under the headers, and the characters in a cell (Excel's limit).
IMPORT_MAX_BYTES = int(os.environ.get("POLICYTRACKER_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
IMPORT_MAX_DECOMPRESSED_BYTES = int(
    os.environ.get("POLICYTRACKER_IMPORT_MAX_DECOMPRESSED_BYTES", str(50 * 1024 * 1024))
)
# Rows: a preview checks each row as a write would (about 10 ms a position row here), inside one
# request: 2,000 rows answer in about 20 s, under gunicorn's 30 s timeout.
IMPORT_MAX_ROWS = int(os.environ.get("POLICYTRACKER_IMPORT_MAX_ROWS", "2000"))
IMPORT_MAX_CELL_CHARS = int(os.environ.get("POLICYTRACKER_IMPORT_MAX_CELL_CHARS", "32767"))

# --- Task queue and live tracking -----------------------------------------------------------
# Webhook deliveries run on django-tasks' database backend (docs/deploy.md says why): a task is a
# row written in the same transaction as the write that caused it, run by `manage.py run_worker`.

# The service's public address, for the links in webhooks and feeds made outside a request.
BASE_URL = os.environ.get("POLICYTRACKER_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Webhook URLs must be https and resolve to public addresses; true lets them be http and
# private (loopback receivers in tests and on a developer's machine).
WEBHOOK_ALLOW_PRIVATE = env_bool("POLICYTRACKER_WEBHOOK_ALLOW_PRIVATE", False)
# Seconds a webhook request may take in all (connecting, sending, reading the answer).
WEBHOOK_TIMEOUT = float(os.environ.get("POLICYTRACKER_WEBHOOK_TIMEOUT", "10"))
# The waits, in seconds, before the 2nd, 3rd, … attempt of a failed delivery; after the last,
# it is marked failed. Each wait is lengthened by up to 20 % at random. By default 5 s, 30 s,
# 2 min, 10 min, 30 min, 1 h, 2 h, 5 h, 10 h, 8 h: about 27 hours in all.
WEBHOOK_RETRY_SCHEDULE = [
    float(seconds)
    for seconds in env_list(
        "POLICYTRACKER_WEBHOOK_RETRY_SCHEDULE",
        ["5", "30", "120", "600", "1800", "3600", "7200", "18000", "36000", "28800"],
    )
]

# --- Logging ---------------------------------------------------------------------------------
# Everything of WARNING and above to standard error (gunicorn's and systemd's log), each line with
# the id of the request it was logged in: a server error's traceback is found from the
# `X-Request-ID` its client got. (Django's default mails errors to ADMINS, which is empty, and
# prints them only with DEBUG on.) `make run`'s development server keeps its own request log.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "options.middleware.RequestIDLogFilter"}},
    "formatters": {
        "line": {
            "format": (
                "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s "
                "server_request_id=%(server_request_id)s %(message)s"
            )
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "line",
        }
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("POLICYTRACKER_LOG_LEVEL", "WARNING"),
    },
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}

# --- Internationalisation and static files ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic gathers the static files, and whitenoise serves them from.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# In production (DEBUG off), collectstatic names each file by a hash of its content, which
# whitenoise serves with a far-future Cache-Control, and stores gzip-compressed copies too; the
# pages then need the files collected (`make serve` runs collectstatic first).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve the apps' static files straight from their folders when collectstatic has not run.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- policytracker ---------------------------------------------------------------------------

# Anyone may read the API; turn this off to require an authenticated user for reads too. (The
# schema and its documentation stay public either way: they describe the API, hold no data, and
# clients are generated from them before anyone has a token.)
POLICYTRACKER_PUBLIC_READ = env_bool("POLICYTRACKER_PUBLIC_READ", True)
# Where a page that needs a signed-in reader sends an anonymous one (the login of the browsable
# API, for any account; the admin's takes staff only), and where a login without `next` lands.
LOGIN_URL = "/api-auth/login/"
LOGIN_REDIRECT_URL = "/topics/"
# Writes (PUT, PATCH, DELETE) must send If-Match with the ETag they read: 428 otherwise.
POLICYTRACKER_REQUIRE_IF_MATCH = env_bool("POLICYTRACKER_REQUIRE_IF_MATCH", False)


def env_rate(name: str, default: str) -> str | None:
    """A throttle rate such as "300/minute" (per second, minute, hour or day); "off": none."""
    value = os.environ.get(name, default).strip()
    return None if value.lower() in {"", "off", "none"} else value


# Requests a minute (or hour…) per client address for anonymous clients, per account otherwise.
POLICYTRACKER_THROTTLE_ANON = env_rate("POLICYTRACKER_THROTTLE_ANON", "300/minute")
POLICYTRACKER_THROTTLE_USER = env_rate("POLICYTRACKER_THROTTLE_USER", "1200/minute")
# Failed token authentications per client address: past it, every token from the address gets
# 429 until the oldest failure is a period old (options/api/authentication.py).
POLICYTRACKER_THROTTLE_FAILED_TOKENS = env_rate("POLICYTRACKER_THROTTLE_FAILED_TOKENS", "20/minute")

# The support forecast (docs/analysis.md). A capability or salience nobody gave counts as these
# (every stakeholder using one is listed in the forecast): an unrated stakeholder counts as a
# minor actor who cares moderately.
POLICYTRACKER_DEFAULT_CAPABILITY = int(os.environ.get("POLICYTRACKER_DEFAULT_CAPABILITY", "10"))
POLICYTRACKER_DEFAULT_SALIENCE = int(os.environ.get("POLICYTRACKER_DEFAULT_SALIENCE", "50"))
# A topic forecast ranks an open option only if the stakeholders with a position on it hold at
# least this share of the topic's rated capability, and there are at least this many of them.
POLICYTRACKER_RANK_MIN_COVERAGE = float(os.environ.get("POLICYTRACKER_RANK_MIN_COVERAGE", "0.25"))
POLICYTRACKER_RANK_MIN_ACTORS = int(os.environ.get("POLICYTRACKER_RANK_MIN_ACTORS", "2"))
# The forecast's intervals: this central share of this many seeded Monte Carlo draws.
POLICYTRACKER_INTERVAL_LEVEL = float(os.environ.get("POLICYTRACKER_INTERVAL_LEVEL", "0.8"))
POLICYTRACKER_INTERVAL_DRAWS = int(os.environ.get("POLICYTRACKER_INTERVAL_DRAWS", "500"))

# API tokens (django-rest-knox: stored as SHA-512 digests) expire after this many days unless
# `create_api_token --expires-in` says otherwise; 0: they never expire.
POLICYTRACKER_TOKEN_TTL_DAYS = int(os.environ.get("POLICYTRACKER_TOKEN_TTL_DAYS", "90"))
REST_KNOX = {
    "TOKEN_TTL": (
        datetime.timedelta(days=POLICYTRACKER_TOKEN_TTL_DAYS)
        if POLICYTRACKER_TOKEN_TTL_DAYS > 0
        else None
    ),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTH_TOKEN_CHARACTER_LENGTH": 64,
}

# --- REST framework and OpenAPI --------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first, so that an unauthenticated request gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "options.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["options.api.permissions.ModelPermissionsOrPublicRead"],
    # Counted in the cache above; over the rate, 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "options.api.throttling.AnonRateThrottle",
        "options.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": POLICYTRACKER_THROTTLE_ANON,
        "user": POLICYTRACKER_THROTTLE_USER,
        "failed_token": POLICYTRACKER_THROTTLE_FAILED_TOKENS,
    },
    # How many proxies in front of the server append to X-Forwarded-For: the client's address
    # is the one they saw. 0 (the default): the address of the connection, so that a client
    # cannot escape the anonymous rate by sending X-Forwarded-For itself.
    "NUM_PROXIES": int(os.environ.get("POLICYTRACKER_NUM_PROXIES", "0")),
    # JSON only: the schema and generated clients see JSON request bodies.
    # JSON bodies nested at most options.api.parsers.MAX_DEPTH deep.
    "DEFAULT_PARSER_CLASSES": ["options.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "options.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "options.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        # First: a list refuses query parameters it does not know (400) before filtering.
        "options.api.filter_backends.KnownQueryParametersBackend",
        "django_filters.rest_framework.DjangoFilterBackend",
        # DRF's, with a bound on the words and the length of `search`.
        "options.api.filter_backends.SearchFilter",
        "options.api.filters.NullsLastOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "options.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "options.api.errors.problem_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "policytracker API",
    "DESCRIPTION": (
        "Track a crisis: the policy options on the table, the stakeholders, and what each of "
        "them has said about each option and when, on what evidence.\n\n"
        "Anyone may read. Writing needs an account with the model permission (the `editors` "
        "group has them all); send `Authorization: Token <key>` (create a key with "
        "`python manage.py create_api_token USERNAME`; keys expire, 90 days by default, and "
        "`revoke_api_token` revokes them). Requests are rate-limited per client address, or per "
        "account when authenticated: over the rate, 429 with `Retry-After`. Related objects are "
        "returned as brief "
        "objects (`id`, `url`, `display`, and `slug` where there is one) and written as ids. "
        "Errors are JSON problem details (RFC 9457) with field errors under `errors`; a list "
        "refuses query parameters it does not take (400, code `unknown_parameter`)."
    ),
    "VERSION": "1.0.0",
    # OpenAPI 3.1: its schemas are JSON Schema (2020-12), which is what strict validators and
    # generators read. drf-spectacular still writes some 3.0 idioms; the hooks below
    # (options/api/schema.py) turn them into 3.1's.
    "OAS_VERSION": "3.1.0",
    # Relative: the server that serves the schema (`/api/schema/`); docs/openapi.yaml, read
    # from a file, names `make run`'s too.
    "SERVERS": [
        {"url": "/", "description": "The server that serves this schema."},
        {"url": "http://127.0.0.1:8000", "description": "`make run`, on this machine."},
    ],
    "CONTACT": {"name": "The policytracker maintainers"},
    # No licence has been granted for the API or its description: the repository has no
    # licence file. Change this (its SPDX `identifier`) when one is chosen.
    "LICENSE": {"name": "Proprietary: no licence granted", "identifier": "LicenseRef-Proprietary"},
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every tag an operation has, described (tests/test_schema.py checks that they match).
    "TAGS": [
        {"name": name, "description": description}
        for name, description in {
            "topics": "Policy questions inside a crisis; their stance matrix, forecast, timeline.",
            "stakeholders": "Anyone whose position matters: people, states, parties, blocs…",
            "affiliations": "Dated ties between two stakeholders: member of, leads, backs…",
            "options": "Courses of action on a topic (sanctions, negotiation…); their forecast.",
            "sanction-measures": "A sanctions option's measures: type, authority, target, dates.",
            "sources": "Where a fact comes from, with its reliability grade.",
            "positions": "A stakeholder's stance on an option at a date, its basis and evidence.",
            "events": "Dated happenings on a topic, with their participants and certainty.",
            "influences": "A stakeholder's capability on a topic or option: forecast weights.",
            "changes": "The audit trail: every change to every record, by whom, by which request.",
            "change-events": "Meaningful changes derived from the writes, as subscribers get them.",
            "subscriptions": "What someone follows: signed webhooks, and feeds.",
            "deliveries": "The webhook deliveries of a subscription's change events, and attempts.",
            "feeds": "Change events as Atom and JSON Feed, for a topic or a subscription.",
            "export": "The whole data set in exchange formats: Popolo, FollowTheMoney.",
            "health": "Whether the service reaches its database, and its version.",
        }.items()
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # After the enums have their components: query parameters refer to them.
        "options.api.schema.reference_parameter_enums",
        "options.api.schema.declare_streamed_bodies",
        "options.api.schema.single_schema_for_blank_or_uri",
        "options.api.schema.modernize_to_oas_3_1",
        "options.api.schema.drop_unreferenced_components",
        "options.api.schema.add_record_links",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StakeholderKindEnum": "options.models.Stakeholder.Kind",
        "AffiliationKindEnum": "options.models.Affiliation.Kind",
        "PolicyOptionKindEnum": "options.models.PolicyOption.Kind",
        "PolicyOptionStatusEnum": "options.models.PolicyOption.Status",
        "SanctionMeasureTypeEnum": "options.models.SanctionMeasure.MeasureType",
        "SourceKindEnum": "options.models.Source.Kind",
        "BasisEnum": "options.models.Position.Basis",
        "ConfidenceEnum": "options.models.Position.Confidence",
        "DatePrecisionEnum": "options.models.DatePrecision",
        "CertaintyEnum": "options.models.Event.Certainty",
        "ReliabilityEnum": "options.models.Source.Reliability",
        "AnalysisBasisEnum": "options.api.serializers.analysis.BASIS_CHOICES",
        "ForecastUnitEnum": "options.analysis.UNITS",
        "DefaultedFieldEnum": "options.api.serializers.analysis.DEFAULTABLE_FIELDS",
        "TimelineEntryTypeEnum": "options.api.serializers.analysis.TIMELINE_ENTRY_TYPES",
        "CountryEnum": "django_countries.countries",
        # The Popolo export's (options/api/exports.py): "@type" is no name for a component.
        "PopoloIdentifierSchemeEnum": "options.interchange.POPOLO_IDENTIFIER_SCHEMES",
        "PopoloMemberTypeEnum": "options.interchange.POPOLO_MEMBER_TYPES",
        # Enums of fields with generic names (`collection`, `database`, `status`) are named after
        # whose they are.
        "ChangeCollectionEnum": "options.api.serializers.audit.audited_collections",
        "HealthDatabaseEnum": ["ok", "unreachable"],
        "HealthStatusEnum": ["ok", "unavailable"],
    },
}
