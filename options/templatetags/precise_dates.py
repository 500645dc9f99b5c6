"""Dates as precisely as they are known: `{{ position.as_of|precise_date:position.as_of_precision }}`
prints "30 Apr 2019", "Apr 2019" or "2019", never a day the source did not give."""

from django import template

from options.dates import DAY, format_date

register = template.Library()


@register.filter
def precise_date(value, precision: str = DAY) -> str:
    """The date known to `precision` (day by default: a date with no precision of its own)."""
    return format_date(value, precision or DAY)
