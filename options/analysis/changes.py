"""
Changes of a stakeholder's **effective** stance on an option, whatever the bases: the stance of
the position that stands for them (by evidence rank, then date: evidence.effective_position)
before and after each of their positions is taken or retracted.

Padrino López was expected to back the transition deal (+1, expected) and then denounced it
(−2, stated): one basis after another, but a change of his stance all the same.
"""

import datetime
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from options.analysis.evidence import effective_position

POSITION, DISPUTE, RETRACTION = "position", "dispute", "retraction"
# On one date: events, then positions taken, disputes, retractions (timeline.Timeline's order).
KIND_ORDER = {"event": 0, POSITION: 1, DISPUTE: 2, RETRACTION: 3}


class Step(NamedTuple):
    """What a position is known by as it is replayed."""

    id: int
    stance: int
    basis: str
    as_of: datetime.date
    as_of_precision: str
    confidence: str
    created: datetime.datetime
    retracted_on: datetime.date | None


class Candidate(NamedTuple):
    id: int
    stance: int
    basis: str
    as_of: datetime.date
    as_of_precision: str
    confidence: str
    retracted: bool


STEP_FIELDS = list(Step._fields)


def position_key(step: Step) -> tuple:
    return (step.as_of, KIND_ORDER[POSITION], step.created, step.id)


def retraction_key(step: Step) -> tuple:
    return (step.retracted_on, KIND_ORDER[RETRACTION], step.created, step.id)


@dataclass(frozen=True)
class EffectiveChange:
    """The effective position before and after one step (a position taken, or retracted)."""

    before: Candidate | None
    after: Candidate | None

    @property
    def stance_changed(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and self.before.stance != self.after.stance
        )


def effective_changes(
    steps: Iterable[Step], wanted: Container[tuple[str, int]] | None = None
) -> dict[tuple[str, int], EffectiveChange]:
    """For the positions of one stakeholder on one option, the effective position before and
    after each of them is taken (`("position", id)`) and retracted (`("retraction", id)`), in
    the timeline's order: for all of them, or for those `wanted`."""
    events = []
    for step in steps:
        events.append((position_key(step), POSITION, step))
        if step.retracted_on is not None:
            events.append((retraction_key(step), RETRACTION, step))
    events.sort(key=lambda event: event[0])
    newest: dict[str, Step] = {}
    retracted: set[int] = set()

    def standing() -> Candidate | None:
        return effective_position(
            Candidate(
                s.id, s.stance, s.basis, s.as_of, s.as_of_precision, s.confidence, s.id in retracted
            )
            for s in newest.values()
        )

    changes = {}
    for _, kind, step in events:
        key = (kind, step.id)
        before = standing() if wanted is None or key in wanted else None
        if kind == POSITION:
            newest[step.basis] = step
        else:
            retracted.add(step.id)
        if wanted is None or key in wanted:
            changes[key] = EffectiveChange(before, standing())
    return changes
