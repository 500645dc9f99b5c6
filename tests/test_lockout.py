"""Brute force: the login pages lock an account, and a client address, out after a few wrong
passwords (django-axes), whatever X-Forwarded-For says; an address that sends many bad API
tokens gets 429 instead of 401."""

import datetime
import logging

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories
from tests.settings_probe import settings_in_a_fresh_process

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
API_LOGIN = "/api-auth/login/"
ATTACKER, OTHER = "192.0.2.1", "192.0.2.2"
LIMIT = 5  # POLICYTRACKER_LOGIN_FAILURE_LIMIT's default
PASSWORD = "admin-password-1"  # the `superuser` fixture's


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Dozens of logins a test: a fast hasher (each wrong password costs a full hash)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(url: str, username: str, password: str, address: str = ATTACKER, **headers):
    """POST the login form at `url` as a fresh client from `address`: (response, logged in?)."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(url, {"username": username, "password": password}, **headers)
    return response, "_auth_user_id" in client.session


def fail(url: str, times: int, username: str = "admin", address: str = ATTACKER, **headers):
    """`times` wrong passwords; the statuses."""
    return [log_in(url, username, "wrong", address, **headers)[0].status_code for _ in range(times)]


def assert_locked_out(response, logged_in: bool) -> None:
    assert not logged_in
    assert response.status_code == 429
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert f"Logging in is blocked after {LIMIT} failed attempts" in page
    assert "Try again in 15 minutes (after " in page


def wait_out_the_cool_off(minutes: float = 15) -> None:
    """Move every recorded failure `minutes` into the past (no sleeping, no clock to freeze)."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes, seconds=1)
    )


# --- Login lockout ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ADMIN_LOGIN, API_LOGIN])
def test_wrong_passwords_lock_the_account_out_even_for_the_right_one(superuser, url, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        statuses = fail(url, LIMIT)
    response, logged_in = log_in(url, "admin", PASSWORD)

    # The form refuses the first four; the fifth locks out.
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert_locked_out(response, logged_in)
    # Recorded (the admin's "Access attempts") and logged.
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address) == ("admin", ATTACKER)
    assert attempt.failures_since_start == LIMIT + 1
    assert any("Locking out" in record.getMessage() for record in caplog.records)
    # A login from code (the test client's login(), a script's authenticate()) passes no
    # request: there is no client to count or lock out.
    assert Client().login(username="admin", password=PASSWORD)


def test_the_lockout_holds_across_both_login_pages(superuser):
    fail(ADMIN_LOGIN, LIMIT)

    assert_locked_out(*log_in(API_LOGIN, "admin", PASSWORD))


def test_an_account_is_locked_out_from_every_address(superuser):
    for n in range(LIMIT):
        fail(ADMIN_LOGIN, 1, address=f"198.51.100.{n}")

    assert_locked_out(*log_in(ADMIN_LOGIN, "admin", PASSWORD, address=OTHER))


def test_an_address_is_locked_out_for_every_account(superuser, editor):
    # One wrong password for each of five accounts: no account reaches the limit, the address does.
    for n in range(LIMIT):
        fail(ADMIN_LOGIN, 1, username=f"guess-{n}")

    assert_locked_out(*log_in(API_LOGIN, "editor", "editor-password-1"))
    assert_locked_out(*log_in(ADMIN_LOGIN, "admin", PASSWORD))
    # From another address, both log in.
    assert log_in(API_LOGIN, "editor", "editor-password-1", address=OTHER)[1]
    assert log_in(ADMIN_LOGIN, "admin", PASSWORD, address=OTHER)[1]


def test_the_right_password_works_again_after_the_cool_off(superuser):
    fail(ADMIN_LOGIN, LIMIT)

    # 14 minutes on, still locked out; and that attempt starts the 15 minutes again.
    wait_out_the_cool_off(minutes=14)
    assert_locked_out(*log_in(ADMIN_LOGIN, "admin", PASSWORD))
    wait_out_the_cool_off(minutes=14)
    assert_locked_out(*log_in(ADMIN_LOGIN, "admin", PASSWORD))

    wait_out_the_cool_off()
    response, logged_in = log_in(ADMIN_LOGIN, "admin", PASSWORD)
    assert (response.status_code, logged_in) == (302, True)


def test_a_forged_x_forwarded_for_does_not_escape_the_address_lockout(superuser):
    # No proxy (POLICYTRACKER_NUM_PROXIES=0): the connection's address counts.
    for n in range(LIMIT):
        fail(ADMIN_LOGIN, 1, username=f"guess-{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    assert_locked_out(*log_in(ADMIN_LOGIN, "admin", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99"))


def test_behind_a_proxy_the_address_it_saw_counts(superuser, settings):
    # POLICYTRACKER_NUM_PROXIES=1: the last X-Forwarded-For entry, the one the proxy appended.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.5"
    for n in range(LIMIT):
        fail(
            ADMIN_LOGIN,
            1,
            username=f"guess-{n}",
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7",
        )

    assert_locked_out(
        *log_in(ADMIN_LOGIN, "admin", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    )
    # Another client behind the same proxy is not locked out.
    assert log_in(
        ADMIN_LOGIN, "admin", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8"
    )[1]


def test_a_successful_login_does_not_reset_the_address_count(superuser, editor):
    # An attacker with an account of their own cannot clear their address's failures.
    fail(ADMIN_LOGIN, LIMIT - 1, username="guess")
    assert log_in(API_LOGIN, "editor", "editor-password-1")[1]

    fail(ADMIN_LOGIN, 1, username="guess-again")
    assert_locked_out(*log_in(ADMIN_LOGIN, "admin", PASSWORD))


LIMITS = (
    "{'limit': settings.AXES_FAILURE_LIMIT, "
    "'cool_off': settings.AXES_COOLOFF_TIME and settings.AXES_COOLOFF_TIME.total_seconds(), "
    "'failed_tokens': settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['failed_token']}"
)


def limits_in_a_fresh_process(**env: str) -> dict:
    """The lockout's and the failed-token throttle's settings as the settings module makes them."""
    return settings_in_a_fresh_process(LIMITS, unset=["POLICYTRACKER_"], **env)


def test_the_limits_are_read_from_the_environment():
    assert limits_in_a_fresh_process() == {
        "limit": 5,
        "cool_off": 900.0,
        "failed_tokens": "20/minute",
    }
    assert limits_in_a_fresh_process(
        POLICYTRACKER_LOGIN_FAILURE_LIMIT="3",
        POLICYTRACKER_LOGIN_COOLOFF_MINUTES="60",
        POLICYTRACKER_THROTTLE_FAILED_TOKENS="5/hour",
    ) == {"limit": 3, "cool_off": 3600.0, "failed_tokens": "5/hour"}
    # 0 minutes: locked out until an administrator unlocks (manage.py axes_reset_username).
    assert limits_in_a_fresh_process(POLICYTRACKER_LOGIN_COOLOFF_MINUTES="0")["cool_off"] is None


# --- Failed tokens ---------------------------------------------------------------------------

URL = "/api/v1/topics/"
TOKENS = 20  # POLICYTRACKER_THROTTLE_FAILED_TOKENS's default: 20/minute


@pytest.fixture
def failed_token_rate(settings):
    """The failed-token throttle on, at its default rate (the suite turns throttling off,
    tests/conftest.py), with the counts at zero."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "failed_token": "20/minute"},
    }
    cache.clear()
    yield
    cache.clear()


def token_client(key: str, address: str = ATTACKER) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def random_key(n: int) -> str:
    return f"{n:064x}"


def test_an_address_sending_many_bad_tokens_gets_429(editor, failed_token_rate):
    _, valid = AuthToken.objects.create(editor)
    # Valid tokens are not counted.
    assert {token_client(valid).get(URL).status_code for _ in range(TOKENS + 5)} == {200}

    statuses = [token_client(random_key(n)).get(URL).status_code for n in range(TOKENS)]
    response = token_client(random_key(TOKENS)).get(URL)

    assert statuses == [401] * TOKENS
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json() == {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "Too many failed token authentications from this address. "
        f"Expected available in {wait} seconds.",
        "code": "throttled",
    }
    # Malformed keys are bad tokens too; so, from this address, is a valid one until the wait is
    # over: it is not checked.
    assert token_client("not-a-key").get(URL).status_code == 429
    assert token_client(valid).get(URL).status_code == 429
    # Another address is not held back, and requests without a token neither.
    assert token_client(valid, address=OTHER).get(URL).status_code == 200
    assert APIClient(REMOTE_ADDR=ATTACKER).get(URL).status_code == 200


def test_a_forged_x_forwarded_for_does_not_escape_the_failed_token_count(failed_token_rate):
    statuses = [
        token_client(random_key(n)).get(URL, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(TOKENS + 1)
    ]

    assert statuses == [401] * TOKENS + [429]


def test_the_pages_count_bad_tokens_as_the_api_does(editor, failed_token_rate, settings):
    # With reading not public, the pages take API tokens (options/views.py): a script fetching
    # the SVG with guessed tokens is held back as it would be at the API.
    settings.POLICYTRACKER_PUBLIC_READ = False
    _, valid = AuthToken.objects.create(editor)
    topic = factories.TopicFactory()
    svg = f"/topics/{topic.slug}/stance-matrix.svg"

    statuses = [token_client(random_key(n)).get(svg).status_code for n in range(TOKENS)]
    blocked = token_client(valid).get(svg)

    assert statuses == [401] * TOKENS
    assert blocked.status_code == 429 and 1 <= int(blocked["Retry-After"]) <= 60
    assert token_client(valid, address=OTHER).get(svg).status_code == 200
