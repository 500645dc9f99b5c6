"""GET /api/v1/health/: whether the database answers, and the version."""

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper

import policytracker

pytestmark = pytest.mark.django_db


def test_health_reports_the_database_and_the_version(api_client, django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1
        response = api_client.get("/api/v1/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "version": policytracker.__version__,
    }


def test_health_answers_503_when_the_database_is_unreachable(api_client, monkeypatch):
    def unreachable(self, *args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", unreachable)

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "version": policytracker.__version__,
    }


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_health_is_read_only(editor_client, method):
    response = getattr(editor_client, method)("/api/v1/health/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
