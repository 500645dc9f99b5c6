"""Hand-built cases for the analysis: a topic, an option, and positions on it."""

import datetime

import pytest

from tests import factories

APRIL_1 = datetime.date(2019, 4, 1)
APRIL_29 = datetime.date(2019, 4, 29)
APRIL_30 = datetime.date(2019, 4, 30)
MAY_1 = datetime.date(2019, 5, 1)
MAY_2 = datetime.date(2019, 5, 2)
MAY_15 = datetime.date(2019, 5, 15)


@pytest.fixture
def topic(db):
    return factories.TopicFactory()


@pytest.fixture
def option(topic):
    return factories.PolicyOptionFactory(topic=topic, title="Transition deal")


@pytest.fixture
def sure_source(db):
    """A completely reliable source (grade A): with high confidence, evidence weight 1."""
    return factories.SourceFactory(reliability="A")


def position(option, stakeholder, *, stance, basis="stated", as_of=APRIL_30, **extra):
    return factories.PositionFactory(
        option=option, stakeholder=stakeholder, stance=stance, basis=basis, as_of=as_of, **extra
    )


def sure_position(option, stakeholder, source, *, stance, **extra):
    """A position of evidence weight 1: high confidence, a grade-A source, undisputed."""
    return position(option, stakeholder, stance=stance, confidence="high", source=source, **extra)


def rate(stakeholder, topic, capability, *, option=None, as_of=APRIL_1):
    on_option = {"option": option} if option else {}
    return factories.InfluenceFactory(
        stakeholder=stakeholder, topic=topic, capability=capability, as_of=as_of, **on_option
    )


def only_cell(matrix):
    [row] = matrix.rows
    [cell] = row.cells
    return cell
