"""Bulk create: POST of a JSON array to a collection's `bulk/` creates every item, all or nothing,
with the errors of the invalid items under their index (options/api/bulk.py)."""

import datetime
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from options import models
from options.api import bulk, views
from options.api import urls as api_urls
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"
POSITIONS = f"{API}/positions/"
STAKEHOLDERS = f"{API}/stakeholders/"
POSITIONS_BULK = f"{POSITIONS}bulk/"
STAKEHOLDERS_BULK = f"{STAKEHOLDERS}bulk/"


@pytest.fixture
def related():
    """What new positions refer to: a stakeholder, two options, a source."""
    option = factories.PolicyOptionFactory()
    return {
        "stakeholder": factories.StakeholderFactory(),
        "deal": option,
        "sanctions": factories.PolicyOptionFactory(topic=option.topic),
        "source": factories.SourceFactory(),
    }


def position(related: dict, **values) -> dict:
    """A valid new position's body, with `values` changed."""
    return {
        "stakeholder": related["stakeholder"].pk,
        "option": related["deal"].pk,
        "stance": 1,
        "basis": "stated",
        "as_of": "2019-04-30",
        "source": related["source"].pk,
        **values,
    }


def stakeholder(slug: str, **values) -> dict:
    return {"slug": slug, "name": slug.title(), "kind": "person", **values}


def problem(response, status: int) -> dict:
    """The problem details of a refused request, after checking the envelope."""
    assert response.status_code == status, response.json()
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["type"], body["status"]) == ("about:blank", status)
    return body


def test_creates_every_item_in_order_as_single_creates_represent_them(editor_client, related):
    items = [
        position(related, stance=-2, quote="Never."),
        position(related, option=related["sanctions"].pk, basis="expected", salience=70),
        position(related, as_of="2019-05-01", stance=0),
    ]

    response = editor_client.post(POSITIONS_BULK, items, HTTP_X_REQUEST_ID="bulk-1")

    assert response.status_code == 201, response.json()
    created = response.json()
    assert [(p["stance"], p["option"]["id"], p["as_of"]) for p in created] == [
        (-2, related["deal"].pk, "2019-04-30"),
        (1, related["sanctions"].pk, "2019-04-30"),
        (0, related["deal"].pk, "2019-05-01"),
    ]
    assert [editor_client.get(f"{POSITIONS}{p['id']}/").json() for p in created] == created
    assert "ETag" not in response  # one ETag cannot stand for three records
    assert models.Position.objects.count() == 3


def test_each_created_record_gets_one_history_record_with_the_request_id(
    editor_client, editor, related
):
    items = [position(related), position(related, basis="expected")]

    response = editor_client.post(POSITIONS_BULK, items, HTTP_X_REQUEST_ID="bulk-2")

    assert response.status_code == 201, response.json()
    feed = editor_client.get(f"{API}/changes/?request_id=bulk-2").json()
    assert sorted(
        (change["collection"], change["object_id"], change["type"], change["user"]["id"])
        for change in feed["results"]
    ) == [("positions", item["id"], "created", editor.pk) for item in response.json()]


def test_a_single_create_takes_one_object_and_answers_an_array_with_the_bulk_url(
    editor_client, related
):
    response = editor_client.post(POSITIONS, position(related))

    assert response.status_code == 201, response.json()
    assert response.json()["stance"] == 1
    assert response["ETag"] == '"1"'

    refused = problem(editor_client.post(POSITIONS, [position(related, basis="expected")]), 400)
    message = (
        "Expected an object. To create several records at once, send the array to "
        "http://testserver/api/v1/positions/bulk/ (a bulk create, all or nothing)."
    )
    assert (refused["detail"], refused["errors"]) == (message, {"non_field_errors": [message]})
    assert models.Position.objects.count() == 1


def test_a_bulk_create_takes_an_array_only(editor_client, related):
    response = editor_client.post(POSITIONS_BULK, position(related))

    assert problem(response, 400)["errors"] == {
        "non_field_errors": ['Expected a list of items but got type "dict".']
    }
    assert not models.Position.objects.exists()


def test_one_invalid_item_creates_nothing_and_is_reported_at_its_index(editor_client, related):
    items = [
        position(related),
        position(related, basis="expected", stance=7),
        position(related, basis="revealed"),
        {"stance": 1},
    ]

    response = editor_client.post(POSITIONS_BULK, items)

    assert problem(response, 400) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "2 of 4 items are invalid: nothing was created. `errors` gives each invalid "
        "item's messages under its index in the list (from 0).",
        "code": "invalid",
        "errors": {
            "1": {"stance": ["Ensure this value is less than or equal to 2."]},
            "3": {
                name: ["This field is required."]
                for name in ("stakeholder", "option", "basis", "as_of", "source")
            },
        },
    }
    assert not models.Position.objects.exists()
    assert not models.Position.history.exists()  # the valid items' records were rolled back


@pytest.mark.parametrize(
    ("url", "make_items", "errors"),
    [
        # A unique field: the second item takes the slug the first one took.
        (
            STAKEHOLDERS_BULK,
            lambda related: [stakeholder("twin"), stakeholder("other"), stakeholder("twin")],
            {"2": {"slug": ["Stakeholder with this Slug already exists."]}},
        ),
        # A unique constraint over several fields: the same position from the same source.
        (
            POSITIONS_BULK,
            lambda related: [position(related), position(related, stance=2)],
            {
                "1": {
                    "non_field_errors": [
                        "This source already gives this stakeholder's position on this option, "
                        "on this basis and date."
                    ]
                }
            },
        ),
    ],
    ids=["unique-field", "unique-constraint"],
)
def test_duplicates_within_the_batch_are_reported_at_the_later_index(
    editor_client, related, url, make_items, errors
):
    stakeholders = models.Stakeholder.objects.count()

    response = editor_client.post(url, make_items(related))

    assert problem(response, 400)["errors"] == errors
    assert models.Stakeholder.objects.count() == stakeholders
    assert not models.Position.objects.exists()


def test_an_empty_list_is_refused(editor_client):
    response = editor_client.post(STAKEHOLDERS_BULK, [])

    assert problem(response, 400)["errors"] == {"non_field_errors": ["This list may not be empty."]}


def test_more_items_than_the_maximum_are_refused_before_any_is_read(editor_client):
    # Empty objects: were they validated, each would have errors of its own.
    response = editor_client.post(STAKEHOLDERS_BULK, [{}] * (bulk.MAX_ITEMS + 1))

    assert problem(response, 400) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": f"A request creates at most {bulk.MAX_ITEMS} items; this one has "
        f"{bulk.MAX_ITEMS + 1}. Nothing was created: send them in several requests.",
        "code": "too_many_items",
        "errors": {
            "non_field_errors": [f"Ensure this field has no more than {bulk.MAX_ITEMS} elements."]
        },
    }
    assert not models.Stakeholder.objects.exists()


def test_items_that_are_not_objects_are_reported_at_their_index(editor_client):
    response = editor_client.post(STAKEHOLDERS_BULK, [stakeholder("fine"), 1, "x", None, [{}]])

    def expected(datatype: str) -> dict:
        return {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {datatype}."]}

    assert problem(response, 400)["errors"] == {
        "1": expected("int"),
        "2": expected("str"),
        "3": {"non_field_errors": ["No data provided"]},
        "4": expected("list"),
    }
    assert not models.Stakeholder.objects.exists()


@pytest.mark.parametrize(
    ("client_fixture", "status", "code"),
    [
        ("api_client", 401, "not_authenticated"),
        ("user_client", 403, "permission_denied"),
    ],
)
def test_bulk_create_needs_the_add_permission_as_a_single_create_does(
    request, client_fixture, status, code
):
    client = request.getfixturevalue(client_fixture)

    response = client.post(STAKEHOLDERS_BULK, [stakeholder("one"), stakeholder("two")])

    assert problem(response, status)["code"] == code
    assert not models.Stakeholder.objects.exists()


def test_queries_grow_linearly_with_the_items(
    editor_client, related, django_assert_max_num_queries
):
    count = 50
    start = datetime.date(2019, 1, 1)
    items = [
        position(related, as_of=(start + datetime.timedelta(days=day)).isoformat())
        for day in range(count)
    ]

    # Per item, 22, as a single create costs:
    # - 3: the stakeholder, the option and the source by id (DRF's related fields);
    # - 3: the same three checked again by full_clean() (Django's ForeignKey.validate);
    # - 9: the 3 check constraints (stance, salience, reported_by), each in its savepoint;
    # - 1: the unique constraint (one position per source, stakeholder, option, basis, date);
    # - 6: the serializer's and the save's savepoints, INSERT the position, INSERT its history.
    # Once, 6: the editor's permissions (2: user's, group's); the transaction's savepoint and
    # release; the positions read back with their related objects (read_queryset: 1) and
    # their disputes (1). Once, 17: the change events (options/tracking/derive.py): the pair's
    # standing and the option's forecast before the first write and after the last (2 × 6), the
    # labels of what they name (4), the subscriptions that follow them (1).
    with django_assert_max_num_queries(count * 22 + 6 + 17):
        response = editor_client.post(POSITIONS_BULK, items)

    assert response.status_code == 201, response.json()
    assert len(response.json()) == count


def test_every_collection_has_a_create_of_one_object_and_a_bulk_create_of_an_array():
    # docs/openapi.yaml is the generated schema (tests/test_schema.py fails when it is stale).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    schema = yaml.load((Path(settings.BASE_DIR) / "docs" / "openapi.yaml").read_text(), loader)
    collections = [
        prefix
        for prefix, viewset, _basename in api_urls.router.registry
        if issubclass(viewset, views.CollectionViewSet)
    ]
    assert "positions" in collections

    def bodies(operation: dict) -> tuple[dict, dict]:
        request = operation["requestBody"]["content"]["application/json"]["schema"]
        response = operation["responses"]["201"]["content"]["application/json"]["schema"]
        return request, response

    for collection in collections:
        one = bodies(schema["paths"][f"{API}/{collection}/"]["post"])
        bulk_create = schema["paths"][f"{API}/{collection}/bulk/"]["post"]
        assert bulk_create["operationId"] == f"{collection.replace('-', '_')}_bulk_create"
        assert all("$ref" in body for body in one), collection
        for single, many in zip(one, bodies(bulk_create), strict=True):
            assert many == {
                "type": "array",
                "items": single,
                "minItems": 1,
                "maxItems": bulk.MAX_ITEMS,
            }
        assert "too_many_items" in bulk_create["responses"]["400"]["description"]
