"""/api/v1/events/: list, detail, writes (participants too), deletes, filters, search, ordering.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about events.
"""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


@pytest.fixture
def data():
    crisis = factories.TopicFactory(slug="crisis", title="Crisis")
    elsewhere = factories.TopicFactory(slug="elsewhere", title="Elsewhere")
    guaido = factories.StakeholderFactory(slug="guaido", name="Guaidó")
    lopez = factories.StakeholderFactory(slug="lopez", name="Leopoldo López")
    government = factories.StakeholderFactory(slug="government", name="Government", kind="state")
    deal = factories.PolicyOptionFactory(topic=crisis, slug="deal", title="Transition deal")
    video = factories.SourceFactory(slug="video", title="Video")
    uprising = factories.EventFactory(
        topic=crisis,
        slug="uprising",
        title="Uprising at La Carlota",
        description="Guaidó appears with soldiers at dawn.",
        date=datetime.date(2019, 4, 30),
        location="Caracas",
        certainty="confirmed",
    )
    factories.EventParticipantFactory(event=uprising, stakeholder=guaido, role="led")
    factories.EventParticipantFactory(event=uprising, stakeholder=lopez, role="freed")
    uprising.options.add(deal)
    uprising.sources.add(video)
    uprising.claimed_by.add(guaido)
    uprising.denied_by.add(government)
    plot = factories.EventFactory(
        topic=crisis,
        slug="plot",
        title="Alleged plot",
        date=datetime.date(2019, 6, 26),
        certainty="claimed",
    )
    plot.claimed_by.add(government)
    plot.denied_by.add(guaido)
    aid = factories.EventFactory(
        topic=elsewhere,
        slug="aid-concert",
        title="Aid concert",
        date=datetime.date(2019, 2, 22),
        location="Cúcuta",
        certainty="disputed",
    )
    return {
        "crisis": crisis,
        "elsewhere": elsewhere,
        "guaido": guaido,
        "lopez": lopez,
        "government": government,
        "deal": deal,
        "video": video,
        "uprising": uprising,
        "plot": plot,
        "aid": aid,
    }


def test_retrieve_shows_participants_with_roles(api_client, data):
    event = data["uprising"]

    response = api_client.get(f"{URL}{event.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    guaido = {
        "id": data["guaido"].pk,
        "url": f"http://testserver/api/v1/stakeholders/{data['guaido'].pk}/",
        "slug": "guaido",
        "display": "Guaidó",
        "kind": "person",
    }
    assert body == {
        "id": event.pk,
        "url": f"http://testserver/api/v1/events/{event.pk}/",
        "topic": {
            "id": data["crisis"].pk,
            "url": f"http://testserver/api/v1/topics/{data['crisis'].pk}/",
            "slug": "crisis",
            "display": "Crisis",
        },
        "slug": "uprising",
        "title": "Uprising at La Carlota",
        "description": "Guaidó appears with soldiers at dawn.",
        "date": "2019-04-30",
        "date_precision": "day",
        "location": "Caracas",
        "participants": [
            {"stakeholder": guaido, "role": "led"},
            {"stakeholder": brief_stakeholder(data["lopez"]), "role": "freed"},
        ],
        "options": [
            {
                "id": data["deal"].pk,
                "url": f"http://testserver/api/v1/options/{data['deal'].pk}/",
                "slug": "deal",
                "display": "Transition deal",
            }
        ],
        "sources": [brief_of(data["video"], "sources")],
        "certainty": "confirmed",
        "claimed_by": [guaido],
        "denied_by": [brief_stakeholder(data["government"])],
    }


def test_create_with_participants_and_related_ids(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "topic": data["crisis"].pk,
            "slug": "oslo",
            "title": "Talks in Oslo",
            "date": "2019-05-15",
            "date_precision": "month",
            "participants": [
                {"stakeholder": data["government"].pk, "role": "delegation"},
                {"stakeholder": data["guaido"].pk},
            ],
            "options": [data["deal"].pk],
            "sources": [data["video"].pk],
            "certainty": "claimed",
            "claimed_by": [data["government"].pk],
            "denied_by": [data["lopez"].pk],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    event = models.Event.objects.get(pk=body["id"])
    assert [(p.stakeholder, p.role) for p in event.participations.all()] == [
        (data["government"], "delegation"),
        (data["guaido"], ""),
    ]
    assert body["participants"] == [
        {"stakeholder": brief_stakeholder(data["government"]), "role": "delegation"},
        {"stakeholder": brief_stakeholder(data["guaido"]), "role": ""},
    ]
    assert body["topic"] == brief_of(data["crisis"], "topics")
    assert body["options"] == [brief_of(data["deal"], "options")]
    assert body["sources"] == [brief_of(data["video"], "sources")]
    assert body["claimed_by"] == [brief_stakeholder(data["government"])]
    assert body["denied_by"] == [brief_stakeholder(data["lopez"])]


def test_create_refuses_a_participant_twice(editor_client, data):
    twice = {"stakeholder": data["guaido"].pk}
    response = editor_client.post(
        URL,
        {
            "topic": data["crisis"].pk,
            "slug": "twice",
            "title": "Twice",
            "date": "2019-05-01",
            "participants": [twice, twice],
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"participants": ["A stakeholder can take part only once."]}
    assert not models.Event.objects.filter(slug="twice").exists()


def test_create_refuses_a_slug_taken_in_the_topic(editor_client, data):
    response = editor_client.post(
        URL, {"topic": data["crisis"].pk, "slug": "plot", "title": "T", "date": "2019-05-01"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["This topic already has an event with this slug."]
    }


def test_full_update_replaces_the_participants(editor_client, data):
    event = data["uprising"]

    response = editor_client.put(
        f"{URL}{event.pk}/",
        {
            "topic": data["crisis"].pk,
            "slug": "uprising",
            "title": "Failed uprising",
            "date": "2019-04-30",
            "participants": [{"stakeholder": data["lopez"].pk, "role": "sought refuge"}],
            "options": [],
            "certainty": "confirmed",
        },
    )

    assert response.status_code == 200, response.json()
    event.refresh_from_db()
    assert event.title == "Failed uprising"
    assert [(p.stakeholder, p.role) for p in event.participations.all()] == [
        (data["lopez"], "sought refuge")
    ]
    assert list(event.options.all()) == []
    assert response.json()["participants"] == [
        {"stakeholder": brief_stakeholder(data["lopez"]), "role": "sought refuge"}
    ]


def test_partial_update_keeps_the_participants_it_does_not_mention(editor_client, data):
    event = data["uprising"]

    response = editor_client.patch(f"{URL}{event.pk}/", {"certainty": "disputed"})

    assert response.status_code == 200
    assert response.json()["certainty"] == "disputed"
    assert [p["role"] for p in response.json()["participants"]] == ["led", "freed"]
    assert event.participations.count() == 2


def test_partial_update_refuses_a_participant_without_stakeholder(editor_client, data):
    response = editor_client.patch(
        f"{URL}{data['plot'].pk}/", {"participants": [{"role": "nobody"}]}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "participants": [{"stakeholder": ["This field is required."]}]
    }


def test_delete_removes_the_participations(editor_client, data):
    event = data["uprising"]

    response = editor_client.delete(f"{URL}{event.pk}/")

    assert response.status_code == 204
    assert not models.Event.objects.filter(pk=event.pk).exists()
    assert not models.EventParticipant.objects.filter(event_id=event.pk).exists()
    assert models.Stakeholder.objects.filter(pk=data["guaido"].pk).exists()


def test_delete_of_a_participant_is_a_conflict(editor_client, data):
    participation = data["uprising"].participations.get(stakeholder=data["lopez"])

    response = editor_client.delete(f"/api/v1/stakeholders/{data['lopez'].pk}/")

    assert response.status_code == 409
    assert response.json()["referrers"] == [
        {"type": "eventparticipant", "id": participation.pk, "display": "Leopoldo López (freed)"}
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("topic_id={crisis.pk}", ["uprising", "plot"]),
        ("certainty=claimed", ["plot"]),
        ("certainty=claimed&certainty=disputed", ["plot", "aid"]),
        ("participant_id={lopez.pk}", ["uprising"]),
        ("participant_id={lopez.pk}&participant_id={guaido.pk}", ["uprising"]),
        ("participant=guaido", ["uprising"]),
        ("option_id={deal.pk}", ["uprising"]),
        ("option=deal", ["uprising"]),
        ("source_id={video.pk}", ["uprising"]),
        ("source=video", ["uprising"]),
        ("claimed_by_id={government.pk}", ["plot"]),
        ("denied_by_id={government.pk}", ["uprising"]),
        ("date_after=2019-04-30", ["uprising", "plot"]),  # inclusive
        ("date_before=2019-04-30", ["aid", "uprising"]),
        ("date_after=2019-03-01&date_before=2019-06-01", ["uprising"]),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


def test_participant_filter_lists_each_event_once(data, api_client):
    query = f"participant_id={data['lopez'].pk}&participant_id={data['guaido'].pk}"
    body = api_client.get(f"{URL}?{query}").json()
    assert body["count"] == 1


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("carlota", ["uprising"]),  # title
        ("soldiers", ["uprising"]),  # description
        ("aid-conc", ["aid"]),  # slug
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("date", ["aid", "uprising", "plot"]),
        ("-date", ["plot", "uprising", "aid"]),
        ("certainty", ["plot", "uprising", "aid"]),
        ("-certainty", ["aid", "uprising", "plot"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]
