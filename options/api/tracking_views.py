"""
Live tracking's endpoints: subscriptions (each user's own), their deliveries, and the change
events derived from writes. Their docstrings become the descriptions in the OpenAPI schema.
"""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from options import models
from options.api import tracking_filters
from options.api.errors import Conflict, ProblemSerializer
from options.api.schema import AutoSchema
from options.api.serializers.change_events import ChangeEventSerializer
from options.api.serializers.reading import read_queryset
from options.api.serializers.subscriptions import (
    DeliverySerializer,
    RotatedSecretSerializer,
    SubscriptionCreatedSerializer,
    SubscriptionSerializer,
)
from options.tracking import delivery


class OwnedSchema(AutoSchema):
    """The schema of a user's own records: deleting one is never refused for others' sake."""

    def get_description(self):
        if self._action() == "destroy":
            # The API's own description says a delete may be refused (409) to keep evidence:
            # not so here. The view's docstring, as drf-spectacular reads it, follows.
            docstring = super(AutoSchema, self).get_description()
            return f"Deletes a {self._model()._meta.verbose_name}. {docstring}".strip()
        return super().get_description()


class OwnedMixin:
    """A user sees and touches only their own records (another's answers 404); a superuser sees
    everyone's. `owner_path` leads from a record to its owner."""

    permission_classes = [permissions.IsAuthenticated]
    owner_path = "owner"

    def get_queryset(self):
        queryset = super().get_queryset()
        # (No request, or no user: a view made to be inspected, by the schema or the tests.)
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        if user.is_superuser:
            return queryset
        return queryset.filter(**{self.owner_path: user})


class SubscriptionViewSet(OwnedMixin, viewsets.ModelViewSet):
    """Subscriptions follow the change events of some topics, stakeholders and options (each
    empty: all), of some types (empty: all), and send each as it happens to a webhook (`url`,
    signed with the secret by the Standard Webhooks convention) and to the subscription's feeds
    (`feed_url`, `json_feed_url`). Without a webhook URL, a subscription is a feed only.

    Any authenticated user may subscribe; each sees and changes only their own subscriptions
    (a superuser, everyone's). The webhook secret is shown once, in the answer that creates the
    subscription; `rotate-secret` makes a new one. A webhook that keeps failing gets its
    subscription made inactive (`disabled_reason`); make it active again to resume."""

    schema = OwnedSchema()
    queryset = read_queryset(
        SubscriptionSerializer,
        models.Subscription.objects.select_related("owner"),
    )
    serializer_class = SubscriptionSerializer
    filterset_class = tracking_filters.SubscriptionFilterSet
    search_fields = ["name", "url", "disabled_reason"]
    ordering_fields = ["name", "created", "updated", "consecutive_failures"]

    @extend_schema(responses={201: SubscriptionCreatedSerializer})
    def create(self, request, *args, **kwargs):
        """The subscription is the caller's. The answer is the only one that shows the webhook
        `secret`, with which deliveries are signed: keep it (`rotate-secret` makes a new one).
        A webhook `url` must be https and resolve to public addresses only."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = serializer.save(owner=request.user)
        created = SubscriptionCreatedSerializer(subscription, context=self.get_serializer_context())
        return Response(created.data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        """Its deliveries go with it; the change events stay."""
        return super().destroy(request, *args, **kwargs)

    @extend_schema(
        summary="Rotate a subscription's webhook secret",
        request=None,
        responses=RotatedSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", filter_backends=[])
    def rotate_secret(self, request, pk=None):
        """Gives the subscription a new webhook secret and answers it, once. For 24 hours the
        deliveries are signed with both the new and the previous secret (the `webhook-signature`
        header lists both), so that the receiver can switch to the new one without losing a
        delivery; after `previous_secret_expires`, with the new one only."""
        subscription = self.get_object()
        secret = delivery.rotate_secret(subscription)
        data = {
            "secret": secret,
            "previous_secret_expires": subscription.previous_secret_expires,
        }
        return Response(RotatedSecretSerializer(data).data)


# A delivery's attempts, first first, in one query for the page.
ATTEMPTS = Prefetch(
    "attempt_log",
    queryset=models.DeliveryAttempt.objects.order_by("number"),
    to_attr="prefetched_attempt_log",
)


class DeliveryViewSet(OwnedMixin, viewsets.ReadOnlyModelViewSet):
    """Deliveries are the change events each subscription was given, newest first: each one's
    place in the subscription's feed and, with a webhook, how its sending went (`status`, the
    `attempt_log`). Each user sees the deliveries of their own subscriptions (a superuser,
    everyone's). A delivery is sent with the same `webhook-id` on every attempt, by which
    receivers deduplicate; a failed attempt is retried with growing waits for about a day."""

    owner_path = "subscription__owner"
    queryset = (
        models.Delivery.objects.select_related("subscription", "change_event")
        .only(
            *[field.name for field in models.Delivery._meta.concrete_fields],
            "subscription__name",
            "change_event__type",
            "change_event__title",
        )
        .prefetch_related(ATTEMPTS)
    )
    serializer_class = DeliverySerializer
    filterset_class = tracking_filters.DeliveryFilterSet
    ordering = ["-id"]
    ordering_fields = ["id", "created", "next_attempt_at", "delivered_at", "attempts"]
    search_fields = ["last_error", "change_event__title"]

    @extend_schema(
        summary="Send a delivery again",
        request=None,
        responses={
            202: DeliverySerializer,
            409: OpenApiResponse(
                ProblemSerializer,
                description="The subscription has no webhook URL: its events are in its feeds "
                "only (code `no_webhook`).",
            ),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def redeliver(self, request, pk=None):
        """Sends the delivery again (one that failed, or one the receiver lost), with the same
        `webhook-id` and a fresh round of attempts, in its place in the subscription's order:
        before the pending deliveries made after it. The answer is the delivery, `pending`; its
        `attempt_log` keeps the earlier attempts."""
        instance = self.get_object()
        try:
            delivery.redeliver(instance)
        except ValueError as refusal:
            raise Conflict(str(refusal), code="no_webhook") from None
        instance = self.get_queryset().get(pk=instance.pk)
        data = self.get_serializer(instance).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


def digested_counts():
    """How many events each digest stands for (0 for the others), in the query of the list."""
    digested = (
        models.ChangeEvent.objects.filter(digest=OuterRef("pk"))
        .order_by()
        .values("digest")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(digested, output_field=IntegerField()), Value(0))


class ChangeEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Change events are the meaningful changes derived from writes, newest first: a stance
    changed (`stance.changed`), two bases of a stakeholder's position started or stopped
    disagreeing (`divergence.appeared`, `divergence.resolved`), a position was disputed or
    retracted, an event was recorded or its certainty changed, an option's forecast shifted,
    its status changed, a sanction was imposed or lifted. A write that makes many on a topic
    (an import) also makes a `changes.digest`, which the others point to (`digest`).

    Each names the records it is about (`topic`, `stakeholder`, `option`, `position`, `event`,
    `source`) with the labels they had then, and keeps them when the records are deleted: the
    record's `url` then answers 404. This representation is also the `data` of the webhooks
    subscriptions receive."""

    queryset = (
        models.ChangeEvent.objects.select_related("user")
        .only(
            *[field.name for field in models.ChangeEvent._meta.concrete_fields],
            "user__id",
            "user__username",
        )
        .annotate(digested_count=digested_counts())
    )
    serializer_class = ChangeEventSerializer
    filterset_class = tracking_filters.ChangeEventFilterSet
    search_fields = ["title"]
    ordering_fields = ["occurred", "id"]
