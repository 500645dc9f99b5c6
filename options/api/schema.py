"""
OpenAPI generation: operation summaries and descriptions written from the views, and the error
responses the server really sends, on every operation.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from drf_spectacular import openapi
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from options.api import bulk
from options.api.conditional import ConditionalWritesMixin
from options.api.errors import ProblemSerializer
from options.api.permissions import ModelPermissionsOrPublicRead, PublicRead
from options.api.renderers import ORJSONRenderer
from options.audit import HISTORY_TYPES
from options.middleware import REQUEST_ID_HEADER, SERVER_REQUEST_ID_HEADER

ERROR_RESPONSES = {
    "400": (
        "Invalid input: `errors` lists the messages per field, or per query parameter (an "
        "invalid filter value, an unknown parameter: code `unknown_parameter`)."
    ),
    "401": (
        "Not authenticated: send `Authorization: Token <key>` (or the token sent is unknown, "
        "expired or revoked)."
    ),
    "403": "Authenticated, but without the permission this operation needs.",
    "404": "No such record.",
    "409": (
        "Refused: it conflicts with stored data. A delete, while other records still refer to "
        "this one (listed in `referrers`); a create or change, when a write made meanwhile took "
        "what it needed unique (code `conflict`: reload and retry)."
    ),
    "406": "The `Accept` header asks for a format the API does not produce (it answers JSON).",
    "413": "The body is larger than the server accepts (1 MiB by default).",
    "412": (
        "`If-Match` does not name the record's current version: someone changed it since. "
        "Nothing was changed; the `ETag` header is the current version."
    ),
    "415": "The body must be JSON (`Content-Type: application/json`).",
    "428": (
        "This server requires `If-Match` on writes (`POLICYTRACKER_REQUIRE_IF_MATCH`): send "
        "the `ETag` the record was read with."
    ),
    "429": "Too many requests: wait the number of seconds in `Retry-After`.",
}

ACTION_SUMMARIES = {
    "list": "List {plural}",
    "create": "Create a {name}",
    "retrieve": "Retrieve a {name}",
    "update": "Replace a {name}",
    "partial_update": "Update part of a {name}",
    "destroy": "Delete a {name}",
    "history": "List the {name}'s changes",
    "bulk_create": "Create several {plural}",
}

ACTION_DESCRIPTIONS = {
    "list": "Returns a page of {plural} (`limit`/`offset`).",
    "create": "Creates a {name}. Related objects are given by id.",
    "retrieve": "Returns one {name}.",
    "update": "Replaces a {name}: every writable field is given. Related objects by id.",
    "partial_update": "Changes the fields given and leaves the others as they are.",
    "destroy": (
        "Deletes a {name}. Refused with 409 while other records still refer to it, so that no "
        "evidence is lost."
    ),
    "history": "Returns a page of the {name}'s audit trail (`limit`/`offset`).",
    # Every collection has a bulk create beside its create (options.api.bulk).
    "bulk_create": (
        f"Creates every {{name}} of an array (at most {bulk.MAX_ITEMS}), all or nothing: the "
        "answer is the array of the created {plural}, in the order sent. Each item is "
        "validated as a single create is, as if the items before it were already created: of "
        "two items that clash (the same slug, say), the second is refused. If any item is "
        "invalid, nothing is created and the 400's `errors` gives each invalid item's messages "
        'under its index, from 0: `{{"2": {{"slug": ["…"]}}}}`.'
    ),
}

BULK_CREATE_ERROR_RESPONSES = {
    "400": (
        "Invalid input: nothing was created. `errors` gives each invalid item's field messages "
        'under its index (`{"2": {"stance": ["…"]}}`), or says under `non_field_errors` that '
        f"the array is empty or holds more than {bulk.MAX_ITEMS} items (code `too_many_items`)."
    ),
}


def bulk_array(schema: dict) -> dict:
    """A non-empty array of `schema`, as long as a bulk create takes."""
    return {"type": "array", "items": schema, "minItems": 1, "maxItems": bulk.MAX_ITEMS}


REQUEST_ID_RESPONSE_HEADERS = {
    REQUEST_ID_HEADER: {
        "description": (
            "The request's id, recorded with every change it makes (see `/changes/`): the one "
            "the client sent in `X-Request-ID` when valid (at most 200 of `A-Z a-z 0-9 . _ -`), "
            "else the same as `X-Server-Request-ID`."
        ),
        "schema": {"type": "string"},
    },
    SERVER_REQUEST_ID_HEADER: {
        "description": (
            "The server's own id of the request (32 hex digits), unique to it whatever "
            "`X-Request-ID` the client sent; recorded with every change it makes too "
            "(`/changes/?server_request_id=`)."
        ),
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    },
}


ETAG_HEADER = {
    "description": (
        'The record\'s version, a strong ETag such as `"3"`: send it back in `If-Match` to '
        "write only if nobody has changed the record since."
    ),
    "schema": {"type": "string"},
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description=(
        "The `ETag` the record was read with (or several, or `*`): the write happens only if "
        "it is still the current version, else 412 and nothing changes. Required (428 without "
        "it) where the server sets `POLICYTRACKER_REQUIRE_IF_MATCH`."
    ),
)
CONDITIONAL_WRITES = {"update", "partial_update", "destroy"}
RECORD_WRITES = {"create", "bulk_create", "update", "partial_update"}
TAGGED_RESPONSES = {"retrieve": "200", "create": "201", "update": "200", "partial_update": "200"}


def can_be_refused_deletion(model: type[models.Model]) -> bool:
    """Whether other records may refer to `model` in a way that blocks its deletion: a
    protecting foreign key, or a plain many-to-many field (see `many_to_many_referrers`)."""
    for relation in model._meta.related_objects:
        if relation.one_to_many and relation.on_delete is models.PROTECT:
            return True
        if relation.many_to_many and relation.through._meta.auto_created:
            return True
    return False


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """A `BriefRelatedField` is an id (from 1) in requests and a brief object in responses."""

    target_class = "options.api.serializers.fields.BriefRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {**build_basic_type(OpenApiTypes.INT), "minimum": 1}
        return auto_schema.resolve_serializer(self.target.brief_serializer_class, direction).ref


class ChangeTypeFieldExtension(OpenApiSerializerFieldExtension):
    """The type of a change, as a named enum of its own: `type` is also the timeline's."""

    target_class = "options.api.serializers.audit.ChangeTypeField"

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="ChangeTypeEnum",
            type=ResolvedComponent.SCHEMA,
            object="ChangeTypeEnum",
            schema={
                "type": "string",
                "enum": list(HISTORY_TYPES.values()),
                "description": "`created`, `changed` or `deleted`.",
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


# Something other than white space (unanchored: anywhere in the text), white space being what
# the server trims: Python's (`str.strip()`), which is not JSON Schema's `\S`. Python's also
# counts U+001C-U+001F and U+0085 (a name of "\x1f" alone is blank to the server, found by the
# fuzz run) and does not count U+FEFF. These are exactly the characters `str.isspace()` accepts.
NOT_BLANK_PATTERN = (
    r"[^\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)

RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before the next request is accepted.",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}


class TokenScheme(KnoxTokenScheme):
    """The API's knox authentication, under the scheme name clients know: `Token <key>`."""

    target_class = "options.api.authentication.TokenAuthentication"
    name = "tokenAuth"


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A text that may not be blank may not be white space alone either: the server trims
        # the white space around a text (DRF's `trim_whitespace`) before it checks that
        # something is left. Say so: `minLength: 1` alone would let " " through. (Slugs, URLs
        # and the like have a pattern of their own, which allows no white space.)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and not any(isinstance(v, RegexValidator) for v in field.validators)
            and isinstance(schema, dict)
            and schema.get("type") == "string"
        ):
            schema["pattern"] = NOT_BLANK_PATTERN
        return schema

    def _get_parameters(self):
        parameters = super()._get_parameters()
        # A query parameter given blank (`?as_of_after=`, `?limit=`) counts as not given: the
        # REST framework and django-filter read a query as an HTML form, where an empty input
        # means no input. Say so (OpenAPI's `allowEmptyValue`), on every optional parameter that
        # takes one value; one that repeats refuses a blank value like any other invalid one.
        for parameter in parameters:
            if (
                parameter.get("in") == "query"
                and not parameter.get("required")
                and parameter.get("schema", {}).get("type") != "array"
            ):
                parameter["allowEmptyValue"] = True
        return parameters

    def _model(self):
        queryset = getattr(self.view, "queryset", None)
        return queryset.model if queryset is not None else None

    def _action(self):
        return getattr(self.view, "action", None)

    def get_summary(self):
        summary = super().get_summary()
        model = self._model()
        if summary or model is None or self._action() not in ACTION_SUMMARIES:
            return summary
        return ACTION_SUMMARIES[self._action()].format(
            name=model._meta.verbose_name, plural=model._meta.verbose_name_plural
        )

    def get_description(self):
        description = super().get_description()
        model = self._model()
        if model is None or self._action() not in ACTION_DESCRIPTIONS:
            return description
        action = ACTION_DESCRIPTIONS[self._action()].format(
            name=model._meta.verbose_name, plural=model._meta.verbose_name_plural
        )
        return "\n\n".join(part for part in (action, description) if part)

    def get_auth(self):
        auth = super().get_auth()
        # Reads are public (POLICYTRACKER_PUBLIC_READ, on by default): say that a request
        # without credentials is accepted too, so that generated clients need no token to read.
        # A computation that reads (PublicRead) is open whatever its method (a scenario's run
        # is a POST).
        public = any(
            isinstance(permission, PublicRead)
            or (isinstance(permission, ModelPermissionsOrPublicRead) and self.method == "GET")
            for permission in self.view.get_permissions()
        )
        if public and settings.POLICYTRACKER_PUBLIC_READ and {} not in auth:
            auth = [*auth, {}]
        return auth

    def _is_conditional(self) -> bool:
        """Whether the view answers with ETags and takes If-Match (options.api.conditional)."""
        return isinstance(self.view, ConditionalWritesMixin)

    def _is_bulk_create(self) -> bool:
        """Whether the operation is a collection's bulk create (options.api.bulk)."""
        return isinstance(self.view, bulk.BulkCreateMixin) and self._action() == "bulk_create"

    def _is_create_operation(self) -> bool:
        return self._is_bulk_create() or super()._is_create_operation()

    def _get_request_body(self, direction="request"):
        request_body = super()._get_request_body(direction)
        if request_body is not None and self._is_bulk_create():
            for media_type in request_body["content"].values():
                media_type["schema"] = bulk_array(media_type["schema"])
        return request_body

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_conditional() and self._action() in CONDITIONAL_WRITES:
            parameters = [*parameters, IF_MATCH]
        return parameters

    def _error_codes(self) -> list[str]:
        # On any request: a bad token, an Accept header asking for other than JSON, throttling.
        codes = ["401", "406", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["400", "403", "413", "415"]
            if self._model() is not None and self._action() in RECORD_WRITES:
                codes.append("409")  # a concurrent write got there first (options/api/errors.py)
        elif self.method == "DELETE":
            codes.append("403")
            model = self._model()
            if model is not None and can_be_refused_deletion(model):
                codes.append("409")
        elif self.method == "GET" and (
            self._get_filter_parameters()
            or self._get_pagination_parameters()
            or self.get_override_parameters()
        ):
            codes.append("400")  # bad or unknown filter, page or query parameter values
        if "{" in self.path:
            codes.append("404")
        if self._is_conditional() and self._action() in CONDITIONAL_WRITES:
            codes += ["412", "428"]
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        descriptions = ERROR_RESPONSES
        if self._is_bulk_create():
            descriptions = {**ERROR_RESPONSES, **BULK_CREATE_ERROR_RESPONSES}
            for media_type in responses["201"].get("content", {}).values():
                media_type["schema"] = bulk_array(media_type["schema"])
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=descriptions[code]),
                    code,
                    # JSON, whatever the operation answers when it succeeds (errors.py).
                    media_types=[ORJSONRenderer.media_type],
                    direction=direction,
                )
                if code == "429":
                    headers = responses[code].get("headers", {})
                    responses[code]["headers"] = {**headers, "Retry-After": RETRY_AFTER_HEADER}
                if code == "412":
                    headers = responses[code].get("headers", {})
                    responses[code]["headers"] = {**headers, "ETag": ETAG_HEADER}
        tagged = TAGGED_RESPONSES.get(self._action()) if self._is_conditional() else None
        if tagged in responses:
            headers = responses[tagged].get("headers", {})
            responses[tagged]["headers"] = {**headers, "ETag": ETAG_HEADER}
        # Every response, success or error, carries the request's ids (options.middleware).
        ids = {}
        for name, header in REQUEST_ID_RESPONSE_HEADERS.items():
            component = ResolvedComponent(
                name=name, type=ResolvedComponent.HEADER, object=name, schema=header
            )
            self.registry.register_on_missing(component)
            ids[name] = component.ref
        for response in responses.values():
            response["headers"] = {**response.get("headers", {}), **ids}
        return responses


class NullableItemsListFieldExtension(OpenApiSerializerFieldExtension):
    """drf-spectacular drops a serializer child's `allow_null`; keep it on the items."""

    target_class = "options.api.serializers.analysis.NullableItemsListField"

    def map_serializer_field(self, auto_schema, direction):
        items = auto_schema._map_serializer_field(self.target.child, direction)
        return build_array_type(items)


def _references(node) -> set[str]:
    """The component names that `node` (a piece of the schema) refers to."""
    if isinstance(node, dict):
        found = set()
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                found |= _references(value)
        return found
    if isinstance(node, list):
        return set().union(*(_references(item) for item in node)) if node else set()
    return set()


def drop_unreferenced_components(result, generator, request, public):
    """Postprocessing hook: drop the schema components nothing refers to.

    Read-only nested serializers register a request component that no operation uses; a
    generated client would carry it as a dead model.
    """
    schemas = result.get("components", {}).get("schemas", {})
    reachable, pending = set(), _references(result.get("paths", {}))
    while pending:
        name = pending.pop()
        if name in reachable or name not in schemas:
            continue
        reachable.add(name)
        pending |= _references(schemas[name])
    for name in list(schemas):
        if name not in reachable:
            del schemas[name]
    return result


HTTP_METHODS = {"get", "put", "patch", "delete", "post", "head", "options", "trace"}
CONDITIONAL_METHODS = {"put", "patch", "delete"}


def _links(targets: dict, id_expression: str, *, etag: bool) -> dict:
    """OpenAPI links to the operations `targets` ({(path, method): operation}) on one record:
    its `id` from `id_expression`, and, if `etag`, the writes' `If-Match` from the ETag."""
    links = {}
    for (_path, method), operation in sorted(targets.items()):
        parameters = {"path.id": id_expression}
        if etag and method in CONDITIONAL_METHODS:
            parameters["header.If-Match"] = "$response.header.ETag"
        links[operation["operationId"]] = {
            "operationId": operation["operationId"],
            "parameters": parameters,
        }
    return links


def add_record_links(result, generator, request, public):
    """Postprocessing hook: OpenAPI links between a collection's operations on one record.

    - a create's 201 gives the new record's `id` to every operation under its address, and its
      `ETag` (where it sends one) to the writes' `If-Match`;
    - a read or a write of the record (200) gives its `ETag` to the next write's `If-Match`;
    - a delete (204) gives the `id` to the read, which then answers 404.

    Clients may follow them; schemathesis's stateful tests do (schemathesis.toml), so that they
    create records and then read, change and delete those very records.
    """
    paths = result.get("paths", {})
    for collection, item in paths.items():
        create = item.get("post")
        if "{" in collection or create is None or "201" not in create.get("responses", {}):
            continue
        detail = f"{collection}{{id}}/"
        on_record = {
            (path, method): operation
            for path, path_item in paths.items()
            if path.startswith(detail)
            for method, operation in path_item.items()
            if method in HTTP_METHODS
        }
        if not on_record:  # a bulk create: its records have no address under its own
            continue
        writes = {
            key: op
            for key, op in on_record.items()
            if key[0] == detail and key[1] in CONDITIONAL_METHODS
        }
        reads = {key: op for key, op in on_record.items() if key == (detail, "get")}

        created = create["responses"]["201"]
        # Only records with a version have an ETag (subscriptions have none).
        etag = "ETag" in created.get("headers", {})
        created["links"] = _links(on_record, "$response.body#/id", etag=etag)
        for method in ("get", "put", "patch"):
            response = paths.get(detail, {}).get(method, {}).get("responses", {}).get("200")
            if response is not None:
                response["links"] = _links(writes, "$request.path.id", etag=etag)
        deleted = paths.get(detail, {}).get("delete", {}).get("responses", {}).get("204")
        if deleted is not None:
            deleted["links"] = _links(reads, "$request.path.id", etag=False)
    return result


# --- OpenAPI 3.1, exactly ---------------------------------------------------------------------
# The schema is OpenAPI 3.1 (settings.SPECTACULAR_SETTINGS["OAS_VERSION"]): its schemas are JSON
# Schema 2020-12, read as such by validators (openapi-core, schemathesis) and generators. The
# hooks below correct what drf-spectacular still writes in 3.0's idioms or too loosely.

# The keywords whose value is a schema, a list of schemas, or a mapping of names to schemas.
SUBSCHEMA = {"items", "not", "if", "then", "else", "contains", "propertyNames"}
SUBSCHEMA_LIST = {"allOf", "anyOf", "oneOf", "prefixItems"}
SUBSCHEMA_MAP = {"properties", "patternProperties", "dependentSchemas", "$defs"}


def _subschemas(schema: dict):
    """The schemas directly inside `schema`."""
    for key, value in schema.items():
        if key in SUBSCHEMA and isinstance(value, dict):
            yield value
        elif key == "additionalProperties" and isinstance(value, dict):
            yield value
        elif key in SUBSCHEMA_LIST and isinstance(value, list):
            yield from (item for item in value if isinstance(item, dict))
        elif key in SUBSCHEMA_MAP and isinstance(value, dict):
            yield from (item for item in value.values() if isinstance(item, dict))


def _document_schemas(result: dict):
    """Every top-level schema of the document: the components', and those of the parameters,
    headers, request bodies and responses of every operation."""
    yield from result.get("components", {}).get("schemas", {}).values()
    for header in result.get("components", {}).get("headers", {}).values():
        if "schema" in header:
            yield header["schema"]
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            for parameter in operation.get("parameters", []):
                if "schema" in parameter:
                    yield parameter["schema"]
            bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
            for body in bodies:
                for media_type in body.get("content", {}).values():
                    if "schema" in media_type:
                        yield media_type["schema"]
                for header in body.get("headers", {}).values():
                    if "schema" in header:
                        yield header["schema"]


def _every_schema(result: dict):
    """Every schema of the document, outermost first."""
    pending = list(_document_schemas(result))
    while pending:
        schema = pending.pop()
        yield schema
        pending.extend(_subschemas(schema))


def reference_parameter_enums(result, generator, request, public):
    """Postprocessing hook: a query parameter whose values are those of a component enum refers
    to that component rather than repeating its values, so that generators make one enum
    (`BasisEnum`), not one more per parameter (`PositionsListBasisItem`)."""
    components = result.get("components", {}).get("schemas", {})
    named: dict[tuple, list[str]] = {}
    for name, schema in components.items():
        if "enum" in schema:
            named.setdefault((schema.get("type"), frozenset(schema["enum"])), []).append(name)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                repeats = schema.get("type") == "array"
                values = schema.get("items", {}) if repeats else schema
                if "enum" not in values:
                    continue
                if values.get("type") == "integer" and sorted(values["enum"]) == list(
                    range(values.get("minimum", 0), values.get("maximum", -1) + 1)
                ):
                    # Every integer from the minimum to the maximum (a stance): the bounds say
                    # it, and a generator would make an enum of numbers.
                    del values["enum"]
                    continue
                names = named.get((values.get("type"), frozenset(values["enum"])), [])
                if len(names) != 1:  # none, or ambiguous: tests/test_schema.py says which
                    continue
                reference = {"$ref": f"#/components/schemas/{names[0]}"}
                if "default" in values:
                    reference = {"allOf": [reference], "default": values["default"]}
                if values.get("description") and not parameter.get("description"):
                    parameter["description"] = values["description"]
                if repeats:
                    schema["items"] = reference
                else:
                    parameter["schema"] = reference
    return result


def declare_streamed_bodies(result, generator, request, public):
    """Postprocessing hook: a body that is not JSON (the CSV and JSON-lines exports, the Atom
    feeds) is a stream of bytes of its media type, not a JSON string: in OpenAPI 3.1, a schema
    with `contentMediaType` and no `type` (3.0's `type: string, format: binary`). Validators
    then take the raw body, and generators hand it over as it came."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            for response in operation.get("responses", {}).values():
                for media_type, content in response.get("content", {}).items():
                    if media_type == "application/json" or media_type.endswith("+json"):
                        continue
                    schema = content.get("schema", {})
                    if schema.get("type") == "string":
                        streamed = {"contentMediaType": media_type}
                        if "description" in schema:
                            streamed["description"] = schema["description"]
                        content["schema"] = streamed
    return result


def single_schema_for_blank_or_uri(result, generator, request, public):
    """Postprocessing hook: a text that may be blank is a string of its format *or* an empty
    string: `anyOf`, not drf-spectacular's `oneOf`. Where the format is not asserted (JSON
    Schema's default), `""` matches both branches, and `oneOf` refused it (a source without a
    `web_url`)."""
    blank = {"type": "string", "maxLength": 0}
    for schema in _every_schema(result):
        branches = schema.get("oneOf")
        if isinstance(branches, list) and blank in branches:
            schema["anyOf"] = schema.pop("oneOf")
    return result


def _admit_null(schema: dict) -> dict:
    """`schema`, admitting null too (3.0's `nullable: true`)."""
    null = {"type": "null"}
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "null" not in types:
            schema["type"] = [*types, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
    elif "$ref" in schema:
        annotations = {key: value for key, value in schema.items() if key != "$ref"}
        return {"oneOf": [{"$ref": schema["$ref"]}, null], **annotations}
    elif "oneOf" in schema or "anyOf" in schema:
        branches = schema["oneOf" if "oneOf" in schema else "anyOf"]
        if null not in branches:
            branches.append(null)
    elif "allOf" in schema:
        schema["oneOf"] = [{"allOf": schema.pop("allOf")}, null]
    # Otherwise the schema has no type: it admits null already.
    return schema


def _modernize(schema: dict) -> None:
    """Rewrites the 3.0 idioms of `schema` itself (not of its subschemas) into 3.1's."""
    if schema.pop("nullable", False):
        replacement = _admit_null(schema)
        if replacement is not schema:
            schema.clear()
            schema.update(replacement)
    if "example" in schema:
        schema.setdefault("examples", [schema.pop("example")])
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(schema.get(exclusive), bool):
            if schema.pop(exclusive) and bound in schema:
                schema[exclusive] = schema.pop(bound)
    # `oneOf: [{}, {type: null}]` (drf-spectacular's nullable "any value") refuses null: null
    # matches both branches. A branch that matches anything makes the whole any value.
    for combinator in ("oneOf", "anyOf"):
        if {} in schema.get(combinator, []):
            del schema[combinator]
    # `allOf` of one schema and nothing beside it is that schema.
    if list(schema) == ["allOf"] and len(schema["allOf"]) == 1:
        (only,) = schema.pop("allOf")
        schema.update(only)


def modernize_to_oas_3_1(result, generator, request, public):
    """Postprocessing hook: no OpenAPI 3.0 idiom is left in the schemas. `nullable` (ignored
    by 3.1; beside an `allOf` it was ignored by 3.0 too) becomes a `null` type or branch,
    `example` becomes `examples`, boolean `exclusiveMinimum`/`exclusiveMaximum` become bounds."""
    for schema in _every_schema(result):
        _modernize(schema)
    return result
