"""/api/v1/positions/: list, detail, writes, deletes, filters, search and ordering.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about positions.
"""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/positions/"


@pytest.fixture
def data():
    crisis = factories.TopicFactory(slug="crisis", title="Crisis")
    elsewhere = factories.TopicFactory(slug="elsewhere", title="Elsewhere")
    padrino = factories.StakeholderFactory(slug="padrino", name="Padrino", kind="person")
    usa = factories.StakeholderFactory(slug="usa", name="United States", kind="state")
    reuters = factories.StakeholderFactory(slug="reuters", name="Reuters", kind="media")
    deal = factories.PolicyOptionFactory(
        topic=crisis, slug="deal", title="Transition deal", kind="transition_deal"
    )
    embargo = factories.PolicyOptionFactory(
        topic=elsewhere, slug="embargo", title="Embargo", kind="sanctions"
    )
    tv = factories.SourceFactory(slug="tv", title="TV address")
    wire = factories.SourceFactory(slug="wire", title="Wire story")
    denounced = factories.PositionFactory(
        stakeholder=padrino,
        option=deal,
        stance=-2,
        basis="stated",
        as_of=datetime.date(2019, 4, 30),
        salience=90,
        confidence="high",
        source=tv,
        quote="We reject the coup.",
    )
    expected = factories.PositionFactory(
        stakeholder=padrino,
        option=deal,
        stance=1,
        basis="reported",
        reported_by=reuters,
        as_of=datetime.date(2019, 4, 29),
        as_of_precision="month",
        salience=None,
        confidence="low",
        source=wire,
        summary="Said to have agreed privately.",
    )
    backing = factories.PositionFactory(
        stakeholder=usa,
        option=embargo,
        stance=2,
        basis="stated",
        as_of=datetime.date(2019, 1, 28),
        salience=60,
        source=tv,
        notes="Treasury briefing",
        retracted_on=datetime.date(2019, 3, 15),
    )
    return {
        "crisis": crisis,
        "elsewhere": elsewhere,
        "padrino": padrino,
        "usa": usa,
        "reuters": reuters,
        "deal": deal,
        "embargo": embargo,
        "tv": tv,
        "wire": wire,
        "denounced": denounced,
        "expected": expected,
        "backing": backing,
    }


def test_retrieve_shows_relations_in_brief_and_the_disputes(api_client, data):
    position = data["expected"]
    dispute = factories.PositionDisputeFactory(
        position=position,
        disputed_by=data["padrino"],
        date=datetime.date(2019, 5, 2),
        date_precision="month",
        source=data["tv"],
        quote="Fake news.",
    )

    response = api_client.get(f"{URL}{position.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    padrino = {
        "id": data["padrino"].pk,
        "url": f"http://testserver/api/v1/stakeholders/{data['padrino'].pk}/",
        "slug": "padrino",
        "display": "Padrino",
        "kind": "person",
    }
    tv = {
        "id": data["tv"].pk,
        "url": f"http://testserver/api/v1/sources/{data['tv'].pk}/",
        "slug": "tv",
        "display": "TV address",
    }
    assert body == {
        "id": position.pk,
        "url": f"http://testserver/api/v1/positions/{position.pk}/",
        "stakeholder": padrino,
        "option": {
            "id": data["deal"].pk,
            "url": f"http://testserver/api/v1/options/{data['deal'].pk}/",
            "slug": "deal",
            "display": "Transition deal",
        },
        "topic": {
            "id": data["crisis"].pk,
            "url": f"http://testserver/api/v1/topics/{data['crisis'].pk}/",
            "slug": "crisis",
            "display": "Crisis",
        },
        "stance": 1,
        "stance_label": "Support",
        "basis": "reported",
        "reported_by": brief_stakeholder(data["reuters"]),
        "as_of": "2019-04-29",
        "as_of_precision": "month",
        "salience": None,
        "confidence": "low",
        "source": brief_of(data["wire"], "sources"),
        "quote": "",
        "summary": "Said to have agreed privately.",
        "notes": "",
        "retracted": False,
        "retracted_on": None,
        "retracted_precision": "day",
        "disputes": [
            {
                "id": dispute.pk,
                "disputed_by": padrino,
                "date": "2019-05-02",
                "date_precision": "month",
                "source": tv,
                "quote": "Fake news.",
                "notes": "",
            }
        ],
    }


def test_create_takes_ids_and_answers_brief_objects(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "stakeholder": data["usa"].pk,
            "option": data["deal"].pk,
            "stance": 2,
            "basis": "stated",
            "as_of": "2019-04-30",
            "salience": 80,
            "source": data["wire"].pk,
            "quote": "All options are on the table.",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = models.Position.objects.get(pk=body["id"])
    assert (created.stakeholder, created.option, created.stance, created.salience) == (
        data["usa"],
        data["deal"],
        2,
        80,
    )
    assert body["stakeholder"] == brief_stakeholder(data["usa"])
    assert body["option"] == brief_of(data["deal"], "options")
    assert body["topic"] == brief_of(data["crisis"], "topics")
    assert body["source"] == brief_of(data["wire"], "sources")
    assert body["stance_label"] == "Strongly support"
    assert (body["confidence"], body["as_of_precision"]) == ("medium", "day")
    assert (body["retracted"], body["retracted_on"], body["retracted_precision"]) == (
        False,
        None,
        "day",
    )
    assert body["disputes"] == []


def test_create_refuses_a_reporter_on_a_stated_position(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "stakeholder": data["usa"].pk,
            "option": data["deal"].pk,
            "stance": 0,
            "basis": "stated",
            "reported_by": data["reuters"].pk,
            "as_of": "2019-04-30",
            "source": data["wire"].pk,
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "reported_by": ["Only a reported position names who reported it."]
    }


def test_full_update(editor_client, data):
    position = data["expected"]

    response = editor_client.put(
        f"{URL}{position.pk}/",
        {
            "stakeholder": data["padrino"].pk,
            "option": data["deal"].pk,
            "stance": 0,
            "basis": "expected",
            "reported_by": None,
            "as_of": "2019-04-28",
            "salience": 40,
            "confidence": "medium",
            "source": data["tv"].pk,
        },
    )

    assert response.status_code == 200, response.json()
    position.refresh_from_db()
    assert (position.stance, position.basis, position.reported_by, position.as_of) == (
        0,
        "expected",
        None,
        datetime.date(2019, 4, 28),
    )
    assert (position.salience, position.source) == (40, data["tv"])
    assert response.json()["stance_label"] == "Neutral or undecided"
    assert response.json()["reported_by"] is None


def test_partial_update(editor_client, data):
    position = data["denounced"]

    response = editor_client.patch(
        f"{URL}{position.pk}/",
        {"retracted_on": "2019-05-20", "retracted_precision": "month", "stance": -1},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["retracted"], body["retracted_on"], body["retracted_precision"]) == (
        True,
        "2019-05-20",
        "month",
    )
    assert (body["stance"], body["stance_label"]) == (-1, "Oppose")
    assert body["quote"] == "We reject the coup."
    position.refresh_from_db()
    assert (position.retracted, position.retracted_on, position.retracted_precision) == (
        True,
        datetime.date(2019, 5, 20),
        "month",
    )
    assert position.stance == -1


def test_create_with_a_retraction_reads_back_as_retracted(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "stakeholder": data["usa"].pk,
            "option": data["deal"].pk,
            "stance": 1,
            "basis": "stated",
            "as_of": "2019-04-30",
            "source": data["wire"].pk,
            "retracted_on": "2019-06-10",
            "retracted_precision": "month",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["retracted"], body["retracted_on"], body["retracted_precision"]) == (
        True,
        "2019-06-10",
        "month",
    )
    created = models.Position.objects.get(pk=body["id"])
    assert (created.retracted_on, created.retracted_precision, created.retracted) == (
        datetime.date(2019, 6, 10),
        "month",
        True,
    )
    detail = editor_client.get(f"{URL}{created.pk}/").json()
    assert {key: detail[key] for key in ("retracted", "retracted_on", "retracted_precision")} == {
        "retracted": True,
        "retracted_on": "2019-06-10",
        "retracted_precision": "month",
    }


def test_a_retraction_can_be_withdrawn(editor_client, data):
    position = data["backing"]

    response = editor_client.patch(f"{URL}{position.pk}/", {"retracted_on": None})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["retracted"], body["retracted_on"], body["retracted_precision"]) == (
        False,
        None,
        "day",
    )
    position.refresh_from_db()
    assert (position.retracted, position.retracted_on) == (False, None)


RETRACTED_BEFORE_TAKEN = {"retracted_on": ["A position cannot be retracted before it was taken."]}


@pytest.mark.parametrize(
    ("as_of", "as_of_precision", "retracted_on", "retracted_precision", "errors"),
    [
        # Day against day: the day before is refused, the same day is not.
        ("2019-04-30", "day", "2019-04-29", "day", RETRACTED_BEFORE_TAKEN),
        ("2019-04-30", "day", "2019-04-30", "day", None),
        # A position of "April 2019" may have been taken on 1 April: retracted on the 10th, fine;
        # on 31 March, refused.
        ("2019-04-29", "month", "2019-04-10", "day", None),
        ("2019-04-29", "month", "2019-03-31", "day", RETRACTED_BEFORE_TAKEN),
        # A retraction of "April 2019" may have been on 30 April.
        ("2019-04-30", "day", "2019-04-01", "month", None),
        ("2019-05-01", "day", "2019-04-30", "month", RETRACTED_BEFORE_TAKEN),
        # Years: "2019" may be 31 December.
        ("2019-12-31", "day", "2019-01-01", "year", None),
        ("2019-01-01", "year", "2018-12-31", "year", RETRACTED_BEFORE_TAKEN),
    ],
)
def test_a_retraction_before_the_position_was_taken_is_refused(
    editor_client, data, as_of, as_of_precision, retracted_on, retracted_precision, errors
):
    response = editor_client.post(
        URL,
        {
            "stakeholder": data["usa"].pk,
            "option": data["deal"].pk,
            "stance": 1,
            "basis": "stated",
            "as_of": as_of,
            "as_of_precision": as_of_precision,
            "source": data["wire"].pk,
            "retracted_on": retracted_on,
            "retracted_precision": retracted_precision,
        },
    )

    if errors is None:
        assert response.status_code == 201, response.json()
        assert response.json()["retracted_on"] == retracted_on
    else:
        assert response.status_code == 400
        assert response.json()["errors"] == errors
        assert not models.Position.objects.filter(stakeholder=data["usa"], option=data["deal"])


def test_a_partial_update_is_checked_against_the_stored_dates(editor_client, data):
    denounced, backing = data["denounced"], data["backing"]  # taken 30 Apr; retracted 15 Mar

    # A retraction before the stored date of the position.
    response = editor_client.patch(f"{URL}{denounced.pk}/", {"retracted_on": "2019-04-29"})
    assert response.status_code == 400
    assert response.json()["errors"] == RETRACTED_BEFORE_TAKEN
    # A position moved after its stored retraction: the error is on the retraction still.
    response = editor_client.patch(f"{URL}{backing.pk}/", {"as_of": "2019-03-16"})
    assert response.status_code == 400
    assert response.json()["errors"] == RETRACTED_BEFORE_TAKEN

    denounced.refresh_from_db()
    backing.refresh_from_db()
    assert (denounced.retracted_on, backing.as_of) == (None, datetime.date(2019, 1, 28))


def test_retracted_is_read_only_and_a_write_of_it_is_ignored(editor_client, data):
    # DRF drops a read-only field from the input without a word: `retracted` follows
    # `retracted_on`, whatever is sent.
    standing, retracted = data["denounced"], data["backing"]

    response = editor_client.patch(f"{URL}{standing.pk}/", {"retracted": True})
    assert response.status_code == 200
    assert (response.json()["retracted"], response.json()["retracted_on"]) == (False, None)

    response = editor_client.patch(f"{URL}{retracted.pk}/", {"retracted": False})
    assert response.status_code == 200
    assert (response.json()["retracted"], response.json()["retracted_on"]) == (True, "2019-03-15")

    response = editor_client.post(
        URL,
        {
            "stakeholder": data["usa"].pk,
            "option": data["deal"].pk,
            "stance": 1,
            "basis": "stated",
            "as_of": "2019-04-30",
            "source": data["wire"].pk,
            "retracted": True,
        },
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["retracted"], response.json()["retracted_on"]) == (False, None)

    standing.refresh_from_db()
    retracted.refresh_from_db()
    assert (standing.retracted_on, retracted.retracted_on) == (None, datetime.date(2019, 3, 15))
    assert models.Position.objects.get(pk=response.json()["id"]).retracted_on is None


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"retracted_precision": "week"},
            {"retracted_precision": ['"week" is not a valid choice.']},
        ),
        ({"retracted_precision": None}, {"retracted_precision": ["This field may not be null."]}),
        (
            {"retracted_on": "15/03/2019"},
            {
                "retracted_on": [
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ]
            },
        ),
    ],
)
def test_invalid_retraction_values_are_refused(editor_client, data, values, errors):
    position = data["denounced"]

    response = editor_client.patch(f"{URL}{position.pk}/", values)

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    position.refresh_from_db()
    assert (position.retracted_on, position.retracted_precision) == (None, "day")


def test_partial_update_does_not_clash_with_itself(editor_client, data):
    # The unique rule (stakeholder, option, basis, as_of, source) leaves the position out.
    position = data["denounced"]

    response = editor_client.patch(f"{URL}{position.pk}/", {"as_of": "2019-04-30"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stakeholder_id={padrino.pk}", ["denounced", "expected"]),
        (
            "stakeholder_id={padrino.pk}&stakeholder_id={usa.pk}",
            ["denounced", "expected", "backing"],
        ),
        ("stakeholder_kind=state", ["backing"]),
        ("option_id={deal.pk}", ["denounced", "expected"]),
        ("option=embargo", ["backing"]),
        ("option_kind=sanctions", ["backing"]),
        ("option_kind=sanctions&option_kind=transition_deal", ["denounced", "expected", "backing"]),
        ("topic_id={elsewhere.pk}", ["backing"]),
        ("topic=crisis", ["denounced", "expected"]),
        ("basis=reported", ["expected"]),
        ("basis=stated&basis=expected", ["denounced", "backing"]),
        ("stance=-2", ["denounced"]),
        ("stance=1&stance=2", ["expected", "backing"]),
        ("stance_min=1", ["expected", "backing"]),
        ("stance_max=1", ["denounced", "expected"]),
        ("salience_min=60", ["denounced", "backing"]),  # inclusive; no salience: left out
        ("salience_max=60", ["backing"]),
        ("confidence=high", ["denounced"]),
        ("confidence=low&confidence=medium", ["expected", "backing"]),
        ("reported_by_id={reuters.pk}", ["expected"]),
        ("reported_by=reuters", ["expected"]),
        ("source_id={tv.pk}", ["denounced", "backing"]),
        ("source=wire", ["expected"]),
        ("as_of_after=2019-04-29", ["denounced", "expected"]),  # inclusive
        ("as_of_before=2019-04-29", ["expected", "backing"]),
        ("as_of_after=2019-02-01&as_of_before=2019-04-29", ["expected"]),
        ("retracted=true", ["backing"]),
        ("retracted=false", ["denounced", "expected"]),
        ("retracted_on_after=2019-03-15", ["backing"]),  # inclusive
        ("retracted_on_after=2019-03-16", []),
        ("retracted_on_before=2019-03-15", ["backing"]),  # inclusive
        ("retracted_on_before=2019-03-14", []),
        ("retracted_on_after=2019-01-01&retracted_on_before=2019-12-31", ["backing"]),
        ("retracted_on_before=2019-12-31&retracted=false", []),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("padrino", ["denounced", "expected"]),  # stakeholder's name
        ("embargo", ["backing"]),  # option's title
        ("privately", ["expected"]),  # summary
        ("treasury", ["backing"]),  # notes
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("as_of", ["backing", "expected", "denounced"]),
        ("-as_of", ["denounced", "expected", "backing"]),
        # Unknown saliences come last both ways.
        ("salience", ["backing", "denounced", "expected"]),
        ("-salience", ["denounced", "backing", "expected"]),
        ("stakeholder__name,as_of", ["expected", "denounced", "backing"]),
        ("-stakeholder__name,-as_of", ["backing", "denounced", "expected"]),
        ("option__title,stance", ["backing", "denounced", "expected"]),
        ("-option__title,-stance", ["expected", "denounced", "backing"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]
