"""Deliveries (options/tracking/delivery.py): which subscriptions get an event, queued in the
write's transaction; sent to a real receiver on loopback, signed, in order, retried, given up on,
and a subscription that keeps failing disabled."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from options.models import ChangeEvent, Delivery, Position, Subscription
from options.services import audited_write, record_create
from options.tracking import delivery
from options.tracking.delivery import deliver_pending, requeue_stalled
from tests import factories
from tests.tracking.receiver import Receiver

Type = ChangeEvent.Type
WORKER = "test-worker"
STANCES = [Type.STANCE_CHANGED]  # one event per new stakeholder's position


@pytest.fixture(autouse=True)
def loopback_webhooks(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT = 2.0


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def option(db):
    return factories.PolicyOptionFactory()


@pytest.fixture
def source(db):
    return factories.SourceFactory()


def take_position(option, source, stance, stakeholder, as_of):
    return record_create(
        Position,
        fields=dict(
            stakeholder=stakeholder,
            option=option,
            stance=stance,
            basis="stated",
            as_of=datetime.date.fromisoformat(as_of),
            source=source,
        ),
    )


def new_user(**fields):
    users = get_user_model().objects
    return users.create_user(username=f"analyst{users.count() + 1}", **fields)


def subscribe(owner=None, **fields) -> Subscription:
    links = {k: fields.pop(k) for k in ("topics", "stakeholders", "options") if k in fields}
    subscription = Subscription.objects.create(owner=owner or new_user(), name="Watch", **fields)
    for name, related in links.items():
        getattr(subscription, name).set(related)
    return subscription


def queued_for(subscription) -> int:
    return sum(
        1 for task in DBTaskResult.objects.all() if task.args_kwargs["args"] == [subscription.pk]
    )


def make_due(subscription):
    Delivery.objects.filter(subscription=subscription, status="pending").update(
        next_attempt_at=timezone.now()
    )


# --- Matching ---------------------------------------------------------------------------------


def test_each_subscription_gets_what_it_follows(option, source, receiver):
    stakeholder = factories.StakeholderFactory()
    everything = subscribe(url=receiver.url)
    this_topic = subscribe(url=receiver.url, topics=[option.topic])
    other_topic = subscribe(url=receiver.url, topics=[factories.TopicFactory()])
    this_stakeholder = subscribe(url=receiver.url, stakeholders=[stakeholder])
    only_events = subscribe(url=receiver.url, event_types=[Type.EVENT_RECORDED])
    feed_only = subscribe()
    inactive = subscribe(url=receiver.url, is_active=False)

    take_position(option, source, 2, stakeholder, "2019-04-30")

    def types(subscription):
        return sorted(subscription.deliveries.values_list("change_event__type", flat=True))

    # A forecast shift names no stakeholder: it is not for those who follow stakeholders.
    assert types(everything) == [Type.FORECAST_SHIFTED, Type.STANCE_CHANGED]
    assert types(this_topic) == [Type.FORECAST_SHIFTED, Type.STANCE_CHANGED]
    assert types(this_stakeholder) == [Type.STANCE_CHANGED]
    assert types(other_topic) == types(only_events) == types(inactive) == []
    assert set(feed_only.deliveries.values_list("status", flat=True)) == {"feed"}
    assert set(everything.deliveries.values_list("status", flat=True)) == {"pending"}
    assert queued_for(everything) == 1 and queued_for(feed_only) == 0


def test_a_forecast_shift_goes_to_those_whose_threshold_it_reaches():
    event = ChangeEvent(type=Type.FORECAST_SHIFTED, topic_id=1, option_ids=[1], data={"delta": 0.3})
    followed = {1: (set(), set(), set()), 2: (set(), set(), set())}
    low = Subscription(pk=1, forecast_threshold=0.25)
    high = Subscription(pk=2, forecast_threshold=0.5)
    assert delivery._follows(low, event, followed)
    assert not delivery._follows(high, event, followed)
    event.data["crossed_majority"] = True
    assert delivery._follows(high, event, followed)


def test_a_rolled_back_write_notifies_nobody(option, source, receiver):
    subscription = subscribe(url=receiver.url, event_types=STANCES)
    with pytest.raises(RuntimeError), transaction.atomic():
        take_position(option, source, 2, factories.StakeholderFactory(), "2019-04-30")
        raise RuntimeError("rolled back")
    assert not subscription.deliveries.exists()
    assert queued_for(subscription) == 0
    assert not ChangeEvent.objects.exists()


def test_many_events_of_one_write_reach_a_subscriber_as_one_digest(option, source, receiver):
    subscription = subscribe(url=receiver.url)
    with audited_write():
        for _ in range(delivery.DIGEST_AFTER + 1):
            take_position(option, source, 1, factories.StakeholderFactory(), "2019-04-30")
    statuses = dict(subscription.deliveries.values_list("change_event__type", "status").distinct())
    assert statuses == {
        Type.CHANGES_DIGEST: "pending",
        Type.STANCE_CHANGED: "digested",
        Type.FORECAST_SHIFTED: "digested",
    }
    assert deliver_pending(subscription.pk, worker=WORKER) == 1
    [received] = receiver.received
    body = json.loads(received.body)
    assert body["type"] == Type.CHANGES_DIGEST
    # A stance changed per position; the option's forecast shifted, once for the write.
    assert body["data"]["digested_count"] == delivery.DIGEST_AFTER + 2


# --- Sending ----------------------------------------------------------------------------------


def test_a_delivery_arrives_signed_with_the_event_and_is_logged(option, source, receiver):
    subscription = subscribe(url=receiver.url, event_types=STANCES)
    position = take_position(option, source, -2, factories.StakeholderFactory(), "2019-04-30")
    assert deliver_pending(subscription.pk, worker=WORKER) == 1

    [received] = receiver.received
    payload = Webhook(subscription.secret).verify(received.body, received.headers)
    assert payload["type"] == Type.STANCE_CHANGED
    data = payload["data"]
    assert data["after"]["stance"] == -2
    assert data["position"]["id"] == position.pk
    assert data["source"]["id"] == source.pk
    assert data["topic"]["url"].startswith("http://")

    sent = subscription.deliveries.get()
    assert (sent.status, sent.attempts, sent.webhook_id) == (
        "delivered",
        1,
        received.headers["webhook-id"],
    )
    [attempt] = sent.attempt_log.all()
    assert attempt.succeeded and attempt.status_code == 200 and attempt.response_excerpt == "ok"


def test_a_failing_receiver_gets_retries_with_the_same_id_until_it_succeeds(option, source):
    with Receiver(statuses=[500, 500, 503]) as receiver:
        subscription = subscribe(url=receiver.url, event_types=STANCES)
        take_position(option, source, 2, factories.StakeholderFactory(), "2019-04-30")
        waits = []
        for _ in range(4):
            deliver_pending(subscription.pk, worker=WORKER)
            pending = subscription.deliveries.get()
            if pending.next_attempt_at:
                waits.append(pending.next_attempt_at - timezone.now())
            make_due(subscription)
        assert [r.status for r in receiver.received] == [500, 500, 503, 200]
        assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
        assert len(receiver.succeeded()) == 1
    done = subscription.deliveries.get()
    assert done.status == "delivered" and done.attempts == 4
    assert [a.status_code for a in done.attempt_log.all()] == [500, 500, 503, 200]
    # Backoff: each wait longer than the one before (the schedule, with up to 20 % jitter).
    assert waits[0] < waits[1] < waits[2]
    assert waits[0] >= delivery.retry_schedule()[0] - datetime.timedelta(seconds=1)


def test_a_failing_delivery_holds_back_the_later_ones(option, source):
    with Receiver(statuses=[500]) as receiver:
        subscription = subscribe(url=receiver.url, event_types=STANCES)
        take_position(option, source, 2, factories.StakeholderFactory(), "2019-04-30")
        take_position(option, source, -1, factories.StakeholderFactory(), "2019-04-30")
        assert deliver_pending(subscription.pk, worker=WORKER) == 0
        assert len(receiver.received) == 1  # the second waits for the first
        make_due(subscription)
        assert deliver_pending(subscription.pk, worker=WORKER) == 2
    first, second = subscription.deliveries.order_by("id")
    assert [r.headers["webhook-id"] for r in receiver.received] == [
        first.webhook_id,
        first.webhook_id,
        second.webhook_id,
    ]


def test_after_the_last_retry_a_delivery_fails_and_a_failing_subscription_is_disabled(
    option, source, mailoutbox
):
    owner = new_user(email="analyst@example.org")
    with Receiver(statuses=[500] * 100) as receiver:
        subscription = subscribe(owner=owner, url=receiver.url, event_types=STANCES)
        for _ in range(delivery.DISABLE_AFTER_FAILED_DELIVERIES):
            take_position(option, source, 2, factories.StakeholderFactory(), "2019-04-30")
        for _ in range(delivery.DISABLE_AFTER_FAILED_DELIVERIES):
            for _ in range(len(delivery.retry_schedule()) + 1):
                deliver_pending(subscription.pk, worker=WORKER)
                make_due(subscription)
    statuses = list(subscription.deliveries.values_list("status", flat=True))
    assert statuses == ["failed"] * delivery.DISABLE_AFTER_FAILED_DELIVERIES
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "failed after every retry" in subscription.disabled_reason
    [mail] = mailoutbox
    assert mail.to == ["analyst@example.org"] and "disabled" in mail.subject
    # Disabled: a new write is not delivered to it.
    take_position(option, source, 1, factories.StakeholderFactory(), "2019-04-30")
    assert subscription.deliveries.count() == delivery.DISABLE_AFTER_FAILED_DELIVERIES


def test_redeliver_sends_a_delivered_event_again_with_the_same_id(option, source, receiver):
    subscription = subscribe(url=receiver.url, event_types=STANCES)
    take_position(option, source, 2, factories.StakeholderFactory(), "2019-04-30")
    deliver_pending(subscription.pk, worker=WORKER)
    sent = subscription.deliveries.get()
    delivery.redeliver(sent)
    assert deliver_pending(subscription.pk, worker=WORKER) == 1
    assert [r.headers["webhook-id"] for r in receiver.received] == [sent.webhook_id] * 2


def test_a_subscription_held_by_another_worker_is_left_to_it_then_swept(option, source, receiver):
    subscription = subscribe(url=receiver.url, event_types=STANCES)
    take_position(option, source, 2, factories.StakeholderFactory(), "2019-04-30")
    held_until = timezone.now() + datetime.timedelta(seconds=30)
    Subscription.objects.filter(pk=subscription.pk).update(
        lease_until=held_until, lease_owner="other-worker"
    )
    queued = queued_for(subscription)
    assert deliver_pending(subscription.pk, worker=WORKER) == 0
    assert receiver.received == []
    assert queued_for(subscription) == queued + 1  # it comes back when the lease expires
    assert requeue_stalled() == 0  # held: not stalled

    # The other worker was killed: its lease expires, the sweep queues the delivery again.
    Subscription.objects.filter(pk=subscription.pk).update(
        lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert requeue_stalled() == 1
    assert deliver_pending(subscription.pk, worker=WORKER) == 1
    assert len(receiver.succeeded()) == 1


def test_rotating_the_secret_signs_with_both_during_the_overlap(option, source, receiver):
    subscription = subscribe(url=receiver.url, event_types=STANCES)
    old = subscription.secret
    new = delivery.rotate_secret(subscription)
    take_position(option, source, 2, factories.StakeholderFactory(), "2019-04-30")
    deliver_pending(subscription.pk, worker=WORKER)
    [received] = receiver.received
    for secret in (old, new):
        Webhook(secret).verify(received.body, received.headers)
    assert delivery.secrets_of(
        subscription, timezone.now() + delivery.ROTATION_OVERLAP + datetime.timedelta(1)
    ) == [new]
