"""
What the analysis knows of a topic as of a date, read once: its options, every stakeholder's
newest positions on them by basis, the capability ratings and the part-of ties. The forecast and
the stance matrix are computed from a snapshot without further queries, so that a what-if
scenario (options/analysis/scenarios.py) can change a snapshot in memory and compute them again:
the database is never written.
"""

import datetime
from dataclasses import dataclass

from options.analysis.asof import (
    Capabilities,
    PositionsAsOf,
    Tie,
    capabilities_as_of,
    positions_as_of,
    ties_as_of,
)
from options.models import PolicyOption


@dataclass(frozen=True)
class TopicSnapshot:
    topic_id: int
    as_of: datetime.date
    options: list[PolicyOption]  # by title
    positions: PositionsAsOf
    capabilities: Capabilities
    ties: dict[int, list[Tie]]  # of every stakeholder with a position, by subject

    def stakeholder_ids(self) -> set[int]:
        """Everyone with a position in the snapshot."""
        return {stakeholder_id for stakeholder_id, _ in self.positions}


def topic_snapshot(
    *, topic_id: int, as_of: datetime.date, options: list[PolicyOption] | None = None
) -> TopicSnapshot:
    """The snapshot of a topic (or of some of its options) as of a date. Four queries: options
    (unless given), positions, capabilities, ties."""
    if options is None:
        options = list(PolicyOption.objects.filter(topic_id=topic_id).order_by("title", "id"))
    positions = positions_as_of(option_ids=[option.id for option in options], as_of=as_of)
    return TopicSnapshot(
        topic_id=topic_id,
        as_of=as_of,
        options=options,
        positions=positions,
        capabilities=capabilities_as_of(topic_id=topic_id, as_of=as_of),
        # For folding and bloc cohesion: the ties of everyone with a position.
        ties=ties_as_of(stakeholder_ids={sid for sid, _ in positions}, as_of=as_of),
    )
