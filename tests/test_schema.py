"""The OpenAPI schema: valid, committed, complete, and served with its docs without a network."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

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
