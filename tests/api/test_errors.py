"""Errors are JSON problem details with the field names: validation, parsing, filters, 404s."""

import datetime
from http import HTTPStatus
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from rest_framework.test import APIClient

from options import models
from options.api import urls as api_urls
from options.api import views
from options.api.filter_backends import allowed_query_parameters
from tests import factories

pytestmark = pytest.mark.django_db

POSITIONS = "/api/v1/positions/"


@pytest.fixture
def position():
    return factories.PositionFactory(as_of=datetime.date(2019, 4, 30))


@pytest.fixture
def valid(position):
    """A valid new position (another basis than the stored one)."""
    return {
        "stakeholder": position.stakeholder_id,
        "option": position.option_id,
        "stance": 1,
        "basis": "expected",
        "as_of": "2019-04-30",
        "source": position.source_id,
    }


def problem(response) -> dict:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["status"] == response.status_code
    return body


def test_the_valid_payload_is_accepted(editor_client, valid):
    # The baseline for the tests below, which each spoil one value.
    assert editor_client.post(POSITIONS, valid).status_code == 201


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"stance": 7}, {"stance": ["Ensure this value is less than or equal to 2."]}),
        ({"stance": -3}, {"stance": ["Ensure this value is greater than or equal to -2."]}),
        ({"stance": "x"}, {"stance": ["A valid integer is required."]}),
        ({"salience": 101}, {"salience": ["Ensure this value is less than or equal to 100."]}),
        ({"basis": "rumoured"}, {"basis": ['"rumoured" is not a valid choice.']}),
        ({"confidence": "total"}, {"confidence": ['"total" is not a valid choice.']}),
        (
            {"stakeholder": 999999},
            {"stakeholder": ['Invalid pk "999999" - object does not exist.']},
        ),
        ({"source": "abc"}, {"source": ["Incorrect type. Expected pk value, received str."]}),
        ({"option": None}, {"option": ["This field may not be null."]}),
        # Values of another JSON type than the schema's are refused, not converted (found by
        # the fuzz run: DRF took "1" for 1, "true" for true, 0 for "0", true for id 1). 1.0 is
        # the integer 1 in OpenAPI 3.1's JSON Schema, and taken as such (test_errors below).
        ({"stance": "1"}, {"stance": ["A valid integer is required."]}),
        ({"stance": 1.5}, {"stance": ["A valid integer is required."]}),
        ({"salience": True}, {"salience": ["A valid integer is required."]}),
        # (`retracted` is read-only now, and a write of it ignored: test_positions.py.)
        (
            {"retracted_on": 20190430},
            {
                "retracted_on": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
        ({"retracted_precision": 1}, {"retracted_precision": ['"1" is not a valid choice.']}),
        (
            {"retracted_on": "2019-04-29"},
            {"retracted_on": ["A position cannot be retracted before it was taken."]},
        ),
        ({"source": True}, {"source": ["Incorrect type. Expected pk value, received bool."]}),
        ({"source": "1"}, {"source": ["Incorrect type. Expected pk value, received str."]}),
        # An id past 64 bits names no record (SQLite cannot even compare it).
        (
            {"source": 10**20},
            {"source": ['Invalid pk "100000000000000000000" - object does not exist.']},
        ),
        ({"source": 0}, {"source": ['Invalid pk "0" - object does not exist.']}),
        (
            {"as_of": "30-04-2019"},
            {"as_of": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            {"stance": 7, "basis": "rumoured"},
            {
                "stance": ["Ensure this value is less than or equal to 2."],
                "basis": ['"rumoured" is not a valid choice.'],
            },
        ),
    ],
)
def test_invalid_position_values(editor_client, valid, values, errors):
    response = editor_client.post(POSITIONS, {**valid, **values})

    assert response.status_code == 400
    assert problem(response) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Invalid input.",
        "code": "invalid",
        "errors": errors,
    }
    assert models.Position.objects.count() == 1


def test_missing_fields_are_named(editor_client):
    response = editor_client.post(POSITIONS, {})

    assert response.status_code == 400
    assert problem(response)["errors"] == {
        name: ["This field is required."]
        for name in ("stakeholder", "option", "stance", "basis", "as_of", "source")
    }


def test_an_affiliation_ending_before_it_starts(editor_client):
    subject, object_ = factories.StakeholderFactory.create_batch(2)

    response = editor_client.post(
        "/api/v1/affiliations/",
        {
            "subject": subject.pk,
            "kind": "member_of",
            "object": object_.pk,
            "start_date": "2019-05-01",
            "end_date": "2019-04-30",
        },
    )

    assert response.status_code == 400
    assert problem(response)["errors"] == {
        "end_date": ["The end date cannot be before the start date."]
    }


def test_a_duplicate_position_is_a_400_with_the_constraint_message(editor_client, valid):
    # Validation runs the model's constraints, so the duplicate is refused before the database
    # sees it: 400 with the constraint's message, not 409.
    assert editor_client.post(POSITIONS, valid).status_code == 201

    response = editor_client.post(POSITIONS, valid)

    assert response.status_code == 400
    assert problem(response)["errors"] == {
        "non_field_errors": [
            "This source already gives this stakeholder's position on this option, "
            "on this basis and date."
        ]
    }
    assert models.Position.objects.filter(basis="expected").count() == 1


def test_a_duplicate_that_slips_past_validation_is_a_409(editor_client, valid, monkeypatch):
    # As when a concurrent request stores the same position between validation and insert:
    # the database's unique constraint raises IntegrityError, answered 409.
    assert editor_client.post(POSITIONS, valid).status_code == 201
    monkeypatch.setattr(models.Position, "validate_constraints", lambda self, exclude=None: None)

    response = editor_client.post(POSITIONS, valid)

    assert response.status_code == 409
    assert problem(response) == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "The change conflicts with data stored meanwhile; reload and retry.",
        "code": "conflict",
    }
    assert models.Position.objects.filter(basis="expected").count() == 1


def test_malformed_json_is_a_parse_error(editor_client):
    response = editor_client.post(POSITIONS, '{"stance": 1,', content_type="application/json")

    assert response.status_code == 400
    body = problem(response)
    assert body["code"] == "parse_error"
    assert body["title"] == "Bad Request"
    assert body["detail"].startswith("JSON parse error")


def test_a_json_list_instead_of_an_object(editor_client, position):
    # (A create takes a list: a bulk create, tests/api/test_bulk_create.py.)
    response = editor_client.patch(f"{POSITIONS}{position.pk}/", [1, 2])

    assert response.status_code == 400
    assert problem(response)["errors"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "stance=1&basis=stated"),
        ("text/plain", '{"stance": 1}'),
    ],
)
def test_only_json_bodies_are_accepted(editor_client, content_type, body):
    response = editor_client.post(POSITIONS, body, content_type=content_type)

    assert response.status_code == 415
    assert problem(response) == {
        "type": "about:blank",
        "title": "Unsupported Media Type",
        "status": 415,
        "detail": f'Unsupported media type "{content_type}" in request.',
        "code": "unsupported_media_type",
    }


def test_multipart_bodies_are_refused(editor_client):
    response = editor_client.post(POSITIONS, {"stance": 1}, format="multipart")

    assert response.status_code == 415
    assert problem(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        # A date range is one filter: its errors are under its name, not `as_of_after`.
        ("as_of_after=notadate", {"as_of": ["Enter a valid date."]}),
        ("as_of_before=2019-02-30", {"as_of": ["Enter a valid date."]}),
        ("retracted_on_after=notadate", {"retracted_on": ["Enter a valid date."]}),
        ("retracted_on_before=2019-02-30", {"retracted_on": ["Enter a valid date."]}),
        ("stakeholder_id=abc", {"stakeholder_id": ["“abc” is not a valid value."]}),
        # An unknown id is an error, not an empty list.
        (
            "stakeholder_id=999999",
            {
                "stakeholder_id": [
                    "Select a valid choice. 999999 is not one of the available choices."
                ]
            },
        ),
        (
            "stakeholder=nobody",
            {"stakeholder": ["Select a valid choice. nobody is not one of the available choices."]},
        ),
        (
            "basis=rumoured",
            {"basis": ["Select a valid choice. rumoured is not one of the available choices."]},
        ),
        ("stance=7", {"stance": ["Select a valid choice. 7 is not one of the available choices."]}),
        ("salience_min=abc", {"salience_min": ["Enter a whole number."]}),
        # Found by the fuzz run: a decimal was truncated (stance ≥ 0.5 read as stance ≥ 0).
        ("stance_min=0.5", {"stance_min": ["Enter a whole number."]}),
        # Found by the fuzz run: an id past 64 bits was a 500 on SQLite (OverflowError).
        (
            "stakeholder_id=36157275335303272333312",
            {
                "stakeholder_id": [
                    "Select a valid choice. 36157275335303272333312 is not one of the available "
                    "choices."
                ]
            },
        ),
        (
            "stakeholder_id=-36157275335303272333312&stakeholder_id=1",
            {
                "stakeholder_id": [
                    "Select a valid choice. -36157275335303272333312 is not one of the available "
                    "choices."
                ]
            },
        ),
        # A blank slug names no record (the schema says a slug is at least one character).
        (
            "stakeholder=",
            {"stakeholder": ["Select a valid choice.  is not one of the available choices."]},
        ),
        (
            "as_of_after=nope&stakeholder_id=abc",
            {"as_of": ["Enter a valid date."], "stakeholder_id": ["“abc” is not a valid value."]},
        ),
    ],
)
def test_invalid_filter_values_are_a_400(api_client, position, query, errors):
    response = api_client.get(f"{POSITIONS}?{query}")

    assert response.status_code == 400
    assert problem(response) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Invalid input.",
        "code": "invalid",
        "errors": errors,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/positions/999999/",
        "/api/v1/positions/abc/",
        "/api/v1/topics/999999/",
        "/api/v1/sanction-measures/999999/",
    ],
)
def test_an_unknown_detail_is_a_json_404(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 404
    body = problem(response)
    assert (body["title"], body["code"]) == ("Not Found", "not_found")
    assert body["detail"]


def test_an_unknown_detail_is_a_404_for_writes_too(editor_client):
    assert editor_client.patch(f"{POSITIONS}999999/", {"stance": 1}).status_code == 404
    assert editor_client.delete(f"{POSITIONS}999999/").status_code == 404


def test_a_method_the_collection_does_not_have_is_a_json_405(editor_client):
    response = editor_client.put(POSITIONS, {})

    assert response.status_code == 405
    assert problem(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("ordering", "terms"),
    [
        ("nonsense", "'nonsense'"),
        ("-nonsense", "'-nonsense'"),
        # Real fields, but not among the view's `ordering_fields`.
        ("notes", "'notes'"),
        ("source__title", "'source__title'"),
        ("-stance,nonsense,-", "'nonsense', '-'"),
        # Blanks are not stripped (the schema's pattern has none) and a trailing comma is no term.
        ("as_of, stance", "' stance'"),
        ("as_of,", "''"),
    ],
)
def test_an_unknown_or_unlisted_ordering_field_is_a_400(api_client, ordering, terms):
    # DRF's OrderingFilter would drop such terms and sort some other way, silently.
    response = api_client.get(POSITIONS, {"ordering": ordering})

    assert response.status_code == 400
    fields = ", ".join(views.PositionViewSet.ordering_fields)
    assert problem(response)["errors"] == {
        "ordering": [
            f"Cannot sort by {terms}. Sort by one or more of {fields}, comma-separated, each "
            "with - before it for descending order."
        ]
    }


def test_an_ordering_sorts_by_each_term_in_turn(api_client):
    low = factories.PositionFactory(stance=-1, as_of=datetime.date(2019, 2, 1))
    high = factories.PositionFactory(stance=2, as_of=datetime.date(2019, 1, 1))
    high_later = factories.PositionFactory(stance=2, as_of=datetime.date(2019, 3, 1))

    response = api_client.get(f"{POSITIONS}?ordering=-stance,as_of")

    assert [row["id"] for row in response.json()["results"]] == [high.pk, high_later.pk, low.pk]


def test_an_empty_ordering_is_the_default_order(api_client):
    older = factories.PositionFactory(as_of=datetime.date(2019, 1, 1))
    newer = factories.PositionFactory(as_of=datetime.date(2019, 2, 1))

    response = api_client.get(f"{POSITIONS}?ordering=")

    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]


def test_a_detail_ignores_the_ordering(api_client, position):
    # Only lists are sorted; a detail answers whatever its query string says about sorting.
    assert api_client.get(f"{POSITIONS}{position.pk}/?ordering=nonsense").status_code == 200


# --- Addresses no endpoint answers ------------------------------------------------------------

NO_ENDPOINT = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "No API endpoint at this address.",
    "code": "not_found",
}


@pytest.mark.parametrize(
    "url",
    ["/api/nope", "/api/nope/", "/api/", "/api", "/api/v1/nope/", "/api/v2/topics/"],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_address_under_api_is_a_json_404(api_client, url, method):
    response = getattr(api_client, method)(url, HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert problem(response) == NO_ENDPOINT


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_an_unknown_address_is_a_json_404_not_a_csrf_page(editor, method):
    # Found by the fuzz run: DELETE /api/v1/events/-6.1e-213/ (no endpoint: ids have no dot)
    # with a session got Django's HTML "CSRF verification failed" page (403).
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(editor)

    response = getattr(client, method)("/api/v1/events/-6.1e-213/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert problem(response) == NO_ENDPOINT


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_address_under_api_is_json_with_debug_on_too(api_client, settings, debug):
    # With DEBUG on, Django answers an unmatched address with its HTML page, not handler404.
    settings.DEBUG = debug

    response = api_client.get("/api/v1/positions/1/nope/")

    assert problem(response) == NO_ENDPOINT


def test_a_get_without_the_trailing_slash_is_redirected(api_client):
    response = api_client.get("/api/v1/positions?basis=stated")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/positions/?basis=stated"


def test_a_post_without_the_trailing_slash_names_the_address(editor_client, valid):
    # A redirect would lose the body (and with DEBUG on Django raises an error instead).
    response = editor_client.post("/api/v1/positions", valid)

    assert response.status_code == 404
    assert problem(response)["detail"] == (
        "No API endpoint at this address. Did you mean /api/v1/positions/ (with a slash)?"
    )
    assert models.Position.objects.count() == 1


def test_an_unknown_address_elsewhere_is_django_s_page(client):
    response = client.get("/nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_errors_are_json_even_when_html_is_asked_for(api_client):
    # The browsable API would render the error as an HTML page.
    response = api_client.get(f"{POSITIONS}999999/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert problem(response)["code"] == "not_found"


def test_an_accept_header_the_api_cannot_satisfy_is_a_json_406(api_client):
    response = api_client.get(POSITIONS, HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert problem(response) == {
        "type": "about:blank",
        "title": "Not Acceptable",
        "status": 406,
        "detail": "Could not satisfy the request Accept header.",
        "code": "not_acceptable",
    }


# --- Bodies and requests Django refuses -------------------------------------------------------


def test_the_body_size_limit_is_set_explicitly():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_an_oversized_body_is_a_json_413(editor_client, position, valid, method):
    # 1 MiB of quote, and a little more: the default limit.
    body = {**valid, "quote": "x" * (1024 * 1024)}
    url = POSITIONS if method == "post" else f"{POSITIONS}{position.pk}/"

    response = getattr(editor_client, method)(url, body)

    assert response.status_code == 413
    assert problem(response) == {
        "type": "about:blank",
        "title": HTTPStatus(413).phrase,  # "Request Entity Too Large" before Python 3.13
        "status": 413,
        "detail": "The request body is larger than 1048576 bytes.",
        "code": "payload_too_large",
    }
    position.refresh_from_db()
    assert position.quote != body["quote"]
    assert models.Position.objects.count() == 1


def test_the_body_limit_follows_the_setting(editor_client, valid, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200

    assert editor_client.post(POSITIONS, {**valid, "summary": "s" * 50}).status_code == 201
    response = editor_client.post(POSITIONS, {**valid, "summary": "s" * 200})

    assert response.status_code == 413
    assert problem(response)["detail"] == "The request body is larger than 200 bytes."


def test_too_many_query_parameters_are_a_json_400(api_client):
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000) as a suspicious request.
    query = "&".join(f"basis=stated&n{i}=1" for i in range(600))

    response = api_client.get(f"{POSITIONS}?{query}")

    assert response.status_code == 400
    assert problem(response)["errors"] == {
        "non_field_errors": [
            "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
        ]
    }


def test_a_host_not_allowed_is_a_json_400_under_api(api_client):
    response = api_client.get(POSITIONS, HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert problem(response) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "The request was refused as malformed.",
        "code": "bad_request",
    }


def test_a_host_not_allowed_is_django_s_page_elsewhere(client):
    response = client.get("/topics/nope/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_under_api_is_a_json_500(api_client, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.PositionViewSet, "list", fail)
    api_client.raise_request_exception = False

    response = api_client.get(POSITIONS)

    assert response.status_code == 500
    assert problem(response) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server failed to answer; the error has been logged.",
        "code": "server_error",
    }


# --- Query parameters -------------------------------------------------------------------------


def test_an_unknown_query_parameter_is_a_400_that_lists_the_known_ones(api_client, position):
    response = api_client.get(f"{POSITIONS}?stakholder=x&colour=red&basis=stated")

    assert response.status_code == 400
    body = problem(response)
    assert body["code"] == "unknown_parameter"
    assert body["errors"] == {
        "colour": ["Unknown query parameter."],
        "stakholder": ["Unknown query parameter."],
    }
    assert body["detail"].startswith(
        "Unknown query parameters: colour, stakholder. This operation takes: as_of_after, "
        "as_of_before, basis, confidence, cursor, format, limit, offset, option, "
    )
    assert "stakeholder, stakeholder_id, " in body["detail"]


def test_the_common_query_parameters_are_known(api_client, position):
    response = api_client.get(
        f"{POSITIONS}?format=json&limit=5&offset=0&search=x&ordering=as_of&as_of_after=2019-01-01"
    )

    assert response.status_code == 200


def test_a_detail_ignores_query_parameters_it_does_not_take(api_client, position):
    assert api_client.get(f"{POSITIONS}{position.pk}/?colour=red").status_code == 200


def test_a_list_takes_exactly_the_query_parameters_its_schema_documents():
    schema = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text())
    checked = 0
    for pattern in api_urls.router.urls:
        viewset = getattr(pattern.callback, "cls", None)
        if getattr(pattern.callback, "actions", {}).get("get") != "list":
            continue
        path = "/api/v1/" + str(pattern.pattern).lstrip("^").rstrip("$")
        if path not in schema["paths"]:
            continue  # the format-suffix twin
        view = viewset(action="list", request=None, format_kwarg=None, kwargs={})
        documented = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert allowed_query_parameters(view) == documented | {"format"}, path
        checked += 1
    assert checked == len(api_urls.router.registry)  # every collection: none skipped


@pytest.mark.parametrize("value", ["maybe", "yes", "2", "truthy"])
def test_an_invalid_boolean_filter_value_is_a_400(api_client, position, value):
    # django-filter's default would ignore it and answer the whole list.
    response = api_client.get(POSITIONS, {"retracted": value})

    assert response.status_code == 400
    assert problem(response)["errors"] == {"retracted": ["Enter true or false."]}


@pytest.mark.parametrize(
    ("value", "kept"), [("true", True), ("True", True), ("1", True), ("false", False), ("0", False)]
)
def test_a_boolean_filter_takes_true_and_false(api_client, value, kept):
    retracted = factories.PositionFactory(retracted_on=datetime.date(2019, 5, 1))
    standing = factories.PositionFactory(retracted_on=None)

    response = api_client.get(POSITIONS, {"retracted": value})

    assert [row["id"] for row in response.json()["results"]] == [
        (retracted if kept else standing).pk
    ]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("limit=abc", {"limit": ["Enter a whole number, 1 or more."]}),
        ("limit=0", {"limit": ["Enter a whole number, 1 or more."]}),
        ("limit=-5", {"limit": ["Enter a whole number, 1 or more."]}),
        ("limit=1.5", {"limit": ["Enter a whole number, 1 or more."]}),
        ("offset=-1", {"offset": ["Enter a whole number, 0 or more."]}),
        ("offset=x", {"offset": ["Enter a whole number, 0 or more."]}),
    ],
)
def test_an_invalid_page_parameter_is_a_400(api_client, position, query, errors):
    # DRF would ignore it and answer another page than the one asked for.
    response = api_client.get(f"{POSITIONS}?{query}")

    assert response.status_code == 400
    assert problem(response)["errors"] == errors


def test_page_parameters_past_any_count_give_an_empty_page(api_client, position):
    response = api_client.get(f"{POSITIONS}?limit={'9' * 5000}&offset={'9' * 5000}")

    assert response.status_code == 200
    assert (response.json()["count"], response.json()["results"]) == (1, [])


def test_empty_page_parameters_are_the_defaults(api_client, position):
    response = api_client.get(f"{POSITIONS}?limit=&offset=")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_blank_single_valued_filters_count_as_not_given(api_client, position):
    # As the schema says (`allowEmptyValue`); the fuzz run found it calling `?as_of_before=`
    # invalid while the server answered the whole list.
    response = api_client.get(
        f"{POSITIONS}?as_of_before=&retracted=&retracted_on_after=&salience_min=&search="
    )

    assert response.status_code == 200
    assert response.json()["count"] == 1
    # A repeatable filter takes values from a list, which blank is not part of.
    assert api_client.get(f"{POSITIONS}?confidence=").json()["errors"] == {
        "confidence": ["Select a valid choice.  is not one of the available choices."]
    }


def test_a_number_with_no_fractional_part_is_an_integer(editor_client, valid):
    # OpenAPI 3.1 (JSON Schema 2020-12) counts 1.0 as an integer: a client may send it so.
    response = editor_client.post(
        POSITIONS, {**valid, "stance": -2.0, "source": float(valid["source"])}
    )

    assert response.status_code == 201, response.json()
    assert response.json()["stance"] == -2
