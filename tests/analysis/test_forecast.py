"""The support forecast on small hand-built cases with known answers."""

import datetime
import random

import pytest

from options import analysis
from options.analysis.asof import PositionAsOf
from options.analysis.forecast import Counted, pivotal_stakeholders
from options.analysis.weighted import weighted_median
from tests import factories
from tests.analysis.conftest import (
    APRIL_1,
    APRIL_29,
    APRIL_30,
    MAY_1,
    position,
    rate,
    sure_position,
)

pytestmark = pytest.mark.django_db


def forecast(option, as_of=APRIL_30, **kwargs):
    return analysis.option_forecast(option=option, as_of=as_of, **kwargs)


def counted(result) -> dict[str, tuple]:
    """Who counted, by name: (stance, capability, salience, defaulted, weight)."""
    return {
        result.stakeholders[e.stakeholder_id].name: (
            e.position.stance,
            e.capability,
            e.salience,
            e.defaulted,
            pytest.approx(e.weight),
        )
        for e in result.breakdown
    }


@pytest.fixture
def three(option, sure_source):
    """A +2 (capability 80, salience 50), B −1 (no capability, salience 100), C 0 (capability
    20, no salience): with the defaults (10 and 50) weights 4000, 1000 and 1000."""
    a, b, c = (factories.StakeholderFactory(name=name) for name in "ABC")
    sure_position(option, a, sure_source, stance=2, salience=50)
    sure_position(option, b, sure_source, stance=-1, salience=100)
    sure_position(option, c, sure_source, stance=0, salience=None)
    rate(a, option.topic, 80)
    rate(c, option.topic, 20)
    return a, b, c


def test_forecast_by_hand(option, three):
    a, b, c = three

    result = forecast(option)

    assert counted(result) == {
        "A": (2, 80, 50, (), 4000),
        "B": (-1, 10, 100, ("capability",), 1000),
        "C": (0, 20, 50, ("salience",), 1000),
    }
    assert result.total_weight == 6000
    assert result.weighted_mean == pytest.approx((2 * 4000 - 1000) / 6000)
    assert result.weighted_median == 2  # the cumulative weight passes half (3000) at +2
    assert (result.support_share, result.oppose_share, result.neutral_share) == pytest.approx(
        (4000 / 6000, 1000 / 6000, 1000 / 6000)
    )
    assert [(e.stakeholder_id, e.defaulted) for e in result.defaulted] == [
        (b.id, ("capability",)),
        (c.id, ("salience",)),
    ]
    # Without A the mean is −0.5 and the median −0.5 (−1 and 0 weigh alike): both flip.
    [pivotal] = result.pivotal
    assert (pivotal.stakeholder_id, pivotal.mean_without, pivotal.median_without) == (
        a.id,
        -0.5,
        -0.5,
    )
    assert pivotal.mean_shift == pytest.approx(-0.5 - 7 / 6)


def test_the_defaults_are_settings(option, three, settings):
    settings.POLICYTRACKER_DEFAULT_CAPABILITY = 30
    settings.POLICYTRACKER_DEFAULT_SALIENCE = 10

    assert counted(forecast(option)) == {
        "A": (2, 80, 50, (), 4000),
        "B": (-1, 30, 100, ("capability",), 3000),
        "C": (0, 20, 10, ("salience",), 200),
    }


def test_evidence_weighs_confidence_the_source_and_disputes(option):
    stakeholder = factories.StakeholderFactory(name="Russia")
    claim = position(
        option,
        stakeholder,
        stance=-2,
        basis="reported",
        confidence="low",
        salience=100,
        source=factories.SourceFactory(reliability="D"),
    )
    rate(stakeholder, option.topic, 40)
    factories.PositionDisputeFactory(position=claim, date=MAY_1)

    before, after = forecast(option, APRIL_30), forecast(option, MAY_1)

    assert before.breakdown[0].evidence_weight == pytest.approx(0.5 * 0.5)
    assert before.total_weight == pytest.approx(40 * 100 * 0.25)
    assert after.breakdown[0].evidence_weight == pytest.approx(0.5 * 0.5 * 0.5)


def test_a_retracted_position_weighs_nothing_from_its_retraction(option, sure_source):
    stakeholder = factories.StakeholderFactory()
    sure_position(option, stakeholder, sure_source, stance=2, retracted_on=MAY_1)

    assert forecast(option, APRIL_30).weighted_mean == 2
    retracted = forecast(option, MAY_1)
    assert (retracted.counted, retracted.total_weight, retracted.weighted_mean) == (1, 0, None)


def test_capability_as_of_the_date_and_on_the_option(option, three):
    a, _, _ = three
    rate(a, option.topic, 10, as_of=MAY_1)
    other = factories.PolicyOptionFactory(topic=option.topic)
    rate(a, option.topic, 100, option=other, as_of=APRIL_29)  # on another option: no effect

    assert counted(forecast(option, APRIL_30))["A"][1] == 80
    assert counted(forecast(option, MAY_1))["A"][1] == 10

    rate(a, option.topic, 90, option=option, as_of=APRIL_29)
    # The rating on the option overrides the topic-wide one, older or newer.
    assert counted(forecast(option, MAY_1))["A"][1] == 90


@pytest.mark.parametrize(
    ("weights", "median"),
    [
        ({-2: 1, 2: 1}, 0.0),  # the mean is 0: so is the median, not −2
        ({-2: 1, 1: 1}, -0.5),
        ({-1: 1, 0: 2, 2: 1}, 0.0),
        ({-2: 3, 2: 1}, -2.0),
        ({-2: 1, -1: 1, 1: 1, 2: 1}, 0.0),
        ({}, None),
    ],
)
def test_the_weighted_median_has_no_bias_on_ties(weights, median):
    assert weighted_median({s: weights.get(s, 0) for s in range(-2, 3)}) == median


def entry(stakeholder_id: int, stance: int, units: int) -> Counted:
    position = PositionAsOf(
        stakeholder_id,
        stakeholder_id,
        1,
        stance,
        "stated",
        APRIL_30,
        "day",
        50,
        "high",
        1,
        "A",
        None,
        "day",
        False,
        False,
    )
    return Counted(stakeholder_id, position, units, 1, (), 1, False, [])


def test_pivotal_stakeholders_flip_the_sign_of_the_mean_or_median_when_removed():
    """Against the definition, on random weights (zeros included): remove each one, recompute
    the mean and the median, and compare their signs (zero is no side)."""

    def sign(value):
        return None if value is None else (value > 0) - (value < 0)

    def flips(before, after):
        return sign(before) not in (None, 0) and sign(after) not in (None, 0, sign(before))

    def outcome(entries):
        weights = dict.fromkeys(range(-2, 3), 0)
        for e in entries:
            weights[e.position.stance] += e.units
        total = sum(weights.values())
        mean = sum(s * w for s, w in weights.items()) / total if total else None
        return mean, weighted_median(weights), weights

    rng = random.Random(5)
    for _ in range(500):
        entries = [
            entry(index, rng.randint(-2, 2), rng.choice([0, 100, 400, 1000]))
            for index in range(rng.randint(1, 7))
        ]
        mean, median, weights = outcome(entries)
        expected = []
        for e in entries:
            mean_without, median_without, _ = outcome([o for o in entries if o is not e])
            if e.units and (flips(mean, mean_without) or flips(median, median_without)):
                expected.append(e.stakeholder_id)

        pivotal = pivotal_stakeholders(entries, weights)

        assert [p.stakeholder_id for p in pivotal] == expected, entries


def test_a_removal_that_leaves_the_mean_at_zero_is_no_flip(option, sure_source):
    for name, stance in [("A", 1), ("B", -1), ("C", 1)]:
        sure_position(option, factories.StakeholderFactory(name=name), sure_source, stance=stance)

    assert forecast(option).pivotal == []


# --- Independent actors ------------------------------------------------------------------------


@pytest.fixture
def washington(option, sure_source):
    """The United States (0) with Bolton (+2) and Pompeo (+1) holding posts in it and the
    Pentagon (−2) part of it."""
    usa = factories.StakeholderFactory(name="United States", kind="state")
    sure_position(option, usa, sure_source, stance=0)
    rate(usa, option.topic, 70)
    members = {}
    for name, stance, kind in [
        ("Bolton", 2, "holds_post_in"),
        ("Pompeo", 1, "holds_post_in"),
        ("Pentagon", -2, "member_of"),
    ]:
        members[name] = factories.StakeholderFactory(name=name)
        sure_position(option, members[name], sure_source, stance=stance)
        factories.AffiliationFactory(subject=members[name], object=usa, kind=kind)
    return usa, members


def test_the_parts_of_a_state_with_a_position_are_folded_into_it(option, washington):
    usa, members = washington

    actors = forecast(option)
    everyone = forecast(option, unit="all")

    [only] = actors.breakdown
    assert only.stakeholder_id == usa.id
    assert [(f.stakeholder_id, f.relation, f.via_id, f.position.stance) for f in only.folded] == [
        (members["Bolton"].id, "holds_post_in", usa.id, 2),
        (members["Pompeo"].id, "holds_post_in", usa.id, 1),
        (members["Pentagon"].id, "member_of", usa.id, -2),
    ]
    assert actors.weighted_mean == 0
    assert everyone.counted == 4
    assert everyone.weighted_mean == pytest.approx(
        (70 * 50 * 0 + 10 * 50 * (2 + 1 - 2)) / (70 * 50 + 3 * 10 * 50)
    )


def test_parts_count_on_their_own_where_the_whole_has_no_position(option, sure_source):
    state = factories.StakeholderFactory(kind="state")
    minister = factories.StakeholderFactory()
    factories.AffiliationFactory(subject=minister, object=state, kind="holds_post_in")
    sure_position(option, minister, sure_source, stance=2)

    assert [e.stakeholder_id for e in forecast(option).breakdown] == [minister.id]


def test_ties_count_only_while_in_force(option, sure_source):
    state = factories.StakeholderFactory(kind="state")
    sure_position(option, state, sure_source, stance=1)
    former, future = factories.StakeholderFactory.create_batch(2)
    for minister in (former, future):
        sure_position(option, minister, sure_source, stance=-2)
    factories.AffiliationFactory(
        subject=former, object=state, kind="holds_post_in", end_date=APRIL_29
    )
    factories.AffiliationFactory(
        subject=future, object=state, kind="holds_post_in", start_date=MAY_1
    )

    assert forecast(option, APRIL_30).counted == 3
    assert forecast(option, MAY_1).counted == 2  # the future minister is in post


def test_a_minister_of_a_member_state_folds_into_the_bloc(option, sure_source):
    bloc = factories.StakeholderFactory(name="Bloc", kind="bloc")
    state = factories.StakeholderFactory(name="State", kind="state")
    minister = factories.StakeholderFactory(name="Minister")
    for stakeholder in (bloc, state, minister):
        sure_position(option, stakeholder, sure_source, stance=-2)
    factories.AffiliationFactory(subject=state, object=bloc, kind="member_of")
    factories.AffiliationFactory(subject=minister, object=state, kind="holds_post_in")

    [only] = forecast(option).breakdown

    assert only.stakeholder_id == bloc.id
    assert {(f.stakeholder_id, f.via_id) for f in only.folded} == {
        (state.id, bloc.id),
        (minister.id, state.id),
    }


def test_a_circle_of_ties_keeps_its_most_capable_member(option, sure_source):
    first, second = factories.StakeholderFactory.create_batch(2)
    for stakeholder in (first, second):
        sure_position(option, stakeholder, sure_source, stance=1)
    rate(second, option.topic, 60)
    factories.AffiliationFactory(subject=first, object=second, kind="member_of")
    factories.AffiliationFactory(subject=second, object=first, kind="member_of")

    [only] = forecast(option).breakdown

    assert (only.stakeholder_id, [f.stakeholder_id for f in only.folded]) == (
        second.id,
        [first.id],
    )


def test_a_whole_nobody_rated_takes_the_highest_rating_of_its_parts(option, sure_source):
    assembly = factories.StakeholderFactory(kind="government_body")
    leader = factories.StakeholderFactory()
    sure_position(option, assembly, sure_source, stance=2)
    sure_position(option, leader, sure_source, stance=2)
    rate(leader, option.topic, 45)
    factories.AffiliationFactory(subject=leader, object=assembly, kind="leads")

    [only] = forecast(option).breakdown

    assert (only.stakeholder_id, only.capability, only.defaulted) == (assembly.id, 45, ())


def test_bloc_cohesion(option, sure_source):
    bloc = factories.StakeholderFactory(kind="bloc")
    sure_position(option, bloc, sure_source, stance=-2)
    members = []
    for stance, capability in [(-2, 30), (-1, 20), (1, 50)]:
        member = factories.StakeholderFactory(kind="state")
        sure_position(option, member, sure_source, stance=stance)
        rate(member, option.topic, capability)
        factories.AffiliationFactory(subject=member, object=bloc, kind="member_of")
        members.append(member)

    [cohesion] = forecast(option).blocs

    assert (cohesion.bloc_id, cohesion.stance, cohesion.member_ids) == (
        bloc.id,
        -2,
        [m.id for m in members],
    )
    assert cohesion.cohesion == pytest.approx(50 / 100)  # 30 + 20 of 100 oppose with the bloc


# --- Coverage, ranking, intervals ----------------------------------------------------------------


def test_coverage_is_the_share_of_rated_capability_with_a_position(option, three):
    silent = factories.StakeholderFactory(name="Silent")
    rate(silent, option.topic, 50)  # A 80, C 20 and Silent 50 are rated: 150

    result = forecast(option)

    assert (result.known_capability, result.covered_capability) == (150, 100)
    assert result.coverage == pytest.approx(100 / 150)

    rate(silent, option.topic, 0, option=option)  # on this option Silent counts for nothing
    assert forecast(option).coverage == 1


def test_the_topic_forecast_ranks_only_open_well_covered_options(topic, sure_source):
    supported = factories.PolicyOptionFactory(topic=topic, title="Supported")
    opposed = factories.PolicyOptionFactory(topic=topic, title="Opposed", status="threatened")
    failed = factories.PolicyOptionFactory(topic=topic, title="Failed", status="failed")
    one_voice = factories.PolicyOptionFactory(topic=topic, title="One voice")
    thin = factories.PolicyOptionFactory(topic=topic, title="Thin")
    empty = factories.PolicyOptionFactory(topic=topic, title="Empty")
    big, small, other = factories.StakeholderFactory.create_batch(3)
    rate(big, topic, 90)
    rate(small, topic, 5)
    rate(other, topic, 5)
    for stakeholder in (big, small):
        sure_position(supported, stakeholder, sure_source, stance=2)
        sure_position(opposed, stakeholder, sure_source, stance=-1)
        sure_position(failed, stakeholder, sure_source, stance=2)
    sure_position(one_voice, big, sure_source, stance=2)
    sure_position(thin, small, sure_source, stance=2)
    sure_position(thin, other, sure_source, stance=2)

    forecasts = analysis.topic_forecast(topic_id=topic.id, as_of=APRIL_30)

    assert [(f.option, f.ranked) for f in forecasts] == [
        (supported, True),
        (opposed, True),
        (failed, False),
        (one_voice, False),
        (thin, False),
        (empty, False),
    ]
    reasons = {f.option.title: f.unranked_reason for f in forecasts}
    assert reasons["Failed"] == "The option's status is “Failed”: only open options are ranked."
    assert reasons["One voice"] == "Only 1 actor counted; ranking needs at least 2."
    assert reasons["Thin"] == (
        "The stakeholders with a position hold 10% of the topic's rated capability; ranking "
        "needs at least 25%."
    )
    assert reasons["Empty"] == "Nobody with any weight has a position on the option."


def test_the_interval_is_seeded_and_the_same_for_the_option_and_the_topic(option, three):
    one = forecast(option)
    again = forecast(option)
    [in_topic] = analysis.topic_forecast(topic_id=option.topic_id, as_of=APRIL_30)

    assert one.interval == again.interval == in_topic.interval
    low, high = one.interval.weighted_mean
    assert low <= one.weighted_mean <= high
    assert (one.interval.level, one.interval.draws) == (0.8, 500)
    # Nothing new by 1 May: the same interval. A new position: new draws.
    assert forecast(option, MAY_1).interval == one.interval
    a = three[0]
    position(
        option,
        a,
        stance=1,
        as_of=MAY_1,
        confidence="high",
        salience=50,
        source=factories.SourceFactory(reliability="A"),
    )
    assert forecast(option, MAY_1).interval != one.interval


def test_weaker_evidence_widens_the_interval(topic):
    """The same stances and weights, from a completely reliable source with high confidence,
    and from an unjudged one with low confidence."""
    widths = []
    for reliability, confidence in [("A", "high"), ("F", "low")]:
        option = factories.PolicyOptionFactory(topic=topic)
        source = factories.SourceFactory(reliability=reliability)
        for stance in (2, 1, -1, -2, 2):
            position(
                option,
                factories.StakeholderFactory(),
                stance=stance,
                confidence=confidence,
                source=source,
            )
        low, high = forecast(option).interval.weighted_mean
        widths.append(high - low)

    assert widths[0] < widths[1]


def test_no_interval_without_anyone_counted(option):
    assert (forecast(option).interval.weighted_mean, forecast(option).interval.draws_counted) == (
        None,
        0,
    )


def test_the_topic_forecast_reads_a_fixed_number_of_queries(topic, django_assert_num_queries):
    options = factories.PolicyOptionFactory.create_batch(3, topic=topic)
    for stakeholder in factories.StakeholderFactory.create_batch(5):
        rate(stakeholder, topic, 50, as_of=APRIL_1)
        for option in options:
            position(option, stakeholder, stance=1)
    # options, positions, capabilities, ties, stakeholders in brief
    with django_assert_num_queries(5):
        analysis.topic_forecast(topic_id=topic.id, as_of=datetime.date(2019, 5, 1))
