"""
Feeds of change events for feed readers: a topic's and a subscription's, each as Atom 1.0 and as
JSON Feed 1.1 (options/tracking/feeds.py builds them; this module answers HTTP).

- `feeds/topics/{topic_id}.atom|.json`: readable by whoever may read the API (anyone, unless
  public reading is off: then 401 without credentials, as everywhere in the API).
- `feeds/subscriptions/{subscription_id}.atom|.json`: for readers that cannot send headers, the
  subscription's `feed_token` in the query (`?token=`); its owner, logged in (session or API
  token), may read it without. A wrong or missing token is a 404, the answer for a subscription
  that does not exist, so as not to tell that it does.

The address names the format: the `Accept` header is not consulted (readers send all sorts).
Each answer has an `ETag` (the body's digest) and a `Last-Modified` (the newest entry's date),
and is 304 to a request whose `If-None-Match` or `If-Modified-Since` says the reader has it;
`Cache-Control: no-cache` has readers and caches ask again each time, `private` where
credentials decided the answer. Errors are JSON problem details, as elsewhere in the API
(options/api/errors.py). A JSON Feed item carries the change event as the API shows it (and as
webhooks send it) under its `_policytracker` extension.

A feed takes two queries (the topic or subscription, then its events), plus authentication's.
"""

import hmac
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, renderers, serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from options.api.filter_backends import reject_unknown_query_parameters
from options.api.permissions import PublicRead
from options.api.renderers import ORJSONRenderer
from options.api.schema import AutoSchema
from options.api.serializers.change_events import ChangeEventSerializer
from options.api.tracking_views import ChangeEventViewSet
from options.models import Subscription, Topic
from options.tracking import feeds

# --- The JSON Feed's shape (for the schema: the document is built by options/tracking/feeds.py) --


class JSONFeedAuthorSerializer(serializers.Serializer):
    name = serializers.CharField()


class JSONFeedItemSerializer(serializers.Serializer):
    """A change event."""

    id = serializers.CharField(help_text='"tag:<host>,2026:change-event/<id>": stable.')
    url = serializers.URLField(
        help_text="The topic's page, else the change event's record in the API."
    )
    title = serializers.CharField(help_text="What changed, in one line.")
    content_text = serializers.CharField(help_text="What changed, line by line.")
    content_html = serializers.CharField(help_text="The same, as an HTML list.")
    date_published = serializers.DateTimeField(help_text="When it changed.")
    date_modified = serializers.DateTimeField(help_text="The same: a change event never changes.")
    tags = serializers.ListField(child=serializers.CharField(), help_text="Its type.")

    def get_fields(self):
        # "_policytracker" is no name for a serializer's attribute.
        return {
            **super().get_fields(),
            feeds.EXTENSION: ChangeEventSerializer(
                help_text="The change event as the API shows it (`/change-events/{id}/`) and "
                "webhooks send it: its type, the records it names with their labels as they "
                "were, `before` and `after`, `data`, `write`, `digest`…"
            ),
        }


class JSONFeedSerializer(serializers.Serializer):
    """A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)."""

    version = serializers.CharField(help_text=f'"{feeds.JSON_FEED_VERSION}".')
    title = serializers.CharField()
    home_page_url = serializers.URLField(help_text="The topic's page, or the API's root.")
    feed_url = serializers.URLField(help_text="This feed.")
    description = serializers.CharField()
    language = serializers.CharField()
    authors = JSONFeedAuthorSerializer(many=True)
    items = JSONFeedItemSerializer(many=True, help_text="Newest first, at most 50.")


# --- Rendering --------------------------------------------------------------------------------


class AtomRenderer(renderers.BaseRenderer):
    media_type = "application/atom+xml"
    format = "atom"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        """`data`: a `feeds.Feed`."""
        return feeds.atom_render(data)


class JSONFeedRenderer(renderers.BaseRenderer):
    media_type = "application/feed+json"
    format = "json"
    charset = None  # JSON is UTF-8

    def render(self, data, accepted_media_type=None, renderer_context=None):
        """`data`: a `feeds.Feed`."""
        return feeds.json_feed_render(data)


class FeedNegotiation(BaseContentNegotiation):
    """A feed's address names its format: answer in it, whatever `Accept` says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- Schema -----------------------------------------------------------------------------------


class FeedSchema(AutoSchema):
    """A feed takes no query parameter it does not name (400), and answers in its format
    whatever `Accept` says (no 406). Its errors are JSON problem details."""

    def _error_codes(self) -> list[str]:
        return sorted({*super()._error_codes(), "400"} - {"406"})

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if status_code[0] in "45" and media_types is None:
            media_types = [ORJSONRenderer.media_type]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


class SubscriptionFeedSchema(FeedSchema):
    def get_auth(self):
        # The token in the query is enough: no credentials needed.
        auth = super().get_auth()
        return auth if {} in auth else [*auth, {}]


TOKEN = OpenApiParameter(
    "token",
    str,
    OpenApiParameter.QUERY,
    description="The subscription's `feed_token`, for feed readers that cannot send "
    "credentials. Not needed by the subscription's owner, logged in. A wrong or missing token "
    "is a 404.",
)
CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="The `ETag` of the copy the reader has: 304 if it is still the feed.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        OpenApiParameter.HEADER,
        description="The `Last-Modified` of the copy the reader has (an HTTP date): 304 if no "
        "newer entry (ignored when `If-None-Match` is sent).",
    ),
    OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="The feed's version (a digest of the body): send it in `If-None-Match`.",
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="The newest entry's date (for a feed without entries, its topic's or "
        "subscription's creation), as an HTTP date.",
    ),
]
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the reader's copy (`If-None-Match`, `If-Modified-Since`) is the "
    "feed. No body."
)
ATOM = OpenApiResponse(
    {"type": "string", "description": "An Atom 1.0 feed (RFC 4287)."},
    description="An Atom 1.0 feed, newest entry first, at most 50: each entry a change event, "
    "its summary the change in plain text, its content the same in HTML, its category its type.",
)
JSON_FEED = OpenApiResponse(
    JSONFeedSerializer,
    description="A JSON Feed 1.1, newest item first, at most 50: each item a change event, "
    "with its facts for programs in the `_policytracker` extension.",
)
FORMAT_SUMMARIES = {"atom": "as Atom", "json": "as JSON Feed"}


def feed_schema(kind: str, format_name: str):
    """The schema of the feed of `kind` ("topic", "subscription") in `format_name`."""
    return extend_schema(
        operation_id=f"feeds_{kind}_{format_name}",
        summary=f"Read a {kind}'s change events {FORMAT_SUMMARIES[format_name]}",
        parameters=[*([TOKEN] if kind == "subscription" else []), *CONDITIONAL_PARAMETERS],
        responses={200: ATOM if format_name == "atom" else JSON_FEED, 304: NOT_MODIFIED},
    )


# --- Views ------------------------------------------------------------------------------------


class FeedView(APIView):
    content_negotiation_class = FeedNegotiation
    # A feed is read with GET; OPTIONS answers 405 (its metadata is no feed to render).
    metadata_class = None
    schema = FeedSchema()
    #: Whether each entry carries the change event as the API shows it (JSON Feed's extension).
    with_extension = False

    def change_events(self):
        """The change events, with what their API representation reads along (its user, a
        digest's count), in the same query."""
        return ChangeEventViewSet.queryset.all()

    def extensions(self, events) -> list[dict] | None:
        if not self.with_extension:
            return None
        context = {"request": self.request, "view": self}
        return ChangeEventSerializer(events, many=True, context=context).data

    def feed_response(self, request, feed: feeds.Feed, *, private: bool) -> HttpResponse:
        """The feed in the view's format, or 304 if the reader has it."""
        renderer = self.renderer_classes[0]()
        body = renderer.render(feed)
        content_type = renderer.media_type
        if renderer.charset:
            content_type = f"{content_type}; charset={renderer.charset}"
        etag = feeds.feed_etag(body)
        last_modified = int(feed.updated.timestamp())
        response = HttpResponse(body, content_type=content_type)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = "private, no-cache" if private else "no-cache"
        return get_conditional_response(
            request._request, etag=etag, last_modified=last_modified, response=response
        )


class TopicFeedView(FeedView):
    permission_classes = [PublicRead]

    def get(self, request, topic_id: int):
        reject_unknown_query_parameters(request, [])
        # 1. The topic.
        topic = (
            Topic.objects.only("slug", "title", "question", "created").filter(pk=topic_id).first()
        )
        if topic is None:
            raise NotFound()
        # 2. Its latest events.
        events = feeds.topic_feed_events(topic_id=topic.pk, events=self.change_events())
        feed = feeds.topic_feed_build(
            topic=topic,
            events=events,
            extensions=self.extensions(events),
            absolute=request.build_absolute_uri,
            feed_url=request.build_absolute_uri(reverse(self.url_name, args=[topic.pk])),
        )
        return self.feed_response(request, feed, private=not settings.POLICYTRACKER_PUBLIC_READ)


class SubscriptionFeedView(FeedView):
    # The token, or the owner's login: checked by `get`, which answers 404 to anyone else.
    permission_classes = [permissions.AllowAny]
    schema = SubscriptionFeedSchema()

    def get(self, request, subscription_id: int):
        reject_unknown_query_parameters(request, ["token"])
        # 1. The subscription.
        subscription = (
            Subscription.objects.only("name", "owner_id", "feed_token", "created")
            .filter(pk=subscription_id)
            .first()
        )
        if subscription is None:
            raise NotFound()
        token = request.query_params.get("token", "")
        by_token = bool(token and subscription.feed_token) and hmac.compare_digest(
            token.encode(), subscription.feed_token.encode()
        )
        by_owner = request.user.is_authenticated and request.user.pk == subscription.owner_id
        if not (by_token or by_owner):
            raise NotFound()
        feed_url = request.build_absolute_uri(reverse(self.url_name, args=[subscription.pk]))
        if by_token:
            # The address the reader used; nowhere else does the token appear.
            feed_url = f"{feed_url}?{urlencode({'token': token})}"
        # 2. The events delivered to it.
        events = feeds.subscription_feed_events(
            subscription_id=subscription.pk, events=self.change_events()
        )
        feed = feeds.subscription_feed_build(
            subscription=subscription,
            events=events,
            extensions=self.extensions(events),
            absolute=request.build_absolute_uri,
            feed_url=feed_url,
        )
        return self.feed_response(request, feed, private=True)


class TopicAtomFeedView(TopicFeedView):
    """A topic's change events as an Atom 1.0 feed: newest first, the latest 50, the events of
    a write that made many (an import) as one digest entry. Readable by whoever may read the
    API."""

    renderer_classes = [AtomRenderer]
    url_name = "api:feed-topic-atom"

    @feed_schema("topic", "atom")
    def get(self, request, topic_id: int):
        return super().get(request, topic_id)


class TopicJSONFeedView(TopicFeedView):
    """A topic's change events as a JSON Feed 1.1: newest first, the latest 50, the events of a
    write that made many (an import) as one digest item. Each item carries the event's facts in
    the `_policytracker` extension. Readable by whoever may read the API."""

    renderer_classes = [JSONFeedRenderer]
    url_name = "api:feed-topic-json"
    with_extension = True

    @feed_schema("topic", "json")
    def get(self, request, topic_id: int):
        return super().get(request, topic_id)


class SubscriptionAtomFeedView(SubscriptionFeedView):
    """The change events delivered to a subscription, as an Atom 1.0 feed: newest first, the
    latest 50 (those it was sent in a digest: the digest's entry). For feed readers, with the
    subscription's `feed_token` in `?token=`; its owner, logged in, needs none. Without the
    right token: 404. An inactive subscription's feed still reads."""

    renderer_classes = [AtomRenderer]
    url_name = "api:feed-subscription-atom"

    @feed_schema("subscription", "atom")
    def get(self, request, subscription_id: int):
        return super().get(request, subscription_id)


class SubscriptionJSONFeedView(SubscriptionFeedView):
    """The change events delivered to a subscription, as a JSON Feed 1.1: newest first, the
    latest 50 (those it was sent in a digest: the digest's item), each with the event's facts in
    the `_policytracker` extension. For feed readers, with the subscription's `feed_token` in
    `?token=`; its owner, logged in, needs none. Without the right token: 404. An inactive
    subscription's feed still reads."""

    renderer_classes = [JSONFeedRenderer]
    url_name = "api:feed-subscription-json"
    with_extension = True

    @feed_schema("subscription", "json")
    def get(self, request, subscription_id: int):
        return super().get(request, subscription_id)


urlpatterns = [
    path(
        "feeds/topics/<int:topic_id>.atom",
        TopicAtomFeedView.as_view(),
        name="feed-topic-atom",
    ),
    path(
        "feeds/topics/<int:topic_id>.json",
        TopicJSONFeedView.as_view(),
        name="feed-topic-json",
    ),
    path(
        "feeds/subscriptions/<int:subscription_id>.atom",
        SubscriptionAtomFeedView.as_view(),
        name="feed-subscription-atom",
    ),
    path(
        "feeds/subscriptions/<int:subscription_id>.json",
        SubscriptionJSONFeedView.as_view(),
        name="feed-subscription-json",
    ),
]
