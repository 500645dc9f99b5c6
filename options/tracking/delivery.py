"""
Deliveries: each change event, for each subscription that follows it, and its delivery to the
subscription's webhook.

Never lost, in order, at least once:
- `deliveries_create()` runs inside the write's transaction (options/tracking/derive.py): the
  deliveries and the task that will send them are rows of that transaction, so a write that rolls
  back notifies nobody, and one that commits cannot lose its notifications;
- a subscription's deliveries are sent one at a time, oldest first, by whichever worker holds the
  subscription's lease (`Subscription.lease_until`); a delivery that fails holds back the later
  ones until it succeeds or runs out of attempts (`settings.WEBHOOK_RETRY_SCHEDULE`), then is marked failed;
- a worker killed mid-delivery leaves the delivery pending and its lease to expire: the next
  worker to look (the task's next run, or `requeue_stalled()`, which every worker runs each
  minute) sends it again, with the same `webhook-id`, by which receivers deduplicate.
"""

import datetime
import json
import logging
import random
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from options.models import ChangeEvent, Delivery, DeliveryAttempt, Subscription
from options.models.tracking import new_webhook_secret
from options.tracking import webhooks

logger = logging.getLogger(__name__)

#: A subscription that follows more of one write's events on a topic than this is sent the
#: topic's digest instead (the events stay in its feed).
DIGEST_AFTER = 10

#: Each wait of the retry schedule (settings.WEBHOOK_RETRY_SCHEDULE) is lengthened by up to
#: this fraction at random, so that a receiver coming back up is not hit by every subscription
#: at the same second.
JITTER = 0.2
#: After this many deliveries in a row have failed for good, the subscription is disabled.
DISABLE_AFTER_FAILED_DELIVERIES = 3
#: How long the old secret still signs after a rotation (both signatures are sent).
ROTATION_OVERLAP = datetime.timedelta(hours=24)


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def secrets_of(subscription: Subscription, now: datetime.datetime | None = None) -> list[str]:
    """The secrets that sign a delivery: the current one, and the previous one during the
    rotation's overlap window."""
    now = now or timezone.now()
    signing = [subscription.secret]
    expires = subscription.previous_secret_expires
    if subscription.previous_secret and expires and expires > now:
        signing.append(subscription.previous_secret)
    return signing


def rotate_secret(subscription: Subscription, *, overlap: datetime.timedelta = ROTATION_OVERLAP):
    """Give the subscription a new secret and return it; the old one still signs (beside the
    new) for `overlap`, so that the receiver can switch without losing a delivery."""
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires = timezone.now() + overlap
    subscription.secret = new_webhook_secret()
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_expires"])
    return subscription.secret


def redeliver(delivery: Delivery) -> Delivery:
    """Send a delivery again (a failed one, or one delivered that the receiver lost), with the
    same `webhook-id`, and with a fresh schedule of attempts. It is sent in its place in the
    subscription's order: before the pending ones made after it."""
    if not delivery.subscription.url:
        raise ValueError("The subscription has no webhook URL: its events are in its feed only.")
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        _enqueue(delivery.subscription_id)
    delivery.refresh_from_db()
    return delivery


# --- Matching: which subscriptions follow an event --------------------------------------------


def _follows(subscription: Subscription, event: ChangeEvent, followed: dict) -> bool:
    """Whether the subscription follows the event: its type, topic, stakeholders and options,
    each filter empty (= all) or naming one the event names; a forecast shift, only as large as
    the subscription's threshold (or a crossing of the majority)."""
    types = subscription.event_types
    if types and event.type not in types:
        return False
    topics, stakeholders, options = followed[subscription.pk]
    if topics and event.topic_id not in topics:
        return False
    if stakeholders and not stakeholders.intersection(event.stakeholder_ids):
        return False
    if options and not options.intersection(event.option_ids):
        return False
    if event.type == ChangeEvent.Type.FORECAST_SHIFTED:
        delta = event.data.get("delta")
        return (
            delta is None
            or abs(delta) >= subscription.forecast_threshold
            or event.data.get("crossed_majority", False)
        )
    return True


def deliveries_create(events: list[ChangeEvent]) -> list[Delivery]:
    """Give each event to every active subscription that follows it, inside the write's
    transaction, and queue the sending of those with a webhook. Where a subscription follows
    more than DIGEST_AFTER events of one write on a topic, it is sent the topic's digest, and
    the events themselves are in its feed only."""
    subscriptions = list(
        Subscription.objects.filter(is_active=True).prefetch_related(
            "topics", "stakeholders", "options"
        )
    )
    if not subscriptions:
        return []
    followed = {
        s.pk: (
            {t.pk for t in s.topics.all()},
            {x.pk for x in s.stakeholders.all()},
            {o.pk for o in s.options.all()},
        )
        for s in subscriptions
    }
    digests = {e.topic_id: e for e in events if e.type == ChangeEvent.Type.CHANGES_DIGEST}
    deliveries = []
    for subscription in subscriptions:
        sent = Delivery.Status.PENDING if subscription.url else Delivery.Status.FEED
        matched = [
            e
            for e in events
            if e.type != ChangeEvent.Type.CHANGES_DIGEST and _follows(subscription, e, followed)
        ]
        by_topic = defaultdict(list)
        for event in matched:
            by_topic[event.topic_id].append(event)
        for topic_id, of_topic in by_topic.items():
            digest = digests.get(topic_id)
            if digest is not None and len(of_topic) > DIGEST_AFTER:
                deliveries.append(_delivery(subscription, digest, sent))
                sent_each = Delivery.Status.DIGESTED
            else:
                sent_each = sent
            deliveries.extend(_delivery(subscription, event, sent_each) for event in of_topic)
    Delivery.objects.bulk_create(deliveries)
    for subscription_id in {d.subscription_id for d in deliveries if d.status == "pending"}:
        _enqueue(subscription_id)
    return deliveries


def _delivery(subscription: Subscription, event: ChangeEvent, status: str) -> Delivery:
    return Delivery(
        subscription=subscription,
        change_event=event,
        webhook_id=new_webhook_id(),
        status=status,
        next_attempt_at=timezone.now() if status == Delivery.Status.PENDING else None,
    )


def _enqueue(subscription_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Queue the sending of the subscription's pending deliveries (a row of the current
    transaction, with django-tasks' database backend)."""
    from options.tracking.tasks import deliver_subscription

    task = (
        deliver_subscription
        if run_after is None
        else deliver_subscription.using(run_after=run_after)
    )
    task.enqueue(subscription_id)


# --- Sending ----------------------------------------------------------------------------------


def deliver_pending(subscription_id: int, *, worker: str) -> int:
    """Send the subscription's pending deliveries that are due, oldest first, each until it
    succeeds or must wait for its next attempt; return how many were sent. Only the worker holding
    the subscription's lease sends: another one, finding it held, comes back when it expires."""
    sent = 0
    while True:
        now = timezone.now()
        if not _take_lease(subscription_id, worker, now):
            held_until = (
                Subscription.objects.filter(pk=subscription_id, is_active=True)
                .values_list("lease_until", flat=True)
                .first()
            )
            if held_until:
                _enqueue(subscription_id, run_after=held_until)
            return sent
        try:
            delivery = (
                Delivery.objects.filter(subscription_id=subscription_id, status="pending")
                .select_related("subscription", "change_event")
                .order_by("id")
                .first()
            )
            if delivery is None:
                return sent
            if delivery.next_attempt_at and delivery.next_attempt_at > now:
                _enqueue(subscription_id, run_after=delivery.next_attempt_at)
                return sent
            if _attempt(delivery):
                sent += 1
            else:
                return sent  # the later ones wait for this one: order per subscription
        finally:
            Subscription.objects.filter(pk=subscription_id, lease_owner=worker).update(
                lease_until=None, lease_owner=""
            )


def _take_lease(subscription_id: int, worker: str, now: datetime.datetime) -> bool:
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=worker)
    return bool(
        Subscription.objects.filter(free, pk=subscription_id, is_active=True).update(
            lease_until=now + lease_duration(), lease_owner=worker
        )
    )


def lease_duration() -> datetime.timedelta:
    """Longer than a request can take, so that no two workers send at once."""
    return datetime.timedelta(seconds=settings.WEBHOOK_TIMEOUT + 5)


def retry_schedule() -> list[datetime.timedelta]:
    """The waits before the 2nd, 3rd, … attempt (settings.WEBHOOK_RETRY_SCHEDULE)."""
    return [datetime.timedelta(seconds=s) for s in settings.WEBHOOK_RETRY_SCHEDULE]


def _attempt(delivery: Delivery) -> bool:
    """POST the delivery once, log the attempt, and schedule the next one or give up."""
    from options.api.serializers.change_events import change_event_payload

    subscription = delivery.subscription
    body = json.dumps(change_event_payload(delivery.change_event), ensure_ascii=False).encode()
    started = timezone.now()
    timestamp = int(started.timestamp())
    headers = webhooks.headers(
        secrets_of(subscription, started),
        webhook_id=delivery.webhook_id,
        timestamp=timestamp,
        body=body,
    )
    outcome = webhooks.post(subscription.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT)
    number = delivery.attempts + 1
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started=started,
            url=subscription.url,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            succeeded=outcome.succeeded,
            error=outcome.error[:500],
            response_excerpt=outcome.excerpt,
        )
        delivery.attempts = number
        if outcome.succeeded:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.last_error = ""
            Subscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
        elif number <= len(schedule := retry_schedule()):
            wait = schedule[number - 1] * (1 + random.uniform(0, JITTER))  # noqa: S311
            delivery.next_attempt_at = timezone.now() + wait
            delivery.last_error = outcome.error[:500]
        else:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = outcome.error[:500]
            _count_failure(subscription)
        delivery.save(
            update_fields=["attempts", "status", "delivered_at", "next_attempt_at", "last_error"]
        )
    return outcome.succeeded


def _count_failure(subscription: Subscription) -> None:
    """A delivery failed for good: after DISABLE_AFTER_FAILED_DELIVERIES in a row, the
    subscription is disabled and its owner told by mail."""
    Subscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    subscription.refresh_from_db(fields=["consecutive_failures"])
    if subscription.consecutive_failures < DISABLE_AFTER_FAILED_DELIVERIES:
        return
    reason = (
        f"Disabled on {timezone.now():%Y-%m-%d %H:%M} UTC: {subscription.consecutive_failures} "
        f"deliveries in a row failed after every retry ({subscription.url})."
    )
    Subscription.objects.filter(pk=subscription.pk).update(is_active=False, disabled_reason=reason)
    owner = subscription.owner
    if owner.email:
        send_mail(
            subject=f"policytracker: subscription “{subscription.name}” disabled",
            message=f"{reason}\n\nFix the endpoint, then set the subscription active again; "
            "its pending deliveries are kept and will be sent.",
            from_email=None,
            recipient_list=[owner.email],
            fail_silently=True,
        )
    logger.warning("Subscription %s disabled: %s", subscription.pk, reason)


def requeue_stalled() -> int:
    """Queue the sending for every active subscription with a due pending delivery that no
    worker holds: after a worker was killed, or a subscription set active again. Run by each
    worker every minute (`manage.py run_worker`); queuing twice costs nothing (the lease)."""
    now = timezone.now()
    stalled = (
        Subscription.objects.filter(is_active=True)
        .exclude(url="")
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(
            Exists(
                Delivery.objects.filter(
                    subscription=OuterRef("pk"), status="pending", next_attempt_at__lte=now
                )
            )
        )
        .values_list("pk", flat=True)
    )
    stalled = list(stalled)
    for subscription_id in stalled:
        _enqueue(subscription_id)
    return len(stalled)
