"""
A topic's timeline: events, positions taken, disputes and retractions in date order, each
position and retraction marked with the stakeholder's effective stance before it and whether it
changed (options/analysis/changes.py).
"""

import datetime
import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from options.analysis.changes import (
    DISPUTE,
    KIND_ORDER,
    POSITION,
    RETRACTION,
    STEP_FIELDS,
    Candidate,
    EffectiveChange,
    Step,
    effective_changes,
)
from options.dates import ends_from_q, starts_by_q
from options.models import Event, PolicyOption, Position, PositionDispute

EVENT = "event"


@dataclass(frozen=True)
class TimelineEntry:
    """An event, a position taken, a dispute of a position, or a retraction of one."""

    type: str  # event, position, dispute, retraction
    date: datetime.date
    date_precision: str
    event: Event | None = None
    position: Position | None = None  # the position taken, disputed or retracted
    dispute: PositionDispute | None = None
    change: EffectiveChange | None = None  # for positions and retractions

    @property
    def previous(self) -> Candidate | None:
        """The stakeholder's effective position on the option just before this entry."""
        return self.change.before if self.change else None

    @property
    def stance_changed(self) -> bool:
        return bool(self.change and self.change.stance_changed)

    @property
    def effective(self) -> bool | None:
        """For a position: whether it became the one that stands for the stakeholder."""
        if self.type != POSITION or self.change is None or self.change.after is None:
            return None
        return self.change.after.id == self.position.id


@dataclass
class _Stream:
    """One kind of entry: its rows' keys (date, kind, created, id) in order.

    A `few` stream (disputes, retractions: a small part of a topic's positions) is read whole
    once, which gives its count too; the others are counted, and read up to a slice's end."""

    kind: str
    rows: QuerySet
    date_field: str
    few: bool = False
    _all: list[tuple] | None = None

    def _keys(self, rows: QuerySet) -> list[tuple]:
        order = KIND_ORDER[self.kind]
        values = rows.values_list(self.date_field, "created", "pk")
        return [(date, order, created, pk) for date, created, pk in values]

    def count(self) -> int:
        return len(self.keys()) if self.few else self.rows.count()

    def keys(self, stop: int | None = None) -> list[tuple]:
        if not self.few:
            return self._keys(self.rows[:stop])
        if self._all is None:
            self._all = self._keys(self.rows)
        return self._all


class Timeline(Sequence[TimelineEntry]):
    """A topic's timeline, read a slice at a time: `len()` counts, and a slice (a page) loads
    only its own entries, so that a page of a topic with years of positions stays cheap.

    The entries are merged from four streams in date order (on a date: events, positions,
    disputes, retractions): the keys of each stream up to the slice's end are read, merged, and
    the slice's entries then loaded whole, with the positions of the stakeholders and options
    they concern to replay the effective stance. A fixed number of queries per slice."""

    def __init__(self, streams: list[_Stream], *, positions: QuerySet, events: QuerySet):
        self.streams = streams
        self.positions, self.events = positions, events
        self._count = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(stream.count() for stream in self.streams)
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
        keys = heapq.merge(*(stream.keys(stop) for stream in self.streams))
        page = list(itertools.islice(keys, start, stop))
        return _load(page, positions=self.positions, events=self.events)


def _load(page: list[tuple], *, positions: QuerySet, events: QuerySet) -> list[TimelineEntry]:
    kinds = {order: kind for kind, order in KIND_ORDER.items()}
    ids = defaultdict(set)
    for _, order, _, pk in page:
        ids[kinds[order]].add(pk)
    events = events.in_bulk(ids[EVENT]) if ids[EVENT] else {}
    disputes = (
        PositionDispute.objects.select_related("disputed_by", "source").in_bulk(ids[DISPUTE])
        if ids[DISPUTE]
        else {}
    )
    position_ids = ids[POSITION] | ids[RETRACTION] | {d.position_id for d in disputes.values()}
    positions = positions.in_bulk(position_ids) if position_ids else {}
    changes = _changes(
        positions,
        wanted={(kind, pk) for kind in (POSITION, RETRACTION) for pk in ids[kind]},
        until=max((key[0] for key in page), default=None),
    )
    entries = []
    for date, order, _, pk in page:
        kind = kinds[order]
        if kind == EVENT:
            event = events[pk]
            entries.append(TimelineEntry(EVENT, date, event.date_precision, event=event))
        elif kind == DISPUTE:
            dispute = disputes[pk]
            entries.append(
                TimelineEntry(
                    DISPUTE,
                    date,
                    dispute.date_precision,
                    position=positions[dispute.position_id],
                    dispute=dispute,
                )
            )
        else:
            position = positions[pk]
            precision = (
                position.as_of_precision if kind == POSITION else position.retracted_precision
            )
            entries.append(
                TimelineEntry(kind, date, precision, position=position, change=changes[kind, pk])
            )
    return entries


def _changes(
    positions: dict[int, Position], wanted: set[tuple[str, int]], until: datetime.date | None
) -> dict[tuple[str, int], EffectiveChange]:
    """The effective changes `wanted` (the positions and retractions on a page): each replays
    its stakeholder's positions on the option up to the page's last date. One query."""
    if not wanted:
        return {}
    steps_by_pair = defaultdict(list)
    # Every position of the same stakeholder on the same option as one of the page's (a join
    # through the stakeholder: a condition per pair would cost more to build than to run).
    rows = (
        Position.objects.filter(
            stakeholder__positions__in={pk for _, pk in wanted},
            stakeholder__positions__option=F("option"),
            as_of__lte=until,
        )
        .distinct()
        .values_list("stakeholder_id", "option_id", *STEP_FIELDS)
    )
    for stakeholder_id, option_id, *fields in rows:
        steps_by_pair[stakeholder_id, option_id].append(Step(*fields))
    changes = {}
    for steps in steps_by_pair.values():
        changes.update(effective_changes(steps, wanted))
    return changes


def timeline_build(
    *,
    topic_id: int,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    stakeholder_ids: Iterable[int] = (),
    read_positions: QuerySet | None = None,
    read_events: QuerySet | None = None,
) -> Timeline:
    """Events, positions, disputes and retractions of a topic in date order.

        `date_to` keeps what is known by then (dated on or before it; a month- or year-precision
        date from the start of its interval); `date_from` what may have happened on or after it.
        With `stakeholder_ids`, only their positions (taken, disputed, retracted), the disputes they
        made and the events they took part in, claimed or denied. Lazy: see `Timeline`. A page's
    positions and events are loaded from `read_positions` and `read_events` (the querysets that
    read what they are shown with: the API's `read_queryset`), plain ones by default."""
    stakeholder_ids = list(stakeholder_ids)
    events = Event.objects.filter(topic_id=topic_id)
    positions = Position.objects.filter(option__topic_id=topic_id)
    # Disputes and retractions are few: found by their dates, each then checked for the topic
    # (through the topic's options, the database would scan every position of the topic).
    of_topic = Exists(PolicyOption.objects.filter(pk=OuterRef("option_id"), topic_id=topic_id))
    disputes = PositionDispute.objects.filter(
        Exists(Position.objects.filter(of_topic, pk=OuterRef("position_id")))
    )
    retractions = Position.objects.filter(of_topic, retracted_on__isnull=False)
    streams = [
        (EVENT, events, "date", "date_precision"),
        (POSITION, positions, "as_of", "as_of_precision"),
        (DISPUTE, disputes, "date", "date_precision"),
        (RETRACTION, retractions, "retracted_on", "retracted_precision"),
    ]
    if stakeholder_ids:
        involved = (
            Q(participants__in=stakeholder_ids)
            | Q(claimed_by__in=stakeholder_ids)
            | Q(denied_by__in=stakeholder_ids)
        )
        theirs = {
            EVENT: Q(pk__in=Event.objects.filter(involved).values("pk")),
            POSITION: Q(stakeholder_id__in=stakeholder_ids),
            DISPUTE: Q(position__stakeholder_id__in=stakeholder_ids)
            | Q(disputed_by_id__in=stakeholder_ids),
            RETRACTION: Q(stakeholder_id__in=stakeholder_ids),
        }
    result = []
    for kind, rows, date_field, precision_field in streams:
        few = kind in (DISPUTE, RETRACTION)
        if date_from:
            rows = rows.filter(ends_from_q(date_field, precision_field, date_from))
        if date_to:
            rows = rows.filter(starts_by_q(date_field, precision_field, date_to))
        if stakeholder_ids:
            rows = rows.filter(theirs[kind])
        result.append(_Stream(kind, rows.order_by(date_field, "created", "pk"), date_field, few))
    return Timeline(
        result,
        positions=Position.objects.all() if read_positions is None else read_positions,
        events=Event.objects.all() if read_events is None else read_events,
    )
