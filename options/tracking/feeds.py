"""
Feeds: a topic's or a subscription's change events, as Atom 1.0 (RFC 4287) and as JSON Feed 1.1
(https://www.jsonfeed.org/version/1.1/), for feed readers. options/api/feeds.py serves them.

- A topic's feed: its change events, newest first, the latest `FEED_LENGTH`, without the events
  a digest stands for (a write that made many, an import: its `changes.digest` is the entry).
- A subscription's feed: the events delivered to it (its `Delivery` rows), newest first, the
  latest `FEED_LENGTH`, without those it was given in a digest (status `digested`).

An entry is written from what the change event holds, never from the records it names: they may
have been changed or deleted since (the event's foreign keys hold no constraint), so their labels
are the ones stored in `data["records"]` when the event was made. Whatever an event lacks (an
old event, a type added later, a missing key), its entry is written from what is there. A JSON
Feed item may also carry the event's facts for programs, under `_policytracker`: the API gives it
the change event as it shows it at `/change-events/{id}/` (options/api/feeds.py).

Ids are tag URIs (RFC 4151) under the host of `BASE_URL`, the service's public address:
`tag:<host>,2026:change-event/<id>` for an entry, `tag:<host>,2026:feed/topic/<id>` and
`tag:<host>,2026:feed/subscription/<id>` for a feed. They do not change with the address a reader
uses, so that a reader never shows an entry twice; links are absolute URLs at the address the
request came to.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from options.models import (
    ChangeEvent,
    Delivery,
    Subscription,
    Topic,
)
from options.tracking.facts import as_mapping, change_event_facts, stored_records, type_label

#: How many entries a feed shows: the latest.
FEED_LENGTH = 50
#: The date in the tag URIs: when their naming scheme was minted. Never change it, or every
#: reader shows every entry again.
TAG_DATE = "2026"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
#: The JSON Feed extension (an object in each item) that gives an event's facts to programs.
EXTENSION = "_policytracker"
AUTHOR = "policytracker"

#: Builds an absolute URL from a path (the request's `build_absolute_uri`).
AbsoluteURL = Callable[[str], str]


@dataclass(frozen=True)
class FeedEntry:
    """One change event, as a feed shows it."""

    id: str
    url: str
    title: str
    occurred: datetime.datetime
    type: str
    text: str
    html: str
    #: The event's facts for programs (the JSON Feed's `_policytracker`); None: none.
    extension: dict | None


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    description: str
    home_page_url: str
    feed_url: str
    #: The newest entry's date; for a feed without entries, when its topic or subscription was.
    updated: datetime.datetime
    entries: list[FeedEntry]


# --- Reads ------------------------------------------------------------------------------------


def topic_feed_events(
    *, topic_id: int, events: QuerySet[ChangeEvent] | None = None
) -> list[ChangeEvent]:
    """A topic's events for its feed, read from `events` (all change events by default; the API
    passes what its representation reads along): one query, along the index on topic and date."""
    events = ChangeEvent.objects.all() if events is None else events
    return list(
        events.filter(topic_id=topic_id, digest__isnull=True).order_by("-occurred", "-id")[
            :FEED_LENGTH
        ]
    )


def subscription_feed_events(
    *, subscription_id: int, events: QuerySet[ChangeEvent] | None = None
) -> list[ChangeEvent]:
    """The events delivered to a subscription, for its feed, read from `events` (as above): one
    query."""
    events = ChangeEvent.objects.all() if events is None else events
    delivered = (
        Delivery.objects.filter(subscription_id=subscription_id)
        .exclude(status=Delivery.Status.DIGESTED)
        .values("change_event_id")
    )
    return list(events.filter(pk__in=delivered).order_by("-occurred", "-id")[:FEED_LENGTH])


# --- Addresses --------------------------------------------------------------------------------


def tag_uri(specific: str) -> str:
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    return f"tag:{host},{TAG_DATE}:{specific}"


def topic_page_path(slug) -> str | None:
    """The topic's page, by the slug an event stored (None if it is no slug)."""
    if not isinstance(slug, str) or not slug:
        return None
    try:
        return reverse("topic-page", args=[slug])
    except NoReverseMatch:
        return None


# --- What an entry says -----------------------------------------------------------------------


def change_event_entry(
    event: ChangeEvent, *, absolute: AbsoluteURL, extension: dict | None = None
) -> FeedEntry:
    """A change event as a feed entry: linked to its topic's page (by the slug it stored), or
    else to its record in the API. `extension`: what the JSON Feed's item carries for programs."""
    page = topic_page_path(as_mapping(stored_records(event).get("topic")).get("slug"))
    facts = change_event_facts(event)
    return FeedEntry(
        id=tag_uri(f"change-event/{event.pk}"),
        url=absolute(page or reverse("api:changeevent-detail", args=[event.pk])),
        title=event.title or type_label(event.type),
        occurred=event.occurred,
        type=event.type,
        text="\n".join(f"{label}: {text}" for label, text in facts),
        html=str(
            format_html(
                "<ul>{}</ul>",
                format_html_join("", "<li><strong>{}:</strong> {}</li>", facts),
            )
        ),
        extension=extension,
    )


# --- The feeds --------------------------------------------------------------------------------


def _feed(
    *,
    model: Model,
    title: str,
    description: str,
    home_page_url: str,
    feed_url: str,
    empty_since: datetime.datetime,
    events: list[ChangeEvent],
    extensions: list[dict] | None,
    absolute: AbsoluteURL,
) -> Feed:
    extensions = [None] * len(events) if extensions is None else extensions
    entries = [
        change_event_entry(event, absolute=absolute, extension=extension)
        for event, extension in zip(events, extensions, strict=True)
    ]
    kind = "topic" if isinstance(model, Topic) else "subscription"
    return Feed(
        id=tag_uri(f"feed/{kind}/{model.pk}"),
        title=title,
        description=description,
        home_page_url=home_page_url,
        feed_url=feed_url,
        updated=max((entry.occurred for entry in entries), default=empty_since),
        entries=entries,
    )


def topic_feed_build(
    *,
    topic: Topic,
    events: list[ChangeEvent],
    absolute: AbsoluteURL,
    feed_url: str,
    extensions: list[dict] | None = None,
) -> Feed:
    """A topic's feed (`events` from `topic_feed_events`, `extensions` the facts each carries
    for programs), linked to the topic's page."""
    return _feed(
        model=topic,
        title=f"policytracker: {topic.title}",
        description=f"What changed on “{topic.title}”: {topic.question}",
        home_page_url=absolute(topic.get_absolute_url()),
        feed_url=feed_url,
        empty_since=topic.created,
        events=events,
        extensions=extensions,
        absolute=absolute,
    )


def subscription_feed_build(
    *,
    subscription: Subscription,
    events: list[ChangeEvent],
    absolute: AbsoluteURL,
    feed_url: str,
    extensions: list[dict] | None = None,
) -> Feed:
    """A subscription's feed (`events` from `subscription_feed_events`, `extensions` as for a
    topic's), linked to the API."""
    return _feed(
        model=subscription,
        title=subscription.name,
        description=f"The change events delivered to the subscription “{subscription.name}”.",
        home_page_url=absolute(reverse("api:api-root")),
        feed_url=feed_url,
        empty_since=subscription.created,
        events=events,
        extensions=extensions,
        absolute=absolute,
    )


# --- Formats ----------------------------------------------------------------------------------

# What XML 1.0 cannot hold (Django's feed writer refuses them): shown as U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


class ChangeEventAtomFeed(Atom1Feed):
    """Django's Atom writer, with each entry's text as its summary and its HTML as its content,
    and the feed's own date when it has no entry (Django's would be now: a new ETag each time)."""

    def latest_post_date(self):
        return self.feed["updated"]

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("summary", item["summary_text"], {"type": "text"})
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


def atom_render(feed: Feed) -> bytes:
    atom = ChangeEventAtomFeed(
        title=_xml(feed.title),
        link=feed.home_page_url,
        description=_xml(feed.description),
        subtitle=_xml(feed.description),
        language="en",
        author_name=AUTHOR,
        feed_url=feed.feed_url,
        feed_guid=feed.id,
        updated=feed.updated,
    )
    for entry in feed.entries:
        atom.add_item(
            title=_xml(entry.title),
            link=entry.url,
            description=None,
            unique_id=entry.id,
            pubdate=entry.occurred,
            updateddate=entry.occurred,
            categories=[entry.type],
            summary_text=_xml(entry.text),
            content_html=_xml(entry.html),
        )
    return atom.writeString("utf-8").encode()


def json_feed(feed: Feed) -> dict:
    """The feed as a JSON Feed 1.1 document."""
    return {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_page_url,
        "feed_url": feed.feed_url,
        "description": feed.description,
        "language": "en",
        "authors": [{"name": AUTHOR}],
        "items": [
            {
                "id": entry.id,
                "url": entry.url,
                "title": entry.title,
                "content_text": entry.text,
                "content_html": entry.html,
                "date_published": entry.occurred.isoformat(),
                "date_modified": entry.occurred.isoformat(),
                "tags": [entry.type],
                **({EXTENSION: entry.extension} if entry.extension is not None else {}),
            }
            for entry in feed.entries
        ],
    }


def json_feed_render(feed: Feed) -> bytes:
    document = json_feed(feed)
    try:
        return orjson.dumps(document)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits in stored data, say
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def feed_etag(body: bytes) -> str:
    """A strong ETag: the body's digest (it changes with anything the feed shows)."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'
