"""A live walk of the API on the seed: every operation of docs/openapi.yaml called with real ids,
its successes and the errors the schema documents, every response validated by openapi-core
(tests/contract.py), and every JSON body parsed into the pydantic models that
datamodel-code-generator makes of the schema with its default flags.

The calls are derived from the schema: each operation gets its success, and each error status it
documents that the walk knows how to provoke (the `PROVOKE` table below). The test fails if an
operation of the schema was not called, if a call did not get the status it was made for, if a
response does not match the schema, or if a body does not parse into its model.
"""

import datetime
import importlib.util
import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import pydantic
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework.test import APIClient

from options import models
from options.tracking import delivery
from tests import contract
from tests.conftest import editors_group

MISSING_ID = 999999999
# A date the seed covers (the analyses' `as_of`).
AS_OF = "2019-05-01"
# The error statuses the walk provokes when an operation documents them; the others (500, the
# database down for anything but health…) are not the walk's to cause.
PROVOKE = {"400", "401", "403", "404", "406", "409", "412", "413", "415", "428", "429", "503"}
# Each user's own: another user's answer 404, not 403.
OWN = {"subscriptions", "deliveries"}


# The bodies of the operations that write nothing (reading is all they need: no 403 to provoke).
BODIES = {
    "topics_scenarios_run_create": lambda ids: {
        "as_of": AS_OF,
        "changes": [
            {
                "type": "stance",
                "stakeholder": models.Position.objects.values_list("stakeholder", flat=True)[0],
                "stance": 2,
            }
        ],
    },
}


@dataclass
class Call:
    operation: str
    method: str
    url: str
    expect: int
    client: str = "editor"
    body: Any = None
    options: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    # Patches for this call alone (a pytest.MonkeyPatch of its own).
    patch: Callable[[pytest.MonkeyPatch], None] | None = None


@dataclass
class Seen:
    operation: str
    status: int
    content_type: str
    body: bytes


class Walk:
    def __init__(self, clients: dict[str, APIClient], settings):
        self.clients = clients
        self.settings = settings
        self.contract = contract.contract()
        self.seen: list[Seen] = []
        self.problems: list[str] = []

    def _observed(self, exchange: contract.Exchange, operation: str) -> None:
        self.seen.append(
            Seen(operation, exchange.status, exchange.content_type, exchange.body or b"")
        )

    def call(self, call: Call):
        """Make a call; record a problem if it does not answer `expect` or the schema."""
        client = self.clients[call.client]
        previous = {name: getattr(self.settings, name) for name in call.settings}
        for name, value in call.settings.items():
            setattr(self.settings, name, value)
        send = getattr(client, call.method.lower())
        options = {"format": "json", **call.options}
        if "content_type" in options:
            options.pop("format")
        try:
            with contract.observe(self._observed), pytest.MonkeyPatch.context() as patching:
                if call.patch is not None:
                    call.patch(patching)
                response = send(call.url, call.body, **options)
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
        except contract.ContractViolation as violation:
            self.problems.append(f"[{call.operation}] {violation}")
            return None
        finally:
            for name, value in previous.items():
                setattr(self.settings, name, value)
        if response.status_code != call.expect:
            self.problems.append(
                f"[{call.operation}] {call.method} {call.url} answered {response.status_code}, "
                f"not {call.expect}: {body[:500].decode(errors='replace')}"
            )
            return None
        return response

    def json(self, call: Call):
        response = self.call(call)
        return None if response is None else response.json()

    def needed(self, call: Call):
        """The answer of a call the rest of the walk needs: stop here if it failed."""
        answer = self.json(call)
        if answer is None:
            pytest.fail("the walk cannot go on:\n\n" + "\n\n".join(self.problems))
        return answer


# --- The bodies of writes: a record read back, as the request schema takes it ------------------


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {**document["components"]["schemas"][name], **(schema | {"$ref": None})}
        schema.pop("$ref")
    return schema


def alternatives(document: dict, schema: dict) -> list[dict]:
    """The schema, or the schemas of its allOf/oneOf/anyOf, resolved, but for null."""
    schema = resolve(document, schema)
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            return [
                found
                for sub in schema[key]
                for found in alternatives(document, sub)
                if found.get("type") != "null"
            ]
    return [schema]


def types(document: dict, schema: dict) -> set[str]:
    found = set()
    for alternative in alternatives(document, schema):
        kind = alternative.get("type", [])
        found |= {kind} if isinstance(kind, str) else set(kind)
    return found


def writable(document: dict, value: Any, schema: dict) -> Any:
    """A value read from the API, as the request schema writes it: brief objects as ids."""
    if value is None:
        return None
    kinds = types(document, schema)
    if isinstance(value, dict):
        if "object" not in kinds and "id" in value:
            return value["id"]
        properties = {}
        for alternative in alternatives(document, schema):
            properties.update(alternative.get("properties", {}))
        return {
            name: writable(document, item, properties[name])
            for name, item in value.items()
            if name in properties and not resolve(document, properties[name]).get("readOnly")
        }
    if isinstance(value, list):
        items = next(
            (a["items"] for a in alternatives(document, schema) if "items" in a), {"type": "any"}
        )
        return [writable(document, item, items) for item in value]
    return value


def request_schema(document: dict, operation: dict) -> dict:
    return operation["requestBody"]["content"]["application/json"]["schema"]


def another(body: dict, number: int) -> dict:
    """A copy of a record's body that its unique constraints take as another record."""
    body = dict(body)
    if body.get("slug"):
        body["slug"] = f"{body['slug'][:80]}-walk-{number}"
    if body.get("as_of"):  # positions and influences: once per date
        date = datetime.date.fromisoformat(body["as_of"]) - datetime.timedelta(days=number)
        body["as_of"] = date.isoformat()
    for name in ("wikidata_id", "opensanctions_id"):
        if body.get(name):
            body[name] = None
    return body


# --- The generated models -------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_models(tmp_path_factory):
    """datamodel-code-generator's pydantic models of docs/openapi.yaml, default flags (or, if it
    cannot make them, its error: a problem the walk reports with the others)."""
    output = tmp_path_factory.mktemp("models") / "policytracker_models.py"
    result = subprocess.run(
        [
            Path(sys.executable).parent / "datamodel-codegen",
            "--input",
            contract.SCHEMA,
            "--output",
            output,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        yield f"datamodel-codegen could not make models of the schema:\n{result.stderr}"
        return
    spec = importlib.util.spec_from_file_location("policytracker_walk_models", output)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def model_type(module, schema: dict):
    """The generated type of a response schema: its component's model, a list of them, or a
    union of them; None for a schema that is not JSON (a body of bytes)."""
    if "$ref" in schema:
        return getattr(module, schema["$ref"].rsplit("/", 1)[-1])
    if schema.get("type") == "array" and "items" in schema:
        item = model_type(module, schema["items"])
        return None if item is None else list[item]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            members = [model_type(module, sub) for sub in schema[key]]
            return None if None in members else Union[tuple(members)]  # noqa: UP007
    return None


def model_problems(walk: Walk, module) -> list[str]:
    """Parse every JSON body of the walk into the generated model of its response schema."""
    if isinstance(module, str):
        return [module]
    problems, adapters, parsed = [], {}, 0
    document = walk.contract.document
    for seen in walk.seen:
        if not seen.body:
            continue
        method, path = walk.contract.operations[seen.operation]
        responses = document["paths"][path][method.lower()]["responses"]
        response = responses.get(str(seen.status)) or responses.get(f"{str(seen.status)[0]}XX")
        media_type = seen.content_type.split(";")[0].strip()
        media = response.get("content", {}).get(media_type, {})
        schema = media.get("schema", {})
        if media_type == "application/json" or media_type.endswith("+json"):
            bodies = [seen.body]
        elif "itemSchema" in media or "x-itemSchema" in media:
            schema = media.get("itemSchema") or media["x-itemSchema"]
            bodies = seen.body.splitlines()
        else:
            continue  # bytes of their media type: CSV, Atom
        kind = model_type(module, schema)
        if kind is None:
            problems.append(f"{seen.operation} {seen.status}: no model for {schema}")
            continue
        adapter = adapters.setdefault(repr(kind), pydantic.TypeAdapter(kind))
        for body in bodies:
            try:
                adapter.validate_json(body)
                parsed += 1
            except pydantic.ValidationError as error:
                problems.append(
                    f"{seen.operation} {seen.status}: the body does not parse into {kind}:\n"
                    f"{error}\n{body[:400].decode(errors='replace')}"
                )
    if not parsed:
        problems.append("no JSON body of the walk was parsed into a generated model")
    return problems


# --- The walk -------------------------------------------------------------------------------


@pytest.fixture
def clients(db, django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WEBHOOK_ALLOW_PRIVATE = True
    editor = django_user_model.objects.create_user("walk-editor")
    editor.groups.add(editors_group())
    reader = django_user_model.objects.create_user("walk-reader")
    made = {"anonymous": APIClient(), "editor": APIClient(), "reader": APIClient()}
    made["editor"].force_authenticate(editor)
    made["reader"].force_authenticate(reader)
    return made


def url_of(template: str, **ids) -> str:
    for name, value in ids.items():
        template = template.replace(f"{{{name}}}", str(value))
    return template


def first_id(walk: Walk, collection: str) -> int | None:
    page = walk.json(Call(f"{collection}_list", "GET", f"/api/v1/{collection}/", 200))
    return page["results"][0]["id"] if page and page["results"] else None


def throttled(walk: Walk):
    walk.settings.REST_FRAMEWORK = {
        **walk.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **walk.settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "1/hour",
            "user": "1/hour",
        },
    }


def test_every_operation_answers_as_the_schema_says(
    clients, settings, monkeypatch, generated_models
):
    call_command("load_seed", verbosity=0)
    monkeypatch.setattr(delivery, "_enqueue", lambda *args, **kwargs: None)
    walk = Walk(clients, settings)
    document = walk.contract.document
    operations = walk.contract.operations

    # Real ids: the first record of each collection (sanction measures: the seed has none).
    ids = {}
    for method, path in operations.values():
        if method == "GET" and path.count("/") == 4 and path.endswith("/") and "{" not in path:
            collection = path.split("/")[3]
            if f"/api/v1/{collection}/{{id}}/" in document["paths"]:
                ids[collection] = first_id(walk, collection)
    sanctions = models.PolicyOption.objects.filter(kind="sanctions").first() or (
        models.PolicyOption.objects.first()
    )
    if ids.get("sanction-measures") is None:
        created = walk.needed(
            Call(
                "sanction_measures_create",
                "POST",
                "/api/v1/sanction-measures/",
                201,
                body={
                    "option": sanctions.pk,
                    "measure_type": "asset_freeze",
                    "imposing_authority": models.Stakeholder.objects.first().pk,
                    "target": models.Stakeholder.objects.last().pk,
                    "legal_basis": "Executive Order 13692",
                },
            )
        )
        ids["sanction-measures"] = created["id"]
    topic = models.Topic.objects.get()

    # Subscriptions and deliveries: the editor's own, one with a webhook and one feed only.
    hooked = walk.needed(
        Call(
            "subscriptions_create",
            "POST",
            "/api/v1/subscriptions/",
            201,
            body={"name": "Walk", "url": "http://127.0.0.1:9/hook", "topics": [topic.pk]},
        )
    )
    feed_only = walk.needed(
        Call("subscriptions_create", "POST", "/api/v1/subscriptions/", 201, body={"name": "Feed"})
    )
    ids["subscriptions"] = hooked["id"]
    event = models.ChangeEvent.objects.first() or models.ChangeEvent.objects.create(
        type=models.ChangeEvent.Type.STANCE_CHANGED,
        title="A stance changed",
        topic=topic,
        write=uuid.uuid4(),
        data={"records": {"topic": {"id": topic.pk, "slug": topic.slug, "title": topic.title}}},
    )
    deliveries = {
        status: models.Delivery.objects.create(
            subscription_id=subscription["id"],
            change_event=event,
            webhook_id=delivery.new_webhook_id(),
            status=status,
        )
        for status, subscription in (("failed", hooked), ("feed", feed_only))
    }
    ids["deliveries"] = deliveries["failed"].pk
    ids["change-events"] = event.pk
    feed_token = models.Subscription.objects.get(pk=hooked["id"]).feed_token

    # Records that others still refer to, whose deletion is refused (409).
    referred = {
        "topics": topic.pk,
        "options": models.Position.objects.values_list("option", flat=True).first(),
        "stakeholders": models.Position.objects.values_list("stakeholder", flat=True).first(),
        "sources": models.Position.objects.values_list("source", flat=True).first(),
        "positions": models.PositionDispute.objects.values_list("position", flat=True).first(),
    }

    def path_ids(path: str) -> dict:
        return {
            "id": ids.get(path.split("/")[3]),
            "topic_id": topic.pk,
            "subscription_id": hooked["id"],
        }

    def query(path: str, operation: dict) -> str:
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if "token" in parameters:
            return f"?token={feed_token}"
        if "as_of" in parameters:
            return f"?as_of={AS_OF}"
        return ""

    for number, (name, (method, path)) in enumerate(sorted(operations.items()), 1):
        operation = document["paths"][path][method.lower()]
        documented = set(operation["responses"])
        collection = path.split("/")[3]
        success = min(status for status in documented if status.startswith("2"))
        url = url_of(path, **path_ids(path)) + query(path, operation)
        missing_url = url_of(path, id=MISSING_ID, topic_id=MISSING_ID, subscription_id=MISSING_ID)
        body = None
        if "requestBody" in operation:
            schema = request_schema(document, operation)
            record_url = url_of(f"/api/v1/{collection}/{{id}}/", id=ids.get(collection))
            record = walk.json(Call(f"{collection}_retrieve", "GET", record_url, 200))
            if name in BODIES:
                body = BODIES[name](ids)
            elif resolve(document, schema).get("type") == "array":  # a bulk create
                body = [another(writable(document, record, schema["items"]), number)]
            elif method == "POST" and collection == "subscriptions":
                body = {"name": f"Walk {number}", "topics": [topic.pk]}
            elif method == "POST":
                body = another(writable(document, record, schema), number)
            elif method == "PATCH":
                body = {}
            else:
                body = writable(document, record, schema)

        # The success (and 304 to a conditional GET): a DELETE, of a copy it makes first.
        if method == "DELETE":
            if collection == "subscriptions":
                target = feed_only["id"]
            else:
                source = url_of(f"/api/v1/{collection}/{{id}}/", id=ids[collection])
                record = walk.json(Call(f"{collection}_retrieve", "GET", source, 200))
                schema = request_schema(
                    document, document["paths"][f"/api/v1/{collection}/"]["post"]
                )
                made = walk.json(
                    Call(
                        f"{collection}_create",
                        "POST",
                        f"/api/v1/{collection}/",
                        201,
                        body=another(writable(document, record, schema), 1000 + number),
                    )
                )
                target = made and made["id"]
            walk.call(Call(name, method, url_of(path, id=target), int(success)))
        elif name == "deliveries_redeliver_create":
            walk.call(Call(name, method, url, 202))
            conflict = url_of(path, id=deliveries["feed"].pk)
            walk.call(Call(name, method, conflict, 409))
        else:
            response = walk.call(Call(name, method, url, int(success), body=body))
            if "304" in documented and response is not None:
                walk.call(
                    Call(name, method, url, 304, options={"HTTP_IF_NONE_MATCH": response["ETag"]})
                )

        # The errors it documents.
        writes = method != "GET" and name not in BODIES
        error = {  # status → the call that provokes it
            "400": (
                Call(name, method, f"{url}{'&' if '?' in url else '?'}nope=1", 400)
                if method == "GET"
                else Call(name, method, url, 400, body=[] if isinstance(body, dict) else {})
                if body is not None
                else None
            ),
            "401": Call(
                name,
                method,
                url,
                401,
                client="anonymous",
                body=body,
                options={"HTTP_AUTHORIZATION": "Token not-a-token"},
            ),
            # Subscriptions and deliveries are each user's own: another user's are a 404.
            "403": Call(name, method, url, 403, client="reader", body=body)
            if writes and collection not in OWN
            else None,
            "404": (
                Call(name, method, missing_url + query(path, operation), 404, body=body)
                if "{" in path
                else None
            ),
            "406": Call(
                name, method, url, 406, body=body, options={"HTTP_ACCEPT": "application/xml"}
            ),
            "409": (
                Call(name, method, url_of(path, id=referred[collection]), 409)
                if method == "DELETE" and referred.get(collection)
                else None
            ),
            "412": Call(name, method, url, 412, body=body, options={"HTTP_IF_MATCH": '"999"'}),
            # Operations without a body (redeliver, rotate-secret) do not read one.
            "413": Call(
                name,
                method,
                url,
                413,
                body=body,
                settings={"DATA_UPLOAD_MAX_MEMORY_SIZE": 1},
            )
            if body is not None
            else None,
            "415": Call(
                name, method, url, 415, body="stance=1", options={"content_type": "text/plain"}
            )
            if body is not None
            else None,
            "428": Call(
                name, method, url, 428, body=body, settings={"POLICYTRACKER_REQUIRE_IF_MATCH": True}
            ),
            "429": Call(name, method, missing_url if "{" in path else url, 429),
            "503": (
                Call(name, method, url, 503, patch=database_down)
                if name == "health_retrieve"
                else None
            ),
        }
        for status in sorted(documented & PROVOKE):
            provoking = error.get(status)
            if provoking is None:
                continue
            if status == "429":
                throttled(walk)
                cache.clear()
                walk.clients[provoking.client].generic(method, provoking.url)  # the one allowed
                walk.call(provoking)
                settings.REST_FRAMEWORK = walk_rates(settings)
                cache.clear()
            else:
                walk.call(provoking)

    # Every operation answered, with its success and with an error.
    statuses = {name: set() for name in operations}
    for seen in walk.seen:
        statuses[seen.operation].add(seen.status)
    not_called = sorted(name for name, seen in statuses.items() if not seen)
    no_success = sorted(
        name for name, seen in statuses.items() if seen and not any(s < 400 for s in seen)
    )
    no_error = sorted(
        name for name, seen in statuses.items() if seen and not any(s >= 400 for s in seen)
    )
    assert not not_called, f"operations the walk did not call: {not_called}"
    assert not no_success, f"operations that answered no success in the walk: {no_success}"
    assert not no_error, f"operations that answered no error in the walk: {no_error}"
    problems = walk.problems + model_problems(walk, generated_models)
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)


def walk_rates(settings) -> dict:
    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": None,
            "user": None,
        },
    }


def database_down(monkeypatch) -> None:
    def unreachable(self, *args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", unreachable)


# --- The validator itself, on a schema of its own in OpenAPI 3.0 and 3.1 ---------------------

SMALL_SCHEMA = """
openapi: {version}
info: {{title: small, version: "1"}}
paths:
  /api/v1/things/{{id}}/:
    get:
      operationId: things_retrieve
      parameters: [{{name: id, in: path, required: true, schema: {{type: integer}}}}]
      responses:
        "200":
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/Thing"}}
          headers:
            X-Request-ID: {{schema: {{type: string, pattern: "^[0-9a-f]{{32}}$"}}}}
        "404":
          content:
            application/json:
              schema: {{type: object, properties: {{detail: {{type: string}}}}}}
  /api/v1/things/bulk/:
    post:
      operationId: things_bulk_create
      responses:
        "201": {{description: made}}
  /api/v1/things.jsonl:
    get:
      operationId: things_export
      responses:
        "200":
          content:
            application/x-ndjson:
              schema: {{}}
              x-itemSchema: {{$ref: "#/components/schemas/Brief"}}
components:
  schemas:
    Brief:
      type: object
      properties: {{id: {{type: integer}}, display: {{type: string}}}}
      required: [id, display]
    Thing:
      type: object
      properties:
        id: {{type: integer}}
        brief: {{$ref: "#/components/schemas/Brief"}}
        owner: {owner}
        day: {{type: string, format: date}}
      required: [id, brief, owner]
"""
NULLABLE_OWNER = {
    # (Not 3.0's `allOf: [$ref], nullable: true`, which openapi-core takes as not nullable.)
    "3.0.3": "{type: object, nullable: true, properties: {id: {type: integer}, display: {}}}",
    "3.1.0": '{oneOf: [{$ref: "#/components/schemas/Brief"}, {type: "null"}]}',
}
BRIEF = {"id": 1, "display": "One"}
THING = {"id": 7, "brief": BRIEF, "owner": None, "day": "2019-04-30"}
JSON = [("Content-Type", "application/json"), ("X-Request-ID", "0" * 32)]


@pytest.fixture(params=sorted(NULLABLE_OWNER), ids=lambda version: f"openapi-{version}")
def small(request, tmp_path):
    path = tmp_path / "small.yaml"
    version = request.param
    path.write_text(SMALL_SCHEMA.format(version=version, owner=NULLABLE_OWNER[version]))
    return contract.Contract(path)


def thing(body, status=200, headers=JSON, method="GET", path="/api/v1/things/7/"):
    encoded = body if isinstance(body, bytes) else json.dumps(body).encode()
    return contract.Exchange(method, path, "", status, headers, encoded)


def violation(small, exchange) -> str:
    with pytest.raises(contract.ContractViolation) as raised:
        small.check(exchange)
    return str(raised.value)


def test_a_response_the_schema_describes_passes(small):
    assert small.check(thing(THING)) == "things_retrieve"
    assert small.check(thing({**THING, "owner": BRIEF})) == "things_retrieve"


def test_a_null_the_schema_does_not_allow_fails_with_where_and_what(small):
    message = violation(small, thing({**THING, "brief": None}))
    assert "GET /api/v1/things/7/ → 200 application/json" in message
    assert "at $.brief: None is not of type 'object'" in message
    assert "value: null" in message


def test_a_property_the_schema_does_not_name_fails(small):
    message = violation(small, thing({**THING, "extra": 1}))
    assert "'extra' was unexpected" in message


def test_a_wrong_format_a_missing_property_and_a_bad_header_fail(small):
    assert "is not a 'date'" in violation(small, thing({**THING, "day": "30/04/2019"}))
    assert "'owner' is a required property" in violation(small, thing({"id": 7, "brief": BRIEF}))
    headers = [("Content-Type", "application/json"), ("X-Request-ID", "nope")]
    assert "X-Request-ID" in violation(small, thing(THING, headers=headers))


def test_an_undocumented_status_content_type_method_or_path_fails(small):
    assert "status 500 is not documented (only 200, 404)" in violation(
        small, thing({"detail": "boom"}, status=500)
    )
    html = [("Content-Type", "text/html; charset=utf-8")]
    assert "Content-Type 'text/html; charset=utf-8' is not documented" in violation(
        small, thing(b"<p>hi</p>", headers=html)
    )
    assert "the schema has no DELETE operation at this path" in violation(
        small, thing(b"", status=204, method="DELETE")
    )
    # A concrete path before a template: GET /things/bulk/ is no GET /things/{id}/.
    assert "the schema has no GET operation at this path" in violation(
        small, thing(THING, path="/api/v1/things/bulk/")
    )
    assert "no path of the schema matches this address" in violation(
        small, thing(THING, path="/api/v1/nothings/7/")
    )


def test_json_lines_are_checked_line_by_line_and_may_be_none(small):
    jsonl = [("Content-Type", "application/x-ndjson")]
    lines = b'{"id": 1, "display": "One"}\n{"id": 2}\n'
    message = violation(small, thing(lines, headers=jsonl, path="/api/v1/things.jsonl"))
    assert "line 2: " in message and "'display' is a required property" in message
    assert small.check(thing(b"", headers=jsonl, path="/api/v1/things.jsonl")) == "things_export"


def test_head_is_checked_as_the_get_without_its_body(small):
    assert small.check(thing(b"", method="HEAD")) == "things_retrieve"
    headers = [("Content-Type", "application/json"), ("X-Request-ID", "nope")]
    assert "X-Request-ID" in violation(small, thing(b"", method="HEAD", headers=headers))


def test_what_is_not_the_api_is_skipped_and_the_rest_is_not():
    page = contract.Exchange("GET", "/topics/venezuela-2019/", "", 200, [], b"<html>")
    assert contract.skip_reason(page) == contract.NOT_API
    docs = contract.Exchange("GET", "/api/docs/", "", 200, [], b"<html>")
    assert contract.skip_reason(docs) is not None
    browsable = contract.Exchange(
        "GET",
        "/api/v1/topics/",
        "",
        200,
        [("Content-Type", "text/html; charset=utf-8")],
        b"<html>",
        request_headers={"Accept": "text/html"},
    )
    assert contract.skip_reason(browsable) == contract.BROWSABLE_API
    unknown = contract.Exchange("GET", "/api/v1/nope/", "", 404, JSON, b"{}")
    assert contract.skip_reason(unknown) is None
    with pytest.raises(contract.ContractViolation):
        contract.check(unknown)
    with contract.undocumented("an unknown address, on purpose"):
        assert contract.check(unknown) is None
