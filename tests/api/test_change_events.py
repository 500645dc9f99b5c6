"""/api/v1/change-events/: readable as the rest of the data is, filtered, shown from what each
event keeps (its records may be gone), and the same as the `data` of a webhook."""

import datetime
import json
import uuid

import pytest
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone

from options import models
from options.api.serializers.audit import ANONYMOUS_USER_FILTER
from options.api.serializers.change_events import change_event_payload
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/change-events/"
API = "http://testserver/api/v1"
Type = models.ChangeEvent.Type


def labels(topic=None, stakeholder=None, option=None, position=None, event=None, source=None):
    """`data["records"]` as the deriving code fills it."""
    records = {}
    if topic:
        records["topic"] = {"id": topic.pk, "slug": topic.slug, "title": topic.title}
    if stakeholder:
        records["stakeholder"] = {
            "id": stakeholder.pk,
            "slug": stakeholder.slug,
            "name": stakeholder.name,
        }
    if option:
        records["option"] = {"id": option.pk, "slug": option.slug, "title": option.title}
    if position:
        records["position"] = {"id": position.pk, "label": "Padrino: oppose the deal"}
    if event:
        records["event"] = {"id": event.pk, "title": event.title}
    if source:
        records["source"] = {"id": source.pk, "title": source.title}
    return records


def make_event(topic, *, occurred=None, data=None, **fields) -> models.ChangeEvent:
    named = {
        k: fields[k]
        for k in ("stakeholder", "option", "position", "event", "source")
        if k in fields
    }
    made = models.ChangeEvent.objects.create(
        type=fields.pop("type", Type.STANCE_CHANGED),
        title=fields.pop("title", "Something changed"),
        topic=topic,
        write=fields.pop("write", uuid.uuid4()),
        data={"records": labels(topic, **named), **(data or {})},
        **fields,
    )
    if occurred is not None:
        models.ChangeEvent.objects.filter(pk=made.pk).update(occurred=occurred)
        made.refresh_from_db()
    return made


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2019, 4, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def crisis():
    return factories.TopicFactory(slug="venezuela-2019", title="Venezuela 2019")


@pytest.fixture
def full(crisis, user):
    """A stance change naming every kind of record."""
    padrino = factories.StakeholderFactory(slug="padrino", name="Vladimir Padrino")
    deal = factories.PolicyOptionFactory(topic=crisis, slug="deal", title="Transition deal")
    position = factories.PositionFactory(stakeholder=padrino, option=deal, stance=-2)
    uprising = factories.EventFactory(topic=crisis, title="Uprising")
    return make_event(
        crisis,
        title="Vladimir Padrino now strongly opposes Transition deal",
        stakeholder=padrino,
        option=deal,
        position=position,
        event=uprising,
        source=position.source,
        stakeholder_ids=[padrino.pk],
        option_ids=[deal.pk],
        before={"stance": 1, "basis": "expected"},
        after={"stance": -2, "basis": "stated"},
        data={"sign_flipped": True},
        user=user,
        request_id="req-1",
        occurred=at(30),
    )


def expected(event: models.ChangeEvent, base: str = API) -> dict:
    def record(name, collection, label, slug=True):
        pk = getattr(event, f"{name}_id")
        if pk is None:
            return None
        stored = event.data["records"][name]
        return {
            "id": pk,
            "url": f"{base}/{collection}/{pk}/",
            "slug": stored["slug"] if slug else None,
            "display": stored[label],
        }

    return {
        "id": event.pk,
        "url": f"{base}/change-events/{event.pk}/",
        "type": event.type,
        "occurred": event.occurred.isoformat().replace("+00:00", "Z"),
        "title": event.title,
        "topic": record("topic", "topics", "title"),
        "stakeholder": record("stakeholder", "stakeholders", "name"),
        "option": record("option", "options", "title"),
        "position": record("position", "positions", "label", slug=False),
        "event": record("event", "events", "title", slug=False),
        "source": record("source", "sources", "title", slug=False),
        "stakeholder_ids": event.stakeholder_ids,
        "option_ids": event.option_ids,
        "before": event.before,
        "after": event.after,
        "data": event.data,
        "write": str(event.write),
        "digest": event.digest_id,
        "digested_count": 0,
        "user": {"id": event.user_id, "username": event.user.username} if event.user else None,
        "request_id": event.request_id or None,
    }


def test_anyone_may_read_change_events_and_the_signed_in_see_who_wrote(
    api_client, user_client, full
):
    response = user_client.get(f"{URL}{full.pk}/")

    assert response.status_code == 200
    assert response.json() == expected(full)
    assert response.json()["position"]["display"] == "Padrino: oppose the deal"
    assert response.json()["user"]["username"] == "reader"

    # An anonymous reader is not told account names (half of what a password guesser needs),
    # nor may it ask whether an account wrote anything.
    anonymous = api_client.get(f"{URL}{full.pk}/")
    assert anonymous.status_code == 200
    assert anonymous.json() == {**expected(full), "user": None}
    refused = api_client.get(URL, {"user": "reader"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["user"] == [ANONYMOUS_USER_FILTER]
    assert user_client.get(URL, {"user": "reader"}).json()["count"] == 1


def test_reading_needs_a_login_when_public_read_is_off(api_client, user_client, full, settings):
    settings.POLICYTRACKER_PUBLIC_READ = False

    assert api_client.get(URL).status_code == 401
    assert user_client.get(URL).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_change_events_cannot_be_written(editor_client, full, method):
    path = URL if method == "post" else f"{URL}{full.pk}/"

    assert getattr(editor_client, method)(path, {"title": "Forged"}).status_code == 405


def test_list_is_newest_first(api_client, crisis):
    old, new, middle = (make_event(crisis, occurred=at(day)) for day in (1, 20, 10))

    response = api_client.get(URL)

    assert [row["id"] for row in response.json()["results"]] == [new.pk, middle.pk, old.pk]
    oldest_first = api_client.get(f"{URL}?ordering=occurred").json()["results"]
    assert [row["id"] for row in oldest_first] == [old.pk, middle.pk, new.pk]


def test_an_event_whose_records_are_gone_still_shows_them(api_client, crisis):
    doomed = factories.StakeholderFactory(slug="doomed", name="Gone Since")
    made = make_event(crisis, stakeholder=doomed, stakeholder_ids=[doomed.pk])
    topic_id, stakeholder_id = crisis.pk, doomed.pk
    doomed.delete()
    crisis.delete()

    listed = api_client.get(URL)
    detail = api_client.get(f"{URL}{made.pk}/")

    assert listed.status_code == detail.status_code == 200
    assert detail.json()["topic"] == {
        "id": topic_id,
        "url": f"{API}/topics/{topic_id}/",
        "slug": "venezuela-2019",
        "display": "Venezuela 2019",
    }
    assert detail.json()["stakeholder"]["display"] == "Gone Since"
    assert listed.json()["results"] == [detail.json()]
    # Its topic's own address says the topic is gone; the filter by its id still finds it.
    assert api_client.get(f"{API}/topics/{topic_id}/").status_code == 404
    assert api_client.get(f"{URL}?topic_id={topic_id}").json()["count"] == 1
    assert api_client.get(f"{URL}?stakeholder_id={stakeholder_id}").json()["count"] == 1


def test_an_event_without_stored_labels_is_named_by_id(api_client, crisis):
    made = models.ChangeEvent.objects.create(
        type=Type.OPTION_STATUS_CHANGED, title="Status", topic=crisis, write=uuid.uuid4()
    )

    topic = api_client.get(f"{URL}{made.pk}/").json()["topic"]

    assert topic == {
        "id": crisis.pk,
        "url": f"{API}/topics/{crisis.pk}/",
        "slug": None,
        "display": f"topic {crisis.pk}",
    }


@pytest.fixture
def filtered(crisis):
    elsewhere = factories.TopicFactory(slug="elsewhere")
    guaido = factories.StakeholderFactory(slug="guaido")
    lopez = factories.StakeholderFactory(slug="lopez")
    deal = factories.PolicyOptionFactory(topic=crisis, slug="deal")
    write = uuid.uuid4()
    digest = make_event(crisis, type=Type.CHANGES_DIGEST, write=write, occurred=at(30))
    stance = make_event(
        crisis,
        stakeholder=guaido,
        option=deal,
        stakeholder_ids=[guaido.pk],
        option_ids=[deal.pk],
        write=write,
        digest=digest,
        occurred=at(30),
    )
    # López took part: he is not the main stakeholder, but the event concerns him.
    recorded = make_event(
        crisis,
        type=Type.EVENT_RECORDED,
        stakeholder_ids=[guaido.pk, lopez.pk],
        option_ids=[deal.pk],
        write=write,
        digest=digest,
        occurred=at(30),
        request_id="req-7",
    )
    other = make_event(elsewhere, type=Type.FORECAST_SHIFTED, occurred=at(2))
    return {
        "digest": digest,
        "stance": stance,
        "recorded": recorded,
        "other": other,
        "guaido": guaido,
        "lopez": lopez,
        "deal": deal,
        "write": write,
    }


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("topic=venezuela-2019", ["digest", "stance", "recorded"]),
        ("topic_id={digest.topic_id}", ["digest", "stance", "recorded"]),
        ("topic=elsewhere", ["other"]),
        ("stakeholder=lopez", ["recorded"]),
        ("stakeholder=guaido", ["stance", "recorded"]),
        ("stakeholder_id={lopez.pk}&stakeholder_id={guaido.pk}", ["stance", "recorded"]),
        ("option=deal", ["stance", "recorded"]),
        ("option_id={deal.pk}", ["stance", "recorded"]),
        ("type=event.recorded&type=forecast.shifted", ["recorded", "other"]),
        ("write={write}", ["digest", "stance", "recorded"]),
        ("digest={digest.pk}", ["stance", "recorded"]),
        ("occurred_after=2019-04-10", ["digest", "stance", "recorded"]),
        ("occurred_before=2019-04-10", ["other"]),
        (
            "occurred_after=2019-04-30T12:00:00Z&occurred_before=2019-04-30T12:00:00Z",
            ["digest", "stance", "recorded"],
        ),
        ("request_id=req-7", ["recorded"]),
        ("search=something", ["digest", "stance", "recorded", "other"]),
    ],
)
def test_list_filters(api_client, filtered, query, kept):
    response = api_client.get(f"{URL}?{query.format(**filtered)}")

    assert response.status_code == 200, response.json()
    assert {row["id"] for row in response.json()["results"]} == {filtered[k].pk for k in kept}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=stance.change", "type"),
        ("topic=no-such-topic", "topic"),
        ("topic_id=abc", "topic_id"),
        ("topic_id=0", "topic_id"),
        ("write=not-a-uuid", "write"),
        ("occurred_after=yesterday", "occurred"),
        ("colour=red", "colour"),
        ("ordering=title", "ordering"),
    ],
)
def test_bad_filter_values_are_refused(api_client, filtered, query, field):
    response = api_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_digest_counts_the_events_it_stands_for(api_client, filtered):
    rows = {row["id"]: row for row in api_client.get(URL).json()["results"]}

    assert rows[filtered["digest"].pk]["digested_count"] == 2
    assert rows[filtered["stance"].pk]["digested_count"] == 0
    assert rows[filtered["stance"].pk]["digest"] == filtered["digest"].pk
    assert api_client.get(f"{URL}{filtered['digest'].pk}/").json()["digested_count"] == 2


def test_list_runs_the_same_queries_for_1_and_30_events(
    api_client, full, django_assert_num_queries
):
    # count, page (user joined; digests' counts in a subquery)
    with django_assert_num_queries(2):
        assert api_client.get(URL).status_code == 200
    for _ in range(29):
        made = make_event(full.topic, stakeholder=full.stakeholder, user=full.user)
        made.digest = full
        made.save()
    with django_assert_num_queries(2):
        response = api_client.get(URL)
    assert len(response.json()["results"]) == 30


# --- The webhook's payload ----------------------------------------------------------------------


def test_the_payload_is_the_api_representation_with_urls_under_base_url(full, settings):
    settings.BASE_URL = "https://tracker.example.org:8443"

    payload = change_event_payload(full)

    assert payload == {
        "type": "stance.changed",
        "timestamp": "2019-04-30T12:00:00Z",
        "data": expected(full, base="https://tracker.example.org:8443/api/v1"),
    }
    assert json.loads(json.dumps(payload)) == payload


def test_the_payload_of_a_digest_counts_its_events(filtered, settings):
    settings.BASE_URL = "http://127.0.0.1:8000"

    payload = change_event_payload(models.ChangeEvent.objects.get(pk=filtered["digest"].pk))

    assert payload["type"] == "changes.digest"
    assert payload["data"]["digested_count"] == 2
    assert (
        payload["data"]["url"]
        == f"http://127.0.0.1:8000/api/v1/change-events/{filtered['digest'].pk}/"
    )
    assert payload["data"]["topic"]["url"].startswith("http://127.0.0.1:8000/api/v1/topics/")


def test_the_payload_keeps_the_path_of_base_url_and_adds_no_prefix_twice(full, settings):
    # Mounted under a prefix behind a proxy: the links are under it, whether the payload is made
    # in a worker (no script prefix) or in a request already under the prefix.
    settings.BASE_URL = "https://example.org/tracker/"
    base = f"https://example.org/tracker/api/v1/change-events/{full.pk}/"

    assert change_event_payload(full)["data"]["url"] == base
    set_script_prefix("/tracker/")
    try:
        assert change_event_payload(full)["data"]["url"] == base
        assert get_script_prefix() == "/tracker/"  # the thread's own, given back
    finally:
        set_script_prefix("/")


def test_the_payload_needs_no_allowed_host(full, settings):
    settings.BASE_URL = "https://not-in-allowed-hosts.example"
    settings.ALLOWED_HOSTS = ["testserver"]

    payload = change_event_payload(full)

    assert payload["data"]["url"].startswith("https://not-in-allowed-hosts.example/api/v1/")


def test_occurred_is_utc(full):
    assert full.occurred.utcoffset() == datetime.timedelta(0)
    assert timezone.is_aware(full.occurred)


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("2019-04-30T12:00:00+22:10", 200),  # ISO 8601 allows it; PostgreSQL takes only ±15:59
        ("1494-01-25T20:24:15-23:59", 200),
        ("0001-01-01T00:00:00+10:00", 400),  # before year 1 in UTC
    ],
)
def test_times_are_compared_in_utc_whatever_their_offset(api_client, value, status):
    response = api_client.get(URL, {"occurred_after": value})
    assert response.status_code == status, response.content
