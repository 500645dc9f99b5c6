"""Throttling: anonymous clients per address, accounts per account; over the rate a 429 with
Retry-After; counted in the shared cache (Redis when REDIS_URL is set)."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from policytracker.settings import env_rate
from tests.settings_probe import settings_in_a_fresh_process

pytestmark = pytest.mark.django_db

URL = "/api/v1/topics/"
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def rates(settings):
    """`rates(anon=…, user=…)`: turn throttling on at these rates, with the counts at zero."""

    def set_rates(anon: str | None = None, user: str | None = None) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
        }
        cache.clear()

    yield set_rates
    cache.clear()


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert response.json() == {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": f"Request was throttled. Expected available in {wait} seconds.",
        "code": "throttled",
    }


def test_anonymous_requests_over_the_rate_get_429_with_retry_after(api_client, rates):
    rates(anon="3/minute")

    statuses = [api_client.get(URL).status_code for _ in range(3)]
    response = api_client.get(URL)

    assert statuses == [200, 200, 200]
    assert_throttled(response)
    # Every API endpoint counts, the docs and the schema too.
    assert_throttled(api_client.get("/api/v1/health/"))
    assert_throttled(api_client.get("/api/schema/"))


def test_anonymous_clients_are_counted_per_address(rates):
    rates(anon="2/minute")
    first, second = APIClient(REMOTE_ADDR="192.0.2.1"), APIClient(REMOTE_ADDR="192.0.2.2")

    assert [first.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(URL).status_code == 200


def test_x_forwarded_for_does_not_escape_the_anonymous_rate(api_client, rates):
    # With no proxy configured (POLICYTRACKER_NUM_PROXIES=0) the connection's address counts,
    # not one the client makes up.
    rates(anon="2/minute")

    statuses = [
        api_client.get(URL, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_accounts_are_counted_per_account(editor_client, user_client, api_client, rates):
    rates(anon="100/minute", user="2/minute")

    assert [editor_client.get(URL).status_code for _ in range(2)] == [200, 200]
    assert_throttled(editor_client.get(URL))
    assert_throttled(editor_client.post(URL, {"slug": "s", "title": "T", "question": "Q"}))
    # Another account, and anonymous clients, have their own counts.
    assert user_client.get(URL).status_code == 200
    assert api_client.get(URL).status_code == 200


def test_a_rate_lowered_below_the_count_still_says_when_to_retry(api_client, rates, settings):
    # DRF's throttle computes no wait when more requests were counted than the rate allows.
    rates(anon="5/minute")
    for _ in range(4):
        api_client.get(URL)
    settings.REST_FRAMEWORK = {  # the counts stay
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": None},
    }

    assert_throttled(api_client.get(URL))


def test_the_default_rates_come_from_the_settings():
    rates = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    # The suite turns throttling off (tests/conftest.py); the settings module keeps the rates.
    assert rates == {"anon": None, "user": None}
    assert django_settings.POLICYTRACKER_THROTTLE_ANON == "300/minute"
    assert django_settings.POLICYTRACKER_THROTTLE_USER == "1200/minute"


@pytest.mark.parametrize(
    ("value", "rate"),
    [
        ("60/minute", "60/minute"),
        ("off", None),
        ("OFF", None),
        ("", None),
        (" 5/second ", "5/second"),
    ],
)
def test_rates_are_read_from_the_environment(monkeypatch, value, rate):
    monkeypatch.setenv("POLICYTRACKER_THROTTLE_ANON", value)
    assert env_rate("POLICYTRACKER_THROTTLE_ANON", "300/minute") == rate


def cache_and_rates_in_a_fresh_process(**env: str) -> dict:
    """CACHES and the throttle rates as the settings module makes them from `env`."""
    expression = (
        "{'CACHES': settings.CACHES, 'RATES': settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']}"
    )
    return settings_in_a_fresh_process(expression, unset=["REDIS_URL"], **env)


def test_the_cache_is_redis_when_redis_url_is_set_and_local_memory_otherwise():
    with_redis = cache_and_rates_in_a_fresh_process(
        REDIS_URL=REDIS_TEST_URL, POLICYTRACKER_THROTTLE_ANON="10/second"
    )
    without = cache_and_rates_in_a_fresh_process()

    assert with_redis["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.redis.RedisCache"
    )
    assert with_redis["CACHES"]["default"]["LOCATION"] == REDIS_TEST_URL
    assert with_redis["RATES"] == {
        "anon": "10/second",
        "user": "1200/minute",
        "failed_token": "20/minute",
    }
    assert without["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


@pytest.fixture
def redis_cache(settings):
    """The default cache on a real Redis (database 15, emptied before and after)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"NO REDIS: nothing answers at {REDIS_TEST_URL} (start redis-server)")
    client.flushdb()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": "policytracker",
        }
    }
    yield client
    client.flushdb()
    client.close()


def test_throttling_counts_in_redis_so_that_every_worker_agrees(
    api_client, rates, redis_cache, settings
):
    rates(anon="3/minute")
    assert [api_client.get(URL).status_code for _ in range(3)] == [200, 200, 200]

    # The count lives in Redis, where every worker reads it …
    keys = redis_cache.keys("policytracker:*throttle_anon_*")
    assert len(keys) == 1
    # … so a worker that has never seen this client (here: the cache connection dropped and
    # opened anew) refuses its fourth request.
    settings.CACHES = {"default": {**settings.CACHES["default"]}}
    assert_throttled(api_client.get(URL))
