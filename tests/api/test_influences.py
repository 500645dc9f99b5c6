"""/api/v1/influences/: list, detail, writes, deletes, filters, search and ordering.

What every collection does alike (list order and pages, the ETag, create, update, delete, 409,
search, ordering, filters by slug and by a related object) is tested once, for all, in
test_collections.py: this file keeps what is special about influences.
"""

import datetime

import pytest

from options import models
from tests import factories
from tests.api.conftest import brief_of, brief_stakeholder, without_timestamps

pytestmark = pytest.mark.django_db

URL = "/api/v1/influences/"


@pytest.fixture
def data():
    crisis = factories.TopicFactory(slug="crisis", title="Crisis")
    elsewhere = factories.TopicFactory(slug="elsewhere", title="Elsewhere")
    army = factories.StakeholderFactory(slug="army", name="Armed forces", kind="armed_forces")
    usa = factories.StakeholderFactory(slug="usa", name="United States", kind="state")
    report = factories.SourceFactory(slug="report", title="Think-tank report")
    army_now = factories.InfluenceFactory(
        stakeholder=army,
        topic=crisis,
        capability=90,
        as_of=datetime.date(2019, 4, 1),
        rationale="Controls the streets.",
        source=report,
    )
    usa_now = factories.InfluenceFactory(
        stakeholder=usa,
        topic=crisis,
        capability=70,
        as_of=datetime.date(2019, 1, 23),
        rationale="Sanctions leverage.",
        source=None,
    )
    usa_elsewhere = factories.InfluenceFactory(
        stakeholder=usa, topic=elsewhere, capability=30, as_of=datetime.date(2018, 6, 1)
    )
    return {
        "crisis": crisis,
        "elsewhere": elsewhere,
        "army": army,
        "usa": usa,
        "report": report,
        "army_now": army_now,
        "usa_now": usa_now,
        "usa_elsewhere": usa_elsewhere,
    }


def test_retrieve(api_client, data):
    influence = data["army_now"]

    response = api_client.get(f"{URL}{influence.pk}/")

    assert response.status_code == 200
    body = without_timestamps(response.json())
    assert body == {
        "id": influence.pk,
        "url": f"http://testserver/api/v1/influences/{influence.pk}/",
        "stakeholder": {
            "id": data["army"].pk,
            "url": f"http://testserver/api/v1/stakeholders/{data['army'].pk}/",
            "slug": "army",
            "display": "Armed forces",
            "kind": "armed_forces",
        },
        "topic": {
            "id": data["crisis"].pk,
            "url": f"http://testserver/api/v1/topics/{data['crisis'].pk}/",
            "slug": "crisis",
            "display": "Crisis",
        },
        "option": None,
        "capability": 90,
        "as_of": "2019-04-01",
        "rationale": "Controls the streets.",
        "source": {
            "id": data["report"].pk,
            "url": f"http://testserver/api/v1/sources/{data['report'].pk}/",
            "slug": "report",
            "display": "Think-tank report",
        },
    }


def test_create_takes_ids(editor_client, data):
    response = editor_client.post(
        URL,
        {
            "stakeholder": data["army"].pk,
            "topic": data["elsewhere"].pk,
            "capability": 10,
            "as_of": "2019-05-01",
            "source": data["report"].pk,
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = models.Influence.objects.get(pk=body["id"])
    assert (created.stakeholder, created.topic, created.capability) == (
        data["army"],
        data["elsewhere"],
        10,
    )
    assert body["stakeholder"] == brief_stakeholder(data["army"])
    assert body["topic"] == brief_of(data["elsewhere"], "topics")
    assert body["source"] == brief_of(data["report"], "sources")
    assert (body["option"], body["rationale"]) == (None, "")
    assert created.option is None


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"capability": 101}, {"capability": ["Ensure this value is less than or equal to 100."]}),
        ({"capability": -1}, {"capability": ["Ensure this value is greater than or equal to 0."]}),
        (
            {"as_of": "2019-04-01"},  # the army's influence on the crisis at that date exists
            {
                "non_field_errors": [
                    "This stakeholder already has an influence on this topic at this date."
                ]
            },
        ),
    ],
)
def test_create_refuses_bad_values(editor_client, data, values, errors):
    payload = {
        "stakeholder": data["army"].pk,
        "topic": data["crisis"].pk,
        "capability": 50,
        "as_of": "2019-05-01",
    }

    response = editor_client.post(URL, {**payload, **values})

    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_full_update(editor_client, data):
    influence = data["usa_now"]

    response = editor_client.put(
        f"{URL}{influence.pk}/",
        {
            "stakeholder": data["usa"].pk,
            "topic": data["crisis"].pk,
            "capability": 75,
            "as_of": "2019-01-24",
            "rationale": "Oil sanctions.",
            "source": data["report"].pk,
        },
    )

    assert response.status_code == 200, response.json()
    influence.refresh_from_db()
    assert (influence.capability, influence.as_of, influence.rationale, influence.source) == (
        75,
        datetime.date(2019, 1, 24),
        "Oil sanctions.",
        data["report"],
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stakeholder_id={usa.pk}", ["usa_now", "usa_elsewhere"]),
        (
            "stakeholder_id={usa.pk}&stakeholder_id={army.pk}",
            ["usa_now", "usa_elsewhere", "army_now"],
        ),
        ("topic_id={elsewhere.pk}", ["usa_elsewhere"]),
        ("topic=crisis", ["army_now", "usa_now"]),
        ("source_id={report.pk}", ["army_now"]),
        ("capability_min=70", ["army_now", "usa_now"]),  # inclusive
        ("capability_max=70", ["usa_now", "usa_elsewhere"]),
        ("capability_min=31&capability_max=89", ["usa_now"]),
        ("as_of_after=2019-01-23", ["army_now", "usa_now"]),  # inclusive
        ("as_of_before=2019-01-23", ["usa_now", "usa_elsewhere"]),
        ("as_of_after=2019-01-01&as_of_before=2019-03-31", ["usa_now"]),
    ],
)
def test_filters(data, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("united", ["usa_now", "usa_elsewhere"]),  # stakeholder's name
    ],
)
def test_search(data, filtered_ids, search, expected):
    got, want = filtered_ids(URL, f"search={search}", data, expected)
    assert got == want


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("as_of", ["usa_elsewhere", "usa_now", "army_now"]),
        ("-as_of", ["army_now", "usa_now", "usa_elsewhere"]),
        ("stakeholder__name,capability", ["army_now", "usa_elsewhere", "usa_now"]),
        ("-stakeholder__name,-capability", ["usa_now", "usa_elsewhere", "army_now"]),
    ],
)
def test_ordering(data, get_ids, ordering, expected):
    assert get_ids(f"{URL}?ordering={ordering}") == [data[key].pk for key in expected]


# --- Capabilities on one option of the topic ---------------------------------------------------


@pytest.fixture
def scoped(data):
    """`data`, with an option on each topic and the army's capability on the crisis's option
    alone, on the date of its topic-wide one."""
    deal = factories.PolicyOptionFactory(topic=data["crisis"], slug="deal", title="Transition deal")
    embargo = factories.PolicyOptionFactory(
        topic=data["elsewhere"], slug="embargo", title="Embargo"
    )
    army_on_deal = factories.InfluenceFactory(
        stakeholder=data["army"],
        topic=data["crisis"],
        option=deal,
        capability=40,
        as_of=datetime.date(2019, 4, 1),
        rationale="Cannot sign a deal alone.",
        source=None,
    )
    return {**data, "deal": deal, "embargo": embargo, "army_on_deal": army_on_deal}


def test_retrieve_an_influence_on_one_option(api_client, scoped):
    influence = scoped["army_on_deal"]

    response = api_client.get(f"{URL}{influence.pk}/")

    assert response.status_code == 200
    assert without_timestamps(response.json()) == {
        "id": influence.pk,
        "url": f"http://testserver/api/v1/influences/{influence.pk}/",
        "stakeholder": brief_stakeholder(scoped["army"]),
        "topic": brief_of(scoped["crisis"], "topics"),
        "option": {
            "id": scoped["deal"].pk,
            "url": f"http://testserver/api/v1/options/{scoped['deal'].pk}/",
            "slug": "deal",
            "display": "Transition deal",
        },
        "capability": 40,
        "as_of": "2019-04-01",
        "rationale": "Cannot sign a deal alone.",
        "source": None,
    }


def test_create_an_influence_on_an_option_of_the_topic(editor_client, scoped):
    response = editor_client.post(
        URL,
        {
            "stakeholder": scoped["usa"].pk,
            "topic": scoped["crisis"].pk,
            "option": scoped["deal"].pk,
            "capability": 85,
            "as_of": "2019-01-23",  # the date of its topic-wide influence: no clash
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["option"] == brief_of(scoped["deal"], "options")
    assert (body["topic"], body["capability"]) == (brief_of(scoped["crisis"], "topics"), 85)
    created = models.Influence.objects.get(pk=body["id"])
    assert (created.option, created.topic, created.capability) == (
        scoped["deal"],
        scoped["crisis"],
        85,
    )
    assert editor_client.get(f"{URL}{created.pk}/").json()["option"] == brief_of(
        scoped["deal"], "options"
    )
    assert (
        models.Influence.objects.filter(
            stakeholder=scoped["usa"], as_of=datetime.date(2019, 1, 23)
        ).count()
        == 2
    )


OPTION_OF_ANOTHER_TOPIC = {"option": ["The option must be one of the topic's options."]}


def test_create_refuses_an_option_of_another_topic(editor_client, scoped):
    response = editor_client.post(
        URL,
        {
            "stakeholder": scoped["usa"].pk,
            "topic": scoped["crisis"].pk,
            "option": scoped["embargo"].pk,
            "capability": 85,
            "as_of": "2019-05-01",
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"] == OPTION_OF_ANOTHER_TOPIC
    assert not models.Influence.objects.filter(option=scoped["embargo"]).exists()


def test_an_update_checks_the_option_against_the_topic(editor_client, scoped):
    influence = scoped["army_on_deal"]

    # Another topic under the option, or another topic's option on the topic: refused.
    moved_topic = editor_client.patch(f"{URL}{influence.pk}/", {"topic": scoped["elsewhere"].pk})
    moved_option = editor_client.patch(f"{URL}{influence.pk}/", {"option": scoped["embargo"].pk})

    assert (moved_topic.status_code, moved_option.status_code) == (400, 400)
    assert moved_topic.json()["errors"] == moved_option.json()["errors"] == OPTION_OF_ANOTHER_TOPIC
    influence.refresh_from_db()
    assert (influence.topic, influence.option) == (scoped["crisis"], scoped["deal"])
    # Both moved together: accepted. Back to the whole topic: null.
    both = editor_client.patch(
        f"{URL}{influence.pk}/",
        {"topic": scoped["elsewhere"].pk, "option": scoped["embargo"].pk},
    )
    assert both.status_code == 200, both.json()
    assert both.json()["option"] == brief_of(scoped["embargo"], "options")
    cleared = editor_client.patch(f"{URL}{influence.pk}/", {"option": None})
    assert cleared.status_code == 200, cleared.json()
    assert cleared.json()["option"] is None
    influence.refresh_from_db()
    assert (influence.topic, influence.option) == (scoped["elsewhere"], None)


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"option": 999999}, {"option": ['Invalid pk "999999" - object does not exist.']}),
        ({"option": "deal"}, {"option": ["Incorrect type. Expected pk value, received str."]}),
    ],
)
def test_create_refuses_an_option_that_is_not_an_id(editor_client, scoped, values, errors):
    payload = {
        "stakeholder": scoped["usa"].pk,
        "topic": scoped["crisis"].pk,
        "capability": 85,
        "as_of": "2019-05-01",
    }

    response = editor_client.post(URL, {**payload, **values})

    assert response.status_code == 400
    assert response.json()["errors"] == errors


@pytest.mark.parametrize(
    ("option", "as_of", "status", "errors"),
    [
        # A second topic-wide capability on the date of the army's: refused.
        (
            None,
            "2019-04-01",
            400,
            {
                "non_field_errors": [
                    "This stakeholder already has an influence on this topic at this date."
                ]
            },
        ),
        # A second capability on the deal on that date: refused.
        (
            "deal",
            "2019-04-01",
            400,
            {
                "non_field_errors": [
                    "This stakeholder already has an influence on this option at this date."
                ]
            },
        ),
        # On the deal, or the whole topic, on another date: accepted.
        ("deal", "2019-04-02", 201, None),
        (None, "2019-04-02", 201, None),
    ],
)
def test_one_capability_per_stakeholder_scope_and_date(
    editor_client, scoped, option, as_of, status, errors
):
    response = editor_client.post(
        URL,
        {
            "stakeholder": scoped["army"].pk,
            "topic": scoped["crisis"].pk,
            "option": scoped[option].pk if option else None,
            "capability": 10,
            "as_of": as_of,
        },
    )

    assert response.status_code == status, response.json()
    if errors:
        assert response.json()["errors"] == errors
        assert models.Influence.objects.filter(stakeholder=scoped["army"]).count() == 2


def test_a_topic_wide_and_an_option_capability_on_the_same_date_are_both_kept(editor_client, data):
    deal = factories.PolicyOptionFactory(topic=data["crisis"], slug="deal")
    payload = {
        "stakeholder": data["usa"].pk,
        "topic": data["crisis"].pk,
        "capability": 50,
        "as_of": "2019-06-01",
    }

    topic_wide = editor_client.post(URL, payload)
    on_option = editor_client.post(URL, {**payload, "option": deal.pk, "capability": 20})

    assert (topic_wide.status_code, on_option.status_code) == (201, 201)
    assert (topic_wide.json()["option"], on_option.json()["option"]) == (
        None,
        brief_of(deal, "options"),
    )
    assert sorted(
        models.Influence.objects.filter(as_of=datetime.date(2019, 6, 1)).values_list(
            "option", "capability"
        ),
        key=lambda row: row[1],
    ) == [(deal.pk, 20), (None, 50)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("option_id={deal.pk}", ["army_on_deal"]),
        ("option_id={embargo.pk}", []),
        ("option=deal", ["army_on_deal"]),
        ("option=deal&option=embargo", ["army_on_deal"]),
        ("topic_wide=true", ["army_now", "usa_now", "usa_elsewhere"]),
        ("topic_wide=false", ["army_on_deal"]),
        ("topic_wide=false&stakeholder=usa", []),
        ("topic_wide=true&stakeholder=army", ["army_now"]),
        ("topic=crisis", ["army_now", "usa_now", "army_on_deal"]),
    ],
)
def test_option_filters(scoped, filtered_ids, query, expected):
    got, want = filtered_ids(URL, query, scoped, expected)
    assert got == want


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("topic_wide=maybe", {"topic_wide": ["Enter true or false."]}),
        (
            "option=nothing",
            {"option": ["Select a valid choice. nothing is not one of the available choices."]},
        ),
        (
            "option_id=999999",
            {"option_id": ["Select a valid choice. 999999 is not one of the available choices."]},
        ),
    ],
)
def test_invalid_option_filter_values_are_a_400(api_client, scoped, query, errors):
    response = api_client.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert response.json()["errors"] == errors
