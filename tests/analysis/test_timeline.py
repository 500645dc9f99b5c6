"""The timeline and a stakeholder's history: changes of effective stance across bases."""

import datetime

import pytest

from options import analysis
from tests import factories
from tests.analysis.conftest import APRIL_1, APRIL_29, APRIL_30, MAY_1, MAY_2, position

pytestmark = pytest.mark.django_db


def timeline(option, **kwargs):
    return list(analysis.timeline_build(topic_id=option.topic_id, **kwargs))


def previous(entry):
    return None if entry.previous is None else (entry.previous.stance, entry.previous.basis)


def test_events_positions_disputes_and_retractions_in_date_order(option):
    stakeholder = factories.StakeholderFactory()
    first = position(option, stakeholder, stance=1, as_of=APRIL_29, retracted_on=MAY_2)
    event = factories.EventFactory(topic=option.topic, date=APRIL_30)
    claim = position(option, factories.StakeholderFactory(), stance=-2, basis="reported")
    dispute = factories.PositionDisputeFactory(position=claim, date=MAY_1)

    entries = timeline(option)

    assert [(e.type, e.date) for e in entries] == [
        ("position", APRIL_29),
        ("event", APRIL_30),
        ("position", APRIL_30),
        ("dispute", MAY_1),
        ("retraction", MAY_2),
    ]
    assert [e.event or e.dispute or e.position for e in entries] == [
        first,
        event,
        claim,
        dispute,
        first,
    ]
    assert entries[3].position == claim


def test_a_change_across_bases_is_a_change(option):
    """Padrino López: expected to back the deal (+1), then denounced it (−2, stated)."""
    minister = factories.StakeholderFactory()
    position(option, minister, stance=1, basis="expected", as_of=APRIL_29)
    position(option, minister, stance=-2, basis="stated", as_of=APRIL_30, confidence="high")
    position(option, minister, stance=-2, basis="stated", as_of=MAY_1)

    entries = timeline(option)

    assert [(previous(e), e.stance_changed, e.effective) for e in entries] == [
        (None, False, True),
        ((1, "expected"), True, True),
        ((-2, "stated"), False, True),
    ]


def test_a_newer_weaker_guess_is_no_change(option):
    minister = factories.StakeholderFactory()
    position(option, minister, stance=-2, basis="stated", confidence="high")
    position(option, minister, stance=2, basis="expected", as_of=MAY_2, confidence="low")

    last = timeline(option)[-1]

    assert (previous(last), last.stance_changed, last.effective) == ((-2, "stated"), False, False)


def test_a_retraction_can_change_the_effective_stance(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1, basis="expected", as_of=APRIL_29)
    position(option, stakeholder, stance=-2, basis="stated", as_of=APRIL_30, retracted_on=MAY_1)

    retraction = timeline(option)[-1]

    assert retraction.type == "retraction"
    assert (previous(retraction), retraction.stance_changed) == ((-2, "stated"), True)


def test_from_keeps_the_change_from_an_earlier_stance(option):
    stakeholder = factories.StakeholderFactory()
    position(option, stakeholder, stance=1, basis="expected", as_of=APRIL_29)
    position(option, stakeholder, stance=-2, as_of=MAY_1)

    [entry] = timeline(option, date_from=APRIL_30)

    assert (previous(entry), entry.position.stance, entry.stance_changed) == (
        (1, "expected"),
        -2,
        True,
    )


def test_to_keeps_what_was_known_by_then_months_from_their_start(option):
    april = position(
        option, factories.StakeholderFactory(), stance=1, as_of=APRIL_30, as_of_precision="month"
    )
    position(option, factories.StakeholderFactory(), stance=1, as_of=MAY_1)

    assert [e.position for e in timeline(option, date_to=APRIL_1)] == [april]
    assert [e.date_precision for e in timeline(option, date_to=APRIL_1)] == ["month"]
    # From 1 May on, "April" is over.
    assert [e.position.as_of for e in timeline(option, date_from=MAY_1)] == [MAY_1]


def test_for_a_stakeholder(option):
    alice, bob = factories.StakeholderFactory.create_batch(2)
    position(option, alice, stance=1)
    bobs = position(option, bob, stance=1)
    factories.PositionDisputeFactory(position=bobs, disputed_by=alice)
    factories.EventParticipantFactory(event__topic=option.topic, stakeholder=alice)
    factories.EventFactory(topic=option.topic).denied_by.add(alice)
    factories.EventFactory(topic=option.topic)  # alice not involved

    entries = analysis.timeline_build(topic_id=option.topic_id, stakeholder_ids=[alice.id])

    assert sorted(e.type for e in entries) == ["dispute", "event", "event", "position"]


def test_a_page_is_the_same_slice_of_the_whole(option):
    stakeholders = factories.StakeholderFactory.create_batch(3)
    for day in range(6):
        date = APRIL_29 + datetime.timedelta(days=day)
        factories.EventFactory(topic=option.topic, date=date)
        for stance, stakeholder in enumerate(stakeholders, start=-1):
            basis = "stated" if day % 2 else "expected"
            position(option, stakeholder, stance=stance * (-1) ** day, as_of=date, basis=basis)
    built = analysis.timeline_build(topic_id=option.topic_id)
    whole = list(built)

    def seen(entries):
        return [(e.event or e.position, previous(e), e.stance_changed) for e in entries]

    assert len(built) == len(whole) == 24
    for start in range(0, 24, 5):
        assert seen(built[start : start + 5]) == seen(whole[start : start + 5])
    assert built[-1].position == whole[-1].position
    assert built[30:40] == []


def test_a_page_reads_a_fixed_number_of_queries(option, django_assert_max_num_queries):
    for stakeholder in factories.StakeholderFactory.create_batch(5):
        claim = position(option, stakeholder, stance=1, retracted_on=MAY_2)
        factories.PositionDisputeFactory(position=claim)
    factories.EventFactory.create_batch(3, topic=option.topic)
    built = analysis.timeline_build(topic_id=option.topic_id)
    # events and positions counted, the 4 streams' keys (disputes and retractions read whole,
    # which counts them), events (+ 5 prefetches), disputes, positions (+ their disputes), the
    # positions replayed
    with django_assert_max_num_queries(16):
        assert len(built[0:20]) == 18


def test_history_gives_one_series_per_option_with_changes_across_bases(option):
    stakeholder = factories.StakeholderFactory()
    other = factories.PolicyOptionFactory(topic=option.topic, title="Another")
    position(option, stakeholder, stance=1, basis="expected", as_of=APRIL_29)
    position(option, stakeholder, stance=-2, basis="stated", as_of=APRIL_30)
    position(option, stakeholder, stance=-1, basis="stated", as_of=MAY_1)
    position(other, stakeholder, stance=0)

    history = analysis.stakeholder_position_history(stakeholder_id=stakeholder.id)

    assert [(h.option, h.bases, len(h.entries), h.changes) for h in history] == [
        (other, ["stated"], 1, 0),
        (option, ["expected", "stated"], 3, 2),
    ]
    assert [previous(e) for e in history[1].entries] == [None, (1, "expected"), (-2, "stated")]
    only = analysis.stakeholder_position_history(
        stakeholder_id=stakeholder.id, option_ids=[other.id]
    )
    assert [h.option for h in only] == [other]
