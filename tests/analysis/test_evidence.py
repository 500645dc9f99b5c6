"""Which position stands among the bases, which bases diverge, what a position weighs."""

import datetime
from typing import NamedTuple

import pytest

from options.analysis.evidence import (
    divergences,
    effective_position,
    evidence_units,
    is_divergent,
)

D = datetime.date


class P(NamedTuple):
    basis: str
    as_of: datetime.date
    confidence: str = "medium"
    retracted: bool = False


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
    assert is_divergent(first, second) is divergent


def test_every_pair_of_bases_is_compared():
    """Moreno on 1 May 2019: reported +1 and expected +1, revealed −1."""
    assert divergences({"reported": 1, "expected": 1, "revealed": -1}) == [
        (("reported", "revealed"), (1, -1)),
        (("expected", "revealed"), (1, -1)),
    ]
    assert divergences({"stated": 1, "revealed": 2}) == []


STATED_HIGH = P("stated", D(2019, 4, 30), "high")


@pytest.mark.parametrize(
    ("candidates", "standing"),
    [
        # Padrino on 2 May: a newer, low-confidence guess does not replace his own words.
        ([STATED_HIGH, P("expected", D(2019, 5, 2), "low")], STATED_HIGH),
        # A newer guess at least as confident does.
        ([STATED_HIGH, P("expected", D(2019, 5, 2), "high")], P("expected", D(2019, 5, 2), "high")),
        # An older one never does, however confident.
        (
            [P("stated", D(2019, 4, 30), "low"), P("reported", D(2019, 4, 29), "high")],
            P("stated", D(2019, 4, 30), "low"),
        ),
        # Deed and word rank alike: the newer stands; on one date, the deed.
        (
            [P("stated", D(2019, 5, 1)), P("revealed", D(2019, 4, 30), "high")],
            P("stated", D(2019, 5, 1)),
        ),
        (
            [P("stated", D(2019, 4, 30)), P("revealed", D(2019, 4, 30))],
            P("revealed", D(2019, 4, 30)),
        ),
        # Reported outranks expected: an older report stands against a less confident guess.
        (
            [P("reported", D(2019, 4, 29), "medium"), P("expected", D(2019, 4, 30), "low")],
            P("reported", D(2019, 4, 29), "medium"),
        ),
        # A replacement may be replaced in turn, on the same terms.
        (
            [
                P("stated", D(2019, 4, 1), "low"),
                P("reported", D(2019, 4, 2), "low"),
                P("expected", D(2019, 4, 3), "low"),
            ],
            P("expected", D(2019, 4, 3), "low"),
        ),
        # A retracted position stands only where nothing else does.
        (
            [
                P("stated", D(2019, 4, 30), "high", retracted=True),
                P("expected", D(2019, 4, 1), "low"),
            ],
            P("expected", D(2019, 4, 1), "low"),
        ),
        (
            [P("stated", D(2019, 4, 30), retracted=True)],
            P("stated", D(2019, 4, 30), retracted=True),
        ),
        ([], None),
    ],
)
def test_the_standing_position_goes_by_evidence_rank_then_date(candidates, standing):
    assert effective_position(candidates) == standing
    assert effective_position(reversed(candidates)) == standing


@pytest.mark.parametrize(
    ("confidence", "reliability", "disputed", "retracted", "weight"),
    [
        ("high", "A", False, False, 1.0),
        ("medium", "C", False, False, 0.75 * 0.75),
        ("low", "F", False, False, 0.5 * 0.6),
        ("high", "B", True, False, 0.9 * 0.5),
        ("high", "A", False, True, 0.0),
    ],
)
def test_evidence_weight(confidence, reliability, disputed, retracted, weight):
    units = evidence_units(
        confidence=confidence, reliability=reliability, disputed=disputed, retracted=retracted
    )
    assert units / 1_000_000 == pytest.approx(weight)
