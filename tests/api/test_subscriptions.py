"""/api/v1/subscriptions/ and /api/v1/deliveries/: each user's own, the webhook secret shown
once, webhook URLs checked, the secret rotated, deliveries listed and sent again."""

import datetime
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from options import models
from options.tracking import delivery, webhooks
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder

pytestmark = pytest.mark.django_db

URL = "/api/v1/subscriptions/"
DELIVERIES = "/api/v1/deliveries/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user("other", password="other-password-1")


@pytest.fixture
def subscription(user):
    return models.Subscription.objects.create(
        owner=user, name="Mine", url="https://hooks.example.org/policy"
    )


@pytest.fixture
def theirs(other):
    return models.Subscription.objects.create(owner=other, name="Theirs")


@pytest.fixture
def private_webhooks(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True


def refusal_of(url: str) -> str:
    with pytest.raises(webhooks.UnsafeURL) as refusal:
        webhooks.check_url(url)
    return str(refusal.value)


def change_event(topic, **fields) -> models.ChangeEvent:
    records = {"topic": {"id": topic.pk, "slug": topic.slug, "title": topic.title}}
    return models.ChangeEvent.objects.create(
        type=fields.pop("type", models.ChangeEvent.Type.STANCE_CHANGED),
        title=fields.pop("title", "A stance changed"),
        topic=topic,
        write=uuid.uuid4(),
        data={"records": records},
        **fields,
    )


# --- Subscriptions ------------------------------------------------------------------------------


def test_create_answers_the_secret_once(user, user_client, private_webhooks):
    topic = factories.TopicFactory()
    stakeholder = factories.StakeholderFactory()
    option = factories.PolicyOptionFactory(topic=topic)
    body = {
        "name": "Venezuela",
        "url": "http://127.0.0.1:9/hook",
        "topics": [topic.pk],
        "stakeholders": [stakeholder.pk],
        "options": [option.pk],
        "event_types": ["stance.changed", "forecast.shifted", "stance.changed"],
        "forecast_threshold": 0.5,
    }

    response = user_client.post(URL, body)

    assert response.status_code == 201, response.json()
    created = response.json()
    subscription = models.Subscription.objects.get()
    pk, token = subscription.pk, subscription.feed_token
    assert created.pop("secret") == subscription.secret
    assert subscription.secret.startswith("whsec_")
    assert (created.pop("created"), created.pop("updated")) != (None, None)
    assert created == {
        "id": pk,
        "name": "Venezuela",
        "url": "http://127.0.0.1:9/hook",
        "topics": [brief_of(topic, "topics")],
        "stakeholders": [brief_stakeholder(stakeholder)],
        "options": [brief_of(option, "options")],
        "event_types": ["stance.changed", "forecast.shifted"],
        "forecast_threshold": 0.5,
        "is_active": True,
        "disabled_reason": "",
        "consecutive_failures": 0,
        "owner": {"id": user.pk, "username": "reader"},
        "feed_url": f"http://testserver/api/v1/feeds/subscriptions/{pk}.atom?token={token}",
        "json_feed_url": f"http://testserver/api/v1/feeds/subscriptions/{pk}.json?token={token}",
        "deliveries_url": f"http://testserver/api/v1/deliveries/?subscription={pk}",
    }
    assert subscription.owner == user

    # Never again: not in the detail, the list or a write's answer.
    detail = user_client.get(f"{URL}{pk}/").json()
    assert "secret" not in detail
    assert {key: detail[key] for key in created} == created
    assert "secret" not in user_client.get(URL).json()["results"][0]
    patched = user_client.patch(f"{URL}{pk}/", {"name": "Renamed"})
    assert patched.status_code == 200
    assert "secret" not in patched.json()
    assert patched.json()["name"] == "Renamed"


def test_a_subscription_without_a_webhook_is_a_feed(user_client):
    response = user_client.post(URL, {"name": "Just the feed"})

    assert response.status_code == 201, response.json()
    assert response.json()["url"] == ""
    assert response.json()["event_types"] == []
    assert response.json()["forecast_threshold"] == 0.25


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "https://127.0.0.1/hook", "https://10.0.0.8/"]
)
def test_a_private_webhook_url_is_refused(user_client, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False

    response = user_client.post(URL, {"name": "Sneaky", "url": url})

    assert response.status_code == 400
    assert response.json()["errors"] == {"url": [refusal_of(url)]}
    assert not models.Subscription.objects.exists()


def test_a_private_webhook_url_is_accepted_where_allowed(user_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True

    response = user_client.post(URL, {"name": "Local", "url": "http://127.0.0.1/"})

    assert response.status_code == 201, response.json()


def test_a_change_of_webhook_url_is_checked_too(user_client, subscription, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False

    response = user_client.patch(f"{URL}{subscription.pk}/", {"url": "https://192.168.1.1/"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"url": [refusal_of("https://192.168.1.1/")]}


# RFC 3986 (issue 11): the schema says `format: uri`; Django's URLValidator lets anything but white
# space through after the host. Refused before the address is looked up.
@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            'https://127.0.0.1/a"<c>',
            'Enter a valid URL: " (character 20) may not appear in a URL (RFC 3986); '
            "percent-encode it (%22).",
        ),
        (
            "https://127.0.0.1/hook\\x",
            "Enter a valid URL: \\ (character 23) may not appear in a URL (RFC 3986); "
            "percent-encode it (%5C).",
        ),
        (
            "https://127.0.0.1/hook?q=é",
            "Enter a valid URL: é (character 26) may not appear in a URL (RFC 3986); "
            "percent-encode it (%C3%A9).",
        ),
        (
            "https://127.0.0.1/hook?q=%zz",
            "Enter a valid URL: % may only begin a percent-encoded character such as %20 "
            "(RFC 3986); write %25 for % itself.",
        ),
    ],
)
def test_a_webhook_url_that_is_no_uri_is_refused(user_client, private_webhooks, url, message):
    response = user_client.post(URL, {"name": "Odd", "url": url})

    assert response.status_code == 400
    assert response.json()["errors"] == {"url": [message]}
    assert not models.Subscription.objects.exists()


def test_a_change_to_a_webhook_url_that_is_no_uri_is_refused(
    user_client, subscription, private_webhooks
):
    response = user_client.patch(f"{URL}{subscription.pk}/", {"url": "https://127.0.0.1/{x}"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["url"]
    subscription.refresh_from_db()
    assert subscription.url == "https://hooks.example.org/policy"


def test_a_percent_encoded_webhook_url_is_accepted(user_client, private_webhooks):
    url = "https://127.0.0.1:8443/hook/%7Bid%7D?token=a%22b&x=1#part"

    response = user_client.post(URL, {"name": "Encoded", "url": url})

    assert response.status_code == 201, response.json()
    assert response.json()["url"] == url == models.Subscription.objects.get().url


def test_unknown_event_types_are_refused_by_name(user_client):
    response = user_client.post(
        URL, {"name": "Typo", "event_types": ["stance.changed", "stance.change", "nope"]}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "event_types": [
            "Unknown event types: stance.change, nope. The types are: "
            + ", ".join(models.ChangeEvent.Type.values)
            + "."
        ]
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"forecast_threshold": "0.5"}, "forecast_threshold"),
        ({"forecast_threshold": 4.5}, "forecast_threshold"),
        ({"forecast_threshold": -1}, "forecast_threshold"),
        ({"event_types": "stance.changed"}, "event_types"),
        ({"topics": [999999]}, "topics"),
        ({"is_active": "yes"}, "is_active"),
    ],
)
def test_invalid_values_are_refused(user_client, body, field):
    response = user_client.post(URL, {"name": "Bad", **body})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}


def test_a_user_sees_only_their_own_subscriptions(user_client, subscription, theirs):
    ids = [row["id"] for row in user_client.get(URL).json()["results"]]

    assert ids == [subscription.pk]


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_users_subscription_is_not_found(user_client, theirs, method):
    response = getattr(user_client, method)(f"{URL}{theirs.pk}/", {"name": "Mine now"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_another_users_secret_cannot_be_rotated(user_client, theirs):
    secret = theirs.secret

    assert user_client.post(f"{URL}{theirs.pk}/rotate-secret/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.secret == secret


def test_a_superuser_sees_and_changes_everyones(superuser, subscription, theirs):
    client = client_for(superuser)

    ids = {row["id"] for row in client.get(URL).json()["results"]}
    assert ids == {subscription.pk, theirs.pk}
    assert client.patch(f"{URL}{theirs.pk}/", {"is_active": False}).status_code == 200
    theirs.refresh_from_db()
    assert theirs.is_active is False
    assert theirs.owner.username == "other"  # a superuser's change does not take it over


def test_owner_is_read_only(user, user_client, other):
    response = user_client.post(URL, {"name": "Mine", "owner": other.pk})

    assert response.status_code == 201
    assert models.Subscription.objects.get().owner == user


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", URL),
        ("post", URL),
        ("get", "{URL}{pk}/"),
        ("patch", "{URL}{pk}/"),
        ("delete", "{URL}{pk}/"),
        ("post", "{URL}{pk}/rotate-secret/"),
        ("get", DELIVERIES),
    ],
)
def test_anonymous_requests_are_refused(api_client, subscription, method, path):
    response = getattr(api_client, method)(path.format(URL=URL, pk=subscription.pk), {})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_delete_takes_the_deliveries_with_it(user_client, subscription):
    event = change_event(factories.TopicFactory())
    models.Delivery.objects.create(
        subscription=subscription, change_event=event, webhook_id="msg_1", status="delivered"
    )

    assert user_client.delete(f"{URL}{subscription.pk}/").status_code == 204
    assert not models.Delivery.objects.exists()
    assert models.ChangeEvent.objects.filter(pk=event.pk).exists()


def test_making_a_disabled_subscription_active_again_resets_its_failures(user_client, user):
    disabled = models.Subscription.objects.create(
        owner=user,
        name="Broken",
        is_active=False,
        disabled_reason="3 deliveries in a row failed.",
        consecutive_failures=3,
    )

    response = user_client.patch(f"{URL}{disabled.pk}/", {"is_active": True})

    assert response.status_code == 200
    assert (response.json()["disabled_reason"], response.json()["consecutive_failures"]) == ("", 0)


def test_rotate_secret_answers_a_new_secret_and_keeps_the_old_one_a_while(
    user_client, subscription
):
    old = subscription.secret

    response = user_client.post(f"{URL}{subscription.pk}/rotate-secret/")

    assert response.status_code == 200
    body = response.json()
    subscription.refresh_from_db()
    assert body["secret"] == subscription.secret != old
    assert body["secret"].startswith("whsec_")
    expires = datetime.datetime.fromisoformat(body["previous_secret_expires"])
    assert expires == subscription.previous_secret_expires
    assert expires - timezone.now() > datetime.timedelta(hours=23)
    assert delivery.secrets_of(subscription) == [body["secret"], old]
    assert "secret" not in user_client.get(f"{URL}{subscription.pk}/").json()


def test_list_filters_by_topic_and_activity(user, user_client):
    topic = factories.TopicFactory(slug="venezuela")
    following = models.Subscription.objects.create(owner=user, name="Venezuela")
    following.topics.add(topic)
    models.Subscription.objects.create(owner=user, name="Everything", is_active=False)

    def ids(query):
        return [row["id"] for row in user_client.get(f"{URL}?{query}").json()["results"]]

    assert ids("topic=venezuela") == ids(f"topic_id={topic.pk}") == [following.pk]
    assert ids("is_active=true") == [following.pk]
    assert user_client.get(f"{URL}?colour=red").status_code == 400


# --- Deliveries ---------------------------------------------------------------------------------


@pytest.fixture
def event():
    return change_event(factories.TopicFactory(), title="Padrino now opposes the deal")


def make_delivery(subscription, event, status="failed", attempts=0) -> models.Delivery:
    made = models.Delivery.objects.create(
        subscription=subscription,
        change_event=event,
        webhook_id=delivery.new_webhook_id(),
        status=status,
        attempts=attempts,
        last_error="HTTP 500" if status == "failed" else "",
    )
    for number in range(1, attempts + 1):
        models.DeliveryAttempt.objects.create(
            delivery=made,
            number=number,
            started=timezone.now(),
            url=subscription.url or "https://hooks.example.org/",
            status_code=500,
            latency_ms=12,
            succeeded=False,
            error="HTTP 500",
            response_excerpt="oops",
        )
    return made


def test_a_delivery_shows_its_attempts(user_client, subscription, event):
    made = make_delivery(subscription, event, attempts=2)

    response = user_client.get(f"{DELIVERIES}{made.pk}/")

    assert response.status_code == 200
    body = response.json()
    body.pop("created")
    started = [attempt.pop("started") for attempt in body["attempt_log"]]
    assert all(started)
    assert body == {
        "id": made.pk,
        "url": f"http://testserver{DELIVERIES}{made.pk}/",
        "subscription": {
            "id": subscription.pk,
            "url": f"http://testserver{URL}{subscription.pk}/",
            "name": "Mine",
        },
        "change_event": {
            "id": event.pk,
            "url": f"http://testserver/api/v1/change-events/{event.pk}/",
            "type": "stance.changed",
            "title": "Padrino now opposes the deal",
        },
        "webhook_id": made.webhook_id,
        "status": "failed",
        "attempts": 2,
        "next_attempt_at": None,
        "delivered_at": None,
        "last_error": "HTTP 500",
        "attempt_log": [
            {
                "number": number,
                "url": "https://hooks.example.org/policy",
                "status_code": 500,
                "latency_ms": 12,
                "succeeded": False,
                "error": "HTTP 500",
                "response_excerpt": "oops",
            }
            for number in (1, 2)
        ],
    }


def test_deliveries_are_the_users_own(user_client, subscription, theirs, event, superuser):
    mine = make_delivery(subscription, event)
    other = make_delivery(theirs, event)

    assert [row["id"] for row in user_client.get(DELIVERIES).json()["results"]] == [mine.pk]
    assert user_client.get(f"{DELIVERIES}{other.pk}/").status_code == 404
    assert user_client.post(f"{DELIVERIES}{other.pk}/redeliver/").status_code == 404
    # Filtering by another user's subscription finds nothing, as for one that does not exist.
    assert user_client.get(f"{DELIVERIES}?subscription={theirs.pk}").json()["count"] == 0
    everyone = client_for(superuser).get(DELIVERIES).json()["results"]
    assert [row["id"] for row in everyone] == [other.pk, mine.pk]  # newest first


def test_deliveries_filter_by_subscription_status_and_event(user, user_client, subscription, event):
    second = models.Subscription.objects.create(owner=user, name="Second")
    later = change_event(event.topic, title="Later")
    failed = make_delivery(subscription, event, status="failed")
    delivered = make_delivery(subscription, later, status="delivered")
    fed = make_delivery(second, event, status="feed")

    def ids(query):
        response = user_client.get(f"{DELIVERIES}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"subscription={subscription.pk}") == {failed.pk, delivered.pk}
    assert ids("status=failed&status=feed") == {failed.pk, fed.pk}
    assert ids(f"change_event={event.pk}") == {failed.pk, fed.pk}
    assert ids(f"webhook_id={delivered.webhook_id}") == {delivered.pk}
    assert user_client.get(f"{DELIVERIES}?subscription=x").status_code == 400


def test_redeliver_queues_the_delivery_again(user_client, subscription, event, monkeypatch):
    queued = []
    monkeypatch.setattr(
        delivery, "_enqueue", lambda subscription_id, **kwargs: queued.append(subscription_id)
    )
    made = make_delivery(subscription, event, status="failed", attempts=3)

    response = user_client.post(f"{DELIVERIES}{made.pk}/redeliver/")

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["id"], body["status"], body["attempts"]) == (made.pk, "pending", 0)
    assert len(body["attempt_log"]) == 3  # the earlier attempts stay
    assert queued == [subscription.pk]
    made.refresh_from_db()
    assert made.status == "pending"


def test_redeliver_without_a_webhook_is_a_conflict(user, user_client, event, monkeypatch):
    monkeypatch.setattr(delivery, "_enqueue", lambda *args, **kwargs: pytest.fail("queued"))
    feed_only = models.Subscription.objects.create(owner=user, name="Feed")
    made = make_delivery(feed_only, event, status="feed")

    response = user_client.post(f"{DELIVERIES}{made.pk}/redeliver/")

    assert response.status_code == 409
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "The subscription has no webhook URL: its events are in its feed only.",
        "code": "no_webhook",
    }
    made.refresh_from_db()
    assert made.status == "feed"


def test_deliveries_list_runs_the_same_queries_for_1_and_30_rows(
    user_client, subscription, event, django_assert_num_queries
):
    make_delivery(subscription, event, attempts=2)
    # count, page (subscription and change event joined), the page's attempts
    with django_assert_num_queries(3):
        assert user_client.get(DELIVERIES).status_code == 200
    for _ in range(29):
        make_delivery(subscription, change_event(event.topic), attempts=2)
    with django_assert_num_queries(3):
        response = user_client.get(DELIVERIES)
    assert len(response.json()["results"]) == 30


def test_subscriptions_list_runs_the_same_queries_for_1_and_30_rows(
    user, user_client, django_assert_num_queries
):
    topic, stakeholder = factories.TopicFactory(), factories.StakeholderFactory()

    def make():
        made = models.Subscription.objects.create(owner=user, name="S")
        made.topics.add(topic)
        made.stakeholders.add(stakeholder)

    make()
    # count, page (owner joined), its topics, stakeholders, options
    with django_assert_num_queries(5):
        assert user_client.get(URL).status_code == 200
    for _ in range(29):
        make()
    with django_assert_num_queries(5):
        assert len(user_client.get(URL).json()["results"]) == 30
