"""
What was known as of a date, read from the database: each stakeholder's newest position per
option and basis, whether it was disputed or retracted by then, capabilities, and the ties that
make one stakeholder part of another.

"Known as of D" means dated on or before D; a date known only to the month or the year counts
from the start of its interval (options/dates.py). Each function runs one query.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from options.dates import YEAR, date_interval, date_starts_by, starts_by_q
from options.models import Affiliation, Influence, Position, PositionDispute, Stakeholder

ANY_BASIS = "any"


class PositionAsOf(NamedTuple):
    """A stakeholder's newest position on an option on one basis, as of a date."""

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
    reliability: str  # the source's grade
    retracted_on: datetime.date | None
    retracted_precision: str
    retracted: bool  # as of the date
    disputed: bool  # as of the date


# A stakeholder's newest positions on an option, by basis, by (stakeholder id, option id).
PositionsAsOf = dict[tuple[int, int], dict[str, PositionAsOf]]

_READ = (
    "id",
    "stakeholder_id",
    "option_id",
    "stance",
    "basis",
    "as_of",
    "as_of_precision",
    "salience",
    "confidence",
    "source_id",
    "source__reliability",
    "retracted_on",
    "retracted_precision",
    "disputed",
)


def known_positions(as_of: datetime.date) -> Q:
    """Positions known as of the date. (The range on `as_of` lets an index serve the filter.)"""
    return Q(as_of__lte=date_interval(as_of, YEAR)[1]) & starts_by_q(
        "as_of", "as_of_precision", as_of
    )


def _newest_per_basis(
    *,
    option_ids: Iterable[int],
    as_of: datetime.date,
    basis: str = ANY_BASIS,
    stakeholder_ids: Iterable[int] | None = None,
    stakeholder_kinds: Iterable[str] = (),
) -> QuerySet:
    """The newest position per stakeholder × option × basis known as of the date (ties: the
    latest recorded, then the highest id).

    Only the newest leave the database, each database by its fastest plan (bench/README.md):
    PostgreSQL keeps the first position of each group in one sort (DISTINCT ON); SQLite keeps a
    position if it is the newest of its group, which `position_history_idx` answers in one
    index probe."""
    known = known_positions(as_of)
    positions = Position.objects.filter(known, option_id__in=list(option_ids))
    if basis != ANY_BASIS:
        positions = positions.filter(basis=basis)
    if stakeholder_ids is not None:
        positions = positions.filter(stakeholder_id__in=list(stakeholder_ids))
    stakeholder_kinds = list(stakeholder_kinds)
    if stakeholder_kinds:
        # Before the probe below, so that SQLite probes only these stakeholders' positions.
        of_kinds = Stakeholder.objects.filter(
            pk=OuterRef("stakeholder"), kind__in=stakeholder_kinds
        )
        positions = positions.filter(Exists(of_kinds))
    group = ["stakeholder_id", "option_id", "basis"]
    newest_first = ["-as_of", "-created", "-id"]
    if connections[positions.db].features.can_distinct_on_fields:
        return positions.order_by(*group, *newest_first).distinct(*group)
    newest_id = (
        Position.objects.filter(
            known,
            stakeholder=OuterRef("stakeholder"),
            option=OuterRef("option"),
            basis=OuterRef("basis"),
        )
        .order_by(*newest_first)
        .values("id")[:1]
    )
    return positions.filter(id=Subquery(newest_id)).order_by()


def disputed_by(as_of: datetime.date) -> Exists:
    """Whether the outer position has been disputed as of the date."""
    disputes = PositionDispute.objects.filter(position=OuterRef("pk")).filter(
        starts_by_q("date", "date_precision", as_of)
    )
    return Exists(disputes)


def positions_as_of(
    *,
    option_ids: Iterable[int],
    as_of: datetime.date,
    basis: str = ANY_BASIS,
    stakeholder_ids: Iterable[int] | None = None,
    stakeholder_kinds: Iterable[str] = (),
) -> PositionsAsOf:
    """The newest position per stakeholder × option × basis as of the date, with whether it was
    disputed and retracted by then. One query."""
    positions = _newest_per_basis(
        option_ids=option_ids,
        as_of=as_of,
        basis=basis,
        stakeholder_ids=stakeholder_ids,
        stakeholder_kinds=stakeholder_kinds,
    ).annotate(disputed=disputed_by(as_of))
    latest: PositionsAsOf = defaultdict(dict)
    for row in positions.values_list(*_READ):
        retracted_on, retracted_precision = row[11], row[12]
        retracted = retracted_on is not None and date_starts_by(
            retracted_on, retracted_precision, as_of
        )
        position = PositionAsOf(*row[:13], retracted, row[13])
        latest[position.stakeholder_id, position.option_id][position.basis] = position
    return latest


@dataclass(frozen=True)
class Capabilities:
    """Each stakeholder's newest capability rating as of a date: on the topic, and on each option
    it is rated on, which overrides the topic-wide one there."""

    on_topic: dict[int, int]  # by stakeholder id
    on_option: dict[int, dict[int, int]]  # by option id, then stakeholder id


def capabilities_as_of(*, topic_id: int, as_of: datetime.date) -> Capabilities:
    """Each stakeholder's newest capability on the topic, and on each option it has one for, as
    of the date. One query."""
    capabilities = Capabilities(on_topic={}, on_option=defaultdict(dict))
    influences = (
        Influence.objects.filter(topic_id=topic_id, as_of__lte=as_of)
        .order_by("as_of", "created", "id")
        .values_list("stakeholder_id", "option_id", "capability")
    )
    for stakeholder_id, option_id, capability in influences:
        if option_id is None:
            capabilities.on_topic[stakeholder_id] = capability
        else:
            capabilities.on_option[option_id][stakeholder_id] = capability
    return capabilities


class Tie(NamedTuple):
    """The subject is part of the object: a member of it, holds a post in it, or leads it."""

    subject_id: int
    object_id: int
    kind: str
    object_kind: str


PART_OF = [
    Affiliation.Kind.MEMBER_OF,
    Affiliation.Kind.HOLDS_POST_IN,
    Affiliation.Kind.LEADS,
]


def ties_as_of(*, stakeholder_ids: Iterable[int], as_of: datetime.date) -> dict[int, list[Tie]]:
    """The part-of ties of these stakeholders in force on the date (begun by then, not ended
    before), by subject. One query."""
    ties = (
        Affiliation.objects.filter(kind__in=PART_OF, subject_id__in=list(stakeholder_ids))
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=as_of))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
        .order_by("subject_id", "object_id", "kind")
        .values_list("subject_id", "object_id", "kind", "object__kind")
    )
    by_subject: dict[int, list[Tie]] = defaultdict(list)
    for tie in map(Tie._make, ties):
        by_subject[tie.subject_id].append(tie)
    return by_subject


def stakeholders_in_brief(ids: Iterable[int]) -> dict[int, Stakeholder]:
    """Stakeholders by id, with only what their brief form shows. One query."""
    return Stakeholder.objects.only("id", "slug", "name", "kind").in_bulk(set(ids))
