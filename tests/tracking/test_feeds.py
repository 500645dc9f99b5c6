"""The feeds of change events (options/tracking/feeds.py, options/api/feeds.py): a topic's and a
subscription's, as Atom and as JSON Feed, read as feed readers read them."""

import contextlib
import datetime
import json
import uuid

import feedparser
import jsonschema
import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from options.models import ChangeEvent, Delivery, Subscription
from options.tracking import feeds
from tests import contract, factories

pytestmark = pytest.mark.django_db

Type = ChangeEvent.Type
SERVER = "http://testserver"
T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def base_url(settings):
    """The service's public address, whose host names the tag URIs."""
    settings.BASE_URL = "https://policytracker.example"


def tag(event: ChangeEvent) -> str:
    return f"tag:policytracker.example,2026:change-event/{event.pk}"


def labels(topic) -> dict:
    return {"topic": {"id": topic.pk, "slug": topic.slug, "title": topic.title}}


def make_event(topic, minutes: int, *, title: str | None = None, **fields) -> ChangeEvent:
    """A change event of `topic` (stance.changed unless told), `minutes` after T0, naming the
    topic in its labels unless `data` is given."""
    fields.setdefault("type", Type.STANCE_CHANGED)
    fields.setdefault("data", {"records": labels(topic)})
    fields.setdefault("write", uuid.uuid4())
    event = ChangeEvent.objects.create(
        topic_id=topic.pk, title=f"Change {minutes}" if title is None else title, **fields
    )
    ChangeEvent.objects.filter(pk=event.pk).update(
        occurred=T0 + datetime.timedelta(minutes=minutes)
    )
    event.refresh_from_db()
    return event


def deliver(subscription, event, status=Delivery.Status.FEED) -> Delivery:
    return Delivery.objects.create(
        subscription=subscription,
        change_event=event,
        webhook_id=f"msg_{uuid.uuid4().hex}",
        status=status,
    )


def topic_url(topic, format_name: str) -> str:
    return reverse(f"api:feed-topic-{format_name}", args=[topic.pk])


def subscription_url(subscription, format_name: str, token: str | None = None) -> str:
    url = reverse(f"api:feed-subscription-{format_name}", args=[subscription.pk])
    return url if token is None else f"{url}?token={token}"


def atom(response):
    """The response, read as a feed reader reads it: well-formed Atom, or the test fails."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


# JSON Feed 1.1's requirements (https://www.jsonfeed.org/version/1.1/), as a JSON Schema.
JSON_FEED_SCHEMA = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string", "format": "uri"},
        "feed_url": {"type": "string", "format": "uri"},
        "description": {"type": "string"},
        "language": {"type": "string"},
        "authors": {
            "type": "array",
            "items": {"type": "object", "anyOf": [{"required": ["name"]}, {"required": ["url"]}]},
        },
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "anyOf": [{"required": ["content_text"]}, {"required": ["content_html"]}],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "title": {"type": "string"},
                    "content_text": {"type": "string"},
                    "content_html": {"type": "string"},
                    "date_published": {"type": "string", "format": "date-time"},
                    "date_modified": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
                # Extensions start with an underscore and are objects.
                "patternProperties": {"^_": {"type": "object"}},
            },
        },
    },
}


def json_feed(response) -> dict:
    """The response as a JSON Feed 1.1 document, or the test fails."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/feed+json"
    document = json.loads(response.content)
    jsonschema.validate(
        document, JSON_FEED_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return document


@pytest.fixture
def topic():
    return factories.TopicFactory(slug="venezuela", title="Venezuela 2019")


@pytest.fixture
def subscription(user):
    return Subscription.objects.create(owner=user, name="Defence minister watch")


# --- A topic's feed -----------------------------------------------------------------------------


def test_a_topic_s_atom_feed_lists_its_events_newest_first(api_client, topic):
    old = make_event(topic, 1, title="Padrino now opposes the transition")
    new = make_event(topic, 2, title="Padrino now supports the transition")
    make_event(factories.TopicFactory(), 3)  # another topic's

    parsed = atom(api_client.get(topic_url(topic, "atom")))

    assert parsed.feed.title == "policytracker: Venezuela 2019"
    assert parsed.feed.id == f"tag:policytracker.example,2026:feed/topic/{topic.pk}"
    assert {(link.rel, link.href) for link in parsed.feed.links} == {
        ("alternate", f"{SERVER}/topics/venezuela/"),
        ("self", f"{SERVER}/api/v1/feeds/topics/{topic.pk}.atom"),
    }
    assert parsed.feed.updated == "2026-03-01T12:02:00+00:00"
    assert [(e.id, e.title) for e in parsed.entries] == [
        (tag(new), "Padrino now supports the transition"),
        (tag(old), "Padrino now opposes the transition"),
    ]
    entry = parsed.entries[0]
    assert entry.link == f"{SERVER}/topics/venezuela/"
    assert entry.published == entry.updated == "2026-03-01T12:02:00+00:00"
    assert [tag_.term for tag_ in entry.tags] == ["stance.changed"]
    assert entry.summary == "Change: Stance changed\nTopic: Venezuela 2019"
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value == (
        "<ul><li><strong>Change:</strong> Stance changed</li>"
        "<li><strong>Topic:</strong> Venezuela 2019</li></ul>"
    )


def test_a_topic_s_json_feed_is_a_json_feed_with_the_event_s_facts(api_client, topic):
    stakeholder = factories.StakeholderFactory(name="Vladimir Padrino López")
    option = factories.PolicyOptionFactory(topic=topic, title="Transition deal")
    records = {
        **labels(topic),
        "stakeholder": {"id": stakeholder.pk, "slug": stakeholder.slug, "name": stakeholder.name},
        "option": {"id": option.pk, "slug": option.slug, "title": option.title},
        "position": {"id": 13, "label": "Vladimir Padrino López on Transition deal"},
        "source": {"id": 7, "title": "Reuters, 30 April"},
    }
    write = uuid.uuid4()
    event = make_event(
        topic,
        5,
        title="Vladimir Padrino López now supports Transition deal: +1 (stated)",
        stakeholder_id=stakeholder.pk,
        option_id=option.pk,
        position_id=13,
        source_id=7,
        stakeholder_ids=[stakeholder.pk],
        option_ids=[option.pk],
        before={"stance": -2, "basis": "stated", "position": 12, "as_of": "2019-04-30"},
        after={"stance": 1, "basis": "stated", "position": 13, "as_of": "2019-05-02"},
        data={"sign_flipped": True, "records": records},
        write=write,
    )

    document = json_feed(api_client.get(topic_url(topic, "json")))

    text = (
        "Change: Stance changed\n"
        "Topic: Venezuela 2019\n"
        "Stakeholder: Vladimir Padrino López\n"
        "Option: Transition deal\n"
        "Position: Vladimir Padrino López on Transition deal\n"
        "Stance: -2 (strongly oppose), stated, as of 2019-04-30 → "
        "+1 (support), stated, as of 2019-05-02\n"
        "Sign flipped: yes\n"
        "Source: Reuters, 30 April"
    )
    html = (
        "<ul>"
        + "".join(
            f"<li><strong>{label}:</strong> {value}</li>"
            for label, value in (line.split(": ", 1) for line in text.split("\n"))
        )
        + "</ul>"
    )
    assert document == {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "policytracker: Venezuela 2019",
        "home_page_url": f"{SERVER}/topics/venezuela/",
        "feed_url": f"{SERVER}/api/v1/feeds/topics/{topic.pk}.json",
        "description": f"What changed on “Venezuela 2019”: {topic.question}",
        "language": "en",
        "authors": [{"name": "policytracker"}],
        "items": [
            {
                "id": tag(event),
                "url": f"{SERVER}/topics/venezuela/",
                "title": "Vladimir Padrino López now supports Transition deal: +1 (stated)",
                "content_text": text,
                "content_html": html,
                "date_published": "2026-03-01T12:05:00+00:00",
                "date_modified": "2026-03-01T12:05:00+00:00",
                "tags": ["stance.changed"],
                # The change event as the API shows it (and webhooks send it).
                "_policytracker": api_client.get(f"/api/v1/change-events/{event.pk}/").json(),
            }
        ],
    }
    facts = document["items"][0]["_policytracker"]
    assert (facts["id"], facts["type"], facts["write"], facts["digest"]) == (
        event.pk,
        "stance.changed",
        str(write),
        None,
    )
    assert facts["before"]["stance"] == -2 and facts["after"]["stance"] == 1
    assert (facts["topic"]["id"], facts["stakeholder"]["id"]) == (topic.pk, stakeholder.pk)


def test_a_topic_feed_shows_a_digest_instead_of_the_events_it_stands_for(api_client, topic):
    before = make_event(topic, 1, title="Before the import")
    digest = make_event(
        topic,
        2,
        type=Type.CHANGES_DIGEST,
        title="12 changes on Venezuela 2019",
        data={"counts": {"event.recorded": 4, "stance.changed": 8}, "records": labels(topic)},
    )
    for minute in range(12):
        make_event(topic, 2, title=f"Imported {minute}", digest=digest)

    parsed = atom(api_client.get(topic_url(topic, "atom")))
    assert [e.title for e in parsed.entries] == [
        "12 changes on Venezuela 2019",
        "Before the import",
    ]
    assert parsed.entries[0].summary == (
        "Change: Digest of many changes\n"
        "Topic: Venezuela 2019\n"
        "Changes: 12: 4 × event recorded, 8 × stance changed"
    )
    items = json_feed(api_client.get(topic_url(topic, "json")))["items"]
    assert [item["id"] for item in items] == [tag(digest), tag(before)]
    assert items[1]["_policytracker"]["digest"] is None


def test_a_topic_feed_shows_the_latest_50(api_client, topic):
    events = [make_event(topic, minute) for minute in range(55)]

    items = json_feed(api_client.get(topic_url(topic, "json")))["items"]
    assert [item["id"] for item in items] == [tag(e) for e in reversed(events[5:])]


def test_events_of_the_same_moment_come_newest_id_first(api_client, topic):
    first, second = make_event(topic, 1), make_event(topic, 1)

    items = json_feed(api_client.get(topic_url(topic, "json")))["items"]
    assert [item["id"] for item in items] == [tag(second), tag(first)]


@pytest.mark.parametrize("format_name", ["atom", "json"])
def test_an_empty_topic_feed_is_a_valid_feed_dated_by_its_topic(api_client, topic, format_name):
    response = api_client.get(topic_url(topic, format_name))
    if format_name == "atom":
        assert atom(response).entries == []
    else:
        assert json_feed(response)["items"] == []
    assert response["Last-Modified"] == topic.created.strftime("%a, %d %b %Y %H:%M:%S GMT")
    # The same body each time (Django's Atom would date it now): the same ETag.
    assert api_client.get(topic_url(topic, format_name))["ETag"] == response["ETag"]


@pytest.mark.parametrize("format_name", ["atom", "json"])
def test_an_unknown_topic_is_a_json_404(api_client, format_name):
    response = api_client.get(reverse(f"api:feed-topic-{format_name}", args=[999_999]))
    assert response.status_code == 404
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not found.",
        "code": "not_found",
    }


def test_an_id_beyond_the_database_s_integers_is_a_404(api_client):
    assert api_client.get(f"/api/v1/feeds/topics/{10**30}.atom").status_code == 404


def test_a_deleted_topic_has_no_feed(api_client, topic):
    make_event(topic, 1)
    url = topic_url(topic, "atom")
    topic.delete()
    assert api_client.get(url).status_code == 404


@pytest.mark.parametrize("format_name", ["atom", "json"])
def test_with_public_reading_off_an_anonymous_reader_gets_401(
    api_client, user_client, topic, settings, format_name
):
    settings.POLICYTRACKER_PUBLIC_READ = False
    make_event(topic, 1)

    response = api_client.get(topic_url(topic, format_name))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_authenticated"
    assert "WWW-Authenticate" in response

    response = user_client.get(topic_url(topic, format_name))
    assert response.status_code == 200
    # Credentials decided the answer: no shared cache may keep it.
    assert response["Cache-Control"] == "private, no-cache"


def test_with_public_reading_on_a_topic_feed_may_be_cached_by_anyone(api_client, topic):
    assert api_client.get(topic_url(topic, "atom"))["Cache-Control"] == "no-cache"


def test_a_feed_s_address_names_its_format_whatever_accept_says(api_client, topic):
    make_event(topic, 1)
    atom(api_client.get(topic_url(topic, "atom"), HTTP_ACCEPT="application/json"))
    json_feed(api_client.get(topic_url(topic, "json"), HTTP_ACCEPT="text/html"))


def test_a_topic_feed_refuses_a_query_parameter_it_does_not_take(api_client, topic):
    response = api_client.get(topic_url(topic, "atom") + "?since=2019-01-01")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"


# --- A subscription's feed ----------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["atom", "json"])
def test_a_subscription_s_feed_reads_with_its_token(api_client, topic, subscription, format_name):
    other_topic = factories.TopicFactory(slug="iran", title="Iran")
    first = deliver(subscription, make_event(topic, 1, title="First"), Delivery.Status.DELIVERED)
    second = deliver(subscription, make_event(other_topic, 3, title="Second"))
    third = deliver(subscription, make_event(topic, 2, title="Third"), Delivery.Status.PENDING)
    make_event(topic, 4, title="Not delivered to it")
    deliver(
        Subscription.objects.create(owner=subscription.owner, name="Other"), make_event(topic, 5)
    )

    token = subscription.feed_token
    response = api_client.get(subscription_url(subscription, format_name, token))
    assert response["Cache-Control"] == "private, no-cache"
    expected = [
        (tag(second.change_event), "Second", f"{SERVER}/topics/iran/"),
        (tag(third.change_event), "Third", f"{SERVER}/topics/venezuela/"),
        (tag(first.change_event), "First", f"{SERVER}/topics/venezuela/"),
    ]
    self_url = f"{SERVER}/api/v1/feeds/subscriptions/{subscription.pk}.{format_name}?token={token}"
    if format_name == "atom":
        parsed = atom(response)
        assert parsed.feed.title == "Defence minister watch"
        assert (
            parsed.feed.id == f"tag:policytracker.example,2026:feed/subscription/{subscription.pk}"
        )
        assert {(link.rel, link.href) for link in parsed.feed.links} == {
            ("alternate", f"{SERVER}/api/v1/"),
            ("self", self_url),
        }
        assert [(e.id, e.title, e.link) for e in parsed.entries] == expected
    else:
        document = json_feed(response)
        assert document["title"] == "Defence minister watch"
        assert document["home_page_url"] == f"{SERVER}/api/v1/"
        assert document["feed_url"] == self_url
        assert [(i["id"], i["title"], i["url"]) for i in document["items"]] == expected
    # The token is in the address the reader used, and nowhere else.
    assert response.content.decode().count(token) == 1


def test_a_subscription_feed_shows_a_digest_not_the_events_it_was_sent_in_it(
    api_client, topic, subscription
):
    digest = make_event(topic, 2, type=Type.CHANGES_DIGEST, title="12 changes")
    deliver(subscription, digest, Delivery.Status.DELIVERED)
    for _ in range(12):
        deliver(subscription, make_event(topic, 2, digest=digest), Delivery.Status.DIGESTED)
    alone = deliver(subscription, make_event(topic, 1, title="Alone"))

    url = subscription_url(subscription, "json", subscription.feed_token)
    items = json_feed(api_client.get(url))["items"]
    assert [item["id"] for item in items] == [tag(digest), tag(alone.change_event)]


def test_a_subscription_feed_shows_the_latest_50(api_client, topic, subscription):
    deliveries = [deliver(subscription, make_event(topic, minute)) for minute in range(55)]

    url = subscription_url(subscription, "json", subscription.feed_token)
    items = json_feed(api_client.get(url))["items"]
    assert [item["id"] for item in items] == [
        tag(delivery.change_event) for delivery in reversed(deliveries[5:])
    ]


@pytest.mark.parametrize("format_name", ["atom", "json"])
@pytest.mark.parametrize("token", [None, "", "wrong", "é-not-ascii", "other subscription's"])
def test_without_its_token_a_subscription_s_feed_is_a_404_as_if_it_did_not_exist(
    api_client, topic, subscription, format_name, token
):
    deliver(subscription, make_event(topic, 1))
    if token == "other subscription's":
        token = Subscription.objects.create(owner=subscription.owner, name="Other").feed_token

    response = api_client.get(subscription_url(subscription, format_name, token))
    missing = api_client.get(
        reverse(f"api:feed-subscription-{format_name}", args=[subscription.pk + 100])
        + f"?token={subscription.feed_token}"
    )
    assert response.status_code == missing.status_code == 404
    assert (
        response.json()
        == missing.json()
        == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "Not found.",
            "code": "not_found",
        }
    )


@pytest.mark.parametrize("format_name", ["atom", "json"])
def test_the_owner_reads_the_feed_without_the_token(user_client, topic, subscription, format_name):
    deliver(subscription, make_event(topic, 1, title="Seen by the owner"))

    response = user_client.get(subscription_url(subscription, format_name))
    assert response.status_code == 200
    # No token in the owner's copy: it was not in the address they used.
    assert subscription.feed_token not in response.content.decode()
    if format_name == "atom":
        assert [e.title for e in atom(response).entries] == ["Seen by the owner"]
    else:
        document = json_feed(response)
        assert document["feed_url"] == (
            f"{SERVER}/api/v1/feeds/subscriptions/{subscription.pk}.json"
        )


def test_the_owner_logged_in_by_session_reads_the_feed(client, user, subscription):
    client.force_login(user)
    assert client.get(subscription_url(subscription, "atom")).status_code == 200


def test_someone_else_logged_in_does_not_read_the_feed(editor_client, subscription):
    assert editor_client.get(subscription_url(subscription, "atom")).status_code == 404


def test_a_subscription_feed_reads_with_public_reading_off(
    api_client, topic, subscription, settings
):
    settings.POLICYTRACKER_PUBLIC_READ = False
    deliver(subscription, make_event(topic, 1))
    atom(api_client.get(subscription_url(subscription, "atom", subscription.feed_token)))


def test_an_inactive_subscription_s_feed_still_reads(api_client, topic, subscription):
    deliver(subscription, make_event(topic, 1, title="Before it was disabled"))
    Subscription.objects.filter(pk=subscription.pk).update(
        is_active=False, disabled_reason="Three deliveries failed."
    )

    parsed = atom(api_client.get(subscription_url(subscription, "atom", subscription.feed_token)))
    assert [e.title for e in parsed.entries] == ["Before it was disabled"]


def test_a_subscription_feed_refuses_a_query_parameter_it_does_not_take(api_client, subscription):
    url = subscription_url(subscription, "atom", subscription.feed_token) + "&limit=5"
    response = api_client.get(url)
    assert response.status_code == 400
    assert response.json()["errors"] == {"limit": ["Unknown query parameter."]}


# --- Deleted records, escaping, every type ------------------------------------------------------


def test_events_of_deleted_records_render_from_their_stored_labels(api_client, topic, subscription):
    stakeholder = factories.StakeholderFactory(name="Vladimir Padrino López")
    option = factories.PolicyOptionFactory(topic=topic, title="Transition deal")
    event = make_event(
        topic,
        1,
        title="Padrino now supports Transition deal",
        stakeholder_id=stakeholder.pk,
        option_id=option.pk,
        data={
            "records": {
                **labels(topic),
                "stakeholder": {"id": stakeholder.pk, "slug": "padrino", "name": stakeholder.name},
                "option": {"id": option.pk, "slug": "deal", "title": option.title},
            }
        },
    )
    deliver(subscription, event)
    option.delete()
    stakeholder.delete()
    topic.delete()

    url = subscription_url(subscription, "atom", subscription.feed_token)
    [entry] = atom(api_client.get(url)).entries
    assert entry.title == "Padrino now supports Transition deal"
    assert entry.link == f"{SERVER}/topics/venezuela/"
    assert entry.summary == (
        "Change: Stance changed\n"
        "Topic: Venezuela 2019\n"
        "Stakeholder: Vladimir Padrino López\n"
        "Option: Transition deal"
    )


def test_an_event_without_labels_names_its_records_by_id_and_links_to_the_api(
    api_client, topic, subscription
):
    event = make_event(topic, 1, stakeholder_id=41, source_id=9, data={})
    deliver(subscription, event)

    url = subscription_url(subscription, "atom", subscription.feed_token)
    [entry] = atom(api_client.get(url)).entries
    assert entry.link == f"{SERVER}/api/v1/change-events/{event.pk}/"
    assert entry.summary == (
        f"Change: Stance changed\nTopic: #{topic.pk}\nStakeholder: #41\nSource: #9"
    )


def test_html_in_titles_and_labels_is_escaped(api_client):
    topic = factories.TopicFactory(slug="html", title="<b>Crisis</b> & co")
    script = "<script>alert('x')</script> & more"
    make_event(
        topic,
        1,
        title=script,
        data={
            "records": {
                **labels(topic),
                "stakeholder": {"id": 1, "slug": "x", "name": "<img src=x onerror=alert(1)>"},
            }
        },
    )

    response = api_client.get(topic_url(topic, "atom"))
    assert b"<script" not in response.content and b"<img" not in response.content
    parsed = atom(response)
    assert parsed.feed.title == "policytracker: <b>Crisis</b> & co"
    assert parsed.entries[0].title == script
    assert parsed.entries[0].summary.endswith("Stakeholder: <img src=x onerror=alert(1)>")

    [item] = json_feed(api_client.get(topic_url(topic, "json")))["items"]
    assert item["title"] == script  # JSON Feed titles are plain text
    assert "<img" not in item["content_html"] and "<b>" not in item["content_html"]
    assert (
        "<li><strong>Stakeholder:</strong> &lt;img src=x onerror=alert(1)&gt;</li>"
        in item["content_html"]
    )
    assert (
        "<li><strong>Topic:</strong> &lt;b&gt;Crisis&lt;/b&gt; &amp; co</li>"
        in item["content_html"]
    )


def test_characters_xml_cannot_hold_do_not_break_the_atom_feed(api_client, topic):
    # (No NUL: no record can hold one, and PostgreSQL's text cannot.)
    make_event(topic, 1, title="Bad\x0bcharacter\x01")
    parsed = atom(api_client.get(topic_url(topic, "atom")))
    assert parsed.entries[0].title == "Bad\ufffdcharacter\ufffd"
    items = json_feed(api_client.get(topic_url(topic, "json")))["items"]
    assert items[0]["title"] == "Bad\x0bcharacter\x01"


# What each type's entry says, from what derive.py stores.
EVERY_TYPE = [
    (
        Type.DIVERGENCE_APPEARED,
        {"stance": 1, "basis": "stated", "position": 3, "as_of": "2019-04-30"},
        {"stance": 1, "basis": "stated", "position": 3, "as_of": "2019-04-30"},
        {"bases": ["expected", "stated"], "stances": [2, -1]},
        [
            "Stance: +1 (support), stated, as of 2019-04-30 → "
            "+1 (support), stated, as of 2019-04-30",
            "Bases: expected +2 (strongly support), stated -1 (oppose)",
        ],
    ),
    (
        Type.DIVERGENCE_RESOLVED,
        {"stance": -1, "basis": "stated", "position": 3, "as_of": "2019-04-30"},
        None,
        {"bases": ["reported", "stated"], "stances": [1, -1]},
        [
            "Stance: -1 (oppose), stated, as of 2019-04-30 → no position",
            "Bases: reported +1 (support), stated -1 (oppose)",
        ],
    ),
    (
        Type.POSITION_DISPUTED,
        None,
        None,
        {"disputed_by": 4, "date": "2019-05-02"},
        ["Date: 2019-05-02"],
    ),
    (
        Type.POSITION_RETRACTED,
        {"stance": 2, "basis": "reported"},
        None,
        {"retracted_on": "2019-05-03"},
        ["Stance: +2 (strongly support), reported → no position", "Retracted on: 2019-05-03"],
    ),
    (
        Type.EVENT_RECORDED,
        None,
        {"certainty": "claimed", "date": "2019-04-30"},
        {},
        ["Certainty: Claimed", "Date: 2019-04-30"],
    ),
    (
        Type.EVENT_CERTAINTY_CHANGED,
        {"certainty": "claimed"},
        {"certainty": "confirmed", "date": "2019-04-30"},
        {},
        ["Certainty: Claimed → Confirmed", "Date: 2019-04-30"],
    ),
    (
        Type.FORECAST_SHIFTED,
        {"weighted_mean": 0.2, "support_share": 0.45},
        {"weighted_mean": -0.35, "support_share": 0.6},
        {"delta": -0.55, "crossed_majority": True},
        [
            "Weighted mean: +0.20 → -0.35",
            "Support share: 45% → 60%",
            "Shift of the weighted mean: -0.55",
            "Support crossed one half: yes",
        ],
    ),
    (
        Type.OPTION_STATUS_CHANGED,
        {"status": "threatened"},
        {"status": "in_force"},
        {},
        ["Status: Threatened → In force"],
    ),
    (
        Type.SANCTION_IMPOSED,
        None,
        {"effective_date": "2019-01-28", "measure": 5},
        {"measure_type": "asset_freeze", "imposing_authority": 6},
        ["Effective: 2019-01-28", "Measure: Asset freeze"],
    ),
    (
        Type.SANCTION_LIFTED,
        None,
        {"end_date": "2020-01-28", "measure": 5},
        {"measure_type": "travel_ban"},
        ["Ends: 2020-01-28", "Measure: Travel ban"],
    ),
    (
        Type.STANCE_CHANGED,
        None,
        {"stance": 0, "basis": "expected", "position": 3, "as_of": "2019-04-30"},
        {"sign_flipped": False},
        [
            "Stance: no position → +0 (neutral or undecided), expected, as of 2019-04-30",
            "Sign flipped: no",
        ],
    ),
]


@pytest.mark.parametrize(("type_", "before", "after", "data", "lines"), EVERY_TYPE)
def test_each_type_says_what_changed(api_client, topic, type_, before, after, data, lines):
    make_event(
        topic, 1, type=type_, before=before, after=after, data={**data, "records": labels(topic)}
    )
    [entry] = atom(api_client.get(topic_url(topic, "atom"))).entries
    label = Type(type_).label
    assert entry.summary == "\n".join([f"Change: {label}", "Topic: Venezuela 2019", *lines])


def test_every_type_is_in_the_table_above():
    assert {row[0] for row in EVERY_TYPE} | {Type.CHANGES_DIGEST} == set(Type)


UNKNOWN_TYPE = "a change event of a type this server does not know, on purpose"


@pytest.mark.parametrize("type_", [*Type.values, "a.type.added.later"])
@pytest.mark.parametrize(
    ("before", "after", "data"),
    [
        (None, None, {}),
        ({}, {}, {"records": {}}),
        ({"stance": None}, {"basis": "stated"}, {"records": {"topic": {}, "option": {"id": 3}}}),
    ],
)
def test_any_event_renders_whatever_it_lacks(api_client, topic, type_, before, after, data):
    make_event(topic, 1, type=type_, title="", before=before, after=after, data=data, option_id=3)
    [entry] = atom(api_client.get(topic_url(topic, "atom"))).entries
    assert entry.summary.startswith(f"Change: {Type(type_).label if type_ in Type else type_}")
    assert entry.title  # the type's label when the event has no title
    assert entry.link == f"{SERVER}/api/v1/change-events/{ChangeEvent.objects.get().pk}/"
    # A type this server does not know (stored by a newer one) is shown as it is, outside the
    # schema's list of types.
    unknown = contextlib.nullcontext() if type_ in Type else contract.undocumented(UNKNOWN_TYPE)
    with unknown:
        [item] = json_feed(api_client.get(topic_url(topic, "json")))["items"]
    assert item["_policytracker"]["data"] == data


@pytest.mark.parametrize("type_", [Type.STANCE_CHANGED, Type.CHANGES_DIGEST, "a.type.added.later"])
@pytest.mark.parametrize(
    ("before", "after", "data"),
    [
        (
            ["not", "an", "object"],
            "text",
            {
                "records": "not an object",
                "bases": ["stated"],
                "stances": [],
                "counts": {"stance.changed": "many"},
                "nested": {"a": [1, 2]},
                "delta": "large",
            },
        ),
        (
            {"stance": 7, "basis": None, "certainty": 3, "status": "unheard-of"},
            {"stance": "high", "weighted_mean": None, "support_share": 2},
            {"records": {"topic": "venezuela", "stakeholder": {"name": None}}, "huge": 2**70},
        ),
    ],
)
def test_an_event_with_values_of_unexpected_types_still_renders(
    api_client, topic, type_, before, after, data
):
    make_event(topic, 1, type=type_, before=before, after=after, data=data, stakeholder_id=2)
    [entry] = atom(api_client.get(topic_url(topic, "atom"))).entries
    assert entry.title == "Change 1"
    assert "Stakeholder: #2" in entry.summary


# --- Caching ------------------------------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["atom", "json"])
def test_a_reader_with_the_current_etag_gets_304(api_client, topic, subscription, format_name):
    deliver(subscription, make_event(topic, 1))
    for url in (
        topic_url(topic, format_name),
        subscription_url(subscription, format_name, subscription.feed_token),
    ):
        first = api_client.get(url)
        assert first.status_code == 200
        assert first["Last-Modified"] == "Sun, 01 Mar 2026 12:01:00 GMT"

        again = api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == first["ETag"]

        assert api_client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_a_new_event_changes_the_etag(api_client, topic):
    make_event(topic, 1)
    first = api_client.get(topic_url(topic, "atom"))
    make_event(topic, 2)
    response = api_client.get(topic_url(topic, "atom"), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]
    assert response["Last-Modified"] == "Sun, 01 Mar 2026 12:02:00 GMT"


def test_a_reader_with_a_copy_as_new_as_the_newest_entry_gets_304(api_client, topic):
    make_event(topic, 1)
    url = topic_url(topic, "json")
    since = "Sun, 01 Mar 2026 12:01:00 GMT"
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    older = "Sun, 01 Mar 2026 12:00:59 GMT"
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200


@pytest.mark.parametrize("format_name", ["atom", "json"])
def test_a_feed_takes_two_queries_however_many_entries(
    api_client, topic, subscription, django_assert_max_num_queries, format_name
):
    stakeholder = factories.StakeholderFactory()
    digest = make_event(topic, 100, type=Type.CHANGES_DIGEST)
    deliver(subscription, digest)
    for minute in range(60):
        event = make_event(topic, minute, stakeholder_id=stakeholder.pk, digest=None)
        deliver(subscription, event)
        deliver(subscription, make_event(topic, minute, digest=digest), Delivery.Status.DIGESTED)

    # 1. the topic; 2. its latest events (anonymous: authentication reads nothing).
    with django_assert_max_num_queries(3):
        atom_or_json = api_client.get(topic_url(topic, format_name))
    assert atom_or_json.status_code == 200
    # 1. the subscription; 2. its latest deliveries, with their events.
    with django_assert_max_num_queries(3):
        response = api_client.get(
            subscription_url(subscription, format_name, subscription.feed_token)
        )
    assert response.status_code == 200


# --- The contract -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


FEED_PATHS = [
    ("/api/v1/feeds/topics/{topic_id}.atom", "feeds_topic_atom"),
    ("/api/v1/feeds/topics/{topic_id}.json", "feeds_topic_json"),
    ("/api/v1/feeds/subscriptions/{subscription_id}.atom", "feeds_subscription_atom"),
    ("/api/v1/feeds/subscriptions/{subscription_id}.json", "feeds_subscription_json"),
]


@pytest.mark.parametrize(("path", "operation_id"), FEED_PATHS)
def test_the_schema_documents_each_feed(openapi, path, operation_id):
    operation = openapi["paths"][path]["get"]
    assert operation["operationId"] == operation_id
    responses = operation["responses"]
    if path.endswith(".atom"):
        assert responses["200"]["content"] == {
            "application/atom+xml": {
                "schema": {
                    "contentMediaType": "application/atom+xml",
                    "description": "An Atom 1.0 feed (RFC 4287).",
                }
            }
        }
    else:
        assert responses["200"]["content"] == {
            "application/feed+json": {"schema": {"$ref": "#/components/schemas/JSONFeed"}}
        }
    assert set(responses["200"]["headers"]) >= {"ETag", "Last-Modified"}
    assert "content" not in responses["304"]
    assert set(responses) == {"200", "304", "400", "401", "404", "429"}
    for code in ("400", "401", "404", "429"):
        assert responses[code]["content"] == {
            "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
    id_name = path.split("{")[1].split("}")[0]
    assert parameters[("path", id_name)]["schema"]["type"] == "integer"
    assert {("header", "If-None-Match"), ("header", "If-Modified-Since")} <= set(parameters)
    if "subscriptions" in path:
        token = parameters[("query", "token")]
        assert token["schema"] == {"type": "string"}
        assert not token.get("required", False)
        # The token alone will do: no credentials needed.
        assert {} in operation["security"]
    else:
        assert ("query", "token") not in parameters


def test_the_json_feed_matches_its_schema(api_client, openapi, topic):
    """The JSON Feed answers as the schema says, every object closed, so that a key it does not
    describe fails too (OpenAPI 3.0's `nullable` in JSON Schema's words)."""

    def closed(node):
        if isinstance(node, dict):
            node = {key: closed(value) for key, value in node.items()}
            if "properties" in node:
                node["additionalProperties"] = False
            if node.pop("nullable", False):
                if "type" in node:
                    node["type"] = [node["type"], "null"]
                else:
                    node = {"anyOf": [node, {"type": "null"}]}
            return node
        if isinstance(node, list):
            return [closed(item) for item in node]
        return node

    digest = make_event(topic, 2, type=Type.CHANGES_DIGEST, data={"counts": {"x": 1}})
    make_event(topic, 1, before={"stance": 1}, after=None, stakeholder_ids=[1], option_ids=[2])
    make_event(topic, 1, digest=digest)
    document = json_feed(api_client.get(topic_url(topic, "json")))
    assert len(document["items"]) == 2
    schema = {"$ref": "#/components/schemas/JSONFeed", "components": closed(openapi["components"])}
    jsonschema.validate(document, schema)


def test_the_feeds_module_builds_without_a_request(topic):
    """options/tracking/feeds.py takes any absolute-URL builder (a worker has no request)."""
    event = make_event(topic, 1, title="Built offline")
    feed = feeds.topic_feed_build(
        topic=topic,
        events=feeds.topic_feed_events(topic_id=topic.pk),
        absolute=lambda path: f"https://policytracker.example{path}",
        feed_url="https://policytracker.example/feed",
    )
    assert [entry.id for entry in feed.entries] == [tag(event)]
    assert feedparser.parse(feeds.atom_render(feed)).bozo == 0
