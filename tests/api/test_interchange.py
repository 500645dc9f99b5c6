"""The interchange exports: Popolo JSON and FollowTheMoney entities (JSON lines), streamed."""

import datetime
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.conf import settings

from tests import factories

pytestmark = pytest.mark.django_db

POPOLO = "/api/v1/export/popolo.json"
FTM = "/api/v1/export/ftm.jsonl"
API = "http://testserver/api/v1"


def sid(stakeholder) -> str:
    return f"policytracker-stakeholder-{stakeholder.pk}"


def stamps(obj) -> dict:
    """Popolo's timestamps of a record, as stored."""
    obj.refresh_from_db()
    return {"created_at": obj.created.isoformat(), "updated_at": obj.updated.isoformat()}


def record(stakeholder) -> list[dict]:
    return [{"url": f"{API}/stakeholders/{stakeholder.pk}/", "note": "policytracker record"}]


def body_of(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def popolo(client, **headers) -> dict:
    response = client.get(POPOLO, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(body_of(response))


def ftm(client, **headers) -> list[dict]:
    response = client.get(FTM, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in body_of(response).decode().splitlines()]


@pytest.fixture
def world():
    """A minister in a ministry, which is in a bloc; a community and a state; ties Popolo
    cannot say; a sanction measure on the minister and one without a target."""
    report = factories.SourceFactory(title="A report", url="https://example.org/report")
    book = factories.SourceFactory(title="A book", url="")
    minister = factories.StakeholderFactory(
        name="Ana Pérez",
        kind="person",
        country="VE",
        aliases=["Ana", "La Ministra"],
        wikidata_id="Q42",
        opensanctions_id="NK-ana",
        description="Minister of Defence.",
    )
    minister.sources.add(report, book)
    ministry = factories.StakeholderFactory(
        name="Ministry of Defence", kind="government_body", country="VE", aliases=[]
    )
    ministry.sources.add(report)
    bloc = factories.StakeholderFactory(name="The Bloc", kind="bloc", country="")
    exiles = factories.StakeholderFactory(name="Exiles", kind="community", country="US")
    united_states = factories.StakeholderFactory(name="United States", kind="state", country="US")
    post = factories.AffiliationFactory(
        subject=minister,
        kind="holds_post_in",
        object=ministry,
        role="Minister",
        start_date=datetime.date(2019, 1, 10),
        source=report,
    )
    membership = factories.AffiliationFactory(
        subject=ministry, kind="member_of", object=bloc, role="", source=None
    )
    # Not Popolo memberships: an alliance, and a tie to a person.
    factories.AffiliationFactory(subject=exiles, kind="allied_with", object=bloc)
    factories.AffiliationFactory(subject=exiles, kind="backs", object=minister)
    option = factories.PolicyOptionFactory(
        kind="sanctions", status="in_force", title="US sanctions on the government"
    )
    freeze = factories.SanctionMeasureFactory(
        option=option,
        measure_type="asset_freeze",
        imposing_authority=united_states,
        target=minister,
        legal_basis="Executive Order 13850",
        programme_code="VENEZUELA-EO13850",
        threatened_date=datetime.date(2019, 1, 5),
        listed_date=datetime.date(2019, 1, 25),
        effective_date=datetime.date(2019, 1, 28),
        description="Her assets in the US are frozen.",
        source=book,
    )
    # Without a target: not an FtM Sanction.
    factories.SanctionMeasureFactory(option=option, imposing_authority=united_states, target=None)
    return {
        "report": report,
        "book": book,
        "minister": minister,
        "ministry": ministry,
        "bloc": bloc,
        "exiles": exiles,
        "united_states": united_states,
        "post": post,
        "membership": membership,
        "freeze": freeze,
    }


@pytest.fixture(scope="module")
def openapi() -> dict:
    """The committed schema (tests/test_schema.py keeps it up to date)."""
    text = (Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text()
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.fixture(scope="module")
def components(openapi) -> dict:
    """The schema's components, every object closed (`additionalProperties: false`), so that
    a key the schema does not describe fails validation too."""

    def closed(node):
        if isinstance(node, dict):
            node = {key: closed(value) for key, value in node.items()}
            if "properties" in node:
                node["additionalProperties"] = False
            return node
        if isinstance(node, list):
            return [closed(item) for item in node]
        return node

    return closed(openapi["components"])


def validate(instance, schema: dict, components: dict) -> None:
    jsonschema.validate(instance, {**schema, "components": components})


# --- Popolo -------------------------------------------------------------------------------------


def test_popolo_has_persons_organizations_memberships_and_areas(api_client, world):
    w = world
    report = {"url": "https://example.org/report", "note": "A report"}
    book = {"url": f"{API}/sources/{w['book'].pk}/", "note": "A book"}

    assert popolo(api_client) == {
        "persons": [
            {
                "id": sid(w["minister"]),
                "name": "Ana Pérez",
                "other_names": [{"name": "Ana"}, {"name": "La Ministra"}],
                "identifiers": [
                    {"scheme": "wikidata", "identifier": "Q42"},
                    {"scheme": "opensanctions", "identifier": "NK-ana"},
                ],
                "national_identity": "Venezuela",
                "summary": "Minister of Defence.",
                "links": record(w["minister"]),
                # Linked by URL, or by its record here when it has none; in the order of the ids.
                "sources": [report, book],
                **stamps(w["minister"]),
            }
        ],
        "organizations": [
            {
                "id": sid(w["ministry"]),
                "name": "Ministry of Defence",
                "classification": "government_body",
                "area_id": "ocd-division/country:ve",
                "links": record(w["ministry"]),
                "sources": [report],
                **stamps(w["ministry"]),
            },
            {
                "id": sid(w["bloc"]),
                "name": "The Bloc",
                "classification": "bloc",
                "links": record(w["bloc"]),
                **stamps(w["bloc"]),
            },
            {
                "id": sid(w["exiles"]),
                "name": "Exiles",
                "classification": "community",
                "area_id": "ocd-division/country:us",
                "links": record(w["exiles"]),
                **stamps(w["exiles"]),
            },
            {
                "id": sid(w["united_states"]),
                "name": "United States",
                "classification": "state",
                "area_id": "ocd-division/country:us",
                "links": record(w["united_states"]),
                **stamps(w["united_states"]),
            },
        ],
        "memberships": [
            {
                "id": f"policytracker-affiliation-{w['post'].pk}",
                "label": "Ana Pérez holds post in Ministry of Defence (Minister)",
                "role": "Minister",
                "person_id": sid(w["minister"]),
                "organization_id": sid(w["ministry"]),
                "start_date": "2019-01-10",
                "sources": [report],
                **stamps(w["post"]),
            },
            {
                "id": f"policytracker-affiliation-{w['membership'].pk}",
                "label": "Ministry of Defence member of The Bloc",
                # An organization is a member too; the role says what the kind says.
                "role": "member",
                "member": {"@type": "Organization", "id": sid(w["ministry"])},
                "organization_id": sid(w["bloc"]),
                **stamps(w["membership"]),
            },
        ],
        "areas": [
            {
                "id": "ocd-division/country:us",
                "name": "United States of America",
                "identifier": "US",
                "classification": "country",
            },
            {
                "id": "ocd-division/country:ve",
                "name": "Venezuela",
                "identifier": "VE",
                "classification": "country",
            },
        ],
    }


def test_popolo_is_what_the_schema_describes(api_client, world, components):
    validate(popolo(api_client), {"$ref": "#/components/schemas/PopoloExport"}, components)


def test_popolo_of_an_empty_database(api_client):
    assert popolo(api_client) == {
        "persons": [],
        "organizations": [],
        "memberships": [],
        "areas": [],
    }


def test_popolo_runs_a_fixed_number_of_queries(api_client, world, django_assert_max_num_queries):
    factories.AffiliationFactory.create_batch(3, kind="leads")
    # A savepoint (the export's snapshot, within the test's transaction); the persons' sources,
    # the persons, the organizations' sources, the organizations, the memberships; the savepoint
    # released.
    with django_assert_max_num_queries(7):
        document = popolo(api_client)
    assert len(document["memberships"]) == 5


# --- FollowTheMoney -----------------------------------------------------------------------------


def test_ftm_has_stakeholders_then_sanctions(api_client, world):
    w = world
    report, book = "https://example.org/report", f"{API}/sources/{w['book'].pk}/"

    assert ftm(api_client) == [
        {
            "id": sid(w["minister"]),
            "schema": "Person",
            "properties": {
                "name": ["Ana Pérez"],
                "alias": ["Ana", "La Ministra"],
                "country": ["ve"],
                "wikidataId": ["Q42"],
                "notes": ["Minister of Defence."],
                "sourceUrl": [report, book],
            },
            "referents": ["NK-ana"],
        },
        {
            "id": sid(w["ministry"]),
            "schema": "PublicBody",
            "properties": {
                "name": ["Ministry of Defence"],
                "country": ["ve"],
                "sourceUrl": [report],
                "classification": ["Government body"],
            },
        },
        {
            "id": sid(w["bloc"]),
            "schema": "Organization",
            "properties": {
                "name": ["The Bloc"],
                "classification": ["Bloc or intergovernmental group"],
            },
        },
        {
            "id": sid(w["exiles"]),
            "schema": "LegalEntity",
            "properties": {
                "name": ["Exiles"],
                "country": ["us"],
                "classification": ["Community or interest group"],
            },
        },
        {
            "id": sid(w["united_states"]),
            "schema": "PublicBody",
            "properties": {
                "name": ["United States"],
                "country": ["us"],
                "classification": ["State"],
            },
        },
        {
            "id": f"policytracker-sanction-{w['freeze'].pk}",
            "schema": "Sanction",
            "properties": {
                "entity": [sid(w["minister"])],
                "authority": ["United States"],
                "country": ["us"],
                "program": ["Executive Order 13850"],
                "programId": ["VENEZUELA-EO13850"],
                "provisions": ["Asset freeze"],
                "status": ["In force"],
                "summary": ["US sanctions on the government"],
                "description": ["Her assets in the US are frozen."],
                "startDate": ["2019-01-28"],
                "listingDate": ["2019-01-25"],
                "date": ["2019-01-05"],
                "sourceUrl": [book],
            },
        },
    ]


def test_ftm_entities_are_what_the_schema_describes(api_client, world, openapi, components):
    # JSON lines: the schema describes a line (`x-itemSchema`, OpenAPI 3.2's `itemSchema`).
    response = openapi["paths"]["/api/v1/export/ftm.jsonl"]["get"]["responses"]["200"]
    item_schema = response["content"]["application/x-ndjson"]["x-itemSchema"]
    entities = ftm(api_client)

    for entity in entities:
        validate(entity, item_schema, components)
    assert {entity["schema"] for entity in entities} == {
        "Person",
        "PublicBody",
        "Organization",
        "LegalEntity",
        "Sanction",
    }


@pytest.fixture
def untidy(world):
    """A stakeholder and a sanction measure whose values FtM would clean: spacing, quotes
    around a name, invisible characters, repeated aliases, a URL without a path, a date of a
    year FtM cannot read."""
    exiles = factories.StakeholderFactory(
        name=' "Los  Colectivos" ',
        kind="community",
        aliases=["Colectivos", "Colectivos\u200b", "los colectivos"],
        description="  Armed groups.\u00ad\n",
        wikidata_id="Q7",
        country="VE",
    )
    exiles.sources.add(factories.SourceFactory(url="HTTPS://example.org"), world["report"])
    factories.SanctionMeasureFactory(
        option=world["freeze"].option,
        imposing_authority=world["united_states"],
        target=exiles,
        legal_basis="  Executive Order\u2009 13850",
        programme_code=" VENEZUELA-EO13850 ",
        description="\x01",
        threatened_date=datetime.date(999, 12, 31),
        effective_date=datetime.date(2019, 1, 28),
        source=factories.SourceFactory(url="https://example.org/list?year=2019"),
    )
    return exiles


def test_ftm_values_are_as_ftm_cleans_them(api_client, untidy):
    entities = {entity["id"]: entity for entity in ftm(api_client)}

    assert entities[sid(untidy)]["properties"] == {
        "name": ["Los Colectivos"],
        "alias": ["Colectivos", "los colectivos"],
        "country": ["ve"],
        "wikidataId": ["Q7"],
        "notes": ["Armed groups."],
        "sourceUrl": ["https://example.org/report", "https://example.org/"],
        "classification": ["Community or interest group"],
    }
    [sanction] = [e for e in entities.values() if e["properties"].get("entity") == [sid(untidy)]]
    assert sanction["properties"] == {
        "entity": [sid(untidy)],
        "authority": ["United States"],
        "country": ["us"],
        "program": ["Executive Order  13850"],
        "programId": ["VENEZUELA-EO13850"],
        "provisions": ["Asset freeze"],
        "status": ["In force"],
        "summary": ["US sanctions on the government"],
        "startDate": ["2019-01-28"],
        "sourceUrl": ["https://example.org/list?year=2019"],
    }


def test_ftm_entities_load_unchanged_in_the_followthemoney_library(api_client, untidy):
    # The library is not a requirement (tests/test_ftm_values.py): skipped without it.
    followthemoney = pytest.importorskip("followthemoney")
    entities = ftm(api_client)

    for entity in entities:
        # As a reader of data it does not trust loads it: every value cleaned again.
        loaded = followthemoney.model.get_proxy(entity, cleaned=False)
        assert loaded.to_dict() == entity
    assert len(entities) == (5 + 1) + (1 + 1)


def test_ftm_of_an_empty_database_is_empty(api_client):
    assert ftm(api_client) == []


def test_ftm_runs_a_fixed_number_of_queries(api_client, world, django_assert_max_num_queries):
    # Three more measures, each with an authority and a target of its own.
    factories.SanctionMeasureFactory.create_batch(3)
    # A savepoint; the stakeholders' sources, the stakeholders, the sanction measures; the
    # savepoint released.
    with django_assert_max_num_queries(5):
        entities = ftm(api_client)
    assert len(entities) == (5 + 3 * 2) + (1 + 3)


def test_ftm_answers_a_request_for_json_lines(api_client, world):
    assert len(ftm(api_client, HTTP_ACCEPT="application/x-ndjson")) == 6


# --- Both ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [POPOLO, FTM])
@pytest.mark.parametrize(
    ("public_read", "role", "status"),
    [
        (True, "anonymous", 200),
        (True, "user", 200),
        (False, "anonymous", 401),
        (False, "user", 200),
    ],
)
def test_reading_an_export_needs_what_reading_a_collection_needs(
    api_client, user_client, settings, url, public_read, role, status
):
    settings.POLICYTRACKER_PUBLIC_READ = public_read
    client = user_client if role == "user" else api_client

    response = client.get(url)

    assert response.status_code == status
    if status == 401:
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [POPOLO, FTM])
def test_an_export_refuses_query_parameters(api_client, url):
    response = api_client.get(f"{url}?kind=person")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Unknown query parameter: kind. This operation takes: format.",
        "code": "unknown_parameter",
        "errors": {"kind": ["Unknown query parameter."]},
    }


@pytest.mark.parametrize(
    ("url", "accept"), [(POPOLO, "application/xml"), (FTM, "application/json")]
)
def test_an_export_in_another_format_is_a_json_406(api_client, url, accept):
    response = api_client.get(url, HTTP_ACCEPT=accept)

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_acceptable"


@pytest.mark.parametrize("url", [POPOLO, FTM])
def test_an_export_is_read_only(editor_client, url):
    response = editor_client.post(url, {})

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
