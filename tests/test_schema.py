"""The OpenAPI schema: valid, committed, complete, and served with its docs without a network."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from tests import factories

COMMITTED_SCHEMA = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def generated_schema_text(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    # --fail-on-warn: any warning of drf-spectacular (an unresolvable field…) fails the test.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return path.read_text()


@pytest.fixture(scope="module")
def schema(generated_schema_text) -> dict:
    return yaml.safe_load(generated_schema_text)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_committed_schema_is_up_to_date(generated_schema_text):
    assert COMMITTED_SCHEMA.read_text() == generated_schema_text, (
        "docs/openapi.yaml is stale: run `make schema` and commit it."
    )


def test_schema_has_every_collection_of_the_contract(schema):
    collections = [
        "topics",
        "stakeholders",
        "affiliations",
        "options",
        "sanction-measures",
        "sources",
        "positions",
        "events",
        "influences",
    ]
    for collection in collections:
        item = schema["paths"][f"/api/v1/{collection}/{{id}}/"]
        assert set(item) >= {"get", "put", "patch", "delete"}, collection
        assert set(schema["paths"][f"/api/v1/{collection}/"]) >= {"get", "post"}, collection
    assert "/api/v1/health/" in schema["paths"]


def test_schema_does_not_describe_itself(schema):
    assert not any(path.startswith("/api/schema") for path in schema["paths"])


def test_every_operation_has_a_summary_and_a_description(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), f"{method} {path} has no summary"
        assert len(operation.get("description", "")) > 20, f"{method} {path} has no description"


def test_error_responses_are_described(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert "401" in codes, f"{method} {path}"
        if method in {"post", "put", "patch"}:
            assert {"400", "403", "415"} <= codes, f"{method} {path}"
        if method == "delete":
            assert "403" in codes, f"{method} {path}"
        if "{id}" in path:
            assert "404" in codes, f"{method} {path}"
        for code in {code for code in codes if code[0] == "4"}:
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_list_operations_with_filters_describe_400(schema):
    operation = schema["paths"]["/api/v1/positions/"]["get"]
    assert "400" in operation["responses"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"stakeholder", "stakeholder_id", "as_of_after", "as_of_before", "basis"} <= names
    assert {"search", "ordering", "limit", "offset"} <= names


def test_requests_take_ids_and_responses_give_brief_objects(schema):
    components = schema["components"]["schemas"]
    assert components["PositionRequest"]["properties"]["stakeholder"] == {
        "type": "integer",
        "minimum": 1,
    }
    assert components["Position"]["properties"]["stakeholder"] == {
        "$ref": "#/components/schemas/BriefStakeholder"
    }


def parameter(operation: dict, name: str) -> dict:
    return next(p for p in operation["parameters"] if p["name"] == name)


def test_a_blank_single_valued_query_parameter_is_documented_as_accepted(schema):
    # The server reads `?as_of_after=` or `?basis=` as no parameter (schemathesis found the
    # schema calling them invalid while the server answered 200); a repeatable one refuses it.
    for path, _method, operation in operations(schema):
        for item in operation.get("parameters", []):
            if item["in"] != "query":
                continue
            repeats = item["schema"].get("type") == "array"
            assert item.get("allowEmptyValue", False) is not repeats, (path, item["name"])
    positions = schema["paths"]["/api/v1/positions/"]["get"]
    assert parameter(positions, "as_of_after")["allowEmptyValue"] is True
    assert "allowEmptyValue" not in parameter(positions, "stakeholder_id")


def test_relation_filters_describe_ids_and_slugs(schema):
    positions = schema["paths"]["/api/v1/positions/"]["get"]
    assert parameter(positions, "stakeholder_id")["schema"]["items"] == {
        "type": "integer",
        "minimum": 1,
    }
    assert parameter(positions, "stakeholder")["schema"]["items"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "pattern": "^[-a-zA-Z0-9_]+$",
    }


def test_texts_that_may_not_be_blank_may_not_be_white_space_either(schema):
    properties = schema["components"]["schemas"]["StakeholderRequest"]["properties"]
    assert properties["name"]["pattern"] == properties["aliases"]["items"]["pattern"]
    not_blank = re.compile(properties["name"]["pattern"])
    # White space as the server trims it (str.strip()), JSON Schema's `\S` notwithstanding.
    for blank in (" ", "\t\n", "\x1f", "\x85", "\u3000"):
        assert blank.isspace() and not not_blank.search(blank)
    assert not_blank.search(" Maduro ") and not_blank.search("\ufeff")
    assert properties["slug"]["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert "pattern" not in properties["description"]
    response = schema["components"]["schemas"]["Stakeholder"]["properties"]
    assert "pattern" not in response["name"]


def test_a_created_record_links_to_the_operations_on_it(schema):
    topics = schema["paths"]["/api/v1/topics/"]["post"]["responses"]["201"]["links"]
    assert set(topics) == {
        "topics_retrieve",
        "topics_update",
        "topics_partial_update",
        "topics_destroy",
        "topics_history_list",
        "topics_forecast_retrieve",
        "topics_scenarios_run_create",
        "topics_stance_matrix_retrieve",
        "topics_timeline_list",
    }
    assert topics["topics_retrieve"] == {
        "operationId": "topics_retrieve",
        "parameters": {"path.id": "$response.body#/id"},
    }
    assert topics["topics_update"]["parameters"] == {
        "path.id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
    detail = schema["paths"]["/api/v1/topics/{id}/"]
    assert set(detail["get"]["responses"]["200"]["links"]) == {
        "topics_update",
        "topics_partial_update",
        "topics_destroy",
    }
    assert detail["delete"]["responses"]["204"]["links"] == {
        "topics_retrieve": {
            "operationId": "topics_retrieve",
            "parameters": {"path.id": "$request.path.id"},
        }
    }
    operation_ids = {operation["operationId"] for _, _, operation in operations(schema)}
    for _, _, operation in operations(schema):
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in operation_ids


def test_enums_have_stable_names(schema):
    components = schema["components"]["schemas"]
    for name in ["BasisEnum", "StakeholderKindEnum", "PolicyOptionStatusEnum", "CertaintyEnum"]:
        assert name in components
    assert not [name for name in components if re.fullmatch(r"[A-Za-z]+[0-9a-f]{3}Enum", name)]


def test_no_component_is_unused(schema):
    text = yaml.safe_dump(schema["paths"]) + yaml.safe_dump(schema["components"])
    for name in schema["components"]["schemas"]:
        assert f"#/components/schemas/{name}" in text, f"{name} is never referenced"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/api/schema/", "application/vnd.oai.openapi"),
        ("/api/schema/?format=yaml", "application/vnd.oai.openapi"),
        ("/api/schema/?format=json", "application/vnd.oai.openapi+json"),
    ],
)
def test_schema_is_served_as_yaml_and_json(client, url, content_type):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    schema = response.json() if "json" in content_type else yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_no_external_asset(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    external = re.findall(r"""(?:src|href)=["']((?:https?:)?//[^"']+)""", html)
    assert external == []


# --- OpenAPI 3.1, exactly (issue 11) -----------------------------------------------------------

# Where a value is a schema, a list of schemas, or a mapping of names to schemas.
SUBSCHEMA = {
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "additionalProperties",
}
SUBSCHEMA_LIST = {"allOf", "anyOf", "oneOf", "prefixItems"}
SUBSCHEMA_MAP = {"properties", "patternProperties", "dependentSchemas", "$defs"}


def schemas_in(node, where="#"):
    """Every schema of the document (components, parameters, headers, bodies), nested ones too,
    with where it is: keys such as `nullable` or `example` are looked for in schemas only, not
    in a schema's `properties` (a field may be called `example`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}/{key}"
            if key == "schema" and isinstance(value, dict):
                yield from walk_schema(value, here)
            elif key == "schemas" and where == "#/components":
                for name, schema in value.items():
                    yield from walk_schema(schema, f"{here}/{name}")
            elif not key.startswith("x-") and key not in ("example", "examples"):
                yield from schemas_in(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from schemas_in(item, f"{where}/{index}")


def walk_schema(schema: dict, where: str):
    yield where, schema
    for key, value in schema.items():
        if key in SUBSCHEMA and isinstance(value, dict):
            yield from walk_schema(value, f"{where}/{key}")
        elif key in SUBSCHEMA_LIST:
            for index, item in enumerate(value):
                yield from walk_schema(item, f"{where}/{key}/{index}")
        elif key in SUBSCHEMA_MAP:
            for name, item in value.items():
                yield from walk_schema(item, f"{where}/{key}/{name}")


def validator_for(schema: dict, pointer: str) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator of the schema at `pointer` in the OpenAPI document, its
    references resolved in the document."""
    return Draft202012Validator({"$ref": pointer, "components": schema["components"]})


def test_the_schema_is_openapi_3_1(schema):
    assert schema["openapi"] == "3.1.0"


def test_no_openapi_3_0_idiom_is_left(schema):
    found = []
    for where, item in schemas_in(schema):
        if "nullable" in item:
            found.append(f"{where}: nullable (3.0; a `null` type or branch in 3.1)")
        if "example" in item:
            found.append(f"{where}: example (3.0; `examples`, a list, in 3.1)")
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(item.get(bound), bool):
                found.append(f"{where}: {bound} as a boolean (3.0; a number in 3.1)")
        for combinator in ("oneOf", "anyOf"):
            if {} in item.get(combinator, []):
                found.append(f"{where}: {combinator} with a branch that matches anything")
        if item.get("format") == "binary":
            found.append(f"{where}: format binary (3.0; contentMediaType in 3.1)")
    assert not found, "\n".join(found)


# The relations that may be null (issue 11: written `allOf` + `nullable`, with no type, they did
# not admit null under OpenAPI 3.0, and strict validators refused real responses).
NULLABLE_RELATIONS = [
    "Position/properties/reported_by",
    "Source/properties/cited_in",
    "StanceMatrixRow/properties/cells/items",
    "TimelineEntry/properties/event",
    "TimelineEntry/properties/position",
    "Affiliation/properties/source",
    "Influence/properties/source",
    "SanctionMeasure/properties/source",
    "PolicyOption/properties/proposer",
    "PolicyOption/properties/venue",
    "SanctionMeasure/properties/target",
    "SanctionMeasure/properties/imposing_authority",
    "Change/properties/user",
]


@pytest.mark.parametrize("field", NULLABLE_RELATIONS)
def test_nullable_relations_admit_null_and_only_null_besides_their_object(schema, field):
    validator = validator_for(schema, f"#/components/schemas/{field}")
    assert validator.is_valid(None)
    assert not validator.is_valid(5)
    assert not validator.is_valid({})  # an object lacks the brief object's required fields


def test_a_value_that_may_be_anything_admits_null(schema):
    for field in ["FieldChange/properties/old", "Change/properties/snapshot/additionalProperties"]:
        assert validator_for(schema, f"#/components/schemas/{field}").is_valid(None), field


@pytest.mark.parametrize("component", ["Source", "SourceRequest", "PatchedSourceRequest"])
def test_a_source_without_a_web_address_is_valid(schema, component):
    validator = validator_for(schema, f"#/components/schemas/{component}/properties/web_url")
    assert validator.is_valid("")
    assert validator.is_valid("https://example.org/report")
    assert not validator.is_valid(None)


def test_no_one_of_admits_a_blank_string_twice(schema):
    blank = {"type": "string", "maxLength": 0}
    for where, item in schemas_in(schema):
        assert blank not in item.get("oneOf", []), where


def test_request_fields_with_a_uri_format_are_the_strictly_validated_ones(schema):
    # Each is validated by RFC 3986 on write (options/api/serializers/fields.py, tests in
    # tests/api/test_sources.py and test_subscriptions.py): a new one needs such tests too.
    uri_fields = {
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("Request")
        for field, property_schema in component.get("properties", {}).items()
        if any(item.get("format") == "uri" for _, item in walk_schema(property_schema, ""))
    }
    assert uri_fields == {
        "SourceRequest.web_url",
        "PatchedSourceRequest.web_url",
        "SubscriptionRequest.url",
        "PatchedSubscriptionRequest.url",
    }


STREAMED = {
    ("/api/v1/positions/export.csv", "text/csv"),
    ("/api/v1/export/ftm.jsonl", "application/x-ndjson"),
    ("/api/v1/feeds/topics/{topic_id}.atom", "application/atom+xml"),
    ("/api/v1/feeds/subscriptions/{subscription_id}.atom", "application/atom+xml"),
}


def test_bodies_that_are_not_json_are_streams_of_their_media_type(schema):
    found = set()
    for path, _method, operation in operations(schema):
        for response in operation["responses"].values():
            for media_type, content in response.get("content", {}).items():
                if media_type == "application/json" or media_type.endswith("+json"):
                    continue
                found.add((path, media_type))
                # OpenAPI 3.1's bytes of a media type (3.0's `type: string, format: binary`):
                # no `type`, which a validator would check the raw body against.
                assert "type" not in content["schema"], (path, media_type)
                assert content["schema"]["contentMediaType"] == media_type
    assert found == STREAMED


def component_enums(schema: dict) -> dict[str, dict]:
    return {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if "enum" in component
    }


def test_query_parameters_refer_to_component_enums_rather_than_repeat_them(schema):
    enums = {
        frozenset(component["enum"]): name for name, component in component_enums(schema).items()
    }
    for path, method, operation in operations(schema):
        for item in operation.get("parameters", []):
            values = item["schema"].get("items", item["schema"])
            if "enum" in values:
                assert frozenset(values["enum"]) not in enums, (
                    f"{method} {path} ?{item['name']} repeats "
                    f"{enums.get(frozenset(values['enum']))}: refer to it"
                )
    positions = schema["paths"]["/api/v1/positions/"]["get"]
    assert parameter(positions, "basis")["schema"]["items"] == {
        "$ref": "#/components/schemas/BasisEnum"
    }
    forecast = schema["paths"]["/api/v1/options/{id}/forecast/"]["get"]
    assert parameter(forecast, "unit")["schema"] == {
        "allOf": [{"$ref": "#/components/schemas/ForecastUnitEnum"}],
        "default": "actors",
    }
    assert parameter(positions, "stance")["schema"]["items"] == {
        "type": "integer",
        "minimum": -2,
        "maximum": 2,
    }


# Enum names say whose they are. Words any model's field may be called are no names of their
# own (`TypeEnum`, `StatusEnum`: `ChangeTypeEnum`, `DeliveryStatusEnum`); the words below are
# not enough alone. Shared vocabularies are named for what they are: an ISO 3166 country, the
# precision of any date, and drf-spectacular's blank choice.
GENERIC_ENUM_WORDS = {
    "Blank", "Category", "Code", "Collection", "Database", "Field", "Format", "Kind", "Level",
    "Mode", "Name", "Null", "Role", "Scheme", "State", "Status", "Type", "Unit", "Value",
}  # fmt: skip
SHARED_ENUMS = {"CountryEnum", "DatePrecisionEnum", "BlankEnum"}


def test_every_component_enum_has_a_specific_name(schema):
    for name in component_enums(schema):
        assert name.endswith("Enum"), name
        if name in SHARED_ENUMS:
            continue
        words = re.findall(r"[A-Z][a-z]*", name.removesuffix("Enum"))
        assert len(words) > 1 or words[0] not in GENERIC_ENUM_WORDS, f"{name}: whose is it?"
    assert {"ChangeCollectionEnum", "HealthDatabaseEnum", "HealthStatusEnum"} <= set(
        component_enums(schema)
    )


def test_no_two_component_enums_have_the_same_values(schema):
    seen = {}
    for name, component in component_enums(schema).items():
        values = frozenset(component["enum"])
        assert values not in seen, f"{name} and {seen.get(values)} have the same values"
        seen[values] = name


def test_the_document_declares_its_tags_servers_licence_and_contact(schema):
    declared = {tag["name"]: tag.get("description", "") for tag in schema["tags"]}
    used = {tag for _, _, operation in operations(schema) for tag in operation.get("tags", [])}
    assert set(declared) == used
    assert all(len(description) > 20 for description in declared.values()), declared
    assert schema["servers"][0]["url"] == "/"
    assert schema["info"]["license"]["name"]
    assert schema["info"]["license"]["identifier"]
    assert schema["info"]["contact"]["name"]


# What the issue's strict tools met: openapi-core, as it comes (its defaults: bodies that are not
# JSON read as bytes), validating real responses against the generated schema.


@pytest.fixture(scope="module")
def openapi(schema) -> OpenAPI:
    return OpenAPI.from_dict(schema)


@pytest.mark.django_db
def test_a_position_without_a_reporter_validates(api_client, openapi):
    position = factories.PositionFactory(reported_by=None)
    response = api_client.get(f"/api/v1/positions/{position.pk}/")
    assert response.status_code == 200 and response.json()["reported_by"] is None
    openapi.validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )


@pytest.mark.django_db
def test_a_source_without_a_web_address_and_a_citing_source_validates(api_client, openapi):
    source = factories.SourceFactory(url="", cited_in=None)
    response = api_client.get(f"/api/v1/sources/{source.pk}/")
    assert (response.json()["web_url"], response.json()["cited_in"]) == ("", None)
    openapi.validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )


@pytest.mark.django_db
def test_the_csv_export_validates_as_the_bytes_it_is(api_client, openapi):
    factories.PositionFactory()
    response = api_client.get("/api/v1/positions/export.csv")
    assert response.status_code == 200
    streamed = DjangoOpenAPIResponse(response)  # reads the stream, and leaves it readable
    openapi.validate_response(DjangoOpenAPIRequest(response.wsgi_request), streamed)
    assert streamed.data.decode("utf-8-sig").startswith("id,stakeholder,")
