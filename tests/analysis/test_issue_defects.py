"""The eight ways the analysis misled analysts (issue 10, "What is wrong"), each shown through
the API on a small case modelled on the seed topic. Each of these tests failed before the fix."""

import pytest

from tests import factories
from tests.analysis.conftest import APRIL_29, APRIL_30, MAY_1, MAY_2, MAY_15, position, rate

pytestmark = pytest.mark.django_db


def matrix(client, topic, as_of):
    return client.get(f"/api/v1/topics/{topic.pk}/stance-matrix/?as_of={as_of}").json()


def forecast(client, option, as_of, **query):
    params = "".join(f"&{key}={value}" for key, value in query.items())
    return client.get(f"/api/v1/options/{option.pk}/forecast/?as_of={as_of}{params}").json()


def only_cell(answer):
    [row] = answer["rows"]
    [cell] = [cell for cell in row["cells"] if cell]
    return cell


def test_1_the_future_does_not_leak_into_the_past(api_client, option):
    """Russia's cell as of 30 April 2019 was `disputed`, though the denial is dated 1 May."""
    claim = position(
        option, factories.StakeholderFactory(name="Russia"), stance=-2, basis="reported"
    )
    factories.PositionDisputeFactory(position=claim, date=MAY_1)

    assert only_cell(matrix(api_client, option.topic, APRIL_30))["disputed"] is False
    assert only_cell(matrix(api_client, option.topic, MAY_1))["disputed"] is True


def test_1_a_retraction_is_dated(api_client, option):
    position(option, factories.StakeholderFactory(), stance=2, retracted_on=MAY_2)

    assert only_cell(matrix(api_client, option.topic, MAY_1))["retracted"] is False
    assert only_cell(matrix(api_client, option.topic, MAY_2))["retracted"] is True


def test_2_divergence_compares_every_pair_of_bases(api_client, option):
    """Maikel Moreno as of 1 May 2019: reported +1, expected +1, revealed −1."""
    moreno = factories.StakeholderFactory(name="Maikel Moreno")
    position(option, moreno, stance=1, basis="reported", as_of=APRIL_29)
    position(option, moreno, stance=1, basis="expected", as_of=APRIL_29)
    position(option, moreno, stance=-1, basis="revealed", as_of=APRIL_30)

    cell = only_cell(matrix(api_client, option.topic, MAY_1))

    assert cell["divergent"] is True
    assert cell["divergences"] == [
        {"bases": ["reported", "revealed"], "stances": [1, -1]},
        {"bases": ["expected", "revealed"], "stances": [1, -1]},
    ]


def test_3_a_change_across_bases_is_on_the_timeline_with_the_disputes(api_client, option):
    """Padrino López went from expected +1 to stated −2; Russia's claim was denied."""
    padrino = factories.StakeholderFactory(name="Padrino López")
    position(option, padrino, stance=1, basis="expected", as_of=APRIL_29)
    position(option, padrino, stance=-2, basis="stated", as_of=APRIL_30, confidence="high")
    claim = position(option, factories.StakeholderFactory(), stance=-2, basis="reported")
    factories.PositionDisputeFactory(position=claim, date=MAY_1)

    entries = api_client.get(f"/api/v1/topics/{option.topic_id}/timeline/").json()["results"]

    stated = entries[1]
    assert (stated["position"]["basis"], stated["stance_changed"]) == ("stated", True)
    assert stated["previous"]["stance"] == 1 and stated["previous"]["basis"] == "expected"
    assert [entry["type"] for entry in entries] == ["position", "position", "position", "dispute"]


def test_4_evidence_quality_changes_the_weights(api_client, topic):
    weights = []
    for confidence in ("high", "low"):
        option = factories.PolicyOptionFactory(topic=topic)
        position(option, factories.StakeholderFactory(), stance=-2, confidence=confidence)
        weights.append(forecast(api_client, option, APRIL_30)["total_weight"])
    assert weights[1] < weights[0]


def test_4_a_retracted_position_weighs_nothing(api_client, option):
    position(option, factories.StakeholderFactory(), stance=2, retracted_on=MAY_1)
    position(option, factories.StakeholderFactory(), stance=-1)

    assert forecast(api_client, option, MAY_1)["weighted_mean"] == -1


def test_5_a_newer_weaker_guess_does_not_override_someone_s_own_words(api_client, option):
    """A low-confidence expected +2 for Padrino dated 2 May, after his stated −2."""
    padrino = factories.StakeholderFactory(name="Padrino López")
    position(option, padrino, stance=-2, basis="stated", confidence="high")
    position(option, factories.StakeholderFactory(), stance=1)
    before = forecast(api_client, option, MAY_2)["weighted_mean"]
    position(option, padrino, stance=2, basis="expected", as_of=MAY_2, confidence="low")

    assert forecast(api_client, option, MAY_2)["weighted_mean"] == before < 0


def test_6_a_month_is_an_interval(api_client, option):
    """Known to the month ("April 2019", stored as 30 April): there from 1 April."""
    position(
        option, factories.StakeholderFactory(), stance=2, as_of=APRIL_30, as_of_precision="month"
    )

    cell = only_cell(matrix(api_client, option.topic, "2019-04-15"))

    assert (cell["as_of_precision"], cell["timing_uncertain"]) == ("month", True)


def test_7_a_missing_capability_counts_for_less_than_any_rated_actor(api_client, option):
    guaido, unrated = factories.StakeholderFactory.create_batch(2)
    rate(guaido, option.topic, 45)
    position(option, guaido, stance=2)
    position(option, unrated, stance=-2)

    answer = forecast(api_client, option, APRIL_30)

    weights = {e["stakeholder"]["id"]: e["capability"] for e in answer["breakdown"]}
    assert weights[unrated.pk] < weights[guaido.pk] == 45
    assert [d["stakeholder"]["id"] for d in answer["defaulted"]] == [unrated.pk]


def test_7_a_state_and_its_officials_are_one_power(api_client, option):
    usa = factories.StakeholderFactory(name="United States", kind="state")
    position(option, usa, stance=0)
    for name, stance in [("Bolton", 2), ("Pompeo", 1), ("Pentagon", -2)]:
        official = factories.StakeholderFactory(name=name)
        position(option, official, stance=stance)
        factories.AffiliationFactory(subject=official, object=usa, kind="holds_post_in")

    assert forecast(api_client, option, APRIL_30)["counted"] == 1
    assert forecast(api_client, option, APRIL_30, unit="all")["counted"] == 4


def test_7_failed_options_and_one_voice_are_not_ranked(api_client, topic):
    failed = factories.PolicyOptionFactory(topic=topic, status="failed", title="Failed")
    lone = factories.PolicyOptionFactory(topic=topic, title="Lone")
    voice = factories.StakeholderFactory()
    rate(voice, topic, 80)
    position(failed, voice, stance=2)
    position(failed, factories.StakeholderFactory(), stance=2)
    position(lone, voice, stance=2)

    forecasts = api_client.get(f"/api/v1/topics/{topic.pk}/forecast/?as_of={APRIL_30}").json()

    assert [(f["option"]["id"], f["ranked"]) for f in forecasts["forecasts"]] == [
        (failed.pk, False),
        (lone.pk, False),
    ]
    assert forecasts["forecasts"][1]["coverage"] == 1.0


def test_8_the_median_does_not_lean_to_opposition_on_ties(api_client, option):
    for stance in (-2, 2):
        position(option, factories.StakeholderFactory(), stance=stance)

    answer = forecast(api_client, option, APRIL_30)

    assert (answer["weighted_mean"], answer["weighted_median"]) == (0, 0)


def test_8_pivotal_means_flipping_the_sign(api_client, option):
    """On 15 May nearly everyone was "pivotal": a removal that brings the mean to exactly 0
    counted. Now only a flip from one side to the other does."""
    for stance in (1, -1, 1):
        position(option, factories.StakeholderFactory(), stance=stance, as_of=MAY_15)

    assert forecast(api_client, option, MAY_15)["pivotal"] == []
