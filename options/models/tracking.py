"""
Live tracking: the change events derived from writes, the subscriptions that follow them, and the
deliveries of events to subscriptions (their webhook attempts, their feeds).

These are logs and settings, not the crisis's records: they have no audit trail of their own,
and a change event outlives the records it names (it keeps their ids and labels; see
`ChangeEvent`). The logic is in options/tracking/.
"""

import base64
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from options.models.events import Event
from options.models.policy_options import PolicyOption
from options.models.positions import Position
from options.models.sources import Source
from options.models.stakeholders import Stakeholder
from options.models.topics import Topic
from options.uris import RFC3986URLValidator


def _log_reference(model, **kwargs) -> models.ForeignKey:
    """A change event's link to a record that may be deleted later: the event keeps the id (and
    its own copy of the label), the database does not hold the record for it."""
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **kwargs,
    )


class ChangeEvent(models.Model):
    """A meaningful change derived from a write (options/tracking/derive.py): a stance changed,
    bases started or stopped disagreeing, a position was disputed or retracted, an event was
    recorded or its certainty changed, a forecast shifted, an option's status changed, a sanction
    was imposed or lifted. A write that makes many (an import) also makes one `changes.digest`
    per topic, which the others point to."""

    class Type(models.TextChoices):
        STANCE_CHANGED = "stance.changed", "Stance changed"
        DIVERGENCE_APPEARED = "divergence.appeared", "Divergence appeared"
        DIVERGENCE_RESOLVED = "divergence.resolved", "Divergence resolved"
        POSITION_DISPUTED = "position.disputed", "Position disputed"
        POSITION_RETRACTED = "position.retracted", "Position retracted"
        EVENT_RECORDED = "event.recorded", "Event recorded"
        EVENT_CERTAINTY_CHANGED = "event.certainty_changed", "Event certainty changed"
        FORECAST_SHIFTED = "forecast.shifted", "Forecast shifted"
        OPTION_STATUS_CHANGED = "option.status_changed", "Option status changed"
        SANCTION_IMPOSED = "sanction.imposed", "Sanction imposed"
        SANCTION_LIFTED = "sanction.lifted", "Sanction lifted"
        CHANGES_DIGEST = "changes.digest", "Digest of many changes"

    type = models.CharField(max_length=30, choices=Type.choices, db_index=True)
    occurred = models.DateTimeField(auto_now_add=True, db_index=True)
    title = models.CharField(max_length=500, help_text="One line saying what changed, for people.")
    topic = _log_reference(Topic)
    stakeholder = _log_reference(Stakeholder, null=True, blank=True)
    option = _log_reference(PolicyOption, null=True, blank=True)
    position = _log_reference(
        Position, null=True, blank=True, help_text="The position the change rests on."
    )
    event = _log_reference(Event, null=True, blank=True, help_text="The event it is about.")
    source = _log_reference(Source, null=True, blank=True, help_text="The evidence's source.")
    # Everyone and every option the change concerns (an event's participants and options), for
    # matching subscriptions; `stakeholder` and `option` are the main ones, when there is one.
    stakeholder_ids = models.JSONField(default=list, blank=True)
    option_ids = models.JSONField(default=list, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    data = models.JSONField(
        default=dict, blank=True, help_text="The labels of what it names, and type-specific facts."
    )
    write = models.UUIDField(db_index=True, help_text="The write it was derived from.")
    digest = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="digested",
        help_text="The digest of the write this event is part of, when it made many.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made the write.",
    )
    request_id = models.CharField("request ID", max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred", "-id"]
        verbose_name = "change event"
        indexes = [models.Index(fields=["topic", "-occurred"], name="changeevent_topic_idx")]

    def __str__(self):
        return self.title


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """What someone follows: topics, stakeholders, options and event types (each empty = all),
    delivered to a webhook (when `url` is set) and readable as a feed."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    name = models.CharField(max_length=200)
    url = models.URLField(
        "webhook URL",
        max_length=2000,
        blank=True,
        validators=[RFC3986URLValidator()],
        help_text="Where events are POSTed, signed; empty: the feed only. Must be https and "
        "public.",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="subscriptions")
    stakeholders = models.ManyToManyField(Stakeholder, blank=True, related_name="subscriptions")
    options = models.ManyToManyField(PolicyOption, blank=True, related_name="subscriptions")
    event_types = models.JSONField(
        default=list, blank=True, help_text="The change event types to deliver; empty: all."
    )
    forecast_threshold = models.FloatField(
        default=0.25,
        validators=[MinValueValidator(0.0), MaxValueValidator(4.0)],
        help_text="forecast.shifted is delivered when an option's weighted mean moves by at "
        "least this much (on the −2..+2 scale), or its support share crosses 50 %.",
    )
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires = models.DateTimeField(null=True, blank=True, editable=False)
    feed_token = models.CharField(max_length=100, default=new_feed_token, unique=True)
    is_active = models.BooleanField(
        "active", default=True, help_text="Inactive: nothing is delivered or matched."
    )
    disabled_reason = models.CharField(max_length=500, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    # The lease a worker holds while it delivers this subscription's events, one at a time and in
    # order (options/tracking/delivery.py): another worker leaves it alone until it expires.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_owner = models.CharField(max_length=100, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class Delivery(models.Model):
    """One change event for one subscription: its place in the subscription's feed and, with a
    webhook, the state of its delivery."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        FEED = "feed", "Feed only"
        DIGESTED = "digested", "In a digest"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    change_event = models.ForeignKey(
        ChangeEvent, on_delete=models.PROTECT, related_name="deliveries"
    )
    webhook_id = models.CharField(
        "webhook ID", max_length=40, unique=True, help_text="The `webhook-id`: same on retries."
    )
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["subscription", "id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["subscription", "id"],
                condition=models.Q(status="pending"),
                name="delivery_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.change_event} → {self.subscription}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery to its webhook, as it went."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started = models.DateTimeField()
    url = models.URLField(max_length=2000)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    succeeded = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"Attempt {self.number} of {self.delivery}"
