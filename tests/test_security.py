"""The production profile: Django's deploy check passes, the server refuses to start without a
real secret key, and the responses carry the security headers (HTTPS only, HSTS, CSP…)."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from policytracker.settings import DEVELOPMENT_SECRET_KEY

SECRET_KEY = secrets.token_urlsafe(48)  # 64 characters
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": SECRET_KEY,
    "DJANGO_ALLOWED_HOSTS": "example.org",
}
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict:
    """A Content-Security-Policy header as {directive: sources} (django-csp's order varies)."""
    pairs = (part.strip().split(" ", 1) for part in header.split(";"))
    return {name: sources for name, sources in pairs}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run `args` in a fresh process with the environment minus the project's variables,
    plus `env`."""
    ours = ("DJANGO_", "POLICYTRACKER_", "REDIS_URL")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        args,
        cwd=settings.BASE_DIR,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], **env)


def test_the_production_profile_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_would_fail_without_hsts():
    # The check is not vacuous: turn one protection off and it fails.
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, DJANGO_SECURE_HSTS_SECONDS="0"
    )

    assert result.returncode != 0
    assert "security.W004" in result.stderr


@pytest.mark.parametrize(
    "secret_key",
    [
        None,  # unset
        "",  # set, but empty
        DEVELOPMENT_SECRET_KEY,
        "short-but-random-" + secrets.token_urlsafe(16),  # fewer than 50 characters
        "django-insecure-" + secrets.token_urlsafe(48),  # Django's generated development keys
        "ab" * 40,  # long, but two characters
    ],
    # Named, not by their random values: every pytest-xdist worker must collect the same tests.
    ids=["unset", "empty", "development", "short", "django-insecure", "two-characters"],
)
@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "check"],
        ["manage.py", "runserver", "--noreload", "127.0.0.1:0"],
        # What a WSGI server (gunicorn policytracker.wsgi) does first.
        ["-c", "from policytracker.wsgi import application"],
    ],
)
def test_the_server_refuses_to_start_in_production_without_a_real_secret_key(secret_key, command):
    env = {**PRODUCTION}
    if secret_key is None:
        del env["DJANGO_SECRET_KEY"]
    else:
        env["DJANGO_SECRET_KEY"] = secret_key

    result = run([sys.executable, *command], **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY must be set to a long random value" in (
        result.stderr
    )


def test_the_development_key_works_with_debug_on():
    result = manage("check", DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr


PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
setup_test_environment()
# Nothing collected here (production runs collectstatic first: make serve): plain static names.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
client = Client()
plain = client.get("/api/docs/", HTTP_HOST="example.org")
health = client.get("/api/v1/health/", HTTP_HOST="example.org")
secure = client.get("/api/docs/", HTTP_HOST="example.org", secure=True)
login = client.get("/admin/login/", HTTP_HOST="example.org", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "health": health.status_code,
    "secure": dict(secure.headers),
    "cookies": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"])}
                for name, c in login.cookies.items()},
}))
"""


@pytest.fixture(scope="module")
def production_answers() -> dict:
    result = run(
        [sys.executable, "-c", PROBE],
        DJANGO_SETTINGS_MODULE="policytracker.settings",
        **PRODUCTION,
        DATABASE_URL="sqlite://:memory:",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_to_https(production_answers):
    assert production_answers["plain"] == [301, "https://example.org/api/docs/"]


def test_production_lets_the_health_check_come_over_http(production_answers):
    # A load balancer's health check may not speak HTTPS: no redirect for it.
    assert production_answers["health"] in (200, 503)


def test_production_sends_the_security_headers(production_answers):
    headers = production_answers["secure"]

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert directives(headers["Content-Security-Policy"]) == CSP


def test_production_cookies_go_over_https_only(production_answers):
    assert production_answers["cookies"] == {"csrftoken": {"secure": True, "httponly": False}}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/docs/", "/api/docs/?script=", "/api/redoc/", "/admin/login/", "/api/v1/topics/"]
)
def test_every_page_carries_the_content_security_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == CSP


@pytest.mark.django_db
def test_the_docs_pages_have_no_inline_script(client):
    # script-src 'self' forbids inline scripts: Swagger UI's starter is served as a file.
    for url in ("/api/docs/", "/api/redoc/"):
        html = client.get(url).content.decode()
        assert "<script>" not in html.replace(" ", ""), url
    assert "/api/docs/?script=" in client.get("/api/docs/").content.decode()


def test_the_proxy_ssl_header_is_read_from_the_environment():
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    result = run(
        [sys.executable, "-c", code],
        DJANGO_SETTINGS_MODULE="policytracker.settings",
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
    )

    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"
