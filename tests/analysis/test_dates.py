"""Dates known to a day, a month or a year: intervals, filters and how they are shown."""

import datetime
import random

import pytest

from options.dates import (
    date_interval,
    date_starts_by,
    ends_from_q,
    format_date,
    starts_by_q,
    timing_uncertain,
)
from options.models import Position
from tests import factories


@pytest.mark.parametrize(
    ("date", "precision", "interval"),
    [
        ("2019-04-30", "day", ("2019-04-30", "2019-04-30")),
        ("2019-04-29", "month", ("2019-04-01", "2019-04-30")),
        ("2020-02-10", "month", ("2020-02-01", "2020-02-29")),
        ("2019-05-10", "year", ("2019-01-01", "2019-12-31")),
    ],
)
def test_a_date_stands_for_its_interval(date, precision, interval):
    day = datetime.date.fromisoformat
    assert date_interval(day(date), precision) == tuple(map(day, interval))


def test_what_is_dated_to_the_month_is_known_from_the_first_of_the_month():
    april = datetime.date(2019, 4, 29)
    assert not date_starts_by(april, "month", datetime.date(2019, 3, 31))
    assert date_starts_by(april, "month", datetime.date(2019, 4, 1))
    assert not date_starts_by(april, "day", datetime.date(2019, 4, 28))


def test_timing_is_uncertain_inside_the_interval_until_its_last_day():
    april = datetime.date(2019, 4, 29)
    assert [
        timing_uncertain(april, "month", datetime.date(2019, 4, d)) for d in (1, 15, 29, 30)
    ] == [True, True, True, False]
    assert not timing_uncertain(april, "month", datetime.date(2019, 3, 31))
    assert not timing_uncertain(april, "day", april)


@pytest.mark.parametrize(
    ("precision", "shown"), [("day", "30 Apr 2019"), ("month", "Apr 2019"), ("year", "2019")]
)
def test_a_date_is_shown_as_precisely_as_it_is_known(precision, shown):
    assert format_date(datetime.date(2019, 4, 30), precision) == shown


@pytest.mark.django_db
def test_the_database_filters_agree_with_the_intervals():
    """starts_by_q and ends_from_q select exactly what the intervals say, around month and
    year ends (random dates, every precision)."""
    rng = random.Random(7)
    first = datetime.date(2018, 11, 1)
    positions = [
        factories.PositionFactory(
            as_of=first + datetime.timedelta(days=rng.randrange(500)),
            as_of_precision=rng.choice(["day", "month", "year"]),
        )
        for _ in range(60)
    ]
    for _ in range(40):
        day = first + datetime.timedelta(days=rng.randrange(500))
        starts = set(
            Position.objects.filter(starts_by_q("as_of", "as_of_precision", day)).values_list(
                "pk", flat=True
            )
        )
        ends = set(
            Position.objects.filter(ends_from_q("as_of", "as_of_precision", day)).values_list(
                "pk", flat=True
            )
        )
        intervals = {p.pk: date_interval(p.as_of, p.as_of_precision) for p in positions}
        assert starts == {pk for pk, (start, _) in intervals.items() if start <= day}, day
        assert ends == {pk for pk, (_, end) in intervals.items() if end >= day}, day
