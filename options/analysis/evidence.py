"""
What a position is worth as evidence: which position stands for a stakeholder when several bases
speak, whether two bases disagree, and how much a position weighs (docs/analysis.md, "Evidence").
"""

import itertools
from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar

from options.models import Position, Source

STATED, REPORTED, EXPECTED, REVEALED = (
    Position.Basis.STATED.value,
    Position.Basis.REPORTED.value,
    Position.Basis.EXPECTED.value,
    Position.Basis.REVEALED.value,
)
BASES = [basis.value for basis in Position.Basis]

# Evidence rank: a stakeholder's own deed and word (0) outrank what others report of them (1),
# which outranks what is expected of them (2).
BASIS_RANK = {REVEALED: 0, STATED: 0, REPORTED: 1, EXPECTED: 2}
# On one date, within a rank, what they did outweighs what they said.
SAME_DAY_ORDER = {REVEALED: 0, STATED: 1, REPORTED: 2, EXPECTED: 3}
CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}

# Evidence weight factors, in per cent (the weights are computed in integers so that ties, the
# median and the pivotal stakeholders are exact). Evidence weight = the product of the three.
CONFIDENCE_FACTOR = {"high": 100, "medium": 75, "low": 50}
RELIABILITY_FACTOR = {
    Source.Reliability.A: 100,
    Source.Reliability.B: 90,
    Source.Reliability.C: 75,
    Source.Reliability.D: 50,
    Source.Reliability.E: 25,
    Source.Reliability.F: 60,  # not judged: neither trusted nor distrusted
}
DISPUTED_FACTOR = 50
RETRACTED_FACTOR = 0
#: The evidence weight of 1 (high confidence, an A source, undisputed), in the integer unit.
FULL_EVIDENCE = 100 * 100 * 100


class Evidence(Protocol):
    basis: str
    as_of: object
    confidence: str
    retracted: bool


E = TypeVar("E", bound=Evidence)


def effective_position(candidates: Iterable[E]) -> E | None:
    """The position that stands for a stakeholder on an option among the newest of each basis
    (`basis=any`): by evidence rank, then date.

    The best-ranked basis stands (revealed or stated, the newer of the two; revealed on the same
    date), unless a lower-ranked position is **newer and at least as confident**: then it
    replaces it, and may in turn be replaced by a still lower-ranked one on the same terms.
    A position retracted as of the date stands only where no other does (it then weighs
    nothing)."""
    candidates = list(candidates)
    ordered = sorted(
        [c for c in candidates if not c.retracted] or candidates,
        key=lambda p: (BASIS_RANK[p.basis], -p.as_of.toordinal(), SAME_DAY_ORDER[p.basis]),
    )
    if not ordered:
        return None
    standing = ordered[0]
    for candidate in ordered[1:]:
        if (
            BASIS_RANK[candidate.basis] > BASIS_RANK[standing.basis]
            and candidate.as_of > standing.as_of
            and CONFIDENCE_RANK[candidate.confidence] >= CONFIDENCE_RANK[standing.confidence]
        ):
            standing = candidate
    return standing


def is_divergent(first: int, second: int) -> bool:
    """Two stances diverge when one supports and the other opposes, or they are 2 or more apart."""
    return first * second < 0 or abs(first - second) >= 2


def divergences(stances: Mapping[str, int]) -> list[tuple[tuple[str, str], tuple[int, int]]]:
    """Every pair of bases whose stances diverge, in the order of BASES: ((a, b), (sa, sb))."""
    known = [basis for basis in BASES if basis in stances]
    return [
        ((first, second), (stances[first], stances[second]))
        for first, second in itertools.combinations(known, 2)
        if is_divergent(stances[first], stances[second])
    ]


def evidence_units(*, confidence: str, reliability: str, disputed: bool, retracted: bool) -> int:
    """The evidence weight in millionths: confidence × source reliability × dispute factor, or
    nothing once retracted."""
    if retracted:
        return RETRACTED_FACTOR
    return (
        CONFIDENCE_FACTOR[confidence]
        * RELIABILITY_FACTOR[reliability]
        * (DISPUTED_FACTOR if disputed else 100)
    )


def evidence_factors() -> dict:
    """The table of factors, as the forecast's answer gives it (fractions of 1)."""
    return {
        "confidence": {name: factor / 100 for name, factor in CONFIDENCE_FACTOR.items()},
        "reliability": {str(grade): factor / 100 for grade, factor in RELIABILITY_FACTOR.items()},
        "disputed": DISPUTED_FACTOR / 100,
        "retracted": RETRACTED_FACTOR / 100,
    }
