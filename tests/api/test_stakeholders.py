"""/api/v1/stakeholders/: list, detail with affiliations, writes, deletes, filters, search.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about stakeholders.
"""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/stakeholders/"


@pytest.fixture
def data():
    statement = factories.SourceFactory(slug="statement", title="Statement")
    minister = factories.StakeholderFactory(
        slug="padrino",
        name="Vladimir Padrino",
        kind="person",
        country="VE",
        aliases=["The General"],
        description="Defence minister since 2014.",
        wikidata_id="Q123",
        opensanctions_id="os-padrino",
    )
    minister.sources.add(statement)
    usa = factories.StakeholderFactory(slug="usa", name="United States", kind="state", country="US")
    lima = factories.StakeholderFactory(
        slug="lima-group", name="Lima Group", kind="bloc", country=""
    )
    crisis = factories.TopicFactory(slug="crisis")
    option = factories.PolicyOptionFactory(topic=crisis)
    # Two positions on the same topic: the topic filter must not repeat the stakeholder.
    factories.PositionFactory(stakeholder=usa, option=option, basis="stated")
    factories.PositionFactory(stakeholder=usa, option=option, basis="expected")
    return {
        "statement": statement,
        "minister": minister,
        "usa": usa,
        "lima": lima,
        "crisis": crisis,
        "option": option,
    }


def test_retrieve_includes_affiliations_both_ways(api_client, data):
    minister, lima, usa = data["minister"], data["lima"], data["usa"]
    post = factories.AffiliationFactory(
        subject=minister,
        kind="holds_post_in",
        object=lima,
        role="Observer",
        start_date=datetime.date(2017, 8, 8),
        source=data["statement"],
    )
    backing = factories.AffiliationFactory(subject=usa, kind="backs", object=minister, source=None)

    response = api_client.get(f"{URL}{minister.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    affiliations = body.pop("affiliations")
    incoming = body.pop("incoming_affiliations")
    assert body == {
        "id": minister.pk,
        "url": f"http://testserver/api/v1/stakeholders/{minister.pk}/",
        "slug": "padrino",
        "name": "Vladimir Padrino",
        "kind": "person",
        "country": "VE",
        "aliases": ["The General"],
        "description": "Defence minister since 2014.",
        "wikidata_id": "Q123",
        "opensanctions_id": "os-padrino",
        "sources": [
            {
                "id": data["statement"].pk,
                "url": f"http://testserver/api/v1/sources/{data['statement'].pk}/",
                "slug": "statement",
                "display": "Statement",
            }
        ],
    }
    [outgoing] = affiliations
    assert without_timestamps(outgoing) == {
        "id": post.pk,
        "url": f"http://testserver/api/v1/affiliations/{post.pk}/",
        "subject": {
            "id": minister.pk,
            "url": f"http://testserver/api/v1/stakeholders/{minister.pk}/",
            "slug": "padrino",
            "display": "Vladimir Padrino",
            "kind": "person",
        },
        "kind": "holds_post_in",
        "object": brief_stakeholder(lima),
        "role": "Observer",
        "start_date": "2017-08-08",
        "end_date": None,
        "source": brief_of(data["statement"], "sources"),
        "quote": "",
        "notes": "",
    }
    assert [(a["id"], a["subject"]["id"], a["kind"], a["source"]) for a in incoming] == [
        (backing.pk, usa.pk, "backs", None)
    ]


def test_create_takes_source_ids(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "slug": "guaido",
            "name": "Juan Guaidó",
            "kind": "person",
            "country": "VE",
            "aliases": ["Interim president"],
            "wikidata_id": "Q60834000",
            "sources": [data["statement"].pk],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = models.Stakeholder.objects.get(slug="guaido")
    assert body["id"] == created.pk
    assert body["sources"] == [brief_of(data["statement"], "sources")]
    assert (body["affiliations"], body["incoming_affiliations"]) == ([], [])
    assert created.aliases == ["Interim president"]
    assert created.wikidata_id == "Q60834000"


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"wikidata_id": "42"}, {"wikidata_id": ["A Wikidata ID looks like Q42."]}),
        ({"aliases": "not a list"}, {"aliases": ['Expected a list of items but got type "str".']}),
        ({"aliases": [""]}, {"aliases": {"0": ["This field may not be blank."]}}),
        ({"kind": "alien"}, {"kind": ['"alien" is not a valid choice.']}),
        # Found by the fuzz run: values of another JSON type were taken (`{}` as no sources, as
        # no country; a number as a name). The country is a code from the schema's enum:
        # django-countries would also take a {"code": …} object, a lowercase code, a name.
        ({"sources": {}}, {"sources": ['Expected a list of items but got type "dict".']}),
        ({"country": {}}, {"country": ['"{}" is not a valid choice.']}),
        ({"country": {"code": "VE"}}, {"country": ["\"{'code': 'VE'}\" is not a valid choice."]}),
        ({"country": "ve"}, {"country": ['"ve" is not a valid choice.']}),
        ({"country": "Venezuela"}, {"country": ['"Venezuela" is not a valid choice.']}),
        ({"aliases": [7]}, {"aliases": {"0": ["Not a valid string."]}}),
        # White space alone is blank (the schema's pattern says so: `\S`), "\x1d" included.
        ({"name": " \x1d"}, {"name": ["This field may not be blank."]}),
    ],
)
def test_create_refuses_bad_values(editor_client, values, errors):
    response = editor_client.post(URL, {"slug": "x", "name": "X", "kind": "person", **values})

    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_full_update(editor_client, data):
    minister = data["minister"]

    response = editor_client.put(
        f"{URL}{minister.pk}/",
        {"slug": "padrino-lopez", "name": "Vladimir Padrino López", "kind": "armed_forces"},
    )

    assert response.status_code == 200, response.json()
    minister.refresh_from_db()
    assert (minister.slug, minister.name, minister.kind) == (
        "padrino-lopez",
        "Vladimir Padrino López",
        "armed_forces",
    )
    assert response.json()["kind"] == "armed_forces"


def test_delete_of_a_stakeholder_with_positions_is_a_conflict(editor_client, data):
    usa = data["usa"]
    positions = list(usa.positions.order_by("pk"))

    response = editor_client.delete(f"{URL}{usa.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert response.json()["referrers"] == [
        {"type": "position", "id": position.pk, "display": str(position)} for position in positions
    ]
    assert models.Stakeholder.objects.filter(pk=usa.pk).exists()


def test_delete_of_a_stakeholder_acting_in_an_option_is_a_conflict(editor_client, data):
    # A plain many-to-many link: Django would drop it silently; the app refuses instead.
    data["option"].actors.add(data["lima"])

    response = editor_client.delete(f"{URL}{data['lima'].pk}/")

    assert response.status_code == 409
    assert response.json()["referrers"] == [
        {"type": "policyoption", "id": data["option"].pk, "display": str(data["option"])}
    ]
    assert data["option"].actors.filter(pk=data["lima"].pk).exists()


def test_delete_of_an_affiliated_stakeholder_is_a_conflict(editor_client, data):
    affiliation = factories.AffiliationFactory(subject=data["minister"], object=data["lima"])

    response = editor_client.delete(f"{URL}{data['lima'].pk}/")

    assert response.status_code == 409
    assert response.json()["referrers"] == [
        {"type": "affiliation", "id": affiliation.pk, "display": str(affiliation)}
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=bloc", ["lima"]),
        ("kind=bloc&kind=person", ["lima", "minister"]),
        ("country=US", ["usa"]),
        ("wikidata_id=Q123", ["minister"]),
        ("opensanctions_id=os-padrino", ["minister"]),
        ("topic_id={crisis.pk}", ["usa"]),
        ("topic=crisis", ["usa"]),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


def test_topic_filter_lists_each_stakeholder_once(data, api_client):
    body = api_client.get(f"{URL}?topic_id={data['crisis'].pk}").json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [data["usa"].pk]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("padrino", ["minister"]),  # name and slug
        ("defence minister", ["minister"]),  # description
        ("lima-group", ["lima"]),  # slug
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


def test_search_finds_an_alias_with_an_accent(data, editor_client, filtered_ids):
    # SQLite keeps JSON as text: aliases must be stored without \u escapes to be found.
    aliases = {"aliases": ["Grupo de Lima", "Grupo de Lima (Perú)"]}
    assert editor_client.patch(f"{URL}{data['lima'].pk}/", aliases).status_code == 200

    got, want = filtered_ids(URL, "search=Perú", data, ["lima"])

    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["lima", "usa", "minister"]),
        ("-name", ["minister", "usa", "lima"]),
        ("slug", ["lima", "minister", "usa"]),
        ("-slug", ["usa", "minister", "lima"]),
        ("country", ["lima", "usa", "minister"]),
        ("-country", ["minister", "usa", "lima"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]
