"""A stakeholder's positions over time, option by option, with each change of effective stance."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from options.analysis.changes import POSITION, EffectiveChange, Step, effective_changes
from options.models import PolicyOption, Position


@dataclass(frozen=True)
class HistoryEntry:
    position: Position
    change: EffectiveChange

    @property
    def previous(self):
        return self.change.before

    @property
    def stance_changed(self) -> bool:
        return self.change.stance_changed

    @property
    def effective(self) -> bool:
        return self.change.after is not None and self.change.after.id == self.position.id


@dataclass(frozen=True)
class OptionHistory:
    """A stakeholder's positions on one option, every basis, oldest first."""

    option: PolicyOption
    entries: list[HistoryEntry]

    @property
    def bases(self) -> list[str]:
        return sorted({entry.position.basis for entry in self.entries})

    @property
    def changes(self) -> int:
        """How many times the effective stance changed."""
        return sum(1 for entry in self.entries if entry.stance_changed)


def stakeholder_position_history(
    *,
    stakeholder_id: int,
    option_ids: Iterable[int] = (),
    read_positions: QuerySet[Position] | None = None,
) -> list[OptionHistory]:
    """The stakeholder's positions over time, one series per option (by option title), each
    position with the effective stance before it, whatever the bases. The positions are read
    from `read_positions` (the queryset that reads what they are shown with), by default
    plainly. One query, and what `read_positions` prefetches."""
    if read_positions is None:
        read_positions = Position.objects.all()
    positions = read_positions.filter(stakeholder_id=stakeholder_id).order_by(
        "option__title", "option_id", "as_of", "created", "id"
    )
    option_ids = list(option_ids)
    if option_ids:
        positions = positions.filter(option_id__in=option_ids)
    by_option: dict[int, list[Position]] = {}
    for position in positions:
        by_option.setdefault(position.option_id, []).append(position)
    histories = []
    for series in by_option.values():
        changes = effective_changes(
            Step(*(getattr(position, name) for name in Step._fields)) for position in series
        )
        histories.append(
            OptionHistory(
                option=series[0].option,
                entries=[HistoryEntry(p, changes[POSITION, p.id]) for p in series],
            )
        )
    return histories
