"""Errors are JSON problem details with the field names: validation, parsing, filters, 404s."""

import datetime

import pytest

from options import models
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


def test_a_json_list_instead_of_an_object(editor_client):
    response = editor_client.post(POSITIONS, [1, 2])

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
        ("salience_min=abc", {"salience_min": ["Enter a number."]}),
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


@pytest.mark.parametrize("ordering", ["nonsense", "-nonsense", "notes", "source__title"])
def test_an_unknown_or_unlisted_ordering_field_is_ignored(api_client, ordering):
    # DRF's OrderingFilter drops terms outside `ordering_fields` (including real fields such as
    # `notes`, which may not be sorted on): the default order applies. Silent, but safe.
    # Sorted by `notes` or by source title, the older would come first.
    older = factories.PositionFactory(
        as_of=datetime.date(2019, 1, 1), notes="a", source__title="A source"
    )
    newer = factories.PositionFactory(
        as_of=datetime.date(2019, 2, 1), notes="b", source__title="B source"
    )

    response = api_client.get(f"{POSITIONS}?ordering={ordering}")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [newer.pk, older.pk]


def test_an_ordering_keeps_its_valid_terms(api_client):
    low = factories.PositionFactory(stance=-1, as_of=datetime.date(2019, 2, 1))
    high = factories.PositionFactory(stance=2, as_of=datetime.date(2019, 1, 1))

    response = api_client.get(f"{POSITIONS}?ordering=-nonsense,-stance")

    assert [row["id"] for row in response.json()["results"]] == [high.pk, low.pk]
