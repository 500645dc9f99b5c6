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
from options.middleware import REQUEST_ID_HEADER

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
    "409": "Refused: other records still refer to this one (listed in `referrers`).",
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
}

# A collection's create takes an array as well (options.api.bulk).
BULK_CREATE_DESCRIPTION = (
    "**Bulk create**: send an array of {plural} instead of one (at most {max_items}) to create "
    "them all, all or nothing; the answer is the array of the created {plural}, in the order "
    "sent (and no `ETag`). Each item is validated as a single create is, as if the items before "
    "it were already created: of two items that clash (the same slug, say), the second is "
    "refused. If any item is invalid, nothing is created and the 400's `errors` gives each "
    'invalid item\'s messages under its index, from 0: `{{"2": {{"slug": ["…"]}}}}`.'
)
BULK_CREATE_ERROR_RESPONSES = {
    "400": (
        "Invalid input: `errors` lists the messages per field. For an array, nothing was "
        "created: `errors` gives each invalid item's field messages under its index "
        '(`{"2": {"stance": ["…"]}}`), or says under `non_field_errors` that the array is empty '
        f"or holds more than {bulk.MAX_ITEMS} items (code `too_many_items`)."
    ),
}
CREATED_ETAG_HEADER = {
    "description": (
        'The created record\'s version, a strong ETag such as `"1"`: send it back in `If-Match` '
        "to write only if nobody has changed the record since. Not sent for an array."
    ),
    "schema": {"type": "string"},
}


def one_or_many(schema: dict) -> dict:
    """`schema`, or a non-empty array of it, as long as a bulk create takes."""
    many = {"type": "array", "items": schema, "minItems": 1, "maxItems": bulk.MAX_ITEMS}
    return {"oneOf": [schema, many]}


REQUEST_ID_RESPONSE_HEADER = {
    "description": (
        "The request's id, recorded with every change it makes (see `/changes/`): the one the "
        "client sent in `X-Request-ID` when valid (at most 200 of `A-Z a-z 0-9 . _ -`), else a "
        "new one."
    ),
    "schema": {"type": "string"},
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
        parts = [action, description]
        if self._is_bulk_create():
            parts.append(
                BULK_CREATE_DESCRIPTION.format(
                    plural=model._meta.verbose_name_plural, max_items=bulk.MAX_ITEMS
                )
            )
        return "\n\n".join(part for part in parts if part)

    def get_auth(self):
        auth = super().get_auth()
        # Reads are public (POLICYTRACKER_PUBLIC_READ, on by default): say that a request
        # without credentials is accepted too, so that generated clients need no token to read.
        public = any(
            isinstance(permission, (ModelPermissionsOrPublicRead, PublicRead))
            for permission in self.view.get_permissions()
        )
        if (
            public
            and self.method == "GET"
            and settings.POLICYTRACKER_PUBLIC_READ
            and {} not in auth
        ):
            auth = [*auth, {}]
        return auth

    def _is_conditional(self) -> bool:
        """Whether the view answers with ETags and takes If-Match (options.api.conditional)."""
        return isinstance(self.view, ConditionalWritesMixin)

    def _is_bulk_create(self) -> bool:
        """Whether the operation is a create that takes an array too (options.api.bulk)."""
        return isinstance(self.view, bulk.BulkCreateMixin) and self._action() == "create"

    def _get_request_body(self, direction="request"):
        request_body = super()._get_request_body(direction)
        if request_body is not None and self._is_bulk_create():
            for media_type in request_body["content"].values():
                media_type["schema"] = one_or_many(media_type["schema"])
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
                media_type["schema"] = one_or_many(media_type["schema"])
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
            etag = CREATED_ETAG_HEADER if self._is_bulk_create() else ETAG_HEADER
            responses[tagged]["headers"] = {**headers, "ETag": etag}
        # Every response, success or error, carries the request's id.
        request_id = ResolvedComponent(
            name=REQUEST_ID_HEADER,
            type=ResolvedComponent.HEADER,
            object=REQUEST_ID_HEADER,
            schema=REQUEST_ID_RESPONSE_HEADER,
        )
        self.registry.register_on_missing(request_id)
        for response in responses.values():
            response["headers"] = {**response.get("headers", {}), REQUEST_ID_HEADER: request_id.ref}
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
