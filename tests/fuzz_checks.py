"""Schemathesis hooks of the fuzz run (schemathesis.toml `hooks`; tests/fuzz.py runs it).

`positive_data_acceptance` expects a request that the schema says is valid to succeed. Some such
requests are refused by design, for what no JSON Schema can say: that an id or a slug names a
record that exists, that a slug is not taken yet, that an end date is not before the start date,
that `If-Match` names the current version. schemathesis.toml lets that check accept 400 and 412
for this reason; `valid_data_refused_only_for_what_the_schema_cannot_say` then checks every such
answer to a valid request: a 412 only when the request sent `If-Match`, a 400 only with errors
of the kinds listed below. Any other 400 to a valid request means the schema and the server
disagree, and fails the run as the built-in check would have.

`response_matches_the_schema_strictly` validates every response, valid request or not, with the
validator of the test suite (tests/contract.py: openapi-core, strict about null and about
properties the schema does not name), which schemathesis's own response_schema_conformance is
not.
"""

import atexit
import datetime
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import schemathesis
from openapi_core.templating.paths.exceptions import PathError
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

# schemathesis loads this file by its path: the project's root is not on the path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import contract  # noqa: E402

# Errors that a valid request may get, whatever field or parameter they are on.
DATA_ERRORS = [
    # A related record that does not exist (DRF's PrimaryKeyRelatedField).
    r'Invalid pk ".*" - object does not exist\.',
    # Unique fields and constraints (Django's message, then the models' own).
    r".+ with this .+ already exists\.",
    r"This topic already has an (option|event) with this slug\.",
    r"This source already gives this stakeholder's position on this option, on this basis and "
    r"date\.",
    r"This stakeholder already has an influence on this (topic|option) at this date\.",
    r"This stakeholder already takes part in this event\.",
    r"A stakeholder can take part only once\.",
    # Rules between fields, or about a related record (options/models/).
    r"The end date cannot be before the start date\.",
    r"A stakeholder cannot be affiliated with itself\.",
    r"Only a reported position names who reported it\.",
    r"Sanction measures belong to an option of the kind sanctions\.",
    r"The option must be one of the topic's options\.",
    r"A position cannot be retracted before it was taken\.",
    # A cursor is opaque (only the `next` and `previous` links make one), pages by cursor follow
    # only some sorts, and a cursor excludes an offset: OpenAPI 3.0 has no words for either rule
    # between parameters.
    r"Invalid cursor: use the `next` and `previous` links as given\.",
    r"Give a cursor or an offset, not both\.",
    r"Cursor pages need a sort on fields that always have a value; page this sort with `offset`\.",
    # The analysis endpoints' slugs that name no record (options/api/views.py).
    r"No (stakeholder|option) with these slugs\.",
    # No text takes U+0000 (PostgreSQL cannot store it): every string field and parameter refuses
    # it with this message. The schema does not say it on each of its hundreds of strings (a
    # pattern on every one, carried by every generated client, for one character).
    r"Null characters are not allowed\.",
]
# Errors that a valid request may get on one field.
FIELD_ERRORS = {
    # JSON Schema's `uri` format takes any URI (mailto:…, urn:…, a host name of any length); a
    # source's address is a web address, as Django's URLValidator checks it (http, https, ftp or
    # ftps; host names as DNS allows them, 253 characters at most). No JSON Schema format says
    # that, and a regular expression could only approximate it.
    "web_url": re.compile(r"Enter a valid URL\."),
    # A subscription's webhook: a web address as above, which must resolve, and only to public
    # addresses (options/tracking/webhooks.py): what DNS answers, no schema can say.
    "url": re.compile(r"Enter a valid URL\.|The webhook URL.+", re.DOTALL),
}
# django-filter's answer to an id or a slug that names no record. It is also its answer to a
# value outside an enum, which the schema does say: accepted only on a parameter without enum.
UNKNOWN_RECORD_IN_FILTER = re.compile(
    r"Select a valid choice\. .* is not one of the available choices\.", re.DOTALL
)
DATA_ERROR = re.compile("|".join(f"(?:{pattern})" for pattern in DATA_ERRORS), re.DOTALL)
# OpenAPI 3.1's JSON Schema takes `format` as a note, not a rule, so schemathesis counts any
# string as a valid `date` or `date-time` (an empty one among them); the server refuses what the
# format says is none. Explained when the value sent is indeed no ISO 8601 date or date-time.
WRONG_DATE_FORMAT = re.compile(r"(?:Date|Datetime) has wrong format\..*", re.DOTALL)


def sent(case, key):
    """The value the request sent for a top-level body field or a query parameter `key`; for a
    bulk create's array, the list of the items' values."""
    if isinstance(case.body, dict) and key in case.body:
        return case.body[key]
    if isinstance(case.body, list):
        return [item[key] for item in case.body if isinstance(item, dict) and key in item]
    return (case.query or {}).get(key)


RFC3339_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt].+)?", re.DOTALL)


def not_an_iso_date(value) -> bool:
    """Whether a string (or one of a list's) is no RFC 3339 date (or date and time)."""
    for item in value if isinstance(value, list) else [value]:
        match = RFC3339_DATE.fullmatch(item) if isinstance(item, str) else None
        if isinstance(item, str) and match is None:
            return True
        if match is not None:
            try:
                datetime.date(*map(int, match.groups()))
            except ValueError:
                return True
    return False


def messages(errors, key=None):
    """(top-level field or parameter, message) for every message in a problem's `errors`; a bulk
    create's errors are keyed by the item's index first ({"2": {"slug": [...]}})."""
    if isinstance(errors, dict):
        for name, value in errors.items():
            if key is None and name.isdigit():
                yield from messages(value)
            else:
                yield from messages(value, name if key is None else key)
    elif isinstance(errors, list):
        for item in errors:
            yield from messages(item, key)
    else:
        yield key, str(errors)


def enum_parameters(case) -> set[str]:
    """The operation's parameters whose values come from an enum."""
    names = set()
    for parameter in case.operation.definition.raw.get("parameters", []):
        schema = parameter.get("schema", {})
        if "enum" in schema or "enum" in schema.get("items", {}):
            names.add(parameter.get("name"))
    return names


@schemathesis.check
def valid_data_refused_only_for_what_the_schema_cannot_say(ctx, response, case):
    """A 400 or 412 to a request the schema calls valid must be one the schema cannot foresee."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or is_unexpected_http_status_case(case):
        return None
    if response.status_code == 412:
        if "If-Match" not in response.request.headers:
            raise AssertionError("412 Precondition Failed to a request without If-Match")
        return None
    if response.status_code != 400:
        return None
    try:
        problem = response.json()
    except ValueError:
        raise AssertionError("A 400 whose body is not JSON") from None
    errors = problem.get("errors") if isinstance(problem, dict) else None
    if not errors:
        raise AssertionError(f"A valid request refused without field errors: {problem}")
    enums = enum_parameters(case)
    unexplained = [
        f"{key}: {message}"
        for key, message in messages(errors)
        if not DATA_ERROR.fullmatch(message)
        and not (key in FIELD_ERRORS and FIELD_ERRORS[key].fullmatch(message))
        and not (UNKNOWN_RECORD_IN_FILTER.fullmatch(message) and key not in enums)
        and not (WRONG_DATE_FORMAT.fullmatch(message) and not_an_iso_date(sent(case, key)))
    ]
    if unexplained:
        raise AssertionError(
            "A request the schema calls valid was refused for what the schema could have said:\n"
            + "\n".join(unexplained)
        )
    return None


@schemathesis.check
def response_matches_the_schema_strictly(ctx, response, case):
    """The response, validated as the test suite validates the test client's (tests/contract.py).

    Requests that are no operation of the schema (a method it does not have, which
    `unsupported_method` sends on purpose; an address a generated path parameter took out of its
    template) are for schemathesis's own checks: skipped here."""
    request = response.request
    url = urlsplit(request.url)
    # A body kept only in part (a large export) cannot be parsed: its headers only.
    whole = response.content_size is None or response.content_size <= len(response.content)
    exchange = contract.Exchange(
        method=request.method.upper(),
        path=url.path,
        query=url.query,
        status=response.status_code,
        headers=[(name, value) for name, values in response.headers.items() for value in values],
        body=response.content if whole else None,
        request_headers=dict(request.headers),
        host_url=f"{url.scheme}://{url.netloc}",
    )
    if contract.skip_reason(exchange) is not None:
        return None
    method = "GET" if exchange.method == "HEAD" else exchange.method
    try:
        contract.contract().find(method, exchange)
    except PathError:
        return None
    try:
        contract.check(exchange)
    except contract.ContractViolation as violation:
        raise AssertionError(str(violation)) from None
    return None


@atexit.register
def _report() -> None:
    validated = contract.STATS.get("validated", 0)
    if validated:
        print(
            f"[fuzz] {validated} responses validated strictly against docs/openapi.yaml "
            f"(tests/contract.py) in {contract.SECONDS[0]:.0f} s",
            flush=True,
        )
