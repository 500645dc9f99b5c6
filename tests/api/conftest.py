"""Helpers shared by the collection tests: brief objects, id lists, pagination checks."""

import datetime

import pytest

API = "/api/v1"


def brief_of(obj, collection: str, **extra) -> dict:
    """The brief form in which the API shows a related object: id, url, display, slug."""
    data = {
        "id": obj.pk,
        "url": f"http://testserver{API}/{collection}/{obj.pk}/",
        "display": str(obj),
    }
    if hasattr(obj, "slug"):
        data["slug"] = obj.slug
    return {**data, **extra}


def brief_stakeholder(stakeholder) -> dict:
    """Stakeholders are shown with their kind as well."""
    return brief_of(stakeholder, "stakeholders", kind=stakeholder.kind)


def without_timestamps(body: dict) -> dict:
    """`body` without `created` and `updated`, which must be UTC ISO 8601 timestamps, and
    `version`, which must be a positive integer (its own tests are in test_conditional.py)."""
    body = dict(body)
    for name in ("created", "updated"):
        stamp = datetime.datetime.fromisoformat(body.pop(name))
        assert stamp.utcoffset() == datetime.timedelta(0)
    version = body.pop("version")
    assert isinstance(version, int) and version >= 1
    return body


@pytest.fixture
def get_ids(api_client):
    """GET a list URL (anonymously) and return the ids of its results, in order."""

    def get(url: str) -> list[int]:
        response = api_client.get(url)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    return get


@pytest.fixture
def filtered_ids(get_ids):
    """`filtered_ids(url, query, objects)`: the ids a filter query keeps, as a set, and the
    ids of the named objects it is expected to keep."""

    def run(url: str, query: str, data: dict, expected: list[str]) -> tuple[set, set]:
        return set(get_ids(f"{url}?{query.format(**data)}")), {data[key].pk for key in expected}

    return run


@pytest.fixture
def assert_paginates(api_client):
    """Check the limit/offset envelope of a list whose full, ordered ids are `ids` (≥ 3)."""

    def check(url: str, ids: list[int]) -> None:
        assert len(ids) >= 3
        whole = api_client.get(url).json()
        assert set(whole) == {"count", "next", "previous", "results"}
        assert (whole["count"], whole["next"], whole["previous"]) == (len(ids), None, None)
        assert [row["id"] for row in whole["results"]] == ids

        first = api_client.get(f"{url}?limit=2").json()
        assert first["count"] == len(ids)
        assert [row["id"] for row in first["results"]] == ids[:2]
        assert first["previous"] is None
        # Sorted by fields that always have a value, a list links its pages by cursor; else
        # by offset. Either way, following `next` and then `previous` walks the whole list.
        if "cursor=" not in first["next"]:
            assert first["next"] == f"http://testserver{url}?limit=2&offset=2"
        pages, page = [first], first
        while page["next"]:
            page = api_client.get(page["next"]).json()
            assert page["count"] == len(ids)
            pages.append(page)
        assert [row["id"] for page in pages for row in page["results"]] == ids
        while page["previous"]:
            page = api_client.get(page["previous"]).json()
            assert page["results"] == pages[-2]["results"]
            pages.pop()
        assert len(pages) == 1

        second = api_client.get(f"{url}?limit=2&offset=2").json()
        assert [row["id"] for row in second["results"]] == ids[2:4]
        assert second["previous"] == f"http://testserver{url}?limit=2"

        # Above the maximum (500) the limit is cut down: the links carry the real limit.
        capped = api_client.get(f"{url}?limit=100000&offset=1").json()
        assert [row["id"] for row in capped["results"]] == ids[1:]
        assert capped["previous"] == f"http://testserver{url}?limit=500"

    return check


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The users of tests/conftest.py get a password: hash it cheaply (PBKDF2 costs ~0.2 s)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
