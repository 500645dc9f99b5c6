"""`GET /api/v1/options/{id}/sensitivity/`: who could swing an option, checked against a brute
force over the forecast's own breakdown, on the seed."""

import io

import pytest
from django.core.management import call_command

from options.models import PolicyOption
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed():
    call_command("load_seed", stdout=io.StringIO())
    return {o.slug: o for o in PolicyOption.objects.all()}


def sign(value):
    return (value > 0) - (value < 0)


@pytest.mark.parametrize("unit", ["actors", "all"])
@pytest.mark.parametrize(
    "slug", ["us-military-intervention", "transition-deal-amnesty", "call-on-military-to-defect"]
)
def test_every_swing_agrees_with_a_brute_force_over_the_breakdown(api_client, seed, slug, unit):
    option = seed[slug]
    query = f"?as_of=2019-05-01&unit={unit}"
    forecast = api_client.get(f"/api/v1/options/{option.pk}/forecast/{query}").json()
    answer = api_client.get(f"/api/v1/options/{option.pk}/sensitivity/{query}")
    assert answer.status_code == 200, answer.json()
    answer = answer.json()

    weights = {e["stakeholder"]["id"]: (e["stance"], e["weight"]) for e in forecast["breakdown"]}
    total = sum(weight for _, weight in weights.values())
    mean = sum(stance * weight for stance, weight in weights.values()) / total
    assert (
        answer["weighted_mean"] == pytest.approx(forecast["weighted_mean"]) == pytest.approx(mean)
    )
    assert [s["stakeholder"]["id"] for s in answer["swings"]] == list(weights)

    fewest = None
    for swing in answer["swings"]:
        stance, weight = weights[swing["stakeholder"]["id"]]

        def mean_at(new, stance=stance, weight=weight):
            return mean + (new - stance) * weight / total

        assert swing["weight_share"] == pytest.approx(weight / total)
        assert swing["mean_if_up"] == (pytest.approx(mean_at(stance + 1)) if stance < 2 else None)
        assert swing["mean_if_down"] == (
            pytest.approx(mean_at(stance - 1)) if stance > -2 else None
        )
        flipping = [new for new in range(-2, 3) if sign(mean) and sign(mean_at(new)) == -sign(mean)]
        if not flipping:
            assert (swing["flip_to"], swing["steps_to_flip"]) == (None, None)
            continue
        nearest = min(abs(new - stance) for new in flipping)
        assert swing["steps_to_flip"] == nearest
        assert swing["flip_to"] in flipping and abs(swing["flip_to"] - stance) == nearest
        assert swing["mean_if_flipped"] == pytest.approx(mean_at(swing["flip_to"]))
        fewest = nearest if fewest is None else min(fewest, nearest)

    assert [s["steps_to_flip"] for s in answer["smallest_flips"]] == (
        [] if fewest is None else [fewest] * len(answer["smallest_flips"])
    )
    assert {s["stakeholder"]["id"] for s in answer["smallest_flips"]} == {
        s["stakeholder"]["id"] for s in answer["swings"] if s["steps_to_flip"] == fewest
    }


def test_someone_can_swing_the_intervention_on_the_seed(api_client, seed):
    option = seed["us-military-intervention"]
    answer = api_client.get(f"/api/v1/options/{option.pk}/sensitivity/?as_of=2019-05-01").json()

    assert answer["weighted_mean"] < 0
    assert answer["smallest_flips"], "one actor alone can turn the intervention's mean positive"
    assert all(s["mean_if_flipped"] > 0 for s in answer["smallest_flips"])


def test_an_option_nobody_weighs_on_has_no_swing(api_client):
    option = factories.PolicyOptionFactory()
    answer = api_client.get(f"/api/v1/options/{option.pk}/sensitivity/").json()
    assert (answer["weighted_mean"], answer["swings"], answer["smallest_flips"]) == (None, [], [])
