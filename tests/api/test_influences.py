"""/api/v1/influences/: list, detail, writes, deletes, filters, search and ordering."""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/influences/"


@pytest.fixture
def data():
    crisis = factories.TopicFactory(slug="crisis", title="Crisis")
    elsewhere = factories.TopicFactory(slug="elsewhere", title="Elsewhere")
    army = factories.StakeholderFactory(slug="army", name="Armed forces", kind="armed_forces")
    usa = factories.StakeholderFactory(slug="usa", name="United States", kind="state")
    report = factories.SourceFactory(slug="report", title="Think-tank report")
    army_now = factories.InfluenceFactory(
        stakeholder=army,
        topic=crisis,
        capability=90,
        as_of=datetime.date(2019, 4, 1),
        rationale="Controls the streets.",
        source=report,
    )
    usa_now = factories.InfluenceFactory(
        stakeholder=usa,
        topic=crisis,
        capability=70,
        as_of=datetime.date(2019, 1, 23),
        rationale="Sanctions leverage.",
        source=None,
    )
    usa_elsewhere = factories.InfluenceFactory(
        stakeholder=usa, topic=elsewhere, capability=30, as_of=datetime.date(2018, 6, 1)
    )
    return {
        "crisis": crisis,
        "elsewhere": elsewhere,
        "army": army,
        "usa": usa,
        "report": report,
        "army_now": army_now,
        "usa_now": usa_now,
        "usa_elsewhere": usa_elsewhere,
    }


def test_list_is_paginated_by_topic_then_capability(data, assert_paginates):
    assert_paginates(URL, [data["army_now"].pk, data["usa_now"].pk, data["usa_elsewhere"].pk])


def test_retrieve(api_client, data):
    influence = data["army_now"]

    response = api_client.get(f"{URL}{influence.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    assert body == {
        "id": influence.pk,
        "url": f"http://testserver/api/v1/influences/{influence.pk}/",
        "stakeholder": {
            "id": data["army"].pk,
            "url": f"http://testserver/api/v1/stakeholders/{data['army'].pk}/",
            "slug": "army",
            "display": "Armed forces",
            "kind": "armed_forces",
        },
        "topic": {
            "id": data["crisis"].pk,
            "url": f"http://testserver/api/v1/topics/{data['crisis'].pk}/",
            "slug": "crisis",
            "display": "Crisis",
        },
        "capability": 90,
        "as_of": "2019-04-01",
        "rationale": "Controls the streets.",
        "source": {
            "id": data["report"].pk,
            "url": f"http://testserver/api/v1/sources/{data['report'].pk}/",
            "slug": "report",
            "display": "Think-tank report",
        },
    }


def test_create_takes_ids(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "stakeholder": data["army"].pk,
            "topic": data["elsewhere"].pk,
            "capability": 10,
            "as_of": "2019-05-01",
            "source": data["report"].pk,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = models.Influence.objects.get(pk=body["id"])
    assert (created.stakeholder, created.topic, created.capability) == (
        data["army"],
        data["elsewhere"],
        10,
    )
    assert body["stakeholder"] == brief_stakeholder(data["army"])
    assert body["topic"] == brief_of(data["elsewhere"], "topics")
    assert body["source"] == brief_of(data["report"], "sources")
    assert body["rationale"] == ""


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"capability": 101}, {"capability": ["Ensure this value is less than or equal to 100."]}),
        ({"capability": -1}, {"capability": ["Ensure this value is greater than or equal to 0."]}),
        (
            {"as_of": "2019-04-01"},  # the army's influence on the crisis at that date exists
            {
                "non_field_errors": [
                    "This stakeholder already has an influence on this topic at this date."
                ]
            },
        ),
    ],
)
def test_create_refuses_bad_values(editor_client, data, values, errors):
    payload = {
        "stakeholder": data["army"].pk,
        "topic": data["crisis"].pk,
        "capability": 50,
        "as_of": "2019-05-01",
    }

    response = editor_client.post(URL, {**payload, **values})

    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_full_update(editor_client, data):
    influence = data["usa_now"]

    response = editor_client.put(
        f"{URL}{influence.pk}/",
        {
            "stakeholder": data["usa"].pk,
            "topic": data["crisis"].pk,
            "capability": 75,
            "as_of": "2019-01-24",
            "rationale": "Oil sanctions.",
            "source": data["report"].pk,
        },
    )

    assert response.status_code == 200, response.json()
    influence.refresh_from_db()
    assert (influence.capability, influence.as_of, influence.rationale, influence.source) == (
        75,
        datetime.date(2019, 1, 24),
        "Oil sanctions.",
        data["report"],
    )


def test_partial_update(editor_client, data):
    influence = data["usa_elsewhere"]

    response = editor_client.patch(f"{URL}{influence.pk}/", {"capability": 35})

    assert response.status_code == 200
    assert response.json()["capability"] == 35
    assert response.json()["as_of"] == "2018-06-01"
    influence.refresh_from_db()
    assert influence.capability == 35


def test_delete(editor_client, data):
    response = editor_client.delete(f"{URL}{data['usa_now'].pk}/")

    assert response.status_code == 204
    assert not models.Influence.objects.filter(pk=data["usa_now"].pk).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stakeholder_id={usa.pk}", ["usa_now", "usa_elsewhere"]),
        (
            "stakeholder_id={usa.pk}&stakeholder_id={army.pk}",
            ["usa_now", "usa_elsewhere", "army_now"],
        ),
        ("stakeholder=army", ["army_now"]),
        ("topic_id={elsewhere.pk}", ["usa_elsewhere"]),
        ("topic=crisis", ["army_now", "usa_now"]),
        ("source_id={report.pk}", ["army_now"]),
        ("capability_min=70", ["army_now", "usa_now"]),  # inclusive
        ("capability_max=70", ["usa_now", "usa_elsewhere"]),
        ("capability_min=31&capability_max=89", ["usa_now"]),
        ("as_of_after=2019-01-23", ["army_now", "usa_now"]),  # inclusive
        ("as_of_before=2019-01-23", ["usa_now", "usa_elsewhere"]),
        ("as_of_after=2019-01-01&as_of_before=2019-03-31", ["usa_now"]),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("united", ["usa_now", "usa_elsewhere"]),  # stakeholder's name
        ("streets", ["army_now"]),  # rationale
        ("nothing", []),
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("as_of", ["usa_elsewhere", "usa_now", "army_now"]),
        ("-as_of", ["army_now", "usa_now", "usa_elsewhere"]),
        ("capability", ["usa_elsewhere", "usa_now", "army_now"]),
        ("-capability", ["army_now", "usa_now", "usa_elsewhere"]),
        ("stakeholder__name,capability", ["army_now", "usa_elsewhere", "usa_now"]),
        ("-stakeholder__name,-capability", ["usa_now", "usa_elsewhere", "army_now"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]
