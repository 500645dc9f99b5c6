"""The analysis services on small hand-built cases with known answers."""

import datetime
import random

import pytest

from options import services
from options.models import Position
from tests import factories

pytestmark = pytest.mark.django_db

APRIL_29 = datetime.date(2019, 4, 29)
APRIL_30 = datetime.date(2019, 4, 30)
MAY_1 = datetime.date(2019, 5, 1)


@pytest.fixture
def topic():
    return factories.TopicFactory()


@pytest.fixture
def option(topic):
    return factories.PolicyOptionFactory(topic=topic, title="Transition deal")


def position(option, stakeholder, *, stance, basis="stated", as_of=APRIL_30, **extra):
    return factories.PositionFactory(
        option=option, stakeholder=stakeholder, stance=stance, basis=basis, as_of=as_of, **extra
    )


def only_cell(matrix):
    [row] = matrix.rows
    [cell] = row.cells
    return cell


# --- Divergence -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "divergent"),
    [
        (-2, 1, True),  # opposite signs
        (-1, 1, True),
        (1, 2, False),  # same side, one apart
        (0, 1, False),
        (0, 2, True),  # two apart
        (-2, 0, True),
        (2, 2, False),
    ],
)
def test_is_divergent(first, second, divergent):
    assert services.is_divergent(first, second) is divergent


# --- Stance matrix ----------------------------------------------------------------------------


def test_matrix_takes_the_newest_position_on_or_before_the_date(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1, as_of=APRIL_29)
    newest = position(option, stakeholder, stance=-1, as_of=APRIL_30)
    position(option, stakeholder, stance=2, as_of=MAY_1)  # after the date: ignored

    matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30, basis="stated")

    cell = only_cell(matrix)
    assert (cell.position.id, cell.position.stance) == (newest.id, -1)


def test_matrix_breaks_a_tie_on_the_date_with_the_latest_recorded(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1)
    latest = position(option, stakeholder, stance=-2)  # same date, another source, later

    matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30)

    assert only_cell(matrix).position.id == latest.id


def test_a_tie_on_the_date_and_the_time_recorded_goes_to_the_higher_id(option):
    stakeholder = factories.StakeholderFactory()
    first = position(option, stakeholder, stance=1)
    second = position(option, stakeholder, stance=-2)
    Position.objects.filter(pk=second.pk).update(created=first.created)

    matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30)
    forecast = services.option_forecast(option=option, as_of=APRIL_30)

    assert only_cell(matrix).position.id == second.id
    assert forecast.weighted_mean == -2


def test_matrix_any_basis_prefers_stated_then_reported_revealed_expected_on_a_date(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=2, basis="expected")
    position(option, stakeholder, stance=1, basis="revealed")
    reported = position(option, stakeholder, stance=0, basis="reported")

    matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30)
    assert only_cell(matrix).position.id == reported.id

    stated = position(option, stakeholder, stance=-1, basis="stated")
    matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30)
    assert only_cell(matrix).position.id == stated.id


def test_matrix_any_basis_takes_a_newer_expected_over_an_older_stated(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=-1, basis="stated", as_of=APRIL_29)
    expected = position(option, stakeholder, stance=2, basis="expected", as_of=APRIL_30)

    matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=MAY_1)

    assert only_cell(matrix).position.id == expected.id


def test_matrix_flags_stated_and_expected_that_diverge(option):
    """The 2019 defence minister: expected to back the deal, then denounced it on TV."""
    minister = factories.StakeholderFactory(name="Padrino López")
    position(option, minister, stance=1, basis="expected", as_of=APRIL_29)
    position(option, minister, stance=-2, basis="stated", as_of=APRIL_30)

    before = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_29)
    after = services.stance_matrix_build(topic_id=option.topic_id, as_of=MAY_1)

    assert only_cell(before).stances == {"expected": 1}
    assert not only_cell(before).divergent
    assert only_cell(after).stances == {"stated": -2, "expected": 1}
    assert only_cell(after).divergent
    assert only_cell(after).position.stance == -2


def test_matrix_a_stance_that_changes_on_the_same_date_under_different_bases(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=2, basis="expected")
    position(option, stakeholder, stance=-2, basis="stated")

    for basis, stance in [("expected", 2), ("stated", -2), ("any", -2)]:
        matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30, basis=basis)
        assert only_cell(matrix).position.stance == stance, basis
        assert only_cell(matrix).divergent


def test_matrix_empty_cells_are_none_and_rows_need_a_position(topic):
    first, second = (
        factories.PolicyOptionFactory(topic=topic, title="A option"),
        factories.PolicyOptionFactory(topic=topic, title="B option"),
    )
    alice = factories.StakeholderFactory(name="Alice")
    factories.StakeholderFactory(name="Bob")  # no position: no row
    position(second, alice, stance=1)

    matrix = services.stance_matrix_build(topic_id=topic.id, as_of=APRIL_30)

    assert matrix.options == [first, second]
    [row] = matrix.rows
    assert row.stakeholder == alice
    assert row.cells[0] is None
    assert row.cells[1].position.stance == 1


def test_matrix_basis_without_positions_leaves_the_stakeholder_out(option):
    position(option, factories.StakeholderFactory(), stance=1, basis="expected")

    matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30, basis="stated")

    assert matrix.rows == []


def test_matrix_of_an_empty_topic(topic):
    matrix = services.stance_matrix_build(topic_id=topic.id, as_of=APRIL_30)
    assert (matrix.options, matrix.rows) == ([], [])


def test_matrix_filters_stakeholders_by_kind(option):
    person = factories.StakeholderFactory(kind="person")
    position(option, person, stance=1)
    position(option, factories.StakeholderFactory(kind="state"), stance=-1)

    matrix = services.stance_matrix_build(
        topic_id=option.topic_id, as_of=APRIL_30, stakeholder_kinds=["person"]
    )

    assert [row.stakeholder for row in matrix.rows] == [person]


def test_matrix_flags_disputed_and_retracted_positions(option):
    disputed = position(option, factories.StakeholderFactory(), stance=1, retracted=True)
    factories.PositionDisputeFactory(position=disputed)

    cell = only_cell(services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30))

    assert (cell.position.disputed, cell.position.retracted) == (True, True)


def test_matrix_reads_a_fixed_number_of_queries(topic, django_assert_num_queries):
    options = factories.PolicyOptionFactory.create_batch(5, topic=topic)
    for stakeholder in factories.StakeholderFactory.create_batch(10):
        for option in options:
            position(option, stakeholder, stance=1)
    # options, positions, stakeholders
    with django_assert_num_queries(3):
        services.stance_matrix_build(topic_id=topic.id, as_of=APRIL_30)


# --- Forecast ---------------------------------------------------------------------------------


@pytest.fixture
def three_stakeholders(option):
    """A +2 (capability 80, salience 50), B −1 (no capability: 50, salience 100),
    C 0 (capability 20, no salience: 50). Weights 4000, 5000, 1000; total 10000."""
    a, b, c = (factories.StakeholderFactory(name=name) for name in "ABC")
    position(option, a, stance=2, salience=50)
    position(option, b, stance=-1, salience=100)
    position(option, c, stance=0, salience=None)
    factories.InfluenceFactory(stakeholder=a, topic=option.topic, capability=80, as_of=APRIL_29)
    factories.InfluenceFactory(stakeholder=c, topic=option.topic, capability=20, as_of=APRIL_29)
    return a, b, c


def test_forecast_by_hand(option, three_stakeholders):
    a, b, c = three_stakeholders

    forecast = services.option_forecast(option=option, as_of=APRIL_30)

    assert forecast.counted == 3
    assert (forecast.defaulted, forecast.defaulted_capability, forecast.defaulted_salience) == (
        2,
        1,
        1,
    )
    assert forecast.total_weight == 10_000
    assert forecast.weighted_mean == pytest.approx((2 * 4000 - 1 * 5000) / 10_000)  # 0.3
    # by stance: −1 (5000) reaches half of 10000 at once
    assert forecast.weighted_median == -1
    assert (forecast.support_share, forecast.oppose_share, forecast.neutral_share) == (
        pytest.approx(0.4),
        pytest.approx(0.5),
        pytest.approx(0.1),
    )
    # Without A the mean turns negative; without B the median moves to +2; without C nothing.
    assert forecast.pivotal == [a, b]


def test_forecast_uses_the_capability_as_of_the_date(option, three_stakeholders):
    a, _, _ = three_stakeholders
    factories.InfluenceFactory(stakeholder=a, topic=option.topic, capability=10, as_of=MAY_1)

    assert services.option_forecast(option=option, as_of=APRIL_30).total_weight == 10_000
    # On 1 May A weighs 10 × 50 = 500 instead of 4000.
    assert services.option_forecast(option=option, as_of=MAY_1).total_weight == 6_500


def test_forecast_median_at_exactly_half(option):
    low, high = factories.StakeholderFactory.create_batch(2)
    position(option, low, stance=-2, salience=50)
    position(option, high, stance=2, salience=50)

    forecast = services.option_forecast(option=option, as_of=APRIL_30)

    assert forecast.weighted_mean == 0
    assert forecast.weighted_median == -2  # the cumulative weight reaches half at −2


def test_forecast_of_an_option_without_positions(option):
    forecast = services.option_forecast(option=option, as_of=APRIL_30)
    assert forecast.counted == 0
    assert forecast.weighted_mean is None
    assert forecast.weighted_median is None
    assert forecast.support_share is None
    assert forecast.pivotal == []


def test_forecast_with_zero_capability_has_no_mean(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1)
    factories.InfluenceFactory(stakeholder=stakeholder, topic=option.topic, capability=0)

    forecast = services.option_forecast(option=option, as_of=APRIL_30)

    assert (forecast.counted, forecast.total_weight, forecast.weighted_mean) == (1, 0, None)


def test_forecast_counts_one_position_per_stakeholder_on_the_basis(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=2, basis="expected", as_of=APRIL_29)
    position(option, stakeholder, stance=-2, basis="stated", as_of=APRIL_30)

    any_basis = services.option_forecast(option=option, as_of=MAY_1)
    expected = services.option_forecast(option=option, as_of=MAY_1, basis="expected")

    assert (any_basis.counted, any_basis.weighted_mean) == (1, -2)
    assert (expected.counted, expected.weighted_mean) == (1, 2)


def test_forecast_weighs_the_position_the_matrix_shows(option):
    """The forecast picks its positions in SQL, the matrix in Python (`_pick`): the same ones.
    Each stakeholder's `any` cell is a different case of the choice."""
    cases = {
        # The preferred basis on the same date: stated, then reported, revealed, expected.
        "preferred": [
            (2, "expected", APRIL_30),
            (1, "revealed", APRIL_30),
            (-1, "stated", APRIL_30),
        ],
        "reported": [(2, "expected", APRIL_30), (-2, "reported", APRIL_30)],
        # The newest, whatever its basis.
        "newest": [(-1, "stated", APRIL_29), (2, "expected", APRIL_30)],
        # Two on one basis and date (two sources): the latest recorded.
        "latest recorded": [(1, "stated", APRIL_30), (-2, "stated", APRIL_30)],
        # Not after the date.
        "until the date": [(-1, "stated", APRIL_29), (2, "stated", MAY_1)],
    }
    for name, positions in cases.items():
        stakeholder = factories.StakeholderFactory(name=name)
        factories.InfluenceFactory(
            stakeholder=stakeholder, topic=option.topic, capability=1, as_of=APRIL_29
        )
        for stance, basis, as_of in positions:
            position(option, stakeholder, stance=stance, basis=basis, as_of=as_of, salience=1)

    for basis in ["any", *services.BASES]:
        matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30, basis=basis)
        shown = {row.stakeholder.name: row.cells[0].position.stance for row in matrix.rows}
        forecast = services.option_forecast(option=option, as_of=APRIL_30, basis=basis)

        assert forecast.counted == len(shown)
        assert sorted(item.stance for item in forecast.stances) == sorted(shown.values())
    any_matrix = services.stance_matrix_build(topic_id=option.topic_id, as_of=APRIL_30)
    assert {row.stakeholder.name: row.cells[0].position.stance for row in any_matrix.rows} == {
        "preferred": -1,
        "reported": -2,
        "newest": 2,
        "latest recorded": -2,
        "until the date": -1,
    }


def test_pivotal_stakeholders_are_those_whose_removal_alone_changes_the_outcome():
    """Against the definition, on random weights (zeros included): take each stakeholder away,
    recompute the sign of the mean and the median, and compare."""

    def outcome(stances):
        weight_by_stance = services._weight_by_stance(stances)
        return services._sign(services._mean(weight_by_stance)), services._median(weight_by_stance)

    rng = random.Random(5)
    for _ in range(500):
        stances = [
            services.WeightedStance(
                stakeholder_id=index,
                stance=rng.randint(-2, 2),
                capability=rng.choice([0, 10, 50, 80]),
                salience=rng.choice([0, 25, 50, 100]),
                capability_defaulted=False,
                salience_defaulted=False,
            )
            for index in range(rng.randint(1, 7))
        ]
        expected = [
            item.stakeholder_id
            for item in stances
            if outcome([other for other in stances if other is not item]) != outcome(stances)
        ]

        pivotal = services._pivotal_ids(stances, services._weight_by_stance(stances))

        assert pivotal == expected, stances


def test_topic_forecast_ranks_options_by_weighted_mean(topic, django_assert_max_num_queries):
    supported = factories.PolicyOptionFactory(topic=topic, title="Supported")
    opposed = factories.PolicyOptionFactory(topic=topic, title="Opposed")
    empty = factories.PolicyOptionFactory(topic=topic, title="Empty")
    for stakeholder in factories.StakeholderFactory.create_batch(5):
        position(supported, stakeholder, stance=2)
        position(opposed, stakeholder, stance=-1)

    # options, positions, influences, pivotal stakeholders
    with django_assert_max_num_queries(4):
        forecasts = services.topic_forecast(topic_id=topic.id, as_of=APRIL_30)

    assert [forecast.option for forecast in forecasts] == [supported, opposed, empty]


# --- Timeline and history ---------------------------------------------------------------------


def test_timeline_orders_events_and_positions_and_marks_changes(option):
    stakeholder = factories.StakeholderFactory()
    first = position(option, stakeholder, stance=1, as_of=APRIL_29)
    event = factories.EventFactory(topic=option.topic, date=APRIL_30)
    second = position(option, stakeholder, stance=-2, as_of=APRIL_30)
    same = position(option, stakeholder, stance=-2, as_of=MAY_1)

    entries = services.timeline_build(topic_id=option.topic_id)

    assert [(e.type, e.date) for e in entries] == [
        ("position", APRIL_29),
        ("event", APRIL_30),
        ("position", APRIL_30),
        ("position", MAY_1),
    ]
    assert [e.event or e.position for e in entries] == [first, event, second, same]
    assert [(e.previous_stance, e.stance_changed) for e in entries if e.position] == [
        (None, False),
        (1, True),
        (-2, False),
    ]


def test_timeline_from_date_keeps_the_change_from_an_earlier_stance(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1, as_of=APRIL_29)
    position(option, stakeholder, stance=-2, as_of=MAY_1)

    [entry] = services.timeline_build(topic_id=option.topic_id, date_from=APRIL_30)

    assert (entry.previous_stance, entry.position.stance, entry.stance_changed) == (1, -2, True)


def test_timeline_for_a_stakeholder(option):
    alice, bob = factories.StakeholderFactory.create_batch(2)
    position(option, alice, stance=1)
    position(option, bob, stance=1)
    factories.EventParticipantFactory(event__topic=option.topic, stakeholder=alice)
    factories.EventFactory(topic=option.topic).denied_by.add(alice)
    factories.EventFactory(topic=option.topic)  # alice not involved

    entries = services.timeline_build(topic_id=option.topic_id, stakeholder_ids=[alice.id])

    assert sorted(e.type for e in entries) == ["event", "event", "position"]
    assert all(e.position.stakeholder == alice for e in entries if e.position)


def test_history_gives_one_series_per_option_and_basis(option):
    stakeholder = factories.StakeholderFactory()
    other_option = factories.PolicyOptionFactory(topic=option.topic, title="Another")
    position(option, stakeholder, stance=1, basis="expected", as_of=APRIL_29)
    position(option, stakeholder, stance=-2, basis="stated", as_of=APRIL_30)
    position(option, stakeholder, stance=-1, basis="stated", as_of=MAY_1)
    position(other_option, stakeholder, stance=0)

    series = services.stakeholder_position_history(stakeholder_id=stakeholder.id)

    assert [(s.option, s.basis, len(s.positions), s.changes) for s in series] == [
        (other_option, "stated", 1, 0),
        (option, "expected", 1, 0),
        (option, "stated", 2, 1),
    ]
    only = services.stakeholder_position_history(
        stakeholder_id=stakeholder.id, option_ids=[other_option.id]
    )
    assert [s.option for s in only] == [other_option]


def test_a_timeline_page_is_the_same_slice_of_the_whole(option):
    stakeholders = factories.StakeholderFactory.create_batch(3)
    for day in range(6):
        date = APRIL_29 + datetime.timedelta(days=day)
        factories.EventFactory(topic=option.topic, date=date)
        for stance, stakeholder in enumerate(stakeholders, start=-1):
            position(option, stakeholder, stance=stance * (-1) ** day, as_of=date)
    timeline = services.timeline_build(topic_id=option.topic_id)
    whole = list(timeline)

    assert len(timeline) == len(whole) == 24
    for start in range(0, 24, 5):
        page = timeline[start : start + 5]
        assert [(e.event or e.position, e.previous_stance) for e in page] == [
            (e.event or e.position, e.previous_stance) for e in whole[start : start + 5]
        ]
    assert timeline[-1].position == whole[-1].position
    assert timeline[30:40] == []
    assert [e.previous_stance for e in whole if e.position and e.date == APRIL_29] == [None] * 3
    assert [e.stance_changed for e in whole if e.position and e.date == MAY_1] == [
        True,
        False,
        True,
    ]
