"""/api/v1/options/: list, detail with measures, writes, deletes, filters, search, ordering.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about options.
"""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/options/"


@pytest.fixture
def data():
    crisis = factories.TopicFactory(slug="crisis", title="Crisis")
    other_topic = factories.TopicFactory(slug="other", title="Other crisis")
    usa = factories.StakeholderFactory(slug="usa", name="United States", kind="state")
    norway = factories.StakeholderFactory(slug="norway", name="Norway", kind="state")
    maduro = factories.StakeholderFactory(slug="maduro", name="Maduro")
    lima = factories.StakeholderFactory(slug="lima-group", name="Lima Group", kind="bloc")
    order = factories.SourceFactory(slug="order", title="Executive order")
    sanctions = factories.PolicyOptionFactory(
        topic=crisis,
        slug="oil-sanctions",
        title="Oil sanctions",
        kind="sanctions",
        status="in_force",
        proposer=usa,
        start_date=datetime.date(2019, 1, 28),
        description="Block PDVSA's revenue.",
    )
    sanctions.actors.add(usa)
    sanctions.targets.add(maduro)
    sanctions.sources.add(order)
    talks = factories.PolicyOptionFactory(
        topic=crisis,
        slug="oslo-talks",
        title="Negotiation in Oslo",
        kind="negotiation",
        status="failed",
        proposer=norway,
        venue=lima,
        start_date=datetime.date(2019, 5, 15),
        end_date=datetime.date(2019, 9, 15),
    )
    talks.actors.add(norway, lima)
    aid = factories.PolicyOptionFactory(
        topic=other_topic,
        slug="aid",
        title="Aid convoy",
        kind="humanitarian_aid",
        status="proposed",
        start_date=datetime.date(2019, 2, 23),
        end_date=datetime.date(2019, 2, 24),
    )
    return {
        "crisis": crisis,
        "other_topic": other_topic,
        "usa": usa,
        "norway": norway,
        "maduro": maduro,
        "lima": lima,
        "order": order,
        "sanctions": sanctions,
        "talks": talks,
        "aid": aid,
    }


def test_retrieve_includes_the_sanction_measures(api_client, data):
    sanctions = data["sanctions"]
    measure = factories.SanctionMeasureFactory(
        option=sanctions,
        measure_type="sectoral",
        imposing_authority=data["usa"],
        target=data["maduro"],
        legal_basis="EO 13850",
        programme_code="VENEZUELA-EO13850",
        effective_date=datetime.date(2019, 1, 28),
        source=data["order"],
    )

    response = api_client.get(f"{URL}{sanctions.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    [measure_body] = body.pop("measures")
    assert body == {
        "id": sanctions.pk,
        "url": f"http://testserver/api/v1/options/{sanctions.pk}/",
        "topic": {
            "id": data["crisis"].pk,
            "url": f"http://testserver/api/v1/topics/{data['crisis'].pk}/",
            "slug": "crisis",
            "display": "Crisis",
        },
        "slug": "oil-sanctions",
        "title": "Oil sanctions",
        "kind": "sanctions",
        "status": "in_force",
        "proposer": {
            "id": data["usa"].pk,
            "url": f"http://testserver/api/v1/stakeholders/{data['usa'].pk}/",
            "slug": "usa",
            "display": "United States",
            "kind": "state",
        },
        "actors": [brief_stakeholder(data["usa"])],
        "targets": [brief_stakeholder(data["maduro"])],
        "venue": None,
        "start_date": "2019-01-28",
        "end_date": None,
        "description": "Block PDVSA's revenue.",
        "sources": [brief_of(data["order"], "sources")],
    }
    assert without_timestamps(measure_body) == {
        "id": measure.pk,
        "url": f"http://testserver/api/v1/sanction-measures/{measure.pk}/",
        "option": {
            "id": sanctions.pk,
            "url": f"http://testserver/api/v1/options/{sanctions.pk}/",
            "slug": "oil-sanctions",
            "display": "Oil sanctions",
        },
        "measure_type": "sectoral",
        "imposing_authority": brief_stakeholder(data["usa"]),
        "legal_basis": "EO 13850",
        "programme_code": "VENEZUELA-EO13850",
        "target": brief_stakeholder(data["maduro"]),
        "threatened_date": None,
        "listed_date": None,
        "effective_date": "2019-01-28",
        "end_date": None,
        "description": "",
        "source": brief_of(data["order"], "sources"),
        "quote": "",
    }


def test_create_takes_ids_for_every_relation(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "topic": data["crisis"].pk,
            "slug": "recognition",
            "title": "Recognise Guaidó",
            "kind": "recognition",
            "proposer": data["usa"].pk,
            "actors": [data["usa"].pk, data["norway"].pk],
            "targets": [data["maduro"].pk],
            "venue": data["lima"].pk,
            "sources": [data["order"].pk],
            "start_date": "2019-01-23",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = models.PolicyOption.objects.get(pk=body["id"])
    assert body["topic"] == brief_of(data["crisis"], "topics")
    assert body["status"] == "proposed"  # the default
    assert body["proposer"] == brief_stakeholder(data["usa"])
    assert body["venue"] == brief_stakeholder(data["lima"])
    assert sorted(actor["id"] for actor in body["actors"]) == sorted(
        [data["usa"].pk, data["norway"].pk]
    )
    assert body["targets"] == [brief_stakeholder(data["maduro"])]
    assert body["sources"] == [brief_of(data["order"], "sources")]
    assert body["measures"] == []
    assert set(created.actors.all()) == {data["usa"], data["norway"]}


def test_create_refuses_a_slug_taken_in_the_topic(editor_client, data):
    payload = {"topic": data["crisis"].pk, "slug": "oslo-talks", "title": "T", "kind": "other"}

    taken = editor_client.post(URL, payload)
    elsewhere = editor_client.post(URL, {**payload, "topic": data["other_topic"].pk})

    assert taken.status_code == 400
    assert taken.json()["errors"] == {
        "non_field_errors": ["This topic already has an option with this slug."]
    }
    assert elsewhere.status_code == 201


def test_create_refuses_an_end_before_the_start(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "topic": data["crisis"].pk,
            "slug": "late",
            "title": "Late",
            "kind": "other",
            "start_date": "2019-05-01",
            "end_date": "2019-04-30",
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "end_date": ["The end date cannot be before the start date."]
    }


def test_full_update_replaces_the_relations(editor_client, data):
    talks = data["talks"]

    response = editor_client.put(
        f"{URL}{talks.pk}/",
        {
            "topic": data["crisis"].pk,
            "slug": "barbados-talks",
            "title": "Negotiation in Barbados",
            "kind": "negotiation",
            "status": "proposed",
            "actors": [data["norway"].pk],
            "targets": [],
            "venue": None,
            "proposer": None,
        },
    )

    assert response.status_code == 200, response.json()
    talks.refresh_from_db()
    assert (talks.slug, talks.title, talks.status, talks.venue, talks.proposer) == (
        "barbados-talks",
        "Negotiation in Barbados",
        "proposed",
        None,
        None,
    )
    assert list(talks.actors.all()) == [data["norway"]]
    assert response.json()["actors"] == [brief_stakeholder(data["norway"])]
    assert response.json()["venue"] is None


def test_partial_update(editor_client, data):
    talks = data["talks"]

    response = editor_client.patch(f"{URL}{talks.pk}/", {"status": "suspended"})

    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert response.json()["venue"] == brief_stakeholder(data["lima"])
    assert len(response.json()["actors"]) == 2
    talks.refresh_from_db()
    assert talks.status == "suspended"


def test_delete_of_an_option_with_positions_and_measures_is_a_conflict(editor_client, data):
    sanctions = data["sanctions"]
    position = factories.PositionFactory(option=sanctions)
    measure = factories.SanctionMeasureFactory(option=sanctions)

    response = editor_client.delete(f"{URL}{sanctions.pk}/")

    assert response.status_code == 409
    assert response.json()["referrers"] == [
        {"type": "position", "id": position.pk, "display": str(position)},
        {"type": "sanctionmeasure", "id": measure.pk, "display": str(measure)},
    ]
    assert models.PolicyOption.objects.filter(pk=sanctions.pk).exists()


def test_delete_of_an_option_related_to_an_event_is_a_conflict(editor_client, data):
    event = factories.EventFactory(topic=data["other_topic"])
    event.options.add(data["aid"])

    response = editor_client.delete(f"{URL}{data['aid'].pk}/")

    assert response.status_code == 409
    assert response.json()["referrers"] == [
        {"type": "event", "id": event.pk, "display": str(event)}
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=sanctions", ["sanctions"]),
        ("kind=sanctions&kind=negotiation", ["sanctions", "talks"]),
        ("status=failed", ["talks"]),
        ("status=in_force&status=proposed", ["sanctions", "aid"]),
        ("topic_id={crisis.pk}", ["sanctions", "talks"]),
        ("topic=crisis", ["sanctions", "talks"]),
        ("proposer_id={usa.pk}", ["sanctions"]),
        ("proposer=norway", ["talks"]),
        ("actor_id={usa.pk}&actor_id={norway.pk}", ["sanctions", "talks"]),
        ("target_id={maduro.pk}", ["sanctions"]),
        ("target=maduro", ["sanctions"]),
        ("venue_id={lima.pk}", ["talks"]),
        ("venue=lima-group", ["talks"]),
        ("start_date_after=2019-02-23", ["talks", "aid"]),
        ("start_date_before=2019-02-23", ["sanctions", "aid"]),
        ("end_date_after=2019-03-01", ["talks"]),
        ("end_date_before=2019-02-24", ["aid"]),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("oslo", ["talks"]),  # title and slug
        ("oil-sanc", ["sanctions"]),  # slug
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("title", ["aid", "talks", "sanctions"]),
        ("-title", ["sanctions", "talks", "aid"]),
        ("slug", ["aid", "sanctions", "talks"]),
        ("-slug", ["talks", "sanctions", "aid"]),
        ("kind", ["aid", "talks", "sanctions"]),
        ("-kind", ["sanctions", "talks", "aid"]),
        ("status", ["talks", "sanctions", "aid"]),
        ("-status", ["aid", "sanctions", "talks"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]
