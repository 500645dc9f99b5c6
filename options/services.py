"""
Analysis: where everyone stands on a topic's options as of a date, which way the options are
likely to go, and how it all unfolded. The semantics are written up in docs/analysis.md.

Each function reads with a fixed number of queries, whatever the number of stakeholders and
options, and does the rest in Python.
"""

import datetime
import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connections
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from options.models import (
    Event,
    Influence,
    PolicyOption,
    Position,
    PositionDispute,
    Stakeholder,
)

ANY_BASIS = "any"
BASES = [choice.value for choice in Position.Basis]
# On the same date, `any` prefers what was said over what is reported, inferred or expected.
BASIS_PREFERENCE = [
    Position.Basis.STATED,
    Position.Basis.REPORTED,
    Position.Basis.REVEALED,
    Position.Basis.EXPECTED,
]
PREFERENCE = {basis: rank for rank, basis in enumerate(BASIS_PREFERENCE)}  # 0: the first choice
DEFAULT_WEIGHT_FACTOR = 50  # a missing capability or salience counts as this


def is_divergent(first: int, second: int) -> bool:
    """Two stances diverge when one supports and the other opposes, or they are 2 or more apart."""
    return first * second < 0 or abs(first - second) >= 2


def _sign(value: float | None) -> int | None:
    if value is None:
        return None
    return (value > 0) - (value < 0)


# --- Positions as of a date -------------------------------------------------------------------


class PositionAsOf(NamedTuple):
    """A position as of a date, with what the stance matrix shows of it."""

    id: int
    stakeholder_id: int
    option_id: int
    stance: int
    basis: str
    as_of: datetime.date
    as_of_precision: str
    salience: int | None
    confidence: str
    source_id: int
    retracted: bool
    disputed: bool


class StanceAsOf(NamedTuple):
    """The position that stands for a stakeholder on an option as of a date, with what the
    forecast weighs of it."""

    stakeholder_id: int
    option_id: int
    stance: int
    salience: int | None


# A stakeholder's newest position on an option per basis, by (stakeholder id, option id).
PositionsAsOf = dict[tuple[int, int], dict[str, PositionAsOf]]


def _newest_positions(
    *,
    option_ids: Iterable[int],
    as_of: datetime.date,
    basis: str = ANY_BASIS,
    stakeholder_kinds: Iterable[str] = (),
    per_basis: bool = True,
) -> QuerySet:
    """The newest position per stakeholder × option × basis with `as_of` on or before the date
    (ties: the latest created, then the highest id), on these options, on `basis` unless it is
    `any`, and of stakeholders of `stakeholder_kinds` if given.

    Without `per_basis`, the one position that stands for each stakeholder × option, as `_pick`
    chooses it: the newest, the preferred basis on the same date (BASIS_PREFERENCE), then the
    latest created. (The newest of each basis, then the newest of those, preferred basis first,
    is the same position.)

    Only the newest leave the database (the whole history used to be read and sifted in
    Python), each database by its fastest plan (bench/README.md): PostgreSQL keeps the first
    position of each group in one sort (DISTINCT ON); SQLite, whose sort and window functions
    are slower, keeps a position if it is the newest of its group, which `position_history_idx`
    answers in one index probe."""
    positions = Position.objects.filter(option_id__in=list(option_ids), as_of__lte=as_of)
    if basis != ANY_BASIS:
        positions = positions.filter(basis=basis)
    stakeholder_kinds = list(stakeholder_kinds)
    if stakeholder_kinds:
        # Before the probe below, so that SQLite probes only these stakeholders' positions.
        of_kinds = Stakeholder.objects.filter(
            pk=OuterRef("stakeholder"), kind__in=stakeholder_kinds
        )
        positions = positions.filter(Exists(of_kinds))
    # On one basis, the newest position of that basis is the one that stands.
    per_basis = per_basis or basis != ANY_BASIS
    by_basis = ["stakeholder_id", "option_id", "basis"]
    newest_first = ["-as_of", "-created", "-id"]
    preference = Case(
        *(When(basis=choice, then=Value(rank)) for choice, rank in PREFERENCE.items()),
        output_field=IntegerField(),
    )
    if connections[positions.db].features.can_distinct_on_fields:
        if per_basis:
            return positions.order_by(*by_basis, *newest_first).distinct(*by_basis)
        by_pair = by_basis[:2]
        return positions.order_by(*by_pair, "-as_of", preference.asc(), "-created", "-id").distinct(
            *by_pair
        )
    newest_id = (
        Position.objects.filter(
            stakeholder=OuterRef("stakeholder"),
            option=OuterRef("option"),
            basis=OuterRef("basis"),
            as_of__lte=as_of,
        )
        .order_by(*newest_first)
        .values("id")[:1]
    )
    newest = positions.filter(id=Subquery(newest_id)).order_by()
    if per_basis:
        return newest
    # Of the newest of each basis, the one that stands: a window over those few rows (a probe
    # per pair that sorted by preference could not read the index in order, and took twice as
    # long).
    return newest.annotate(
        choice=Window(
            RowNumber(),
            partition_by=[F("stakeholder_id"), F("option_id")],
            order_by=[F("as_of").desc(), preference.asc()],
        )
    ).filter(choice=1)


def _by_stakeholder_and_option(positions: Iterable[PositionAsOf]) -> PositionsAsOf:
    """The positions by (stakeholder, option) and basis."""
    latest: PositionsAsOf = defaultdict(dict)
    for position in positions:
        latest[position.stakeholder_id, position.option_id][position.basis] = position
    return latest


def _positions_as_of(
    *, option_ids: Iterable[int], as_of: datetime.date, stakeholder_kinds: Iterable[str] = ()
) -> PositionsAsOf:
    """The newest position per stakeholder × option × basis as of the date, whole. One query."""
    positions = _newest_positions(
        option_ids=option_ids, as_of=as_of, stakeholder_kinds=stakeholder_kinds
    ).annotate(disputed=Exists(PositionDispute.objects.filter(position=OuterRef("pk"))))
    rows = positions.values_list(*PositionAsOf._fields)
    return _by_stakeholder_and_option(map(PositionAsOf._make, rows))


def _stances_as_of(
    *, option_ids: Iterable[int], as_of: datetime.date, basis: str = ANY_BASIS
) -> dict[int, list[StanceAsOf]]:
    """The stance that stands for each stakeholder on each option as of the date (on `basis`
    alone unless it is `any`), by option id. One query, which picks them (`_pick`'s choice, in
    SQL: the forecast weighs thousands, and reads no more than it weighs)."""
    positions = _newest_positions(option_ids=option_ids, as_of=as_of, basis=basis, per_basis=False)
    by_option: dict[int, list[StanceAsOf]] = defaultdict(list)
    for stance in map(StanceAsOf._make, positions.values_list(*StanceAsOf._fields)):
        by_option[stance.option_id].append(stance)
    return by_option


def _pick(by_basis: dict[str, PositionAsOf], basis: str) -> PositionAsOf | None:
    """The position that stands for a cell: the basis asked for, or for `any` the newest one,
    preferring stated over reported over revealed over expected on the same date."""
    if basis != ANY_BASIS:
        return by_basis.get(basis)
    if not by_basis:
        return None
    return max(
        by_basis.values(), key=lambda position: (position.as_of, -PREFERENCE[position.basis])
    )


# --- Stance matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    position: PositionAsOf
    stances: dict[str, int]  # every basis's stance as of the date
    divergent: bool


@dataclass(frozen=True)
class MatrixRow:
    stakeholder: Stakeholder
    cells: list[MatrixCell | None]  # in column order; None where there is no position


@dataclass(frozen=True)
class StanceMatrix:
    as_of: datetime.date
    basis: str
    options: list[PolicyOption]
    rows: list[MatrixRow]


def _cell(by_basis: dict[str, PositionAsOf], basis: str) -> MatrixCell | None:
    position = _pick(by_basis, basis)
    if position is None:
        return None
    stances = {b: by_basis[b].stance for b in BASES if b in by_basis}
    stated = stances.get(Position.Basis.STATED)
    divergent = stated is not None and any(
        is_divergent(stated, stances[other])
        for other in (Position.Basis.EXPECTED, Position.Basis.REPORTED)
        if other in stances
    )
    return MatrixCell(position=position, stances=stances, divergent=divergent)


def stance_matrix_build(
    *,
    topic_id: int,
    as_of: datetime.date,
    basis: str = ANY_BASIS,
    stakeholder_kinds: Iterable[str] = (),
) -> StanceMatrix:
    """Stakeholders × the topic's options, each cell the position as of `as_of` on `basis`.

    Rows are the stakeholders with at least one position in the matrix, by name; columns the
    topic's options, by title. Three queries: options, positions, stakeholders.
    """
    options = list(PolicyOption.objects.filter(topic_id=topic_id).order_by("title", "id"))
    column_of = {option.id: column for column, option in enumerate(options)}
    latest = _positions_as_of(
        option_ids=list(column_of), as_of=as_of, stakeholder_kinds=stakeholder_kinds
    )
    cells_by_stakeholder: dict[int, list[MatrixCell | None]] = {}
    for (stakeholder_id, option_id), by_basis in latest.items():
        cell = _cell(by_basis, basis)
        if cell is not None:
            if stakeholder_id not in cells_by_stakeholder:
                cells_by_stakeholder[stakeholder_id] = [None] * len(options)
            cells_by_stakeholder[stakeholder_id][column_of[option_id]] = cell
    stakeholders = Stakeholder.objects.filter(id__in=cells_by_stakeholder).order_by("name", "id")
    rows = [
        MatrixRow(stakeholder, cells_by_stakeholder[stakeholder.id]) for stakeholder in stakeholders
    ]
    return StanceMatrix(as_of=as_of, basis=basis, options=options, rows=rows)


# --- Support forecast -------------------------------------------------------------------------


class WeightedStance(NamedTuple):
    stakeholder_id: int
    stance: int
    capability: int
    salience: int
    capability_defaulted: bool
    salience_defaulted: bool

    @property
    def weight(self) -> int:
        return self.capability * self.salience


@dataclass(frozen=True)
class Forecast:
    option: PolicyOption
    as_of: datetime.date
    basis: str
    counted: int
    defaulted: int  # stakeholders with a defaulted capability or salience
    defaulted_capability: int
    defaulted_salience: int
    total_weight: int
    weighted_mean: float | None
    weighted_median: int | None
    support_share: float | None
    oppose_share: float | None
    neutral_share: float | None
    stances: list[WeightedStance]
    pivotal_ids: list[int]
    pivotal: list[Stakeholder] = field(default_factory=list)


def _weight_by_stance(stances: Iterable[WeightedStance]) -> dict[int, int]:
    """The total weight on each stance, by stance ascending."""
    totals = dict.fromkeys(range(-2, 3), 0)
    for item in stances:
        totals[item.stance] += item.weight
    return totals


def _mean(weight_by_stance: dict[int, int]) -> float | None:
    total = sum(weight_by_stance.values())
    if total == 0:
        return None
    return sum(stance * weight for stance, weight in weight_by_stance.items()) / total


def _median(weight_by_stance: dict[int, int]) -> int | None:
    """The stance at which the cumulative weight, by stance ascending, first reaches half."""
    total = sum(weight_by_stance.values())
    if total == 0:
        return None
    cumulative = 0
    for stance in sorted(weight_by_stance):
        cumulative += weight_by_stance[stance]
        if 2 * cumulative >= total:  # integers: no rounding at exactly half
            return stance
    raise AssertionError("unreachable: the cumulative weight ends at the total")


def _pivotal_ids(stances: list[WeightedStance], weight_by_stance: dict[int, int]) -> list[int]:
    """The stakeholders whose removal alone would change the sign of the weighted mean or move
    the weighted median.

    Removing one stakeholder takes its weight off the total, off the weighted sum of stances and
    off its stance's weight, so each removal is worked out from those totals, in integers as in
    `_median`, instead of recomputing the mean and the median (a third of a forecast's time)."""
    total = sum(weight_by_stance.values())
    weighted_sum = sum(stance * weight for stance, weight in weight_by_stance.items())
    outcome = (_sign(_mean(weight_by_stance)), _median(weight_by_stance))
    pivotal_ids = []
    for item in stances:
        remaining = total - item.weight
        if remaining == 0:
            outcome_without = (None, None)  # nobody left who weighs anything
        else:
            cumulative = 0
            for stance, weight in weight_by_stance.items():  # by stance ascending
                cumulative += weight - item.weight if stance == item.stance else weight
                if 2 * cumulative >= remaining:
                    break  # `stance` is the median without this stakeholder
            outcome_without = (_sign(weighted_sum - item.stance * item.weight), stance)
        if outcome_without != outcome:
            pivotal_ids.append(item.stakeholder_id)
    return pivotal_ids


def _capabilities_as_of(
    *, topic_ids: Iterable[int], as_of: datetime.date
) -> dict[tuple[int, int], int]:
    """The newest capability per (topic, stakeholder) on or before the date. One query."""
    capabilities = {}
    influences = (
        Influence.objects.filter(topic_id__in=list(topic_ids), as_of__lte=as_of)
        .order_by("as_of", "created", "id")
        .values_list("topic_id", "stakeholder_id", "capability")
    )
    for topic_id, stakeholder_id, capability in influences:
        capabilities[topic_id, stakeholder_id] = capability
    return capabilities


def _forecast(
    *,
    option: PolicyOption,
    as_of: datetime.date,
    basis: str,
    positions: list[StanceAsOf],
    capabilities: dict[tuple[int, int], int],
) -> Forecast:
    """The forecast of one option from the stances that stand for each stakeholder on it."""
    stances = []
    for position in positions:
        capability = capabilities.get((option.topic_id, position.stakeholder_id))
        stances.append(
            WeightedStance(
                stakeholder_id=position.stakeholder_id,
                stance=position.stance,
                capability=DEFAULT_WEIGHT_FACTOR if capability is None else capability,
                salience=(
                    DEFAULT_WEIGHT_FACTOR if position.salience is None else position.salience
                ),
                capability_defaulted=capability is None,
                salience_defaulted=position.salience is None,
            )
        )
    weight_by_stance = _weight_by_stance(stances)
    total = sum(weight_by_stance.values())
    mean, median = _mean(weight_by_stance), _median(weight_by_stance)

    def share(condition) -> float | None:
        if total == 0:
            return None
        return sum(w for stance, w in weight_by_stance.items() if condition(stance)) / total

    return Forecast(
        option=option,
        as_of=as_of,
        basis=basis,
        counted=len(stances),
        defaulted=sum(1 for s in stances if s.capability_defaulted or s.salience_defaulted),
        defaulted_capability=sum(1 for s in stances if s.capability_defaulted),
        defaulted_salience=sum(1 for s in stances if s.salience_defaulted),
        total_weight=total,
        weighted_mean=mean,
        weighted_median=median,
        support_share=share(lambda stance: stance > 0),
        oppose_share=share(lambda stance: stance < 0),
        neutral_share=share(lambda stance: stance == 0),
        stances=stances,
        pivotal_ids=_pivotal_ids(stances, weight_by_stance),
    )


def _with_pivotal_stakeholders(forecasts: list[Forecast]) -> list[Forecast]:
    """Fill in the pivotal stakeholders, in one query for all the forecasts."""
    ids = {stakeholder_id for forecast in forecasts for stakeholder_id in forecast.pivotal_ids}
    stakeholders = Stakeholder.objects.in_bulk(ids)
    for forecast in forecasts:
        forecast.pivotal.extend(
            sorted(
                (stakeholders[stakeholder_id] for stakeholder_id in forecast.pivotal_ids),
                key=lambda stakeholder: (stakeholder.name, stakeholder.id),
            )
        )
    return forecasts


def option_forecast(
    *, option: PolicyOption, as_of: datetime.date, basis: str = ANY_BASIS
) -> Forecast:
    """The influence- and salience-weighted support for one option as of a date."""
    return topic_forecast(topic_id=option.topic_id, as_of=as_of, basis=basis, options=[option])[0]


def topic_forecast(
    *,
    topic_id: int,
    as_of: datetime.date,
    basis: str = ANY_BASIS,
    options: list[PolicyOption] | None = None,
) -> list[Forecast]:
    """The forecast of every option of a topic, ranked by weighted mean (highest first; options
    nobody has a position on come last). Four queries whatever the size of the topic."""
    if options is None:
        options = list(PolicyOption.objects.filter(topic_id=topic_id).order_by("title", "id"))
    stances = _stances_as_of(option_ids=[option.id for option in options], as_of=as_of, basis=basis)
    capabilities = _capabilities_as_of(topic_ids=[topic_id], as_of=as_of)
    forecasts = [
        _forecast(
            option=option,
            as_of=as_of,
            basis=basis,
            positions=stances[option.id],
            capabilities=capabilities,
        )
        for option in options
    ]
    forecasts.sort(key=lambda f: (f.weighted_mean is None, -(f.weighted_mean or 0), f.option.title))
    return _with_pivotal_stakeholders(forecasts)


# --- Timeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """An event, or a position taken, on the topic's timeline."""

    date: datetime.date
    event: Event | None = None
    position: Position | None = None
    previous_stance: int | None = None  # the stakeholder's previous stance on the same basis

    @property
    def type(self) -> str:
        return "event" if self.event is not None else "position"

    @property
    def stance_changed(self) -> bool:
        return (
            self.position is not None
            and self.previous_stance is not None
            and self.previous_stance != self.position.stance
        )


class Timeline(Sequence[TimelineEntry]):
    """A topic's timeline, read a slice at a time: `len()` counts, and a slice (a page) loads
    only its own entries, so that a page of a topic with years of positions stays cheap.

    The entries are merged from two streams in date order, events first on a date: the keys
    (date, id) of each stream up to the slice's end are read, merged, and the slice's events and
    positions then loaded whole. A fixed number of queries per slice."""

    def __init__(self, events: QuerySet, positions: QuerySet):
        self.events = events.order_by("date", "pk")
        self.positions = positions.order_by("as_of", "pk")
        self._count = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.events.count() + self.positions.count()
        return self._count

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index : index + 1 if index != -1 else None][0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("A timeline is sliced with a step of 1.")
        if start >= stop:
            return []
        keys = heapq.merge(
            ((date, 0, pk) for date, pk in self.events.values_list("date", "pk")[:stop]),
            ((as_of, 1, pk) for as_of, pk in self.positions.values_list("as_of", "pk")[:stop]),
        )
        page = list(itertools.islice(keys, start, stop))
        event_ids = [pk for _, kind, pk in page if kind == 0]
        position_ids = [pk for _, kind, pk in page if kind == 1]
        events = self.events.model.objects.with_related().in_bulk(event_ids)
        positions = (
            Position.objects.with_related()
            .annotate(previous_stance=Subquery(_previous_stance()))
            .in_bulk(position_ids)
        )
        return [
            TimelineEntry(date=date, event=events[pk])
            if kind == 0
            else TimelineEntry(
                date=date,
                position=positions[pk],
                previous_stance=positions[pk].previous_stance,
            )
            for date, kind, pk in page
        ]


def _previous_stance() -> QuerySet:
    """The stance of the position before the outer one on the same stakeholder × option × basis
    (in the order as_of, created, id), for a Subquery."""
    same_date = Q(as_of=OuterRef("as_of"))
    return (
        Position.objects.filter(
            stakeholder=OuterRef("stakeholder"),
            option=OuterRef("option"),
            basis=OuterRef("basis"),
        )
        .filter(
            Q(as_of__lt=OuterRef("as_of"))
            | same_date & Q(created__lt=OuterRef("created"))
            | same_date & Q(created=OuterRef("created"), id__lt=OuterRef("id"))
        )
        .order_by("-as_of", "-created", "-id")
        .values("stance")[:1]
    )


def timeline_build(
    *,
    topic_id: int,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    stakeholder_ids: Iterable[int] = (),
) -> Timeline:
    """Events and positions of a topic in date order (events first on a date), each position
    with the stance it replaced on the same stakeholder × option × basis (also when that came
    before `date_from`).

    With `stakeholder_ids`, only their positions and the events they took part in, claimed or
    denied. Lazy: see `Timeline`.
    """
    stakeholder_ids = list(stakeholder_ids)
    events = Event.objects.filter(topic_id=topic_id)
    positions = Position.objects.filter(option__topic_id=topic_id)
    if date_from:
        events = events.filter(date__gte=date_from)
        positions = positions.filter(as_of__gte=date_from)
    if date_to:
        events = events.filter(date__lte=date_to)
        positions = positions.filter(as_of__lte=date_to)
    if stakeholder_ids:
        involved = (
            Q(participants__in=stakeholder_ids)
            | Q(claimed_by__in=stakeholder_ids)
            | Q(denied_by__in=stakeholder_ids)
        )
        events = events.filter(pk__in=Event.objects.filter(involved).values("pk"))
        positions = positions.filter(stakeholder_id__in=stakeholder_ids)
    return Timeline(events, positions)


# --- A stakeholder's history ------------------------------------------------------------------


@dataclass(frozen=True)
class PositionSeries:
    """A stakeholder's positions on one option on one basis, oldest first."""

    option: PolicyOption
    basis: str
    positions: list[Position]

    @property
    def changes(self) -> int:
        """How many times the stance changed."""
        return sum(
            1
            for before, after in zip(self.positions, self.positions[1:], strict=False)
            if before.stance != after.stance
        )


def stakeholder_position_history(
    *, stakeholder_id: int, option_ids: Iterable[int] = ()
) -> list[PositionSeries]:
    """The stakeholder's positions over time, one series per option and basis, by option title
    and then basis. One query."""
    positions = (
        Position.objects.filter(stakeholder_id=stakeholder_id)
        .with_related()
        .order_by("option__title", "option_id", "basis", "as_of", "created", "id")
    )
    option_ids = list(option_ids)
    if option_ids:
        positions = positions.filter(option_id__in=option_ids)
    series: dict[tuple[int, str], PositionSeries] = {}
    for position in positions:
        key = (position.option_id, position.basis)
        if key not in series:
            series[key] = PositionSeries(option=position.option, basis=position.basis, positions=[])
        series[key].positions.append(position)
    return list(series.values())
