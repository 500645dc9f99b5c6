"""/api/v1/affiliations/: list, detail, writes, deletes, filters, search and ordering.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about affiliations.
"""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/affiliations/"


@pytest.fixture
def data():
    padrino = factories.StakeholderFactory(slug="padrino", name="Padrino")
    maduro = factories.StakeholderFactory(slug="maduro", name="Maduro")
    government = factories.StakeholderFactory(slug="government", name="Government", kind="state")
    cuba = factories.StakeholderFactory(slug="cuba", name="Cuba", kind="state")
    decree = factories.SourceFactory(slug="decree", title="Decree")
    minister = factories.AffiliationFactory(
        subject=padrino,
        kind="holds_post_in",
        object=government,
        role="Defence Minister",
        start_date=datetime.date(2014, 10, 25),
        source=decree,
        quote="Appointed by decree",
    )
    president = factories.AffiliationFactory(
        subject=maduro,
        kind="leads",
        object=government,
        start_date=datetime.date(2013, 4, 19),
        end_date=datetime.date(2019, 1, 10),
        notes="First term",
    )
    ally = factories.AffiliationFactory(
        subject=cuba,
        kind="allied_with",
        object=government,
        start_date=datetime.date(2000, 10, 30),
        end_date=datetime.date(2025, 1, 1),
    )
    return {
        "padrino": padrino,
        "maduro": maduro,
        "government": government,
        "cuba": cuba,
        "decree": decree,
        "minister": minister,
        "president": president,
        "ally": ally,
    }


def test_retrieve(api_client, data):
    minister = data["minister"]

    response = api_client.get(f"{URL}{minister.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    assert body == {
        "id": minister.pk,
        "url": f"http://testserver/api/v1/affiliations/{minister.pk}/",
        "subject": {
            "id": data["padrino"].pk,
            "url": f"http://testserver/api/v1/stakeholders/{data['padrino'].pk}/",
            "slug": "padrino",
            "display": "Padrino",
            "kind": "person",
        },
        "kind": "holds_post_in",
        "object": brief_stakeholder(data["government"]),
        "role": "Defence Minister",
        "start_date": "2014-10-25",
        "end_date": None,
        "source": {
            "id": data["decree"].pk,
            "url": f"http://testserver/api/v1/sources/{data['decree'].pk}/",
            "slug": "decree",
            "display": "Decree",
        },
        "quote": "Appointed by decree",
        "notes": "",
    }


def test_create_takes_ids(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "subject": data["padrino"].pk,
            "kind": "backs",
            "object": data["maduro"].pk,
            "start_date": "2019-01-23",
            "source": data["decree"].pk,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = models.Affiliation.objects.get(pk=body["id"])
    assert (created.subject, created.kind, created.object) == (
        data["padrino"],
        "backs",
        data["maduro"],
    )
    assert body["subject"] == brief_stakeholder(data["padrino"])
    assert body["object"] == brief_stakeholder(data["maduro"])
    assert body["source"] == brief_of(data["decree"], "sources")
    assert (body["role"], body["end_date"]) == ("", None)


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            lambda data: {"start_date": "2019-05-01", "end_date": "2019-04-01"},
            {"end_date": ["The end date cannot be before the start date."]},
        ),
        (
            lambda data: {"object": data["padrino"].pk},
            {"object": ["A stakeholder cannot be affiliated with itself."]},
        ),
        (lambda data: {"kind": "married_to"}, {"kind": ['"married_to" is not a valid choice.']}),
    ],
)
def test_create_refuses_bad_values(editor_client, data, values, errors):
    payload = {"subject": data["padrino"].pk, "kind": "backs", "object": data["maduro"].pk}

    response = editor_client.post(URL, {**payload, **values(data)})

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert not models.Affiliation.objects.filter(kind__in=["backs", "married_to"]).exists()


def test_full_update(editor_client, data):
    president = data["president"]

    response = editor_client.put(
        f"{URL}{president.pk}/",
        {
            "subject": data["maduro"].pk,
            "kind": "leads",
            "object": data["government"].pk,
            "start_date": "2019-01-10",
            "end_date": None,
            "source": data["decree"].pk,
            "notes": "Second term",
        },
    )

    assert response.status_code == 200, response.json()
    president.refresh_from_db()
    assert (president.start_date, president.end_date, president.notes, president.source) == (
        datetime.date(2019, 1, 10),
        None,
        "Second term",
        data["decree"],
    )
    assert response.json()["source"] == brief_of(data["decree"], "sources")


def test_partial_update_is_validated_against_the_stored_dates(editor_client, data):
    president = data["president"]  # 2013-04-19 … 2019-01-10

    moved = editor_client.patch(f"{URL}{president.pk}/", {"end_date": "2019-01-09"})
    refused = editor_client.patch(f"{URL}{president.pk}/", {"end_date": "2013-01-01"})

    assert moved.status_code == 200
    assert moved.json()["end_date"] == "2019-01-09"
    assert moved.json()["start_date"] == "2013-04-19"
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "end_date": ["The end date cannot be before the start date."]
    }
    president.refresh_from_db()
    assert president.end_date == datetime.date(2019, 1, 9)


def test_delete(editor_client, data):
    response = editor_client.delete(f"{URL}{data['ally'].pk}/")

    assert response.status_code == 204
    assert not models.Affiliation.objects.filter(pk=data["ally"].pk).exists()
    assert models.Stakeholder.objects.filter(pk=data["cuba"].pk).exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=leads", ["president"]),
        ("kind=leads&kind=allied_with", ["president", "ally"]),
        ("subject_id={padrino.pk}&subject_id={cuba.pk}", ["minister", "ally"]),
        ("object_id={government.pk}", ["minister", "president", "ally"]),
        ("object_id={padrino.pk}", []),
        ("object=government", ["minister", "president", "ally"]),
        ("source_id={decree.pk}", ["minister"]),
        ("source=decree", ["minister"]),
        ("start_date_after=2013-04-19", ["minister", "president"]),  # inclusive
        ("start_date_before=2013-04-19", ["president", "ally"]),  # inclusive
        ("start_date_after=2001-01-01&start_date_before=2014-01-01", ["president"]),
        ("end_date_after=2020-01-01", ["ally"]),
        ("end_date_before=2019-01-10", ["president"]),
        ("role=defence", ["minister"]),  # part of the role, any case
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("padrino", ["minister"]),  # subject name
        ("government", ["minister", "president", "ally"]),  # object name
        ("by decree", ["minister"]),  # quote
        ("first term", ["president"]),  # notes
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        # Unknown dates come last both ways.
        ("end_date", ["president", "ally", "minister"]),
        ("-end_date", ["ally", "president", "minister"]),
        ("kind", ["ally", "minister", "president"]),
        ("-kind", ["president", "minister", "ally"]),
        ("subject__name", ["ally", "president", "minister"]),
        ("-subject__name", ["minister", "president", "ally"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]
