"""Cursor pages: a list's first page links to the next by a cursor, which walks the list exactly
as offsets do (ties on the first sort field included) and as fast however deep; bad cursors are
400s."""

import base64
import datetime

import pytest

from tests import factories

URL = "/api/v1/positions/"


@pytest.fixture
def positions(db):
    """Eleven positions: seven share a date, so pages of 3 split ties."""
    option = factories.PolicyOptionFactory()
    source = factories.SourceFactory()
    dates = [datetime.date(2019, 4, 30)] * 7 + [datetime.date(2019, 5, day) for day in (1, 2)]
    dates += [datetime.date(2019, 3, 1)] * 2
    return [
        factories.PositionFactory(
            stakeholder=factories.StakeholderFactory(name=f"Stakeholder {index:02}"),
            option=option,
            source=source,
            as_of=as_of,
        )
        for index, as_of in enumerate(dates)
    ]


def walk(api_client, url: str, link: str = "next") -> list[list[int]]:
    pages = []
    while url:
        body = api_client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body[link]
    return pages


def test_cursor_pages_walk_the_list_as_offsets_do_ties_included(api_client, positions):
    by_offset = [
        row["id"]
        for offset in range(0, 12, 3)
        for row in api_client.get(f"{URL}?limit=3&offset={offset}").json()["results"]
    ]

    forward = walk(api_client, f"{URL}?limit=3")

    assert [len(page) for page in forward] == [3, 3, 3, 2]
    assert sum(forward, []) == by_offset
    last = api_client.get(f"{URL}?limit=3").json()
    while last["next"]:
        last = api_client.get(last["next"]).json()
    backward = walk(api_client, last["previous"], link="previous")
    assert backward == forward[-2::-1]


def test_a_filtered_list_pages_by_cursor_within_the_filter(api_client, positions):
    first = api_client.get(f"{URL}?limit=2&as_of_after=2019-04-01").json()

    assert first["count"] == 9
    assert "cursor=" in first["next"] and "as_of_after=2019-04-01" in first["next"]
    assert len(sum(walk(api_client, first["next"]), [])) == 7


@pytest.mark.parametrize(
    "query, message",
    [
        ("cursor=not-base64!", "Invalid cursor"),
        (f"cursor={base64.b64encode(b'p=not-a-date').decode()}", "Invalid cursor"),
        ("cursor=cD0yMDE5LTA0LTMw&offset=3", "not both"),
        # Salience may be unknown: no cursor can follow that sort.
        ("cursor=cD0yMDE5LTA0LTMw&ordering=salience", "page this sort with `offset`"),
    ],
)
def test_a_bad_cursor_is_a_400(api_client, positions, query, message):
    response = api_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert message in response.json()["errors"]["cursor"][0]


@pytest.mark.parametrize("query", ["cursor=&offset=0", "cursor=&offset=", "cursor="])
def test_an_empty_cursor_or_offset_is_an_absent_one(api_client, positions, query):
    first = api_client.get(f"{URL}?limit=3").json()

    response = api_client.get(f"{URL}?limit=3&{query}")

    assert response.status_code == 200
    assert response.json()["results"] == first["results"]


def test_a_sort_by_a_field_that_may_be_empty_pages_by_offset(api_client, positions):
    body = api_client.get(f"{URL}?limit=3&ordering=salience").json()

    assert body["next"] == f"http://testserver{URL}?limit=3&offset=3&ordering=salience"


def test_a_cursor_page_costs_the_queries_of_an_offset_page(
    api_client, positions, django_assert_num_queries
):
    next_url = api_client.get(f"{URL}?limit=3").json()["next"]

    # The page, the count, the page's disputes.
    with django_assert_num_queries(3):
        assert api_client.get(next_url).status_code == 200
