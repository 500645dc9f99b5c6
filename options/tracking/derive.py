"""
The change events of a write, derived inside its transaction.

A write (options/services.py, `audited_write`) watches what it is about to change: before a
position, a dispute, an influence, an event, an option or a sanction measure is saved or deleted,
`watching()` notes what the analysis said before (each touched stakeholder × option's effective
stance and diverging bases, each touched option's forecast) and the fields whose change is news
(a retraction, an event's certainty, an option's status, a sanction's dates). When the write's
records are all saved, `change_events_create()` asks the analysis again and records what moved, as
`ChangeEvent`s, then hands them to the subscriptions (options/tracking/delivery.py); all of it in
the write's transaction.

"Now" is today: what the analysis answers as of today (options/analysis/), so that recording a
position of 2019 under a newer one changes nothing, and one that becomes the newest is news.
A write that makes more than `DIGEST_AFTER` events of a topic also makes one `changes.digest`.
"""

import datetime
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords

from options.analysis.asof import ANY_BASIS, positions_as_of
from options.analysis.forecast import topic_forecast
from options.analysis.matrix import matrix_cell
from options.audit import Recorded, current_request_id
from options.models import (
    ChangeEvent,
    Event,
    Influence,
    PolicyOption,
    Position,
    PositionDispute,
    SanctionMeasure,
)
from options.tracking.delivery import DIGEST_AFTER, deliveries_create
from options.tracking.labels import label

Type = ChangeEvent.Type

#: The fields whose old value a write keeps, to tell what changed.
WATCHED_FIELDS = {
    Position: ("stakeholder_id", "option_id", "retracted_on"),
    PositionDispute: ("position_id",),
    Influence: ("topic_id", "option_id"),
    Event: ("certainty",),
    PolicyOption: ("status",),
    SanctionMeasure: ("effective_date", "end_date"),
}


class Standing(NamedTuple):
    """What the analysis says of one stakeholder on one option: the effective position, and the
    pairs of bases that disagree."""

    stance: int
    basis: str
    position_id: int
    as_of: datetime.date
    source_id: int
    divergences: dict  # (basis, basis) → (stance, stance), for each pair of bases that disagree

    def as_json(self) -> dict:
        return {
            "stance": self.stance,
            "basis": self.basis,
            "position": self.position_id,
            "as_of": self.as_of.isoformat(),
        }


class Outlook(NamedTuple):
    """An option's forecast, as far as change events tell it."""

    weighted_mean: float | None
    support_share: float | None

    def as_json(self) -> dict:
        return {"weighted_mean": self.weighted_mean, "support_share": self.support_share}


@dataclass
class _Watch:
    today: datetime.date
    standings: dict[tuple[int, int], Standing | None] = field(default_factory=dict)
    outlooks: dict[int, Outlook] = field(default_factory=dict)
    old_values: dict[tuple[type, int], dict] = field(default_factory=dict)


_watch: ContextVar[_Watch | None] = ContextVar("watching", default=None)
_not_derived: ContextVar[bool] = ContextVar("not_derived", default=False)


@contextmanager
def watching() -> Iterator[_Watch | None]:
    """Within the block, note the analysis's answers before each watched record changes. A block
    within a block joins it; inside `not_derived()`, nothing is watched (None)."""
    outer = _watch.get()
    if outer is not None or _not_derived.get():
        yield outer
        return
    watch = _Watch(today=timezone.localdate())
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)


@contextmanager
def not_derived() -> Iterator[None]:
    """Within the block, writes derive no change events: for writes that are rolled back
    whatever happens, such as an import's preview (asking the analysis before and after each
    row would cost far more than the rows)."""
    token = _not_derived.set(True)
    try:
        yield
    finally:
        _not_derived.reset(token)


# --- Before: what the analysis says, before each record changes -------------------------------


def standings(pairs: Iterable[tuple[int, int]], today: datetime.date) -> dict:
    """The standing of each stakeholder × option pair as of today (None: no position)."""
    pairs = set(pairs)
    latest = positions_as_of(
        option_ids={option_id for _, option_id in pairs},
        stakeholder_ids={stakeholder_id for stakeholder_id, _ in pairs},
        as_of=today,
    )
    answer = {}
    for pair in pairs:
        cell = matrix_cell(latest[pair], ANY_BASIS, today) if pair in latest else None
        if cell is None:
            answer[pair] = None
            continue
        position = cell.position
        answer[pair] = Standing(
            stance=position.stance,
            basis=position.basis,
            position_id=position.id,
            as_of=position.as_of,
            source_id=position.source_id,
            divergences={tuple(d.bases): tuple(d.stances) for d in cell.divergences},
        )
    return answer


def outlooks(option_ids: Iterable[int], today: datetime.date) -> dict[int, Outlook]:
    """The forecast of each option as of today, by option id."""
    by_topic = defaultdict(list)
    for option in PolicyOption.objects.filter(id__in=set(option_ids)):
        by_topic[option.topic_id].append(option)
    answer = {}
    for topic_id, options in by_topic.items():
        forecasts = topic_forecast(topic_id=topic_id, as_of=today, options=options, intervals=False)
        for forecast in forecasts:
            answer[forecast.option.id] = Outlook(forecast.weighted_mean, forecast.support_share)
    return answer


def _options_swayed(instance, old: dict) -> set[int]:
    """The options whose forecast a change of this record may move."""
    if isinstance(instance, Position):
        return {instance.option_id, old.get("option_id")} - {None}
    if isinstance(instance, PositionDispute):
        position_ids = {instance.position_id, old.get("position_id")} - {None}
        return set(Position.objects.filter(id__in=position_ids).values_list("option_id", flat=True))
    if isinstance(instance, Influence):
        if instance.option_id:
            return {instance.option_id, old.get("option_id")} - {None}
        topic_ids = {instance.topic_id, old.get("topic_id")} - {None}
        return set(PolicyOption.objects.filter(topic_id__in=topic_ids).values_list("id", flat=True))
    return set()


@receiver(pre_save)
@receiver(pre_delete)
def note_before_change(sender, instance, **kwargs):
    watch = _watch.get()
    fields = WATCHED_FIELDS.get(sender)
    if watch is None or fields is None:
        return
    key = (sender, instance.pk)
    if instance.pk is not None and key not in watch.old_values:
        stored = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
        watch.old_values[key] = stored or {}
    old = watch.old_values.get(key, {})
    if isinstance(instance, Position):
        pairs = {(instance.stakeholder_id, instance.option_id)}
        if old.get("stakeholder_id"):
            pairs.add((old["stakeholder_id"], old["option_id"]))
        new_pairs = pairs - watch.standings.keys()
        if new_pairs:
            watch.standings.update(standings(new_pairs, watch.today))
    swayed = _options_swayed(instance, old) - watch.outlooks.keys()
    if swayed:
        watch.outlooks.update(outlooks(swayed, watch.today))


# --- After: what moved ----------------------------------------------------------------------


def _sign(stance: int | None) -> int:
    return 0 if not stance else (1 if stance > 0 else -1)


def stance_events(before: dict, after: dict) -> list[ChangeEvent]:
    """stance.changed and divergence.appeared / .resolved, for each pair whose standing moved."""
    events = []
    for pair, was in before.items():
        now = after[pair]
        stakeholder_id, option_id = pair
        resting_on = now or was
        common = dict(stakeholder_id=stakeholder_id, option_id=option_id)
        if (was and was.stance) != (now and now.stance) or (was is None) != (now is None):
            flipped = bool(was and now and _sign(was.stance) * _sign(now.stance) < 0)
            events.append(
                ChangeEvent(
                    type=Type.STANCE_CHANGED,
                    position_id=resting_on.position_id,
                    source_id=resting_on.source_id,
                    before=was.as_json() if was else None,
                    after=now.as_json() if now else None,
                    data={"sign_flipped": flipped},
                    **common,
                )
            )
        # A pair of bases that disagrees before and after (their stances may move) is no news.
        was_diverging = was.divergences if was else {}
        now_diverging = now.divergences if now else {}
        for kind, diverging, other, standing in (
            (Type.DIVERGENCE_APPEARED, now_diverging, was_diverging, now),
            (Type.DIVERGENCE_RESOLVED, was_diverging, now_diverging, now or was),
        ):
            for bases in sorted(diverging.keys() - other.keys()):
                events.append(
                    ChangeEvent(
                        type=kind,
                        position_id=standing.position_id,
                        source_id=standing.source_id,
                        before=was.as_json() if was else None,
                        after=now.as_json() if now else None,
                        data={"bases": list(bases), "stances": list(diverging[bases])},
                        **common,
                    )
                )
    return events


def forecast_events(before: dict[int, Outlook], after: dict[int, Outlook]) -> list[ChangeEvent]:
    """forecast.shifted for each option whose weighted mean moved or whose support share crossed
    one half (each subscription then applies its own threshold: delivery.py)."""
    events = []
    for option_id, was in before.items():
        if option_id not in after:
            continue  # the option itself was deleted by the write: no forecast to shift
        now = after[option_id]
        crossed = ((was.support_share or 0) > 0.5) != ((now.support_share or 0) > 0.5)
        moved = was.weighted_mean != now.weighted_mean
        if not (moved or crossed):
            continue
        delta = (
            None
            if was.weighted_mean is None or now.weighted_mean is None
            else now.weighted_mean - was.weighted_mean
        )
        events.append(
            ChangeEvent(
                type=Type.FORECAST_SHIFTED,
                option_id=option_id,
                before=was.as_json(),
                after=now.as_json(),
                data={"delta": delta, "crossed_majority": crossed},
            )
        )
    return events


def record_events(recorded: list[Recorded], old_values: dict) -> list[ChangeEvent]:
    """The events a record's own change makes: a dispute, a retraction, an event recorded or its
    certainty changed, an option's status changed, a sanction imposed or lifted."""
    pks = defaultdict(set)
    for item in recorded:
        if item.history_type != "-" and item.model in WATCHED_FIELDS:
            pks[item.model].add(item.pk)
    events = []
    for dispute in PositionDispute.objects.filter(pk__in=pks[PositionDispute]).select_related(
        "position"
    ):
        if (PositionDispute, dispute.pk) in old_values:
            continue  # an edit of a dispute already known
        position = dispute.position
        events.append(
            ChangeEvent(
                type=Type.POSITION_DISPUTED,
                stakeholder_id=position.stakeholder_id,
                option_id=position.option_id,
                position_id=position.id,
                source_id=dispute.source_id,
                stakeholder_ids=[position.stakeholder_id, dispute.disputed_by_id],
                data={"disputed_by": dispute.disputed_by_id, "date": dispute.date.isoformat()},
            )
        )
    for position in Position.objects.filter(pk__in=pks[Position]):
        old = old_values.get((Position, position.pk), {})
        if position.retracted_on and not old.get("retracted_on"):
            events.append(
                ChangeEvent(
                    type=Type.POSITION_RETRACTED,
                    stakeholder_id=position.stakeholder_id,
                    option_id=position.option_id,
                    position_id=position.id,
                    source_id=position.source_id,
                    before={"stance": position.stance, "basis": position.basis},
                    data={"retracted_on": position.retracted_on.isoformat()},
                )
            )
    for event in Event.objects.filter(pk__in=pks[Event]).prefetch_related(
        "participants", "options", "sources"
    ):
        old = old_values.get((Event, event.pk))
        if old is not None and old.get("certainty") == event.certainty:
            continue
        sources = list(event.sources.all())
        events.append(
            ChangeEvent(
                type=Type.EVENT_RECORDED if old is None else Type.EVENT_CERTAINTY_CHANGED,
                topic_id=event.topic_id,
                event_id=event.pk,
                source_id=sources[0].pk if sources else None,
                stakeholder_ids=sorted({s.pk for s in event.participants.all()}),
                option_ids=sorted({o.pk for o in event.options.all()}),
                before={"certainty": old["certainty"]} if old else None,
                after={"certainty": event.certainty, "date": event.date.isoformat()},
            )
        )
    for option in PolicyOption.objects.filter(pk__in=pks[PolicyOption]):
        old = old_values.get((PolicyOption, option.pk))
        if old is not None and old.get("status") != option.status:
            events.append(
                ChangeEvent(
                    type=Type.OPTION_STATUS_CHANGED,
                    option_id=option.pk,
                    before={"status": old.get("status")},
                    after={"status": option.status},
                )
            )
    for measure in SanctionMeasure.objects.filter(pk__in=pks[SanctionMeasure]):
        old = old_values.get((SanctionMeasure, measure.pk), {})
        for kind, name in (
            (Type.SANCTION_IMPOSED, "effective_date"),
            (Type.SANCTION_LIFTED, "end_date"),
        ):
            if getattr(measure, name) and not old.get(name):
                events.append(
                    ChangeEvent(
                        type=kind,
                        option_id=measure.option_id,
                        stakeholder_id=measure.target_id,
                        source_id=measure.source_id,
                        after={name: getattr(measure, name).isoformat(), "measure": measure.pk},
                        data={
                            "measure_type": measure.measure_type,
                            "imposing_authority": measure.imposing_authority_id,
                        },
                    )
                )
    return events


# --- The whole ------------------------------------------------------------------------------


def change_events_create(watch: _Watch | None, recorded: list[Recorded]) -> list[ChangeEvent]:
    """Record the change events of a write whose records are saved (call it inside its
    transaction), and their deliveries; none for a write that was not watched."""
    if watch is None:
        return []
    events = record_events(recorded, watch.old_values)
    if watch.standings:
        events += stance_events(watch.standings, standings(watch.standings, watch.today))
    if watch.outlooks:
        events += forecast_events(watch.outlooks, outlooks(watch.outlooks, watch.today))
    if not events:
        return []
    events = label(events)
    if not events:
        return []
    write, user, request_id = uuid.uuid4(), _current_user(), current_request_id()
    for event in events:
        event.write, event.user, event.request_id = write, user, request_id
    digests = _digests(events)
    if digests:
        ChangeEvent.objects.bulk_create(digests.values())
        for event in events:
            event.digest = digests.get(event.topic_id)
    ChangeEvent.objects.bulk_create(events)
    deliveries_create([*digests.values(), *events])
    return events


def _digests(events: list[ChangeEvent]) -> dict[int, ChangeEvent]:
    """A digest for each topic on which the write made more than DIGEST_AFTER events."""
    by_topic = defaultdict(list)
    for event in events:
        by_topic[event.topic_id].append(event)
    digests = {}
    for topic_id, of_topic in by_topic.items():
        if len(of_topic) <= DIGEST_AFTER:
            continue
        counts = Counter(event.type for event in of_topic)
        first = of_topic[0]
        digests[topic_id] = ChangeEvent(
            type=Type.CHANGES_DIGEST,
            topic_id=topic_id,
            title=f"{len(of_topic)} changes on {first.data['records']['topic']['title']}",
            stakeholder_ids=sorted({s for e in of_topic for s in e.stakeholder_ids}),
            option_ids=sorted({o for e in of_topic for o in e.option_ids}),
            data={
                "counts": dict(sorted(counts.items())),
                "records": {"topic": first.data["records"]["topic"]},
            },
            write=first.write,
            user=first.user,
            request_id=first.request_id,
        )
    return digests


def _current_user():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
