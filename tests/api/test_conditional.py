"""No lost updates: ETags from the version column, If-Match honoured (412) and requirable (428).

Here on positions; that every collection answers with its version as ETag (detail, create,
update) and refuses a stale If-Match is in test_collections.py."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from options import models
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/positions/"


@pytest.fixture
def position():
    return factories.PositionFactory(stance=1, quote="first")


def detail(position) -> str:
    return f"{URL}{position.pk}/"


def test_a_detail_carries_its_version_as_a_strong_etag(api_client, position):
    response = api_client.get(detail(position))

    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_each_write_increments_the_version(editor_client, position):
    first = editor_client.patch(detail(position), {"stance": 2}, format="json")
    second = editor_client.patch(detail(position), {"stance": 0}, format="json")

    assert (first["ETag"], second["ETag"]) == ('"2"', '"3"')
    assert second.json()["version"] == 3
    position.refresh_from_db()
    assert position.version == 3


# (The current ETag itself: tests/api/test_collections.py, for every collection.)
@pytest.mark.parametrize("if_match", ['"7", "1"', "*"])
def test_a_write_with_a_current_if_match_succeeds(editor_client, position, if_match):
    response = editor_client.patch(
        detail(position), {"stance": 2}, format="json", headers={"If-Match": if_match}
    )

    assert response.status_code == 200
    assert response["ETag"] == '"2"'


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("if_match", ['"0"', 'W/"2"', "garbage", '"2"'])
def test_a_stale_if_match_gets_412_and_changes_nothing(editor_client, position, method, if_match):
    editor_client.patch(detail(position), {"quote": "someone else's"}, format="json")  # now 2
    if if_match == '"2"':
        editor_client.patch(detail(position), {"quote": "and again"}, format="json")  # now 3
    body = {
        "stakeholder": position.stakeholder_id,
        "option": position.option_id,
        "stance": -2,
        "basis": "stated",
        "as_of": "2019-04-30",
        "source": position.source_id,
    }

    response = getattr(editor_client, method)(
        detail(position), body, format="json", headers={"If-Match": if_match}
    )

    assert response.status_code == 412
    current = models.Position.objects.get(pk=position.pk)
    assert response["ETag"] == f'"{current.version}"'
    assert response.json()["code"] == "precondition_failed"
    assert current.stance == 1  # the stale write changed nothing
    assert current.version == (3 if if_match == '"2"' else 2)


def test_a_delete_with_a_stale_if_match_is_refused(editor_client, position):
    editor_client.patch(detail(position), {"stance": 2}, format="json")

    stale = editor_client.delete(detail(position), headers={"If-Match": '"1"'})
    current = editor_client.delete(detail(position), headers={"If-Match": '"2"'})

    assert (stale.status_code, stale["ETag"]) == (412, '"2"')
    assert current.status_code == 204
    assert not models.Position.objects.filter(pk=position.pk).exists()


def test_an_admin_edit_changes_the_etag(admin_client, api_client, position):
    etag = api_client.get(detail(position))["ETag"]
    position.quote = "edited elsewhere"
    position.save()

    assert api_client.get(detail(position))["ETag"] != etag


def test_if_match_can_be_required(settings, editor_client, position):
    settings.POLICYTRACKER_REQUIRE_IF_MATCH = True

    without = editor_client.patch(detail(position), {"stance": 2}, format="json")
    deleting = editor_client.delete(detail(position))
    with_it = editor_client.patch(
        detail(position), {"stance": 2}, format="json", headers={"If-Match": '"1"'}
    )

    assert (without.status_code, without.json()["code"]) == (428, "precondition_required")
    assert deleting.status_code == 428
    assert with_it.status_code == 200


# --- Under concurrency (PostgreSQL: SQLite's test database serialises writers anyway) ----------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Concurrency is tested on PostgreSQL (CI runs it)."
)


def run_at_once(count: int, request) -> list:
    """Run `request(i)` in `count` threads released together; their responses, in order."""
    barrier = threading.Barrier(count)
    responses = [None] * count

    def worker(i):
        try:
            barrier.wait()
            responses[i] = request(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture
def writer(django_user_model):
    # A superuser: transactional tests may run after another one has flushed the editors group.
    return django_user_model.objects.create_superuser("writer", password="writer-password-1")


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_writers_with_one_if_match_one_wins(writer):
    position = factories.PositionFactory(stance=0)

    responses = run_at_once(
        20,
        lambda i: api_client_for(writer).patch(
            detail(position),
            {"quote": f"writer {i}", "stance": 2},
            format="json",
            headers={"If-Match": '"1"'},
        ),
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * 19
    [winner] = [i for i, response in enumerate(responses) if response.status_code == 200]
    position.refresh_from_db()
    assert (position.quote, position.version) == (f"writer {winner}", 2)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_writers_creating_one_position_make_one_row(writer):
    template = factories.PositionFactory()
    body = {
        "stakeholder": template.stakeholder_id,
        "option": template.option_id,
        "stance": 1,
        "basis": "expected",
        "as_of": "2019-05-01",
        "source": template.source_id,
    }

    responses = run_at_once(20, lambda i: api_client_for(writer).post(URL, body, format="json"))

    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) == 1
    assert all(400 <= status < 500 for status in statuses if status != 201), statuses
    assert models.Position.objects.filter(basis="expected").count() == 1
