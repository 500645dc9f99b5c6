"""The stance matrix on small hand-built cases with known answers."""

import pytest

from options import analysis
from options.models import Position
from tests import factories
from tests.analysis.conftest import (
    APRIL_1,
    APRIL_29,
    APRIL_30,
    MAY_1,
    MAY_2,
    only_cell,
    position,
)

pytestmark = pytest.mark.django_db


def matrix(option, as_of, basis="any"):
    return analysis.stance_matrix_build(topic_id=option.topic_id, as_of=as_of, basis=basis)


def test_the_newest_position_on_or_before_the_date(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1, as_of=APRIL_29)
    newest = position(option, stakeholder, stance=-1, as_of=APRIL_30)
    position(option, stakeholder, stance=2, as_of=MAY_1)  # after the date: ignored

    cell = only_cell(matrix(option, APRIL_30, "stated"))

    assert (cell.position.id, cell.position.stance) == (newest.id, -1)


def test_a_tie_on_the_date_goes_to_the_latest_recorded_then_the_higher_id(option):
    stakeholder = factories.StakeholderFactory()
    first = position(option, stakeholder, stance=1)
    latest = position(option, stakeholder, stance=-2)  # same date, another source, later
    assert only_cell(matrix(option, APRIL_30)).position.id == latest.id

    Position.objects.filter(pk=latest.pk).update(created=first.created)
    assert only_cell(matrix(option, APRIL_30)).position.id == latest.id


def test_a_month_precision_position_counts_from_the_first_of_the_month(option):
    """'April 2019', stored as 30 April: as of 1 April it counts, its timing uncertain."""
    april = position(
        option, factories.StakeholderFactory(), stance=2, as_of=APRIL_30, as_of_precision="month"
    )

    assert matrix(option, APRIL_1 - (APRIL_30 - APRIL_29)).rows == []  # 31 March
    early = only_cell(matrix(option, APRIL_1))
    assert (early.position.id, early.timing_uncertain) == (april.id, True)
    assert only_cell(matrix(option, APRIL_30)).timing_uncertain is False


def test_a_year_precision_position_counts_from_the_first_of_january(option):
    position(option, factories.StakeholderFactory(), stance=1, as_of=MAY_1, as_of_precision="year")

    cell = only_cell(matrix(option, APRIL_1.replace(month=1)))

    assert cell.timing_uncertain


def test_disputed_only_from_the_date_of_the_dispute(option):
    """Russia's cell on 30 April 2019: the denial came later."""
    claim = position(option, factories.StakeholderFactory(), stance=-2, basis="reported")
    factories.PositionDisputeFactory(position=claim, date=MAY_1, date_precision="day")

    assert only_cell(matrix(option, APRIL_30)).position.disputed is False
    assert only_cell(matrix(option, MAY_1)).position.disputed is True


def test_a_dispute_known_to_the_month_counts_from_its_first_day(option):
    claim = position(option, factories.StakeholderFactory(), stance=-2, basis="reported")
    factories.PositionDisputeFactory(position=claim, date=MAY_2, date_precision="month")

    assert only_cell(matrix(option, APRIL_30)).position.disputed is False
    assert only_cell(matrix(option, MAY_1)).position.disputed is True


def test_retracted_only_from_the_date_of_the_retraction(option):
    stated = position(option, factories.StakeholderFactory(), stance=2, retracted_on=MAY_2)

    before, after = only_cell(matrix(option, MAY_1)), only_cell(matrix(option, MAY_2))

    assert (before.position.id, before.position.retracted) == (stated.id, False)
    assert (after.position.id, after.position.retracted, after.evidence_weight) == (
        stated.id,
        True,
        0,
    )


def test_every_pair_of_bases_is_compared_for_divergence(option):
    """Maikel Moreno: reported and expected to speak out (+1), then did not (−1, revealed)."""
    moreno = factories.StakeholderFactory(name="Maikel Moreno")
    position(option, moreno, stance=1, basis="expected", as_of=APRIL_29)
    position(option, moreno, stance=1, basis="reported", as_of=APRIL_29)
    position(option, moreno, stance=-1, basis="revealed", as_of=APRIL_30)

    cell = only_cell(matrix(option, MAY_1))

    assert cell.stances == {"reported": 1, "expected": 1, "revealed": -1}
    assert cell.divergent
    assert [(d.bases, d.stances) for d in cell.divergences] == [
        (("reported", "revealed"), (1, -1)),
        (("expected", "revealed"), (1, -1)),
    ]


def test_the_defence_minister_expected_to_back_the_deal_denounced_it(option):
    minister = factories.StakeholderFactory(name="Padrino López")
    position(option, minister, stance=1, basis="expected", as_of=APRIL_29)
    position(option, minister, stance=-2, basis="stated", as_of=APRIL_30, confidence="high")

    before, after = only_cell(matrix(option, APRIL_29)), only_cell(matrix(option, MAY_1))

    assert (before.stances, before.divergent) == ({"expected": 1}, False)
    assert (after.position.stance, after.position.basis) == (-2, "stated")
    assert after.stances == {"stated": -2, "expected": 1}
    assert [(d.bases, d.stances) for d in after.divergences] == [(("stated", "expected"), (-2, 1))]


def test_a_newer_weaker_guess_does_not_replace_someone_s_own_words(option):
    minister = factories.StakeholderFactory()
    stated = position(option, minister, stance=-2, basis="stated", confidence="high")
    position(option, minister, stance=2, basis="expected", as_of=MAY_2, confidence="low")

    assert only_cell(matrix(option, MAY_2)).position.id == stated.id


def test_a_retracted_position_no_longer_diverges(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1, basis="expected", as_of=APRIL_29)
    position(option, stakeholder, stance=-2, basis="stated", retracted_on=MAY_1)

    assert only_cell(matrix(option, APRIL_30)).divergent
    cell = only_cell(matrix(option, MAY_1))
    assert (cell.stances, cell.divergent) == ({"stated": -2, "expected": 1}, False)
    assert (cell.position.basis, cell.position.stance) == ("expected", 1)  # what still stands


def test_stance_on_one_basis_still_shows_every_basis(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=2, basis="expected")
    position(option, stakeholder, stance=-2, basis="stated")

    for basis, stance in [("expected", 2), ("stated", -2), ("any", -2)]:
        cell = only_cell(matrix(option, APRIL_30, basis))
        assert (cell.position.stance, cell.divergent) == (stance, True), basis


def test_empty_cells_are_none_and_rows_need_a_position(topic):
    first = factories.PolicyOptionFactory(topic=topic, title="A option")
    second = factories.PolicyOptionFactory(topic=topic, title="B option")
    alice = factories.StakeholderFactory(name="Alice")
    factories.StakeholderFactory(name="Bob")  # no position: no row
    position(second, alice, stance=1)

    built = analysis.stance_matrix_build(topic_id=topic.id, as_of=APRIL_30)

    assert built.options == [first, second]
    [row] = built.rows
    assert (row.stakeholder, row.cells[0], row.cells[1].position.stance) == (alice, None, 1)


def test_a_basis_without_positions_leaves_the_stakeholder_out(option):
    position(option, factories.StakeholderFactory(), stance=1, basis="expected")
    assert matrix(option, APRIL_30, "stated").rows == []


def test_an_empty_topic(topic):
    built = analysis.stance_matrix_build(topic_id=topic.id, as_of=APRIL_30)
    assert (built.options, built.rows) == ([], [])


def test_stakeholders_filtered_by_kind(option):
    person = factories.StakeholderFactory(kind="person")
    position(option, person, stance=1)
    position(option, factories.StakeholderFactory(kind="state"), stance=-1)

    built = analysis.stance_matrix_build(
        topic_id=option.topic_id, as_of=APRIL_30, stakeholder_kinds=["person"]
    )

    assert [row.stakeholder for row in built.rows] == [person]


def test_the_evidence_weight_of_a_cell(option):
    source = factories.SourceFactory(reliability="B")
    claim = position(
        option, factories.StakeholderFactory(), stance=1, confidence="high", source=source
    )
    factories.PositionDisputeFactory(position=claim, date=APRIL_29)

    assert only_cell(matrix(option, APRIL_30)).evidence_weight == pytest.approx(0.9 * 0.5)


def test_a_fixed_number_of_queries(topic, django_assert_num_queries):
    options = factories.PolicyOptionFactory.create_batch(5, topic=topic)
    for stakeholder in factories.StakeholderFactory.create_batch(10):
        for option in options:
            position(option, stakeholder, stance=1)
    # options, positions (with their disputes and sources), stakeholders
    with django_assert_num_queries(3):
        analysis.stance_matrix_build(topic_id=topic.id, as_of=APRIL_30)
