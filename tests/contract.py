"""Strict response validation against the committed schema, docs/openapi.yaml.

schemathesis and the generated clients are lenient about null: a field the schema calls an object
that the server sends as null passes them. openapi-core is not: every response the tests get from
Django's test client or APIClient on an API path (tests/conftest.py hooks them all), and every
response of the fuzz run (tests/fuzz_checks.py), goes through `check()` here, which validates the
status, the content type, the headers and the body against the operation's response in the
schema, with openapi-core's response validator (the OpenAPI version, 3.0 or 3.1, is read from
the document; formats are checked too). Stricter than the schema's defaults on one point: an object may not carry a
property its schema does not name (openapi-core's `additional_properties_default_policy =
"forbid"`), so that a field the server sends and the schema forgot fails too.

What is checked where:

- Paths outside /api/ (pages, the admin, /api-auth/, static files) are not the API: skipped.
- /api/schema/, /api/docs/, /api/redoc/ serve the schema and its documentation: skipped.
- /api/v1/ itself is DRF's API root, a page of links for the browsable API that drf-spectacular
  leaves out of the schema by design: skipped.
- A `text/html` answer to a request that asked for HTML (`Accept: text/html`) is DRF's browsable
  API, for people reading in a browser: the schema describes the JSON: skipped.
- Every other path under /api/ must be an operation of the schema (path and method), and its
  answer a documented status with a documented content type: anything else fails.
- HEAD is checked as the GET it stands for, without a body: the status, the content type and the
  headers.
- Bodies: JSON (`application/json`, `application/feed+json`) against the schema; CSV (strict
  UTF-8) and Atom (well-formed XML whose root is an Atom feed) as the strings the schema says
  they are; JSON lines (`application/x-ndjson`) as a string (or array, if the schema says so) of
  which every line must be a JSON value valid against the media type's item schema
  (`itemSchema`, as OpenAPI 3.2 names it, or `x-itemSchema`).

A test that deliberately sends what the schema does not describe (an unknown path, a method the
operation does not have) opts out: the `undocumented_response` marker for a whole test, or
`with contract.undocumented("reason"):` around the requests (tests/conftest.py).
"""

import contextlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import yaml
from jsonschema.exceptions import best_match
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.media_types.finders import MediaTypeFinder
from openapi_core.templating.paths.exceptions import OperationNotFound, PathError, PathNotFound
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.templating.responses.finders import ResponseFinder
from openapi_core.validation.response import VALIDATORS as RESPONSE_VALIDATORS
from openapi_core.validation.response import (
    V30ResponseHeadersValidator,
    V31ResponseHeadersValidator,
    V32ResponseHeadersValidator,
)
from openapi_spec_validator.versions import consts as versions
from openapi_spec_validator.versions.shortcuts import get_spec_version
from werkzeug.datastructures import Headers, ImmutableMultiDict

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "docs" / "openapi.yaml"
TEST_HOST = "http://testserver"

# Paths under /api/ that the schema does not describe, on purpose, and why.
UNDOCUMENTED_PATHS = [
    (
        re.compile(r"/api/(schema|docs|redoc)/.*"),
        "the schema and its documentation pages (Swagger UI, Redoc), not operations of the API",
    ),
    (
        re.compile(r"/api/v1/"),
        "DRF's API root: a page of links for the browsable API, left out of the schema",
    ),
]
NOT_API = "not an API path (pages, the admin, /api-auth/, static files)"
BROWSABLE_API = "an HTML page of DRF's browsable API, asked for with Accept: text/html"
OPTED_OUT = "opted out by the test (contract.undocumented or @pytest.mark.undocumented_response)"

ATOM = "{http://www.w3.org/2005/Atom}feed"
HEADERS_VALIDATORS = {
    versions.OPENAPIV30: V30ResponseHeadersValidator,
    versions.OPENAPIV31: V31ResponseHeadersValidator,
    versions.OPENAPIV32: V32ResponseHeadersValidator,
}
# Media types of streams of items, which may hold none: an empty body is the empty stream (for
# openapi-core, a body is missing).
MAY_BE_EMPTY = {"application/x-ndjson"}
# How much of a body or a value an error message quotes, and how many errors of the schema.
QUOTE = 600
MAX_ERRORS = 8


class ContractViolation(AssertionError):
    """A response the committed schema does not describe."""


# ----------------------------------------------------------------------------- the exchange


@dataclass
class Exchange:
    """One request and its response, as the validator sees them."""

    method: str
    path: str
    query: str = ""
    status: int = 200
    headers: Iterable[tuple[str, str]] = ()
    body: bytes | None = b""
    request_headers: Mapping[str, str] = field(default_factory=dict)
    host_url: str = TEST_HOST

    @cached_property
    def response_headers(self) -> Headers:
        return Headers(list(self.headers))

    @property
    def content_type(self) -> str:
        return self.response_headers.get("Content-Type", "")

    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def describe(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.path}{query} → {self.status} {self.content_type}".rstrip()


class _Request:
    """openapi-core's Request protocol, for an Exchange."""

    def __init__(self, exchange: Exchange, method: str | None = None):
        self.host_url = exchange.host_url
        self.path = exchange.path
        self.method = (method or exchange.method).lower()
        self.body = None
        self.content_type = ""
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(exchange.query, keep_blank_values=True)),
            header=Headers(list(exchange.request_headers.items())),
        )


class _Response:
    """openapi-core's Response protocol, for an Exchange."""

    def __init__(self, exchange: Exchange):
        self.status_code = exchange.status
        self.headers = exchange.response_headers
        self.content_type = exchange.content_type.lower()
        self.data = exchange.body


# ----------------------------------------------------------------------------- media types


def _strict_text(value: bytes, **parameters: str) -> str:
    return value.decode(parameters.get("charset", "utf-8"))


def _atom(value: bytes, **parameters: str) -> str:
    root = ElementTree.fromstring(value)
    if root.tag != ATOM:
        raise ValueError(f"the root element is {root.tag}, not an Atom feed")
    return _strict_text(value, **parameters)


def _json_lines(value: bytes, **parameters: str) -> list:
    return [json.loads(line) for line in _strict_text(value, **parameters).splitlines()]


def _json_lines_as_text(value: bytes, **parameters: str) -> str:
    _json_lines(value, **parameters)  # every line is JSON
    return _strict_text(value, **parameters)


def _media_type_deserializers(document: dict) -> dict[str, Callable]:
    """What openapi-core does not read by itself: it would take these as opaque bytes."""
    jsonl_as_array = any(
        media.get("schema", {}).get("type") == "array"
        for media in _media_types(document, "application/x-ndjson")
    )
    return {
        "application/feed+json": json_loads,
        "application/problem+json": json_loads,
        "text/csv": _strict_text,
        "application/atom+xml": _atom,
        "application/x-ndjson": _json_lines if jsonl_as_array else _json_lines_as_text,
    }


def _media_types(document: dict, name: str) -> Iterator[dict]:
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get(name)
                if media is not None:
                    yield media


# ----------------------------------------------------------------------------- the schema


class _ValidatorsMadeOnce:
    """openapi-core's schema validators factory, remembering what it made for each schema."""

    def __init__(self, factory):
        self._factory = factory
        self._made = {}

    def __getattr__(self, name):
        return getattr(self._factory, name)

    def create(
        self,
        spec,
        schema,
        format_validators=None,
        extra_format_validators=None,
        forbid_unspecified_additional_properties=False,
        enforce_properties_required=False,
    ):
        key = (
            tuple(schema.parts),
            _frozen(format_validators),
            _frozen(extra_format_validators),
            forbid_unspecified_additional_properties,
            enforce_properties_required,
        )
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._factory.create(
                spec,
                schema,
                format_validators=format_validators,
                extra_format_validators=extra_format_validators,
                forbid_unspecified_additional_properties=forbid_unspecified_additional_properties,
                enforce_properties_required=enforce_properties_required,
            )
        return made


def _frozen(mapping: Mapping | None):
    return None if mapping is None else tuple(sorted(mapping.items()))


class Contract:
    """The committed schema, loaded once, and what validates against it."""

    def __init__(self, path: Path = SCHEMA):
        self.name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        self.document = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", None))
        # The version's own schema validators, but each schema's made once: openapi-core builds
        # a new JSON Schema validator class for every value it validates.
        default = RESPONSE_VALIDATORS[get_spec_version(self.document)].schema_validators_factory
        validators = _ValidatorsMadeOnce(default)
        self.app = OpenAPI.from_dict(
            self.document,
            config=Config(
                # tests/test_schema.py validates the document itself (drf-spectacular's
                # --validate, and more): not again here, which takes seconds for OpenAPI 3.1.
                spec_validator_cls=None,
                additional_properties_default_policy="forbid",
                extra_media_type_deserializers=_media_type_deserializers(self.document),
                schema_validators_factory=validators,
            ),
        )
        self.version = self.app.version
        self.path_finder = APICallPathFinder(self.app.spec)
        self.headers_validator = HEADERS_VALIDATORS[self.app.version](
            self.app.spec,
            schema_validators_factory=validators,
            forbid_unspecified_additional_properties=True,
        )

    @cached_property
    def operations(self) -> dict[str, tuple[str, str]]:
        """Every operation of the schema: operationId → (METHOD, path template)."""
        found = {}
        for template, item in self.document["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    found[operation["operationId"]] = (method.upper(), template)
        return found

    def find(self, method: str, exchange: Exchange):
        """The schema's operation for a request: the most concrete path that matches the
        address (OpenAPI: `/sources/bulk/` before `/sources/{id}/`), and its method. (openapi-core's
        finder would take the first matching path that has the method: PUT /sources/bulk/ as
        PUT /sources/{id}/.)"""
        url = f"{exchange.host_url}{exchange.path}"
        paths = self.path_finder.paths_iterator(url, self.app.spec)
        path = next(iter(paths), None)
        if path is None:
            raise PathNotFound(url)
        if method.lower() not in path.path:
            raise OperationNotFound(url, method.lower())
        return path.path / method.lower()

    def check(self, exchange: Exchange) -> str:
        """Validate one exchange; return its operationId. ContractViolation if the schema does
        not describe it."""
        method = "GET" if exchange.method == "HEAD" else exchange.method
        try:
            operation = self.find(method, exchange)
        except OperationNotFound:
            self.fail(exchange, f"the schema has no {method} operation at this path")
        except PathError:
            self.fail(exchange, "no path of the schema matches this address")
        operation_id = (operation / "operationId").read_str()
        try:
            documented = ResponseFinder(operation / "responses").find(str(exchange.status))
        except ResponseNotFound:
            statuses = ", ".join((operation / "responses").str_keys())
            self.fail(exchange, f"status {exchange.status} is not documented (only {statuses})")

        if "content" in documented:
            self._check_content_type(exchange, documented)
        empty_stream = exchange.body == b"" and exchange.media_type() in MAY_BE_EMPTY
        if exchange.method == "HEAD" or exchange.body is None or empty_stream:
            # No body to read (HEAD), not read yet (a stream), or a stream of no items: the
            # headers only.
            request = _Request(exchange, method)
            errors = list(self.headers_validator.iter_errors(request, _Response(exchange)))
        else:
            errors = list(self.app.iter_response_errors(_Request(exchange), _Response(exchange)))
            if not errors:
                errors = list(self._item_errors(exchange, documented))
        if errors:
            self.fail(exchange, *(_explain(error, exchange) for error in errors))
        return operation_id

    def fail(self, exchange: Exchange, *problems: str):
        fail(exchange, *problems, schema=f"{self.name} (OpenAPI {self.document['openapi']})")

    def _check_content_type(self, exchange: Exchange, documented) -> None:
        content = documented / "content"
        if not exchange.content_type:
            if exchange.body:
                self.fail(exchange, "a body without a Content-Type")
            return
        try:
            MediaTypeFinder(content).find(exchange.content_type.lower())
        except MediaTypeNotFound:
            self.fail(
                exchange,
                f"Content-Type {exchange.content_type!r} is not documented for this status "
                f"(only {', '.join(content.str_keys())})",
            )

    def _item_errors(self, exchange: Exchange, documented) -> Iterator[str]:
        """JSON lines: every line against the media type's item schema."""
        if "content" not in documented:
            return
        media = MediaTypeFinder(documented / "content").find(exchange.content_type.lower())
        keys = [key for key in ("itemSchema", "x-itemSchema") if key in media.media_type]
        if not keys or not exchange.body:
            return
        validator = self._item_validator(media.media_type / keys[0])
        for number, line in enumerate(_strict_text(exchange.body).splitlines(), 1):
            item = json.loads(line)
            for error in validator.iter_errors(item):
                yield f"line {number}: {_explain_schema_error(best_match([error]) or error, item)}"

    def _item_validator(self, schema):
        factory = self.app.response_validator.schema_validators_factory
        return factory.create(
            self.app.spec, schema, forbid_unspecified_additional_properties=True
        ).validator


@cache
def contract() -> Contract:
    return Contract()


# ----------------------------------------------------------------------------- what is checked

STATS: Counter = Counter()
# The time spent validating, in this process.
SECONDS = [0.0]
_observers: list[Callable[[Exchange, str], None]] = []
_opt_outs: list[str] = []


@contextlib.contextmanager
def undocumented(reason: str) -> Iterator[None]:
    """Within the block, the test client's answers are not validated: for the requests a test
    sends on purpose outside the schema (an unknown path, a method the operation has not)."""
    if not reason:
        raise ValueError("say why the responses are not in the schema")
    _opt_outs.append(reason)
    try:
        yield
    finally:
        _opt_outs.pop()


@contextlib.contextmanager
def observe(callback: Callable[[Exchange, str], None]) -> Iterator[None]:
    """Call `callback(exchange, operation_id)` for every exchange validated within the block."""
    _observers.append(callback)
    try:
        yield
    finally:
        _observers.remove(callback)


def skip_reason(exchange: Exchange) -> str | None:
    """Why an exchange is not for the schema to describe, or None if it is."""
    if not exchange.path.startswith("/api/") and exchange.path != "/api":
        return NOT_API
    for pattern, reason in UNDOCUMENTED_PATHS:
        if pattern.fullmatch(exchange.path):
            return reason
    accept = Headers(list(exchange.request_headers.items())).get("Accept", "")
    if "text/html" in accept and exchange.content_type.startswith("text/html"):
        return BROWSABLE_API
    return None


def check(exchange: Exchange) -> str | None:
    """Validate an exchange unless it is not for the schema; return its operationId (None when
    skipped). ContractViolation when the schema does not describe it."""
    if _opt_outs:
        kind = "a known mismatch" if _opt_outs[-1].startswith("known mismatch") else "on purpose"
        reason = f"{OPTED_OUT}, {kind}"
    else:
        reason = skip_reason(exchange)
    if reason:
        STATS[f"skipped: {reason}"] += 1
        return None
    started = time.perf_counter()
    try:
        operation_id = contract().check(exchange)
    finally:
        SECONDS[0] += time.perf_counter() - started
    if exchange.body is not None or exchange.method == "HEAD":
        STATS["validated"] += 1
        for callback in list(_observers):
            callback(exchange, operation_id)
    return operation_id


def fail(exchange: Exchange, *problems: str, schema: str = "docs/openapi.yaml"):
    body = _quote_body(exchange)
    raise ContractViolation(
        f"The response does not match {schema}:\n"
        f"  {exchange.describe()}\n"
        + "\n".join(f"  - {problem}" for problem in problems)
        + (f"\n  body: {body}" if body else "")
    )


# ----------------------------------------------------------------------------- messages


def _quote(value: Any, limit: int = QUOTE) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _quote_body(exchange: Exchange) -> str:
    if not exchange.body:
        return ""
    text = exchange.body[:QUOTE].decode("utf-8", errors="replace")
    more = f"… ({len(exchange.body)} bytes)" if len(exchange.body) > QUOTE else ""
    return text + more


def _parsed_body(exchange: Exchange) -> Any:
    try:
        return json.loads(exchange.body or b"")
    except ValueError:
        return None


def _explain(error: BaseException, exchange: Exchange) -> str:
    """openapi-core's error, with each JSON Schema error it wraps: where in the body, what is
    wrong, and the offending value and the object around it."""
    if isinstance(error, str):
        return error
    lines = [f"{type(error).__name__}: {_shortened(str(error))}"]
    if getattr(error, "name", None):  # a header
        lines[0] = f"header {error.name}: {lines[0]}"
        exchange = Exchange(exchange.method, exchange.path, body=None)
    body = _parsed_body(exchange)
    schema_errors = []
    cause: BaseException | None = error
    while cause is not None:
        schema_errors += getattr(cause, "schema_errors", None) or ()
        if cause.__cause__ is not None and not getattr(cause.__cause__, "schema_errors", None):
            lines.append(
                f"    caused by {type(cause.__cause__).__name__}: {_shortened(str(cause.__cause__))}"
            )
        cause = cause.__cause__
    for schema_error in schema_errors[:MAX_ERRORS]:
        lines.append(_explain_schema_error(schema_error, body))
    if len(schema_errors) > MAX_ERRORS:
        lines.append(f"    … and {len(schema_errors) - MAX_ERRORS} more errors of the schema")
    return "\n".join(lines)


def _shortened(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def _explain_schema_error(error, body: Any) -> str:
    where = error.json_path
    lines = [f"    at {where}: {error.message}"]
    for deeper in sorted(error.context or (), key=lambda e: (e.relative_schema_path, e.message))[
        :6
    ]:
        where = "/".join(map(str, deeper.relative_schema_path))
        lines.append(f"      ({where}: at {deeper.json_path}: {deeper.message})")
    lines.append(f"      value: {_quote(error.instance)}")
    parent = _at(body, list(error.absolute_path)[:-1])
    if error.absolute_path and parent is not None:
        lines.append(f"      in: {_quote(parent, QUOTE // 2)}")
    lines.append(f"      schema: {'/'.join(map(str, error.absolute_schema_path))}")
    return "\n".join(lines)


def _at(body: Any, path: list) -> Any:
    for key in path:
        try:
            body = body[key]
        except (KeyError, IndexError, TypeError):
            return None
    return body


# ----------------------------------------------------------------------------- Django's client


def django_exchange(response, body: bytes | None) -> Exchange:
    """The Exchange of a response of Django's test client (or DRF's APIClient)."""
    request = response.wsgi_request
    return Exchange(
        method=request.method,
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        status=response.status_code,
        headers=response.items(),
        body=body,
        request_headers=dict(request.headers),
    )


def check_django_response(response) -> None:
    """Validate a test client's response; a streamed body when it has been read to its end."""
    if response.streaming and response.wsgi_request.method != "HEAD":
        if check(django_exchange(response, None)) is not None:
            response.streaming_content = _validated_stream(response, response.streaming_content)
    else:
        check(django_exchange(response, b"" if response.streaming else response.content))


def _validated_stream(response, content: Iterable[bytes]) -> Iterator[bytes]:
    chunks = []
    for chunk in content:
        chunks.append(chunk)
        yield chunk
    check(django_exchange(response, b"".join(chunks)))
