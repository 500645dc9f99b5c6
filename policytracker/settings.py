"""
Settings for policytracker.

One module, driven by environment variables; the defaults are for development, so `make run`
works with none of them set. README.md lists every variable.
"""

import os
from pathlib import Path

import dj_database_url

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
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-development-only-key-do-not-use-in-production"
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
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "options",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

DATABASES = {
    # An empty DATABASE_URL counts as unset.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation and static files ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve the apps' static files straight from their folders when collectstatic has not run.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- policytracker ---------------------------------------------------------------------------

# Anyone may read the API; turn this off to require an authenticated user for reads too.
POLICYTRACKER_PUBLIC_READ = env_bool("POLICYTRACKER_PUBLIC_READ", True)

# --- REST framework and OpenAPI --------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first, so that an unauthenticated request gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["options.api.permissions.ModelPermissionsOrPublicRead"],
    # JSON only: the schema and generated clients see JSON request bodies.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "options.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
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
        "`python manage.py create_api_token USERNAME`). Related objects are returned as brief "
        "objects (`id`, `url`, `display`, and `slug` where there is one) and written as ids. "
        "Errors are JSON problem details (RFC 9457) with field errors under `errors`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "options.api.schema.drop_unreferenced_components",
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
        "CountryEnum": "django_countries.countries",
    },
}
