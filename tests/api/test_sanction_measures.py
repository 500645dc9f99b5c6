"""/api/v1/sanction-measures/: list, detail, writes, deletes, filters, search and ordering.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about sanction measures.
"""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/sanction-measures/"


@pytest.fixture
def data():
    crisis = factories.TopicFactory(slug="crisis")
    elsewhere = factories.TopicFactory(slug="elsewhere")
    usa = factories.StakeholderFactory(slug="usa", name="United States", kind="state")
    eu = factories.StakeholderFactory(slug="eu", name="European Union", kind="bloc")
    pdvsa = factories.StakeholderFactory(slug="pdvsa", name="PDVSA", kind="organization")
    cabello = factories.StakeholderFactory(slug="cabello", name="Diosdado Cabello")
    order = factories.SourceFactory(slug="order", title="Executive order")
    oil = factories.PolicyOptionFactory(
        topic=crisis, slug="oil", title="Oil sanctions", kind="sanctions"
    )
    personal = factories.PolicyOptionFactory(
        topic=elsewhere, slug="personal", title="Personal sanctions", kind="sanctions"
    )
    oil_ban = factories.SanctionMeasureFactory(
        option=oil,
        measure_type="sectoral",
        imposing_authority=usa,
        target=pdvsa,
        legal_basis="Executive Order 13850",
        programme_code="VENEZUELA-EO13850",
        threatened_date=datetime.date(2018, 11, 1),
        listed_date=datetime.date(2019, 1, 28),
        effective_date=datetime.date(2019, 1, 28),
        source=order,
        description="Oil purchases barred.",
    )
    freeze = factories.SanctionMeasureFactory(
        option=personal,
        measure_type="asset_freeze",
        imposing_authority=eu,
        target=cabello,
        legal_basis="Council Decision 2017/2074",
        programme_code="EU-VEN",
        threatened_date=None,
        listed_date=datetime.date(2018, 6, 25),
        effective_date=datetime.date(2018, 6, 26),
        end_date=datetime.date(2024, 1, 1),
        source=None,
    )
    travel_ban = factories.SanctionMeasureFactory(
        option=personal,
        measure_type="travel_ban",
        imposing_authority=eu,
        target=cabello,
        programme_code="EU-VEN",
        threatened_date=datetime.date(2018, 1, 1),
        listed_date=datetime.date(2018, 6, 25),
        effective_date=datetime.date(2018, 7, 1),
        end_date=datetime.date(2020, 1, 1),
        source=None,
    )
    return {
        "crisis": crisis,
        "elsewhere": elsewhere,
        "usa": usa,
        "eu": eu,
        "pdvsa": pdvsa,
        "cabello": cabello,
        "order": order,
        "oil": oil,
        "personal": personal,
        "oil_ban": oil_ban,
        "freeze": freeze,
        "travel_ban": travel_ban,
    }


def test_retrieve(api_client, data):
    measure = data["oil_ban"]

    response = api_client.get(f"{URL}{measure.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    assert body == {
        "id": measure.pk,
        "url": f"http://testserver/api/v1/sanction-measures/{measure.pk}/",
        "option": {
            "id": data["oil"].pk,
            "url": f"http://testserver/api/v1/options/{data['oil'].pk}/",
            "slug": "oil",
            "display": "Oil sanctions",
        },
        "measure_type": "sectoral",
        "imposing_authority": {
            "id": data["usa"].pk,
            "url": f"http://testserver/api/v1/stakeholders/{data['usa'].pk}/",
            "slug": "usa",
            "display": "United States",
            "kind": "state",
        },
        "legal_basis": "Executive Order 13850",
        "programme_code": "VENEZUELA-EO13850",
        "target": brief_stakeholder(data["pdvsa"]),
        "threatened_date": "2018-11-01",
        "listed_date": "2019-01-28",
        "effective_date": "2019-01-28",
        "end_date": None,
        "description": "Oil purchases barred.",
        "source": {
            "id": data["order"].pk,
            "url": f"http://testserver/api/v1/sources/{data['order'].pk}/",
            "slug": "order",
            "display": "Executive order",
        },
        "quote": "",
    }


def test_create_takes_ids_and_records_a_threat(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "option": data["oil"].pk,
            "measure_type": "financial",
            "imposing_authority": data["usa"].pk,
            "target": data["pdvsa"].pk,
            "threatened_date": "2019-08-01",
            "source": data["order"].pk,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = models.SanctionMeasure.objects.get(pk=body["id"])
    assert created.threatened_date == datetime.date(2019, 8, 1)
    assert created.effective_date is None
    assert body["option"] == brief_of(data["oil"], "options")
    assert body["imposing_authority"] == brief_stakeholder(data["usa"])
    assert body["target"] == brief_stakeholder(data["pdvsa"])
    assert body["source"] == brief_of(data["order"], "sources")


def test_create_refuses_an_option_that_is_not_sanctions(editor_client, data):
    talks = factories.PolicyOptionFactory(kind="negotiation")

    response = editor_client.post(URL, {"option": talks.pk, "measure_type": "trade"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "option": ["Sanction measures belong to an option of the kind sanctions."]
    }


def test_create_refuses_an_end_before_the_effective_date(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "option": data["oil"].pk,
            "measure_type": "trade",
            "effective_date": "2019-02-01",
            "end_date": "2019-01-01",
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "end_date": ["The end date cannot be before the start date."]
    }


def test_full_update(editor_client, data):
    freeze = data["freeze"]

    response = editor_client.put(
        f"{URL}{freeze.pk}/",
        {
            "option": data["personal"].pk,
            "measure_type": "asset_freeze",
            "imposing_authority": data["usa"].pk,
            "target": data["cabello"].pk,
            "legal_basis": "EO 13692",
            "effective_date": "2018-05-18",
        },
    )

    assert response.status_code == 200, response.json()
    freeze.refresh_from_db()
    assert (freeze.imposing_authority, freeze.legal_basis, freeze.programme_code) == (
        data["usa"],
        "EO 13692",
        "EU-VEN",  # not sent: kept (DRF's PUT leaves out fields that are not required)
    )
    assert freeze.effective_date == datetime.date(2018, 5, 18)
    assert response.json()["imposing_authority"] == brief_stakeholder(data["usa"])


def test_partial_update(editor_client, data):
    freeze = data["freeze"]

    response = editor_client.patch(f"{URL}{freeze.pk}/", {"end_date": None})

    assert response.status_code == 200
    assert response.json()["end_date"] is None
    assert response.json()["measure_type"] == "asset_freeze"
    freeze.refresh_from_db()
    assert freeze.end_date is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("measure_type=sectoral", ["oil_ban"]),
        ("measure_type=asset_freeze&measure_type=travel_ban", ["freeze", "travel_ban"]),
        ("programme_code=EU-VEN", ["freeze", "travel_ban"]),
        ("option=personal", ["freeze", "travel_ban"]),
        ("topic_id={elsewhere.pk}", ["freeze", "travel_ban"]),
        ("topic=crisis", ["oil_ban"]),
        ("imposing_authority_id={eu.pk}", ["freeze", "travel_ban"]),
        ("imposing_authority=usa", ["oil_ban"]),
        ("target_id={pdvsa.pk}", ["oil_ban"]),
        ("target=cabello", ["freeze", "travel_ban"]),
        ("source_id={order.pk}", ["oil_ban"]),
        ("threatened_date_after=2018-06-01", ["oil_ban"]),
        ("threatened_date_before=2018-01-01", ["travel_ban"]),  # inclusive
        ("listed_date_after=2018-06-25&listed_date_before=2018-06-25", ["freeze", "travel_ban"]),
        ("effective_date_after=2018-07-01", ["oil_ban", "travel_ban"]),
        ("effective_date_before=2018-06-30", ["freeze"]),
        ("end_date_after=2021-01-01", ["freeze"]),
        ("end_date_before=2021-01-01", ["travel_ban"]),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("13850", ["oil_ban"]),  # legal basis and programme code
        ("eu-ven", ["freeze", "travel_ban"]),  # programme code
        ("purchases", ["oil_ban"]),  # description
        ("cabello", ["freeze", "travel_ban"]),  # target's name
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        # Unknown dates come last both ways.
        ("threatened_date", ["travel_ban", "oil_ban", "freeze"]),
        ("-threatened_date", ["oil_ban", "travel_ban", "freeze"]),
        ("listed_date,effective_date", ["freeze", "travel_ban", "oil_ban"]),
        ("-listed_date,-effective_date", ["oil_ban", "travel_ban", "freeze"]),
        ("end_date", ["travel_ban", "freeze", "oil_ban"]),
        ("-end_date", ["freeze", "travel_ban", "oil_ban"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]
