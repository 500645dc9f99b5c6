"""
Dates known to a day, a month or a year.

A date stored with month precision ("April 2019", kept as some day of April, the best estimate)
stands for the whole month: an interval. Something so dated is known from the **start** of its
interval (it may have happened on 1 April), its timing is uncertain while a date looked from lies
inside the interval, and it is shown as "Apr 2019", never as a day the source did not give.
"""

import calendar
import datetime

from django.db.models import Q

DAY, MONTH, YEAR = "day", "month", "year"


def date_interval(date: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day that `date`, known to `precision`, may stand for."""
    if precision == MONTH:
        last = calendar.monthrange(date.year, date.month)[1]
        return date.replace(day=1), date.replace(day=last)
    if precision == YEAR:
        return datetime.date(date.year, 1, 1), datetime.date(date.year, 12, 31)
    return date, date


def date_starts_by(date: datetime.date, precision: str, day: datetime.date) -> bool:
    """Whether what is so dated may have happened on or before `day` (its interval has begun)."""
    return date_interval(date, precision)[0] <= day


def timing_uncertain(date: datetime.date, precision: str, day: datetime.date) -> bool:
    """Whether `day` lies inside the interval without being its last day: looking from `day`,
    we cannot tell whether what is so dated had happened yet."""
    start, end = date_interval(date, precision)
    return start <= day < end


def starts_by_q(date_field: str, precision_field: str, day: datetime.date) -> Q:
    """A filter for the rows whose date (`date_field`, known to `precision_field`) starts on or
    before `day`. A month-precision date starts by `day` when it falls in `day`'s month or
    earlier, i.e. on or before the last day of that month; the same for years."""
    month_end = date_interval(day, MONTH)[1]
    year_end = date_interval(day, YEAR)[1]
    return (
        Q(**{precision_field: DAY, f"{date_field}__lte": day})
        | Q(**{precision_field: MONTH, f"{date_field}__lte": month_end})
        | Q(**{precision_field: YEAR, f"{date_field}__lte": year_end})
    )


def ends_from_q(date_field: str, precision_field: str, day: datetime.date) -> Q:
    """A filter for the rows whose date's interval ends on or after `day`."""
    return (
        Q(**{precision_field: DAY, f"{date_field}__gte": day})
        | Q(**{precision_field: MONTH, f"{date_field}__gte": date_interval(day, MONTH)[0]})
        | Q(**{precision_field: YEAR, f"{date_field}__gte": date_interval(day, YEAR)[0]})
    )


def format_date(date: datetime.date | None, precision: str) -> str:
    """The date as precisely as it is known: "30 Apr 2019", "Apr 2019" or "2019"."""
    if date is None:
        return ""
    if precision == YEAR:
        return f"{date:%Y}"
    if precision == MONTH:
        return f"{date:%b %Y}"
    return f"{date.day} {date:%b %Y}"
