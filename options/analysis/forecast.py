"""
The support forecast: which way an option is likely to go, by the weighted stances of the
stakeholders with a position on it as of a date, with what it rests on and how sure it is.

Weight = capability × salience × evidence weight, in exact integers (millionths of the evidence
weight), so that ties, the median and the pivotal stakeholders are decided exactly. The rules,
with the seed topic as their worked example, are in docs/analysis.md.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings

from options.analysis.actors import BlocCohesion, Folded, bloc_cohesion, fold
from options.analysis.asof import (
    ANY_BASIS,
    Capabilities,
    PositionAsOf,
    Tie,
    stakeholders_in_brief,
)
from options.analysis.evidence import FULL_EVIDENCE, effective_position, evidence_units
from options.analysis.intervals import (
    Interval,
    Question,
    forecast_intervals,
    interval_seed,
)
from options.analysis.snapshot import TopicSnapshot, topic_snapshot
from options.analysis.weighted import flips, sign, weighted_mean, weighted_median
from options.dates import timing_uncertain
from options.models import PolicyOption, Stakeholder

UNIT_ACTORS = "actors"  # independent actors: parts folded into the whole that has a position
UNIT_ALL = "all"  # every stakeholder with a position, each counted on its own
UNITS = [UNIT_ACTORS, UNIT_ALL]
OPEN_STATUSES = {
    PolicyOption.Status.PROPOSED,
    PolicyOption.Status.THREATENED,
    PolicyOption.Status.IN_FORCE,
    PolicyOption.Status.SUSPENDED,
}
CAPABILITY, SALIENCE = "capability", "salience"


@dataclass(frozen=True)
class ForecastSettings:
    """The forecast's documented settings (policytracker/settings.py)."""

    default_capability: int
    default_salience: int
    min_coverage: float
    min_actors: int
    interval_level: float
    interval_draws: int

    @classmethod
    def current(cls) -> "ForecastSettings":
        return cls(
            default_capability=settings.POLICYTRACKER_DEFAULT_CAPABILITY,
            default_salience=settings.POLICYTRACKER_DEFAULT_SALIENCE,
            min_coverage=settings.POLICYTRACKER_RANK_MIN_COVERAGE,
            min_actors=settings.POLICYTRACKER_RANK_MIN_ACTORS,
            interval_level=settings.POLICYTRACKER_INTERVAL_LEVEL,
            interval_draws=settings.POLICYTRACKER_INTERVAL_DRAWS,
        )


@dataclass(frozen=True)
class FoldedPosition:
    """A stakeholder folded into a counted one, with the position it would have counted with."""

    stakeholder_id: int
    position: PositionAsOf
    relation: str  # the affiliation kind: member_of, holds_post_in, leads
    via_id: int  # the stakeholder it is directly part of
    capability: int | None  # its own rated capability, if any


class Counted(NamedTuple):
    """One actor counted in a forecast: what it weighs and why. (A tuple: a topic forecast
    makes thousands.)"""

    stakeholder_id: int
    position: PositionAsOf
    capability: int
    salience: int
    defaulted: tuple[str, ...]  # "capability" and/or "salience", counted at their defaults
    evidence: int  # the evidence weight in millionths
    timing_uncertain: bool
    folded: list[FoldedPosition]

    @property
    def units(self) -> int:
        return self.capability * self.salience * self.evidence

    @property
    def weight(self) -> float:
        return self.units / FULL_EVIDENCE

    @property
    def evidence_weight(self) -> float:
        return self.evidence / FULL_EVIDENCE

    # What the Monte Carlo reads (intervals.UncertainWeight).
    @property
    def stance(self) -> int:
        return self.position.stance

    @property
    def confidence(self) -> str:
        return self.position.confidence

    @property
    def capability_defaulted(self) -> bool:
        return CAPABILITY in self.defaulted

    @property
    def salience_defaulted(self) -> bool:
        return SALIENCE in self.defaulted


@dataclass(frozen=True)
class Pivotal:
    """A stakeholder whose removal alone flips the sign of the weighted mean or median."""

    stakeholder_id: int
    mean_without: float | None
    mean_shift: float | None  # mean_without − the weighted mean
    median_without: float | None


@dataclass
class Forecast:
    option: PolicyOption
    as_of: datetime.date
    basis: str
    unit: str
    breakdown: list[Counted]  # heaviest first
    total_units: int
    weighted_mean: float | None
    weighted_median: float | None
    support_share: float | None
    oppose_share: float | None
    neutral_share: float | None
    known_capability: int  # the topic's rated capability (this option's where rated on it)
    covered_capability: int  # the part of it held by stakeholders with a position
    blocs: list[BlocCohesion]
    pivotal: list[Pivotal]
    ranked: bool
    unranked_reason: str | None
    interval: Interval | None = None  # drawn for all of a topic's options at once
    stakeholders: dict[int, Stakeholder] = field(default_factory=dict)  # everyone named above

    @property
    def counted(self) -> int:
        return len(self.breakdown)

    @property
    def total_weight(self) -> float:
        return self.total_units / FULL_EVIDENCE

    @property
    def coverage(self) -> float | None:
        if not self.known_capability:
            return None
        return self.covered_capability / self.known_capability

    @property
    def defaulted(self) -> list[Counted]:
        return [entry for entry in self.breakdown if entry.defaulted]

    def stakeholder_ids(self) -> set[int]:
        ids = {entry.stakeholder_id for entry in self.breakdown}
        ids.update(f.stakeholder_id for entry in self.breakdown for f in entry.folded)
        ids.update(f.via_id for entry in self.breakdown for f in entry.folded)
        ids.update(bloc.bloc_id for bloc in self.blocs)
        ids.update(member for bloc in self.blocs for member in bloc.member_ids)
        return ids


# --- Who could swing it ----------------------------------------------------------------------


def pivotal_stakeholders(
    breakdown: list[Counted], weight_by_stance: dict[int, int]
) -> list[Pivotal]:
    """The stakeholders whose removal alone flips the sign of the weighted mean or of the
    weighted median (a move to zero, or from zero, is not a flip), worked out from the totals."""
    total = sum(weight_by_stance.values())
    weighted_sum = sum(stance * weight for stance, weight in weight_by_stance.items())
    mean, median = weighted_mean(weight_by_stance), weighted_median(weight_by_stance)
    mean_side, median_side = sign(mean), sign(median)
    pivotal = []
    for entry in breakdown:
        units = entry.units
        stance = entry.position.stance
        # Only taking weight off a side can move the mean or median to the other side.
        side = (stance > 0) - (stance < 0)
        if not units or side not in (mean_side, median_side) or not side:
            continue
        remaining = total - units
        mean_without = (weighted_sum - stance * units) / remaining if remaining else None
        without = dict(weight_by_stance)
        without[stance] -= units
        median_without = weighted_median(without)
        if flips(mean, mean_without) or flips(median, median_without):
            shift = None if mean_without is None or mean is None else mean_without - mean
            pivotal.append(Pivotal(entry.stakeholder_id, mean_without, shift, median_without))
    return pivotal


# --- One option ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """What a topic's forecasts share: capabilities and ties as of the date, and the settings."""

    capabilities: Capabilities
    topic_capability: int  # Σ of the topic-wide ratings
    ties: dict[int, list[Tie]]
    settings: ForecastSettings


def _unranked_reason(
    option: PolicyOption,
    mean: float | None,
    counted: int,
    coverage: float | None,
    s: ForecastSettings,
) -> str | None:
    if option.status not in OPEN_STATUSES:
        return (
            f"The option's status is “{option.get_status_display()}”: only open options are ranked."
        )
    if mean is None:
        return "Nobody with any weight has a position on the option."
    if counted < s.min_actors:
        return f"Only {counted} actor counted; ranking needs at least {s.min_actors}."
    if coverage is None:
        return "No capability is rated on the topic, so the coverage is unknown."
    if coverage < s.min_coverage:
        return (
            f"The stakeholders with a position hold {coverage:.0%} of the topic's rated "
            f"capability; ranking needs at least {s.min_coverage:.0%}."
        )
    return None


def _forecast(
    *,
    option: PolicyOption,
    as_of: datetime.date,
    basis: str,
    unit: str,
    by_stakeholder: Mapping[int, dict[str, PositionAsOf]],
    inputs: _Inputs,
) -> Forecast:
    s = inputs.settings
    on_topic = inputs.capabilities.on_topic
    on_option = inputs.capabilities.on_option.get(option.id, {})

    def rated(stakeholder_id: int) -> int | None:
        if stakeholder_id in on_option:
            return on_option[stakeholder_id]
        return on_topic.get(stakeholder_id)

    picked: dict[int, PositionAsOf] = {}
    for stakeholder_id, by_basis in by_stakeholder.items():
        if basis != ANY_BASIS:
            position = by_basis.get(basis)
        elif len(by_basis) == 1:
            [position] = by_basis.values()
        else:
            position = effective_position(by_basis.values())
        if position is not None:
            picked[stakeholder_id] = position
    standing = {sid: p for sid, p in picked.items() if not p.retracted}

    folded: dict[int, Folded] = {}
    if unit == UNIT_ACTORS:
        folded = fold(members=picked, containers=standing, ties=inputs.ties, capability=rated)
    folded_into: dict[int, list[FoldedPosition]] = {}
    for member_id, folding in folded.items():
        folded_into.setdefault(folding.into_id, []).append(
            FoldedPosition(
                stakeholder_id=member_id,
                position=picked[member_id],
                relation=folding.tie.kind,
                via_id=folding.tie.object_id,
                capability=rated(member_id),
            )
        )

    breakdown = []
    for stakeholder_id, position in picked.items():
        if stakeholder_id in folded:
            continue
        members = folded_into.get(stakeholder_id, [])
        capability = rated(stakeholder_id)
        if capability is None:
            # A whole nobody rated takes the highest rating of its parts (a body and its head).
            capability = max(
                (m.capability for m in members if m.capability is not None), default=None
            )
        defaulted = []
        if capability is None:
            capability = s.default_capability
            defaulted.append(CAPABILITY)
        salience = position.salience
        if salience is None:
            salience = s.default_salience
            defaulted.append(SALIENCE)
        breakdown.append(
            Counted(
                stakeholder_id=stakeholder_id,
                position=position,
                capability=capability,
                salience=salience,
                defaulted=tuple(defaulted),
                evidence=evidence_units(
                    confidence=position.confidence,
                    reliability=position.reliability,
                    disputed=position.disputed,
                    retracted=position.retracted,
                ),
                timing_uncertain=timing_uncertain(position.as_of, position.as_of_precision, as_of),
                folded=sorted(members, key=lambda m: m.stakeholder_id),
            )
        )
    breakdown.sort(key=lambda entry: (-entry.units, entry.stakeholder_id))

    weight_by_stance = dict.fromkeys(range(-2, 3), 0)
    for entry in breakdown:
        weight_by_stance[entry.position.stance] += entry.units
    total = sum(weight_by_stance.values())

    def share(stances: Iterable[int]) -> float | None:
        return sum(weight_by_stance[stance] for stance in stances) / total if total else None

    known = inputs.topic_capability + sum(
        capability - on_topic.get(stakeholder_id, 0)  # a rating on the option replaces it
        for stakeholder_id, capability in on_option.items()
    )
    covered = sum(rated(sid) or 0 for sid in standing)
    coverage = covered / known if known else None
    mean = weighted_mean(weight_by_stance)
    reason = _unranked_reason(option, mean, len(breakdown), coverage, s)
    return Forecast(
        option=option,
        as_of=as_of,
        basis=basis,
        unit=unit,
        breakdown=breakdown,
        total_units=total,
        weighted_mean=mean,
        weighted_median=weighted_median(weight_by_stance),
        support_share=share([1, 2]),
        oppose_share=share([-2, -1]),
        neutral_share=share([0]),
        known_capability=known,
        covered_capability=covered,
        blocs=bloc_cohesion(
            stances={sid: p.stance for sid, p in standing.items()},
            ties=inputs.ties,
            capability=lambda sid: rated(sid) or s.default_capability,
        ),
        pivotal=pivotal_stakeholders(breakdown, weight_by_stance),
        ranked=reason is None,
        unranked_reason=reason,
    )


def _question(forecast: Forecast) -> Question:
    """What the Monte Carlo draws for a forecast: its actors, in a fixed order, and its seed."""
    weights = sorted(forecast.breakdown, key=lambda entry: entry.stakeholder_id)
    return Question(seed=interval_seed(forecast.option.id, weights), weights=weights)


# --- Entry points ----------------------------------------------------------------------------------


def option_forecast(
    *, option: PolicyOption, as_of: datetime.date, basis: str = ANY_BASIS, unit: str = UNIT_ACTORS
) -> Forecast:
    """The weighted support for one option as of a date."""
    return topic_forecast(
        topic_id=option.topic_id, as_of=as_of, basis=basis, unit=unit, options=[option]
    )[0]


def topic_forecast(
    *,
    topic_id: int,
    as_of: datetime.date,
    basis: str = ANY_BASIS,
    unit: str = UNIT_ACTORS,
    options: list[PolicyOption] | None = None,
    intervals: bool = True,
) -> list[Forecast]:
    """The forecast of every option of a topic: first the ranked ones (open, enough coverage and
    actors) by weighted mean, highest first; then the others, flagged with the reason, by
    weighted mean (options nobody weighs on last). Five queries (options, positions, capabilities,
    ties, stakeholders) whatever the size of the topic.

    Without `intervals`, the answer has no interval and no stakeholders (and costs one query and
    the Monte Carlo draws less): for those who only need the weighted figures."""
    snapshot = topic_snapshot(topic_id=topic_id, as_of=as_of, options=options)
    forecasts = snapshot_forecast(snapshot, basis=basis, unit=unit, intervals=intervals)
    if intervals:
        stakeholders = stakeholders_in_brief(
            sid for forecast in forecasts for sid in forecast.stakeholder_ids()
        )
        for forecast in forecasts:
            forecast.stakeholders = stakeholders
    return forecasts


def snapshot_forecast(
    snapshot: TopicSnapshot, *, basis: str, unit: str, intervals: bool = True
) -> list[Forecast]:
    """The forecasts of a snapshot's options, in the order `topic_forecast` gives; no query.
    Their `stakeholders` are left for the caller to read."""
    by_option: dict[int, dict[int, dict[str, PositionAsOf]]] = {o.id: {} for o in snapshot.options}
    for (stakeholder_id, option_id), by_basis in snapshot.positions.items():
        by_option[option_id][stakeholder_id] = by_basis
    capabilities = snapshot.capabilities
    inputs = _Inputs(
        capabilities=capabilities,
        topic_capability=sum(capabilities.on_topic.values()),
        ties=snapshot.ties,
        settings=ForecastSettings.current(),
    )
    as_of, options = snapshot.as_of, snapshot.options
    forecasts = [
        _forecast(
            option=option,
            as_of=as_of,
            basis=basis,
            unit=unit,
            by_stakeholder=by_option[option.id],
            inputs=inputs,
        )
        for option in options
    ]
    if intervals:
        drawn = forecast_intervals(
            [_question(forecast) for forecast in forecasts],
            draws=inputs.settings.interval_draws,
            level=inputs.settings.interval_level,
        )
        for forecast, interval in zip(forecasts, drawn, strict=True):
            forecast.interval = interval
    forecasts.sort(
        key=lambda f: (
            not f.ranked,
            f.weighted_mean is None,
            -(f.weighted_mean or 0),
            f.option.title,
            f.option.id,
        )
    )
    return forecasts
