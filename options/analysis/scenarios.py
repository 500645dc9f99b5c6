"""
What-if scenarios: the forecast of a topic's options before and after hypothetical changes (a
stakeholder's stance, salience or capability set, a stakeholder dropped or a hypothetical one
added, an option's status changed), computed on a snapshot changed in memory. Nothing is written.

How a change is applied (docs/analysis.md, "Scenarios"):

- A stance set on an option replaces what the stakeholder's positions on it say with one
  hypothetical position on the basis the scenario is run on (`stated` for `any`). It keeps the
  evidence weight, salience and date of the position that stood (a what-if moves the stance,
  not the evidence); where none stood, it counts at full evidence weight as of the scenario's
  date. "On all options" means on every option of the topic.
- A salience set replaces the salience of the stakeholder's positions on the option (on all of
  its positions, for all options); a capability set replaces its rating on the option, or on the
  topic (for all options: its ratings on single options are dropped too).
- A dropped stakeholder loses its positions, ratings and ties: members of a dropped bloc count
  on their own.
- A hypothetical stakeholder gets a negative id (−1, −2, … in the order added), the capability
  given on the topic, and its positions (at full evidence weight).
- An option's status changes whether it is ranked, not its figures.

The stakeholders "who moved it most" are, for each option, those named by the changes, each
ranked by how far its own changes alone (on the data before) move the weighted mean.
"""

import copy
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from options.analysis.asof import ANY_BASIS, Capabilities, PositionAsOf, PositionsAsOf
from options.analysis.evidence import STATED, effective_position
from options.analysis.forecast import Forecast, snapshot_forecast
from options.analysis.matrix import StanceMatrix, matrix_assemble
from options.analysis.snapshot import TopicSnapshot
from options.models import DatePrecision, Source, Stakeholder

# A hypothetical position has no record: it is told apart by this id.
HYPOTHETICAL_POSITION_ID = 0
FULL_CONFIDENCE, FULL_RELIABILITY = "high", Source.Reliability.A.value


class ScenarioError(ValueError):
    """A change that cannot apply to the topic: `index` is its place in the list (from 0)."""

    def __init__(self, index: int, field: str, message: str):
        super().__init__(message)
        self.index, self.field, self.message = index, field, message


@dataclass(frozen=True)
class SetStance:
    stakeholder_id: int
    stance: int
    option_id: int | None = None  # None: every option of the topic


@dataclass(frozen=True)
class SetSalience:
    stakeholder_id: int
    salience: int
    option_id: int | None = None


@dataclass(frozen=True)
class SetCapability:
    stakeholder_id: int
    capability: int
    option_id: int | None = None  # None: on the topic


@dataclass(frozen=True)
class DropStakeholder:
    stakeholder_id: int


@dataclass(frozen=True)
class HypotheticalPosition:
    option_id: int
    stance: int
    salience: int | None = None


@dataclass(frozen=True)
class AddStakeholder:
    name: str
    kind: str
    capability: int
    positions: tuple[HypotheticalPosition, ...] = ()


@dataclass(frozen=True)
class SetOptionStatus:
    option_id: int
    status: str


Change = (
    SetStance | SetSalience | SetCapability | DropStakeholder | AddStakeholder | SetOptionStatus
)


@dataclass
class ScenarioOutcome:
    before: list[Forecast]  # in the order topic_forecast gives
    after: list[Forecast]  # by option, in the order of `before`
    movers: dict[int, list[tuple[int, float]]]  # by option id: (stakeholder id, mean shift)
    matrix_after: StanceMatrix
    stakeholders: dict[int, Stakeholder] = field(default_factory=dict)  # hypothetical ones too


# --- Applying changes ------------------------------------------------------------------------


def _hypothetical(
    *,
    stakeholder_id: int,
    option_id: int,
    stance: int,
    basis: str,
    as_of: datetime.date,
    standing: PositionAsOf | None,
    salience: int | None = None,
) -> PositionAsOf:
    if standing is not None:
        # The evidence of the position that stood, with the new stance.
        return standing._replace(
            id=HYPOTHETICAL_POSITION_ID, basis=basis, stance=stance, retracted=False
        )
    return PositionAsOf(
        id=HYPOTHETICAL_POSITION_ID,
        stakeholder_id=stakeholder_id,
        option_id=option_id,
        stance=stance,
        basis=basis,
        as_of=as_of,
        as_of_precision=DatePrecision.DAY,
        salience=salience,
        confidence=FULL_CONFIDENCE,
        source_id=0,
        reliability=FULL_RELIABILITY,
        retracted_on=None,
        retracted_precision=DatePrecision.DAY,
        retracted=False,
        disputed=False,
    )


def _standing(by_basis: dict[str, PositionAsOf] | None, basis: str) -> PositionAsOf | None:
    if not by_basis:
        return None
    if basis == ANY_BASIS:
        return effective_position(by_basis.values())
    return by_basis.get(basis)


class _Draft:
    """A snapshot being changed: copies of what the changes touch."""

    def __init__(self, snapshot: TopicSnapshot, basis: str):
        self.snapshot = snapshot
        self.basis = STATED if basis == ANY_BASIS else basis
        self.read_basis = basis
        self.options = list(snapshot.options)
        self.positions: PositionsAsOf = {key: dict(v) for key, v in snapshot.positions.items()}
        self.on_topic = dict(snapshot.capabilities.on_topic)
        self.on_option = defaultdict(
            dict, {oid: dict(r) for oid, r in snapshot.capabilities.on_option.items()}
        )
        self.ties = {sid: list(ties) for sid, ties in snapshot.ties.items()}
        self.added: dict[int, Stakeholder] = {}

    def option_ids(self, option_id: int | None) -> list[int]:
        return [o.id for o in self.options] if option_id is None else [option_id]

    def set_stance(self, change: SetStance) -> None:
        for option_id in self.option_ids(change.option_id):
            key = (change.stakeholder_id, option_id)
            standing = _standing(self.positions.get(key), self.read_basis)
            self.positions[key] = {
                self.basis: _hypothetical(
                    stakeholder_id=change.stakeholder_id,
                    option_id=option_id,
                    stance=change.stance,
                    basis=self.basis,
                    as_of=self.snapshot.as_of,
                    standing=standing,
                )
            }

    def set_salience(self, change: SetSalience) -> None:
        for option_id in self.option_ids(change.option_id):
            by_basis = self.positions.get((change.stakeholder_id, option_id), {})
            for basis, position in by_basis.items():
                by_basis[basis] = position._replace(salience=change.salience)

    def set_capability(self, change: SetCapability) -> None:
        if change.option_id is not None:
            self.on_option[change.option_id][change.stakeholder_id] = change.capability
            return
        self.on_topic[change.stakeholder_id] = change.capability
        for ratings in self.on_option.values():
            ratings.pop(change.stakeholder_id, None)

    def drop(self, change: DropStakeholder) -> None:
        gone = change.stakeholder_id
        self.positions = {key: v for key, v in self.positions.items() if key[0] != gone}
        self.on_topic.pop(gone, None)
        for ratings in self.on_option.values():
            ratings.pop(gone, None)
        self.ties.pop(gone, None)
        for subject_id, ties in self.ties.items():
            self.ties[subject_id] = [tie for tie in ties if tie.object_id != gone]

    def add(self, change: AddStakeholder) -> None:
        new_id = -(len(self.added) + 1)
        self.added[new_id] = Stakeholder(id=new_id, slug="", name=change.name, kind=change.kind)
        self.on_topic[new_id] = change.capability
        for position in change.positions:
            self.positions[new_id, position.option_id] = {
                self.basis: _hypothetical(
                    stakeholder_id=new_id,
                    option_id=position.option_id,
                    stance=position.stance,
                    basis=self.basis,
                    as_of=self.snapshot.as_of,
                    standing=None,
                    salience=position.salience,
                )
            }

    def set_status(self, change: SetOptionStatus) -> None:
        for index, option in enumerate(self.options):
            if option.id == change.option_id:
                changed = copy.copy(option)
                changed.status = change.status
                self.options[index] = changed

    def apply(self, change: Change) -> None:
        {
            SetStance: self.set_stance,
            SetSalience: self.set_salience,
            SetCapability: self.set_capability,
            DropStakeholder: self.drop,
            AddStakeholder: self.add,
            SetOptionStatus: self.set_status,
        }[type(change)](change)

    def snapshot_after(self) -> TopicSnapshot:
        return replace(
            self.snapshot,
            options=self.options,
            positions=self.positions,
            capabilities=Capabilities(on_topic=self.on_topic, on_option=self.on_option),
            ties=self.ties,
        )


def scenario_apply(
    snapshot: TopicSnapshot, changes: Iterable[Change], *, basis: str
) -> tuple[TopicSnapshot, dict[int, Stakeholder]]:
    """The snapshot after the changes, in order, and the hypothetical stakeholders they add (by
    their negative ids). The snapshot given is left as it was."""
    draft = _Draft(snapshot, basis)
    for change in changes:
        draft.apply(change)
    return draft.snapshot_after(), draft.added


def scenario_check(snapshot: TopicSnapshot, changes: list[Change]) -> None:
    """ScenarioError for the first change that names an option of another topic."""
    option_ids = {option.id for option in snapshot.options}
    for index, change in enumerate(changes):
        named = [getattr(change, "option_id", None)]
        if isinstance(change, AddStakeholder):
            named = [position.option_id for position in change.positions]
        for option_id in named:
            if option_id is not None and option_id not in option_ids:
                raise ScenarioError(
                    index, "option", f"Option {option_id} is not an option of this topic."
                )


# --- Running a scenario ------------------------------------------------------------------------


def scenario_run(
    snapshot: TopicSnapshot, changes: list[Change], *, basis: str, unit: str
) -> ScenarioOutcome:
    """The forecasts before and after the changes, who moved each option most, and the stance
    matrix after. One query: the stakeholders named in them (the snapshot holds the rest)."""
    scenario_check(snapshot, changes)
    before = snapshot_forecast(snapshot, basis=basis, unit=unit)
    after_snapshot, added = scenario_apply(snapshot, changes, basis=basis)
    by_option = {f.option.id: f for f in snapshot_forecast(after_snapshot, basis=basis, unit=unit)}
    after = [by_option[forecast.option.id] for forecast in before]

    # Each actor the changes name, with its own changes: a hypothetical one by the id it has
    # in the outcome (−1, −2, … in the order added).
    named = dict.fromkeys(c.stakeholder_id for c in changes if hasattr(c, "stakeholder_id"))
    actors = [
        (sid, [c for c in changes if getattr(c, "stakeholder_id", None) == sid]) for sid in named
    ]
    added_changes = [c for c in changes if isinstance(c, AddStakeholder)]
    actors += [(-(index + 1), [add]) for index, add in enumerate(added_changes)]
    mean_before = {forecast.option.id: forecast.weighted_mean for forecast in before}
    movers: dict[int, list[tuple[int, float]]] = {option.id: [] for option in snapshot.options}
    for actor_id, own in actors:
        alone, _ = scenario_apply(snapshot, own, basis=basis)
        for forecast in snapshot_forecast(alone, basis=basis, unit=unit, intervals=False):
            shift = _shift(mean_before[forecast.option.id], forecast.weighted_mean)
            if shift:
                movers[forecast.option.id].append((actor_id, shift))
    for option_movers in movers.values():
        option_movers.sort(key=lambda mover: (-abs(mover[1]), mover[0]))

    ids = after_snapshot.stakeholder_ids() | set(named)
    ids |= {sid for f in [*before, *after] for sid in f.stakeholder_ids()}
    real = Stakeholder.objects.filter(id__in={i for i in ids if i > 0}).order_by("name", "id")
    stakeholders = {**{s.id: s for s in real}, **added}
    matrix = matrix_assemble(
        options=after_snapshot.options,
        positions=after_snapshot.positions,
        basis=basis,
        as_of=snapshot.as_of,
        stakeholders=[*real, *sorted(added.values(), key=lambda s: (s.name, -s.id))],
    )
    for forecast in [*before, *after]:
        forecast.stakeholders = stakeholders
    return ScenarioOutcome(
        before=before, after=after, movers=movers, matrix_after=matrix, stakeholders=stakeholders
    )


def _shift(before: float | None, after: float | None) -> float:
    """How far the weighted mean moved; from or to no mean at all (nobody weighing), as far as
    the mean there is."""
    return (after or 0.0) - (before or 0.0)
