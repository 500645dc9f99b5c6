"""The worked example of docs/analysis.md: what the server answers on the seed topic."""

import io

import pytest
from django.core.management import call_command

from options.models import PolicyOption, Position, Source, Stakeholder, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(api_client):
    call_command("load_seed", stdout=io.StringIO())
    topic = Topic.objects.get(slug="venezuela-2019")
    options = {option.slug: option for option in PolicyOption.objects.filter(topic=topic)}
    return topic, options


def cell(client, topic, as_of, stakeholder, option):
    matrix = client.get(f"/api/v1/topics/{topic.pk}/stance-matrix/?as_of={as_of}").json()
    column = [o["slug"] for o in matrix["options"]].index(option)
    [row] = [r for r in matrix["rows"] if r["stakeholder"]["slug"] == stakeholder]
    return row["cells"][column]


def forecast(client, option, as_of, unit="actors"):
    return client.get(f"/api/v1/options/{option.pk}/forecast/?as_of={as_of}&unit={unit}").json()


def test_the_russian_denial_counts_from_may(api_client, seed):
    topic, _ = seed
    deal = "transition-deal-amnesty"
    assert cell(api_client, topic, "2019-04-30", "russia", deal)["disputed"] is False
    disputed = cell(api_client, topic, "2019-05-01", "russia", deal)
    assert (disputed["disputed"], disputed["evidence_weight"]) == (True, 0.5 * 0.5 * 0.5)


def test_the_cells_of_1_may(api_client, seed):
    topic, _ = seed
    deal = "transition-deal-amnesty"

    padrino = cell(api_client, topic, "2019-05-01", "vladimir-padrino-lopez", deal)
    moreno = cell(api_client, topic, "2019-05-01", "maikel-moreno", deal)
    maduro = cell(api_client, topic, "2019-05-01", "nicolas-maduro", deal)
    bloc = cell(
        api_client, topic, "2019-05-01", "south-american-states", "us-military-intervention"
    )

    assert (padrino["stance"], padrino["basis"], padrino["divergences"]) == (
        -2,
        "stated",
        [{"bases": ["stated", "expected"], "stances": [-2, 1]}],
    )
    assert moreno["divergences"] == [
        {"bases": ["reported", "revealed"], "stances": [1, -1]},
        {"bases": ["expected", "revealed"], "stances": [1, -1]},
    ]
    assert maduro["divergences"] == [{"bases": ["expected", "revealed"], "stances": [1, -2]}]
    # "May 2019": there from 1 May, but it may not have been said yet.
    assert (bloc["as_of_precision"], bloc["timing_uncertain"]) == ("month", True)
    assert (
        cell(api_client, topic, "2019-05-31", "south-american-states", "us-military-intervention")[
            "timing_uncertain"
        ]
        is False
    )


def test_the_intervention_on_1_may(api_client, seed):
    _, options = seed
    answer = forecast(api_client, options["us-military-intervention"], "2019-05-01")

    weights = {
        e["stakeholder"]["slug"]: (
            e["stance"],
            e["capability"],
            e["salience"],
            e["evidence_weight"],
            e["weight"],
            [f["stakeholder"]["slug"] for f in e["folded"]],
        )
        for e in answer["breakdown"]
    }
    assert weights == {
        "united-states": (0, 90, 50, 0.375, 1687.5, ["john-bolton", "mike-pompeo", "pentagon"]),
        "south-american-states": (-2, 10, 80, 0.5625, 450.0, ["guyana"]),
        "florida-cuban-exiles": (1, 10, 50, 0.375, 187.5, []),
    }
    assert answer["total_weight"] == 2325
    assert answer["weighted_mean"] == pytest.approx((-2 * 450 + 187.5) / 2325)  # −0.306
    assert answer["weighted_median"] == 0
    assert (answer["support_share"], answer["oppose_share"]) == pytest.approx(
        (187.5 / 2325, 450 / 2325)
    )
    [pivotal] = answer["pivotal"]
    assert (pivotal["stakeholder"]["slug"], pivotal["mean_without"]) == (
        "south-american-states",
        pytest.approx(187.5 / 1875),
    )
    assert (answer["known_capability"], answer["covered_capability"]) == (580, 90)
    assert (answer["ranked"], answer["unranked_reason"]) == (
        False,
        "The stakeholders with a position hold 16% of the topic's rated capability; ranking "
        "needs at least 25%.",
    )
    assert [(b["bloc"]["slug"], b["cohesion"]) for b in answer["blocs"]] == [
        ("south-american-states", 1.0)
    ]
    assert answer["interval"]["weighted_mean"] == [-2.0, 1.0]
    assert (
        forecast(api_client, options["us-military-intervention"], "2019-05-01", "all")["counted"]
        == 7
    )


def test_a_newer_weaker_guess_leaves_the_transition_deal_as_it_was(api_client, seed):
    """The issue's case: a low-confidence expected +2 for Padrino dated 2 May."""
    _, options = seed
    deal = options["transition-deal-amnesty"]
    before = {unit: forecast(api_client, deal, "2019-05-02", unit) for unit in ("actors", "all")}
    Position.objects.create(
        stakeholder=Stakeholder.objects.get(slug="vladimir-padrino-lopez"),
        option=deal,
        stance=2,
        basis="expected",
        as_of="2019-05-02",
        confidence="low",
        source=Source.objects.get(slug="seed-article"),
    )

    for unit, answer in before.items():
        after = forecast(api_client, deal, "2019-05-02", unit)
        assert after["weighted_mean"] == answer["weighted_mean"] < 0, unit


def test_the_timeline_shows_padrino_turn_and_the_denial(api_client, seed):
    topic, _ = seed
    url = f"/api/v1/topics/{topic.pk}/timeline/?stakeholder=vladimir-padrino-lopez&limit=100"
    entries = api_client.get(url).json()["results"]

    [turn] = [e for e in entries if e["type"] == "position" and e["stance_changed"]]
    assert (turn["position"]["basis"], turn["previous"]["basis"], turn["previous"]["stance"]) == (
        "stated",
        "expected",
        1,
    )
    denial = api_client.get(f"/api/v1/topics/{topic.pk}/timeline/?stakeholder=russia").json()
    [dispute] = [e for e in denial["results"] if e["type"] == "dispute"]
    assert (dispute["date"], dispute["date_precision"]) == ("2019-05-01", "month")
