"""The analysis endpoints through the HTTP API: shapes, parameters, errors, query budgets."""

import datetime

import pytest
from rest_framework.serializers import Serializer

from options import analysis
from options.api.serializers import analysis as analysis_serializers
from options.api.serializers import forecast as forecast_serializers
from tests import factories

pytestmark = pytest.mark.django_db

APRIL_29 = datetime.date(2019, 4, 29)
APRIL_30 = datetime.date(2019, 4, 30)
MAY_1 = datetime.date(2019, 5, 1)


@pytest.fixture
def crisis():
    """A topic with two options; a minister expected to back the deal who then denounced it."""
    topic = factories.TopicFactory(slug="crisis")
    deal = factories.PolicyOptionFactory(topic=topic, title="Deal", slug="deal")
    intervention = factories.PolicyOptionFactory(topic=topic, title="Intervention")
    minister = factories.StakeholderFactory(name="Minister", slug="minister")
    source = factories.SourceFactory()
    expected = factories.PositionFactory(
        stakeholder=minister, option=deal, stance=1, basis="expected", as_of=APRIL_29, source=source
    )
    stated = factories.PositionFactory(
        stakeholder=minister, option=deal, stance=-2, basis="stated", as_of=APRIL_30, source=source
    )
    factories.InfluenceFactory(stakeholder=minister, topic=topic, capability=80, as_of=APRIL_29)
    return {
        "topic": topic,
        "deal": deal,
        "intervention": intervention,
        "minister": minister,
        "source": source,
        "expected": expected,
        "stated": stated,
    }


def brief(obj, path, **extra):
    data = {"id": obj.pk, "url": f"http://testserver/api/v1/{path}/{obj.pk}/", "display": str(obj)}
    if hasattr(obj, "slug"):
        data["slug"] = obj.slug
    return {**data, **extra}


def test_stance_matrix_as_of_a_date(api_client, crisis):
    topic, deal, minister = crisis["topic"], crisis["deal"], crisis["minister"]

    response = api_client.get(f"/api/v1/topics/{topic.pk}/stance-matrix/?as_of=2019-05-01")

    assert response.status_code == 200
    assert response.json() == {
        "topic": brief(topic, "topics"),
        "as_of": "2019-05-01",
        "basis": "any",
        "options": [brief(deal, "options"), brief(crisis["intervention"], "options")],
        "rows": [
            {
                "stakeholder": brief(minister, "stakeholders", kind="person"),
                "cells": [
                    {
                        "position_id": crisis["stated"].pk,
                        "stance": -2,
                        "basis": "stated",
                        "as_of": "2019-04-30",
                        "as_of_precision": "day",
                        "timing_uncertain": False,
                        "source_id": crisis["source"].pk,
                        "reliability": "F",
                        "confidence": "medium",
                        "salience": 50,
                        "retracted": False,
                        "disputed": False,
                        "evidence_weight": 0.45,  # medium confidence, a source not graded
                        "stances": {"stated": -2, "expected": 1},
                        "divergent": True,
                        "divergences": [{"bases": ["stated", "expected"], "stances": [-2, 1]}],
                    },
                    None,
                ],
            }
        ],
    }


def test_a_stance_cell_is_what_its_declared_fields_give(crisis):
    """Cells are written out directly, for speed; the fields that the schema shows must give the
    same, in the same order."""
    factories.PositionDisputeFactory(position=crisis["stated"], date=APRIL_30)
    matrix = analysis.stance_matrix_build(topic_id=crisis["topic"].pk, as_of=MAY_1)
    cell = matrix.rows[0].cells[0]
    serializer = analysis_serializers.StanceCellSerializer()

    declared = Serializer.to_representation(serializer, cell)

    assert (declared["disputed"], declared["divergent"]) == (True, True)
    assert list(serializer.to_representation(cell).items()) == list(declared.items())


def test_a_forecast_entry_is_what_its_declared_fields_give(crisis):
    """Breakdown entries are written out directly too: the schema's fields give the same."""
    ally = factories.StakeholderFactory(name="Ally", kind="state")
    factories.AffiliationFactory(subject=crisis["minister"], object=ally, kind="holds_post_in")
    factories.PositionFactory(stakeholder=ally, option=crisis["deal"], stance=-1, salience=None)
    forecast = analysis.option_forecast(option=crisis["deal"], as_of=MAY_1)
    [entry] = forecast.breakdown
    context = {"request": None, "stakeholders": forecast.stakeholders}
    serializer = forecast_serializers.ForecastEntrySerializer(context=context)

    declared = Serializer.to_representation(serializer, DeclaredEntry(entry, forecast))

    # The ally nobody rated takes its minister's capability; its salience is the default.
    assert (declared["capability"], declared["defaulted"], len(declared["folded"])) == (
        80,
        ["salience"],
        1,
    )
    assert list(serializer.to_representation(entry).items()) == list(declared.items())


class DeclaredEntry:
    """A breakdown entry as the declared fields read it (attributes named like the fields)."""

    def __init__(self, entry, forecast):
        position, brief = entry.position, forecast.stakeholders
        self.stakeholder = brief[entry.stakeholder_id]
        for name in (
            "stance",
            "basis",
            "as_of",
            "as_of_precision",
            "confidence",
            "source_id",
            "reliability",
            "disputed",
            "retracted",
        ):
            setattr(self, name, getattr(position, name))
        self.position_id = position.id
        for name in ("timing_uncertain", "capability", "salience", "evidence_weight", "weight"):
            setattr(self, name, getattr(entry, name))
        self.defaulted = list(entry.defaulted)
        self.folded = [
            {
                "stakeholder": brief[f.stakeholder_id],
                "relation": f.relation,
                "via": brief[f.via_id],
                "position_id": f.position.id,
                "stance": f.position.stance,
                "basis": f.position.basis,
                "capability": f.capability,
            }
            for f in entry.folded
        ]


def test_stance_matrix_on_one_basis(api_client, crisis):
    url = f"/api/v1/topics/{crisis['topic'].pk}/stance-matrix/?as_of=2019-05-01&basis=expected"

    [row] = api_client.get(url).json()["rows"]

    assert row["cells"][0]["position_id"] == crisis["expected"].pk
    assert row["cells"][0]["stance"] == 1


def test_stance_matrix_filters_by_stakeholder_kind(api_client, crisis):
    url = f"/api/v1/topics/{crisis['topic'].pk}/stance-matrix/?as_of=2019-05-01"

    assert api_client.get(url + "&stakeholder_kind=state").json()["rows"] == []
    assert len(api_client.get(url + "&stakeholder_kind=person").json()["rows"]) == 1


def test_stance_matrix_defaults_to_today(api_client, crisis):
    response = api_client.get(f"/api/v1/topics/{crisis['topic'].pk}/stance-matrix/")
    assert response.json()["as_of"] == datetime.date.today().isoformat()


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("as_of=30-04-2019", {"as_of"}),
        ("basis=rumoured", {"basis"}),
        ("as_of=2019-02-30&basis=nope", {"as_of", "basis"}),
        ("stakeholder_kind=alien", {"stakeholder_kind"}),
    ],
)
def test_stance_matrix_rejects_bad_parameters(api_client, crisis, query, errors):
    response = api_client.get(f"/api/v1/topics/{crisis['topic'].pk}/stance-matrix/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == errors


def test_analysis_of_an_unknown_topic_is_404(api_client):
    response = api_client.get("/api/v1/topics/999999/stance-matrix/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_option_forecast(api_client, crisis):
    deal = crisis["deal"]

    response = api_client.get(f"/api/v1/options/{deal.pk}/forecast/?as_of=2019-05-01")

    assert response.status_code == 200
    body = response.json()
    minister = brief(crisis["minister"], "stakeholders", kind="person")
    evidence = 0.75 * 0.6  # medium confidence, a source not graded (F)
    # One stance, which may be a step off (medium confidence): −2, or −1.
    low, high = body["interval"]["weighted_mean"]
    assert (low, high in (-2.0, -1.0)) == (-2.0, True)
    assert body["method"] == forecast_serializers.ForecastMethodSerializer.current()
    assert {k: v for k, v in body.items() if k not in ("interval", "method")} == {
        "option": brief(deal, "options"),
        "status": "proposed",
        "as_of": "2019-05-01",
        "basis": "any",
        "unit": "actors",
        "ranked": False,
        "unranked_reason": "Only 1 actor counted; ranking needs at least 2.",
        "counted": 1,
        "total_weight": pytest.approx(80 * 50 * evidence),
        "weighted_mean": -2.0,
        "weighted_median": -2.0,
        "support_share": 0.0,
        "oppose_share": 1.0,
        "neutral_share": 0.0,
        "coverage": 1.0,
        "known_capability": 80,
        "covered_capability": 80,
        "breakdown": [
            {
                "stakeholder": minister,
                "position_id": crisis["stated"].pk,
                "stance": -2,
                "basis": "stated",
                "as_of": "2019-04-30",
                "as_of_precision": "day",
                "timing_uncertain": False,
                "confidence": "medium",
                "source_id": crisis["source"].pk,
                "reliability": "F",
                "disputed": False,
                "retracted": False,
                "capability": 80,
                "salience": 50,
                "defaulted": [],
                "evidence_weight": pytest.approx(evidence),
                "weight": pytest.approx(80 * 50 * evidence),
                "folded": [],
            }
        ],
        "defaulted": [],
        "blocs": [],
        "pivotal": [],  # without the minister nobody is left: no side to flip to
    }


def test_option_forecast_rejects_a_bad_date(api_client, crisis):
    response = api_client.get(f"/api/v1/options/{crisis['deal'].pk}/forecast/?as_of=yesterday")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"as_of"}


def test_topic_forecast_ranks_the_options(api_client, crisis):
    url = f"/api/v1/topics/{crisis['topic'].pk}/forecast/?as_of=2019-04-29&basis=expected"

    body = api_client.get(url).json()

    assert (body["unit"], body["method"]["interval"]["level"]) == ("actors", 0.8)
    assert [forecast["option"]["id"] for forecast in body["forecasts"]] == [
        crisis["deal"].pk,
        crisis["intervention"].pk,  # no positions: last
    ]
    assert body["forecasts"][0]["weighted_mean"] == 1.0
    assert body["forecasts"][1]["counted"] == 0
    assert body["forecasts"][1]["weighted_mean"] is None


def test_timeline_lists_events_and_positions_in_date_order(api_client, crisis):
    event = factories.EventFactory(topic=crisis["topic"], date=APRIL_30, title="Denounced on TV")
    event.sources.add(crisis["source"])

    body = api_client.get(f"/api/v1/topics/{crisis['topic'].pk}/timeline/").json()

    assert body["count"] == 3
    assert [(entry["type"], entry["date"]) for entry in body["results"]] == [
        ("position", "2019-04-29"),
        ("event", "2019-04-30"),
        ("position", "2019-04-30"),
    ]
    event_entry = body["results"][1]
    assert event_entry["event"]["title"] == "Denounced on TV"
    assert event_entry["event"]["sources"] == [brief(crisis["source"], "sources")]
    assert event_entry["position"] is None
    position_entry = body["results"][2]
    assert position_entry["position"]["source"] == brief(crisis["source"], "sources")
    # From the expected +1 to the stated −2: a change, across bases.
    assert position_entry["previous"] == {
        "position_id": crisis["expected"].pk,
        "stance": 1,
        "basis": "expected",
        "as_of": "2019-04-29",
        "as_of_precision": "day",
    }
    assert (position_entry["stance_changed"], position_entry["effective"]) == (True, True)
    assert body["results"][0]["date_precision"] == "day"


def test_timeline_marks_a_stance_change(api_client, crisis):
    factories.PositionFactory(
        stakeholder=crisis["minister"],
        option=crisis["deal"],
        stance=0,
        basis="stated",
        as_of=datetime.date(2019, 5, 10),
    )
    url = f"/api/v1/topics/{crisis['topic'].pk}/timeline/?from=2019-05-01&stakeholder=minister"

    [entry] = api_client.get(url).json()["results"]

    assert (entry["previous"]["stance"], entry["position"]["stance"], entry["stance_changed"]) == (
        -2,
        0,
        True,
    )


def test_timeline_is_paged(api_client, crisis):
    body = api_client.get(f"/api/v1/topics/{crisis['topic'].pk}/timeline/?limit=1").json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert "offset=1" in body["next"]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("from=yesterday", {"from"}),
        ("to=2019-13-01", {"to"}),
        ("stakeholder=nobody", {"stakeholder"}),
    ],
)
def test_timeline_rejects_bad_parameters(api_client, crisis, query, errors):
    response = api_client.get(f"/api/v1/topics/{crisis['topic'].pk}/timeline/?{query}")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == errors


def test_position_history(api_client, crisis):
    minister = crisis["minister"]

    body = api_client.get(f"/api/v1/stakeholders/{minister.pk}/positions/history/").json()

    assert body["stakeholder"] == brief(minister, "stakeholders", kind="person")
    [series] = body["series"]
    assert (series["option"]["id"], series["bases"], series["changes"]) == (
        crisis["deal"].pk,
        ["expected", "stated"],
        1,
    )
    assert [
        (e["position"]["id"], e["previous"] and e["previous"]["basis"], e["stance_changed"])
        for e in series["entries"]
    ] == [(crisis["expected"].pk, None, False), (crisis["stated"].pk, "expected", True)]


def test_position_history_filters_by_option(api_client, crisis):
    other = factories.PositionFactory(stakeholder=crisis["minister"], option=crisis["intervention"])
    url = f"/api/v1/stakeholders/{crisis['minister'].pk}/positions/history/"

    by_slug = api_client.get(url + f"?option={crisis['intervention'].slug}").json()
    by_id = api_client.get(url + f"?option_id={crisis['intervention'].pk}").json()

    for body in (by_slug, by_id):
        assert [s["entries"][0]["position"]["id"] for s in body["series"]] == [other.pk]
    assert api_client.get(url + "?option=no-such-option").status_code == 400


def test_position_history_refuses_an_option_id_past_64_bits(api_client, crisis):
    # On SQLite, the service's query would have failed (OverflowError, a 500).
    url = f"/api/v1/stakeholders/{crisis['minister'].pk}/positions/history/"

    response = api_client.get(url + "?option_id=36157275335303272333312")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "option_id": {"0": ["Ensure this value is less than or equal to 9223372036854775807."]}
    }


@pytest.mark.parametrize(
    ("path", "blank", "given"),
    [
        ("options/{deal}/forecast/", "?basis=&as_of=2019-05-01", "?as_of=2019-05-01"),
        ("topics/{topic}/forecast/", "?as_of=2019-05-01&basis=", "?as_of=2019-05-01"),
        ("topics/{topic}/stance-matrix/", "?basis=&as_of=2019-05-01", "?as_of=2019-05-01"),
        ("topics/{topic}/timeline/", "?from=&to=", ""),
    ],
)
def test_a_blank_parameter_counts_as_not_given(api_client, crisis, path, blank, given):
    # Found by the fuzz run: the schema called `?basis=` invalid (not one of the bases), the
    # server answered it as if no basis were given. It now says so (`allowEmptyValue`).
    url = "/api/v1/" + path.format(deal=crisis["deal"].pk, topic=crisis["topic"].pk)

    response = api_client.get(url + blank)

    assert response.status_code == 200
    assert response.json() == api_client.get(url + given).json()


def grow(crisis, stakeholders: int, options: int):
    """Add stakeholders with a position on every option (new and existing), and influences."""
    topic = crisis["topic"]
    new_options = factories.PolicyOptionFactory.create_batch(options, topic=topic)
    all_options = [crisis["deal"], crisis["intervention"], *new_options]
    for stakeholder in factories.StakeholderFactory.create_batch(stakeholders):
        factories.InfluenceFactory(stakeholder=stakeholder, topic=topic)
        for option in all_options:
            factories.PositionFactory(stakeholder=stakeholder, option=option, as_of=APRIL_29)
    factories.EventFactory.create_batch(stakeholders, topic=topic)


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        # topic (without the detail's prefetches); options, positions, stakeholders
        ("stance-matrix/?as_of=2019-05-01", 4),
        ("stance-matrix/?as_of=2019-05-01&stakeholder_kind=person&basis=stated", 4),
        # topic; options, positions, capabilities, ties, stakeholders in brief
        ("forecast/?as_of=2019-05-01", 6),
        ("forecast/?as_of=2019-05-01&unit=all&basis=stated", 6),
        # topic; counts and keys of events and of positions, the keys of disputes and of
        # retractions (read whole: they are few); the page's events and their 5 prefetches,
        # disputes, positions and their disputes; the positions of the page's stakeholders on
        # its options, to replay their effective stances
        ("timeline/?limit=500", 17),
    ],
)
def test_topic_analysis_runs_a_fixed_number_of_queries(
    api_client, crisis, django_assert_max_num_queries, path, queries
):
    # At most: a prefetch is skipped when there is nothing to prefetch for.
    url = f"/api/v1/topics/{crisis['topic'].pk}/{path}"
    with django_assert_max_num_queries(queries):
        assert api_client.get(url).status_code == 200
    grow(crisis, stakeholders=15, options=6)
    with django_assert_max_num_queries(queries):
        assert api_client.get(url).status_code == 200


def test_option_forecast_and_history_run_a_fixed_number_of_queries(
    api_client, crisis, django_assert_max_num_queries
):
    forecast_url = f"/api/v1/options/{crisis['deal'].pk}/forecast/"
    history_url = f"/api/v1/stakeholders/{crisis['minister'].pk}/positions/history/"
    # option (without the detail's relations); positions, capabilities, ties, stakeholders
    forecast_queries = 5
    # stakeholder (+3 prefetches); positions and their disputes
    history_queries = 6
    for _ in range(2):
        with django_assert_max_num_queries(forecast_queries):
            assert api_client.get(forecast_url).status_code == 200
        with django_assert_max_num_queries(history_queries):
            assert api_client.get(history_url).status_code == 200
        grow(crisis, stakeholders=10, options=5)
        for option in factories.PolicyOptionFactory.create_batch(5, topic=crisis["topic"]):
            factories.PositionFactory(stakeholder=crisis["minister"], option=option)


@pytest.mark.parametrize(
    "path",
    [
        "topics/{topic}/stance-matrix/?as_of=2019-05-01&asof=2019-05-01",
        "topics/{topic}/forecast/?bases=stated",
        "topics/{topic}/timeline/?limit=5&from_date=2019-04-30",
        "options/{deal}/forecast/?as-of=2019-05-01",
        "stakeholders/{minister}/positions/history/?options=deal",
        "topics/{topic}/history/?since=2019-01-01",
    ],
)
def test_unknown_query_parameters_are_refused(api_client, crisis, path):
    url = "/api/v1/" + path.format(
        topic=crisis["topic"].pk, deal=crisis["deal"].pk, minister=crisis["minister"].pk
    )

    response = api_client.get(url)

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_parameter"
