"""What-if scenarios computed on a snapshot changed in memory (options/analysis/scenarios.py),
on the seed topic."""

import datetime
import io

import pytest
from django.core.management import call_command

from options.analysis import scenarios
from options.analysis.forecast import snapshot_forecast
from options.analysis.snapshot import topic_snapshot
from options.models import PolicyOption, Position, Stakeholder, Topic
from tests import factories

pytestmark = pytest.mark.django_db

MAY_1 = datetime.date(2019, 5, 1)


@pytest.fixture
def seed():
    call_command("load_seed", stdout=io.StringIO())
    topic = Topic.objects.get(slug="venezuela-2019")
    options = {option.slug: option for option in PolicyOption.objects.filter(topic=topic)}
    stakeholders = {s.slug: s for s in Stakeholder.objects.all()}
    return topic, options, stakeholders


def run(topic, changes, *, basis="any", unit="actors"):
    snapshot = topic_snapshot(topic_id=topic.id, as_of=MAY_1)
    return scenarios.scenario_run(snapshot, changes, basis=basis, unit=unit)


def by_slug(forecasts):
    return {forecast.option.slug: forecast for forecast in forecasts}


def test_no_change_changes_nothing(seed):
    topic, _, _ = seed
    outcome = run(topic, [])

    for before, after in zip(outcome.before, outcome.after, strict=True):
        assert before.option.id == after.option.id
        assert (before.weighted_mean, before.support_share, before.breakdown) == (
            after.weighted_mean,
            after.support_share,
            after.breakdown,
        )
    assert all(movers == [] for movers in outcome.movers.values())


def test_a_stance_set_moves_the_option_and_names_who_moved_it(seed):
    topic, options, people = seed
    intervention = options["us-military-intervention"]
    pentagon = people["pentagon"]

    change = scenarios.SetStance(pentagon.id, stance=2, option_id=intervention.id)
    # Counted by independent actors, the Pentagon is folded into the United States, whose own
    # position stands for it: its change moves nothing (docs/analysis.md, "Actors").
    folded = run(topic, [change])
    assert folded.movers[intervention.id] == []
    [us] = [
        e
        for e in by_slug(folded.after)["us-military-intervention"].breakdown
        if pentagon.id in {f.stakeholder_id for f in e.folded}
    ]
    assert [f.position.stance for f in us.folded if f.stakeholder_id == pentagon.id] == [2]

    outcome = run(topic, [change], unit="all")

    before = by_slug(outcome.before)["us-military-intervention"]
    after = by_slug(outcome.after)["us-military-intervention"]
    assert after.weighted_mean > before.weighted_mean
    [(mover, shift)] = outcome.movers[intervention.id]
    assert mover == pentagon.id
    assert shift == pytest.approx(after.weighted_mean - before.weighted_mean)
    # The hypothetical keeps the evidence of the position that stood: only the stance moved.
    [was] = [e for e in before.breakdown if e.stakeholder_id == pentagon.id]
    [now] = [e for e in after.breakdown if e.stakeholder_id == pentagon.id]
    assert (now.stance, now.evidence, now.capability) == (2, was.evidence, was.capability)
    # Other options are untouched.
    for slug in ("us-sanctions", "negotiation-europeans"):
        assert by_slug(outcome.after)[slug].breakdown == by_slug(outcome.before)[slug].breakdown


def test_nothing_is_written(seed, django_assert_max_num_queries):
    topic, options, people = seed
    counts = (Position.objects.count(), Position.history.count(), Stakeholder.objects.count())
    changes = [
        scenarios.SetStance(people["vladimir-padrino-lopez"].id, stance=2),
        scenarios.DropStakeholder(people["russia"].id),
        scenarios.AddStakeholder(
            "Brazil",
            "state",
            capability=60,
            positions=(scenarios.HypotheticalPosition(options["us-military-intervention"].id, -2),),
        ),
    ]
    snapshot = topic_snapshot(topic_id=topic.id, as_of=MAY_1)
    with django_assert_max_num_queries(1):  # the stakeholders, for the matrix
        scenarios.scenario_run(snapshot, changes, basis="any", unit="actors")

    assert counts == (
        Position.objects.count(),
        Position.history.count(),
        Stakeholder.objects.count(),
    )
    # The snapshot given is left as it was.
    assert snapshot == topic_snapshot(topic_id=topic.id, as_of=MAY_1)


def test_a_dropped_stakeholder_no_longer_counts_and_a_hypothetical_one_does(seed):
    topic, options, people = seed
    intervention = options["us-military-intervention"]
    russia = people["russia"]

    outcome = run(
        topic,
        [
            scenarios.DropStakeholder(russia.id),
            scenarios.AddStakeholder(
                "Brazil",
                "state",
                capability=60,
                positions=(scenarios.HypotheticalPosition(intervention.id, -2, salience=80),),
            ),
        ],
    )

    after = by_slug(outcome.after)["us-military-intervention"]
    assert russia.id not in {e.stakeholder_id for e in after.breakdown}
    [brazil] = [e for e in after.breakdown if e.stakeholder_id == -1]
    assert (brazil.stance, brazil.capability, brazil.salience) == (-2, 60, 80)
    assert brazil.evidence_weight == 1
    assert outcome.stakeholders[-1].name == "Brazil"
    assert -1 in {mover for mover, _ in outcome.movers[intervention.id]}
    names = [row.stakeholder.name for row in outcome.matrix_after.rows]
    assert "Brazil" in names and russia.name not in names


def test_a_status_change_unranks_an_option(seed):
    topic, options, _ = seed
    europeans = options["negotiation-europeans"]

    outcome = run(topic, [scenarios.SetOptionStatus(europeans.id, "failed")])

    after = by_slug(outcome.after)["negotiation-europeans"]
    assert not after.ranked and "Failed" in after.unranked_reason
    assert by_slug(outcome.before)["negotiation-europeans"].weighted_mean == after.weighted_mean


def test_a_capability_set_on_the_topic_replaces_the_ratings_on_options(seed):
    topic, options, people = seed
    us = people["united-states"]
    snapshot = topic_snapshot(topic_id=topic.id, as_of=MAY_1)

    changed, _ = scenarios.scenario_apply(
        snapshot, [scenarios.SetCapability(us.id, capability=5)], basis="any"
    )

    assert changed.capabilities.on_topic[us.id] == 5
    assert all(us.id not in ratings for ratings in changed.capabilities.on_option.values())
    forecasts = snapshot_forecast(changed, basis="any", unit="all", intervals=False)
    counted = [e for f in forecasts for e in f.breakdown if e.stakeholder_id == us.id]
    assert counted and {e.capability for e in counted} == {5}


def test_an_option_of_another_topic_is_refused(seed):
    topic, _, people = seed
    elsewhere = factories.PolicyOptionFactory()

    with pytest.raises(scenarios.ScenarioError) as refused:
        run(
            topic,
            [
                scenarios.DropStakeholder(people["russia"].id),
                scenarios.SetStance(people["russia"].id, stance=1, option_id=elsewhere.id),
            ],
        )
    assert (refused.value.index, refused.value.field) == (1, "option")
