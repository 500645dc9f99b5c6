"""
Subscriptions (their secret shown once) and their deliveries, with each attempt's log.
"""

import urllib.parse

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from options import models
from options.api.serializers.audit import BriefUserSerializer
from options.api.serializers.base import StrictModelSerializer
from options.api.serializers.change_events import ChangeEventTypeField
from options.api.serializers.fast_read import DetailURLField
from options.api.serializers.fields import NamedChoiceField, StrictFloatField, brief
from options.tracking import webhooks
from options.tracking.addresses import under_base_url

ChangeEvent = models.ChangeEvent


# --- Subscriptions ----------------------------------------------------------------------------


@extend_schema_field(serializers.ListField(child=ChangeEventTypeField()))
class EventTypesField(serializers.ListField):
    """A list of change event types, each once; an unknown one is refused by name."""

    def __init__(self, **kwargs):
        super().__init__(child=ChangeEventTypeField(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        known = set(ChangeEvent.Type.values)
        unknown = [item for item in data if not isinstance(item, str) or item not in known]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown event types: {', '.join(map(str, unknown))}. The types are: "
                f"{', '.join(ChangeEvent.Type.values)}."
            )
        return list(dict.fromkeys(data))


def feed_urls(subscription: models.Subscription, request=None) -> dict[str, str]:
    """The subscription's Atom and JSON feeds (options/api/feeds.py), with the token that opens
    them: under the request's address, or without one under the service's (BASE_URL)."""
    if request is None:
        with under_base_url() as request:
            return feed_urls(subscription, request)
    query = urllib.parse.urlencode({"token": subscription.feed_token})
    urls = {}
    for kind in ("atom", "json"):
        url = reverse(
            f"api:feed-subscription-{kind}",
            kwargs={"subscription_id": subscription.pk},
            request=request,
        )
        urls[kind] = f"{url}?{query}"
    return urls


class SubscriptionSerializer(StrictModelSerializer):
    """What someone follows: the change events of some topics, stakeholders, options and types
    (each empty: all), sent to a webhook (`url`) and listed in feeds."""

    topics = brief(models.Topic, many=True, required=False, help_text="Empty: every topic.")
    stakeholders = brief(
        models.Stakeholder,
        many=True,
        required=False,
        help_text="Only events concerning one of these stakeholders; empty: anyone.",
    )
    options = brief(
        models.PolicyOption,
        many=True,
        required=False,
        help_text="Only events concerning one of these options; empty: every option.",
    )
    event_types = EventTypesField(
        required=False, help_text="Only events of these types; empty: every type."
    )
    forecast_threshold = StrictFloatField(
        required=False,
        min_value=0.0,
        max_value=4.0,
        help_text="`forecast.shifted` is sent when an option's weighted mean moves by at least "
        "this much (on the −2…+2 scale), or its support share crosses 50 %. Default 0.25.",
    )
    owner = BriefUserSerializer(read_only=True, help_text="Whose subscription it is.")
    feed_url = serializers.SerializerMethodField(
        help_text="The Atom feed of the subscription's events; the token in it opens it."
    )
    json_feed_url = serializers.SerializerMethodField(
        help_text="The same feed as JSON Feed 1.1; the token in it opens it."
    )
    deliveries_url = serializers.SerializerMethodField(
        help_text="The subscription's deliveries, in the deliveries list."
    )

    class Meta:
        model = models.Subscription
        fields = [
            "id",
            "name",
            "url",
            "topics",
            "stakeholders",
            "options",
            "event_types",
            "forecast_threshold",
            "is_active",
            "disabled_reason",
            "consecutive_failures",
            "owner",
            "feed_url",
            "json_feed_url",
            "deliveries_url",
            "created",
            "updated",
        ]
        read_only_fields = ["disabled_reason", "consecutive_failures", "created", "updated"]
        extra_kwargs = {
            "url": {
                "help_text": "The webhook: where each event is POSTed, signed (Standard "
                "Webhooks). https and a public address; empty: the feeds only.",
                "required": False,
            },
            "is_active": {
                "help_text": "Inactive: nothing is matched or sent. A subscription is made "
                "inactive after its webhook failed for good several times in a row "
                "(`disabled_reason` says why); making it active again starts the count afresh."
            },
            "disabled_reason": {"help_text": "Why it was made inactive; empty if it was not."},
            "consecutive_failures": {
                "help_text": "Deliveries that failed for good in a row since the last success."
            },
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_feed_url(self, subscription) -> str:
        return feed_urls(subscription, self.context.get("request"))["atom"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_json_feed_url(self, subscription) -> str:
        return feed_urls(subscription, self.context.get("request"))["json"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_deliveries_url(self, subscription) -> str:
        deliveries = reverse("api:delivery-list", request=self.context.get("request"))
        return f"{deliveries}?subscription={subscription.pk}"

    def validate_url(self, url: str) -> str:
        if url:
            try:
                webhooks.check_url(url)
            except webhooks.UnsafeURL as refusal:
                raise serializers.ValidationError(str(refusal)) from None
        return url

    def update(self, instance, validated_data):
        if validated_data.get("is_active") and not instance.is_active:
            # Made active again: the failures that disabled it are behind it.
            validated_data.update(disabled_reason="", consecutive_failures=0)
        return super().update(instance, validated_data)


SECRET_HELP = (
    "The webhook's signing secret (`whsec_…`, Standard Webhooks): verify each delivery's "
    "`webhook-signature` with it. Shown only in this answer: keep it now (rotate it to get a "
    "new one)."
)


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    """A subscription just created, with its webhook secret: the only answer that shows it."""

    secret = serializers.CharField(read_only=True, help_text=SECRET_HELP)

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class RotatedSecretSerializer(serializers.Serializer):
    """A subscription's new webhook secret. Until `previous_secret_expires`, each delivery is
    signed with both the new and the previous secret, so that the receiver can switch over
    without losing one."""

    secret = serializers.CharField(help_text=SECRET_HELP)
    previous_secret_expires = serializers.DateTimeField(
        help_text="Until when the previous secret still signs deliveries too."
    )


class DeliveryStatusField(NamedChoiceField):
    enum_choices = models.Delivery.Status.choices
    enum_name = "DeliveryStatusEnum"
    enum_description = (
        "`pending`: to be sent (again); `delivered`: the webhook answered 2xx; `failed`: every "
        "attempt failed; `feed`: the subscription has no webhook, the event is in its feed only; "
        "`digested`: sent as part of a digest, not on its own."
    )


# --- Deliveries -------------------------------------------------------------------------------


class SubscriptionInBriefSerializer(serializers.ModelSerializer):
    """A subscription in brief, inside its deliveries."""

    url = DetailURLField(view_name="api:subscription-detail")

    class Meta:
        model = models.Subscription
        fields = ["id", "url", "name"]


class ChangeEventInBriefSerializer(serializers.ModelSerializer):
    """A change event in brief, inside its deliveries."""

    url = DetailURLField(view_name="api:changeevent-detail")
    type = ChangeEventTypeField()

    class Meta:
        model = ChangeEvent
        fields = ["id", "url", "type", "title"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    """One POST of a delivery to its webhook, as it went."""

    class Meta:
        model = models.DeliveryAttempt
        fields = [
            "number",
            "started",
            "url",
            "status_code",
            "latency_ms",
            "succeeded",
            "error",
            "response_excerpt",
        ]
        # (Read-only: no bounds from the database's integer range, which differs between
        # SQLite and PostgreSQL, in the schema.)
        read_only_fields = fields
        extra_kwargs = {
            "url": {"help_text": "The webhook URL it was sent to."},
            "status_code": {"help_text": "The HTTP status answered; null if none came."},
            "response_excerpt": {"help_text": "The start of the body the webhook answered."},
        }


class DeliverySerializer(StrictModelSerializer):
    """One change event for one subscription: its place in the subscription's feed and, with a
    webhook, how its sending went."""

    url = DetailURLField(view_name="api:delivery-detail")
    subscription = SubscriptionInBriefSerializer(read_only=True)
    change_event = ChangeEventInBriefSerializer(read_only=True)
    status = DeliveryStatusField(read_only=True)
    attempt_log = DeliveryAttemptSerializer(
        many=True, read_only=True, help_text="Every attempt to POST it, first first."
    )

    class Meta:
        model = models.Delivery
        fields = [
            "id",
            "url",
            "subscription",
            "change_event",
            "webhook_id",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_error",
            "created",
            "attempt_log",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "webhook_id": {
                "help_text": "The `webhook-id` header it is sent with, the same on every attempt: "
                "receivers deduplicate by it."
            },
            "attempts": {"help_text": "Attempts made in its current round (0 after a redelivery)."},
            "next_attempt_at": {"help_text": "When it is next tried; null if it is not to be."},
            "delivered_at": {"help_text": "When the webhook accepted it; null until then."},
            "last_error": {"help_text": "Why the last attempt failed; empty if it did not."},
        }
