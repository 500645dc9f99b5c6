"""Live tracking's admin: subscriptions added (the secret shown once), their webhook URLs checked,
secrets rotated, deliveries sent again, change events read (even when their records are gone)."""

import uuid

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from options import models
from options.tracking import delivery, webhooks
from tests import factories

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:options_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def subscription_form(**fields) -> dict:
    return {
        "name": "Venezuela",
        "url": "",
        "forecast_threshold": "0.25",
        "is_active": "on",
        **fields,
    }


def change_event(topic, **fields) -> models.ChangeEvent:
    return models.ChangeEvent.objects.create(
        type=fields.pop("type", models.ChangeEvent.Type.STANCE_CHANGED),
        title=fields.pop("title", "Padrino now opposes the deal"),
        topic=topic,
        write=uuid.uuid4(),
        data={"records": {"topic": {"id": topic.pk, "slug": topic.slug, "title": topic.title}}},
        **fields,
    )


@pytest.fixture
def staff_subscriber(django_user_model):
    """Staff with the `editors` group's permissions on subscriptions and deliveries only."""
    user = django_user_model.objects.create_user("sub", password="pw-sub-1", is_staff=True)
    codenames = ["add_subscription", "change_subscription", "delete_subscription"]
    codenames += ["view_subscription", "view_delivery", "view_changeevent", "view_topic"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_the_editors_group_may_manage_subscriptions_and_read_deliveries_and_events():
    codenames = set(
        Group.objects.get(name="editors").permissions.values_list("codename", flat=True)
    )

    assert codenames >= {
        "add_subscription",
        "change_subscription",
        "delete_subscription",
        "view_subscription",
        "view_delivery",
        "view_changeevent",
    }


def test_adding_a_subscription_shows_its_secret_once(admin_client, admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    topic = factories.TopicFactory()

    response = admin_client.post(
        admin_url(models.Subscription, "add"),
        subscription_form(
            url="http://127.0.0.1:9/hook",
            topics=[topic.pk],
            event_types=["stance.changed", "forecast.shifted"],
        ),
        follow=True,
    )

    assert response.status_code == 200
    subscription = models.Subscription.objects.get()
    assert subscription.owner == admin_user
    assert list(subscription.topics.all()) == [topic]
    assert subscription.event_types == ["stance.changed", "forecast.shifted"]
    shown = [message for message in messages_of(response) if subscription.secret in message]
    assert len(shown) == 1
    assert "not shown again" in shown[0]

    change = admin_client.get(admin_url(models.Subscription, "change", subscription.pk))
    assert change.status_code == 200
    page = change.content.decode()
    assert subscription.secret not in page
    assert f"feeds/subscriptions/{subscription.pk}.atom?token={subscription.feed_token}" in page
    listed = admin_client.get(admin_url(models.Subscription, "changelist")).content.decode()
    assert subscription.secret not in listed


def test_the_feed_links_shown_are_under_the_public_address_with_its_path(
    admin_client, admin_user, settings
):
    settings.BASE_URL = "https://example.org/tracker"
    subscription = models.Subscription.objects.create(
        owner=admin_user, url="https://hooks.example.org/in"
    )

    page = admin_client.get(admin_url(models.Subscription, "change", subscription.pk))

    feed = f"https://example.org/tracker/api/v1/feeds/subscriptions/{subscription.pk}.atom"
    assert f'href="{feed}?token={subscription.feed_token}"' in page.content.decode()


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "https://10.1.2.3/hook"])
def test_a_private_webhook_url_is_refused_with_a_form_error(admin_client, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(webhooks.UnsafeURL) as refusal:
        webhooks.check_url(url)

    response = admin_client.post(admin_url(models.Subscription, "add"), subscription_form(url=url))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"url": [str(refusal.value)]}
    assert not models.Subscription.objects.exists()


def test_rotating_the_secret_shows_the_new_one_once(admin_client, admin_user):
    subscription = models.Subscription.objects.create(owner=admin_user, name="Mine")
    old = subscription.secret

    response = admin_client.post(
        admin_url(models.Subscription, "changelist"),
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
        follow=True,
    )

    subscription.refresh_from_db()
    assert subscription.secret != old
    assert delivery.secrets_of(subscription) == [subscription.secret, old]
    assert [m for m in messages_of(response) if subscription.secret in m] != []
    assert not any(old in message for message in messages_of(response))


def test_staff_see_only_their_own_subscriptions(client, staff_subscriber, admin_user):
    mine = models.Subscription.objects.create(owner=staff_subscriber, name="Mine")
    theirs = models.Subscription.objects.create(owner=admin_user, name="Theirs")
    client.force_login(staff_subscriber)

    response = client.get(admin_url(models.Subscription, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    other = client.get(admin_url(models.Subscription, "change", theirs.pk))
    assert other.status_code == 302  # "doesn't exist", as Django says of a missing record


def test_staff_may_delete_their_subscription_with_its_deliveries(client, staff_subscriber):
    subscription = models.Subscription.objects.create(owner=staff_subscriber, name="Mine")
    event = change_event(factories.TopicFactory())
    models.Delivery.objects.create(
        subscription=subscription, change_event=event, webhook_id="msg_1", status="feed"
    )
    client.force_login(staff_subscriber)

    response = client.post(
        admin_url(models.Subscription, "delete", subscription.pk), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not models.Subscription.objects.exists()
    assert not models.Delivery.objects.exists()
    assert models.ChangeEvent.objects.filter(pk=event.pk).exists()


def make_delivery(subscription, event, status="failed") -> models.Delivery:
    made = models.Delivery.objects.create(
        subscription=subscription,
        change_event=event,
        webhook_id=delivery.new_webhook_id(),
        status=status,
        attempts=1,
    )
    models.DeliveryAttempt.objects.create(
        delivery=made,
        number=1,
        started=timezone.now(),
        url=subscription.url or "https://hooks.example.org/",
        status_code=503,
        latency_ms=40,
        succeeded=False,
        error="HTTP 503",
    )
    return made


def test_redeliver_sends_again_and_says_what_it_could_not(admin_client, admin_user, monkeypatch):
    queued = []
    monkeypatch.setattr(delivery, "_enqueue", lambda pk, **kwargs: queued.append(pk))
    event = change_event(factories.TopicFactory())
    hooked = models.Subscription.objects.create(
        owner=admin_user, name="Hooked", url="https://hooks.example.org/policy"
    )
    feed_only = models.Subscription.objects.create(owner=admin_user, name="Feed")
    failed = make_delivery(hooked, event)
    fed = make_delivery(feed_only, event, status="feed")

    response = admin_client.post(
        admin_url(models.Delivery, "changelist"),
        {"action": "redeliver", "_selected_action": [failed.pk, fed.pk]},
        follow=True,
    )

    assert response.status_code == 200
    failed.refresh_from_db()
    fed.refresh_from_db()
    assert (failed.status, failed.attempts, fed.status) == ("pending", 0, "feed")
    assert queued == [hooked.pk]
    assert messages_of(response) == [
        "1 deliveries queued to be sent again.",
        "1 not sent again: The subscription has no webhook URL: its events are in its feed only.",
    ]


def test_a_delivery_page_lists_its_attempts_read_only(admin_client, admin_user):
    subscription = models.Subscription.objects.create(
        owner=admin_user, name="Hooked", url="https://hooks.example.org/policy"
    )
    made = make_delivery(subscription, change_event(factories.TopicFactory()))

    response = admin_client.get(admin_url(models.Delivery, "change", made.pk))

    assert response.status_code == 200
    assert "HTTP 503" in response.content.decode()
    assert admin_client.get(admin_url(models.Delivery, "add")).status_code == 403
    assert admin_client.get(admin_url(models.Delivery, "changelist")).status_code == 200


def test_staff_see_only_the_deliveries_of_their_subscriptions(client, staff_subscriber, admin_user):
    event = change_event(factories.TopicFactory())
    mine = make_delivery(
        models.Subscription.objects.create(owner=staff_subscriber, name="A"), event
    )
    make_delivery(models.Subscription.objects.create(owner=admin_user, name="B"), event)
    client.force_login(staff_subscriber)

    response = client.get(admin_url(models.Delivery, "changelist"))

    assert list(response.context["cl"].result_list) == [mine]


def test_change_events_are_read_only_and_shown_when_their_records_are_gone(admin_client):
    topic = factories.TopicFactory(title="Venezuela 2019")
    stakeholder = factories.StakeholderFactory(name="Vladimir Padrino")
    event = change_event(topic, stakeholder=stakeholder)
    event.data["records"]["stakeholder"] = {"id": stakeholder.pk, "name": "Vladimir Padrino"}
    event.save()
    stakeholder.delete()
    topic.delete()

    changelist = admin_client.get(admin_url(models.ChangeEvent, "changelist"))
    page = admin_client.get(admin_url(models.ChangeEvent, "change", event.pk))

    assert changelist.status_code == page.status_code == 200
    assert "Venezuela 2019" in changelist.content.decode()
    assert "Vladimir Padrino" in page.content.decode()
    assert admin_client.get(admin_url(models.ChangeEvent, "add")).status_code == 403
    delete = admin_client.post(admin_url(models.ChangeEvent, "delete", event.pk), {"post": "yes"})
    assert delete.status_code == 403
    assert models.ChangeEvent.objects.filter(pk=event.pk).exists()
    searched = admin_client.get(admin_url(models.ChangeEvent, "changelist"), {"q": "Padrino"})
    assert searched.context["cl"].result_count == 1
