"""No answer of the analysis as of a date depends on anything dated after it: a sweep over every
date of the seed, comparing the answers on the whole data with those on the data as it stood
then (everything dated later deleted, later retractions and ends of ties not yet known)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from options.dates import date_interval, starts_by_q
from options.models import (
    Affiliation,
    Event,
    Influence,
    Position,
    PositionDispute,
    Topic,
)

ONE_DAY = datetime.timedelta(days=1)


def seed_dates() -> list[datetime.date]:
    """Every date the seed gives, the day before each, and where a date is known only to the
    month or year, the start of its interval."""
    dated = [
        *Position.objects.values_list("as_of", "as_of_precision"),
        *Position.objects.exclude(retracted_on=None).values_list(
            "retracted_on", "retracted_precision"
        ),
        *PositionDispute.objects.values_list("date", "date_precision"),
        *Event.objects.values_list("date", "date_precision"),
        *((day, "day") for day in Influence.objects.values_list("as_of", flat=True)),
        *(
            (day, "day")
            for day in Affiliation.objects.exclude(start_date=None).values_list(
                "start_date", flat=True
            )
        ),
        *(
            (day, "day")
            for day in Affiliation.objects.exclude(end_date=None).values_list("end_date", flat=True)
        ),
    ]
    days = set()
    for date, precision in dated:
        start, end = date_interval(date, precision)
        days.update({date - ONE_DAY, date, date + ONE_DAY, start - ONE_DAY, start, end})
    return sorted(days)


def forget_what_came_after(day: datetime.date) -> None:
    """The database as it stood on `day`."""
    known_disputes = starts_by_q("date", "date_precision", day)
    PositionDispute.objects.exclude(known_disputes).delete()
    later = Position.objects.exclude(starts_by_q("as_of", "as_of_precision", day))
    PositionDispute.objects.filter(position__in=later).delete()
    later.delete()
    Position.objects.exclude(retracted_on=None).exclude(
        starts_by_q("retracted_on", "retracted_precision", day)
    ).update(retracted_on=None)
    Influence.objects.filter(as_of__gt=day).delete()
    Event.objects.exclude(starts_by_q("date", "date_precision", day)).delete()
    Affiliation.objects.filter(start_date__gt=day).delete()
    Affiliation.objects.filter(end_date__gt=day).update(end_date=None)


def answers(client, topic: Topic, day: datetime.date) -> dict:
    """What the analysis says as of `day`: the matrix, the forecasts by actors and by all, and
    the timeline's own judgements (which entries, what changed). The records inside timeline
    entries are shown as they stand today, as a record's page does: they are left out."""
    query = f"as_of={day.isoformat()}"
    base = f"/api/v1/topics/{topic.pk}"
    timeline = client.get(f"{base}/timeline/?to={day.isoformat()}&limit=1000").json()
    return {
        "matrix": client.get(f"{base}/stance-matrix/?{query}").json(),
        "forecast": client.get(f"{base}/forecast/?{query}").json(),
        "forecast, all": client.get(f"{base}/forecast/?{query}&unit=all").json(),
        "timeline": [
            {
                "type": entry["type"],
                "date": entry["date"],
                "date_precision": entry["date_precision"],
                "records": [
                    (entry[kind] or {}).get("id") for kind in ("event", "position", "dispute")
                ],
                "previous": entry["previous"],
                "stance_changed": entry["stance_changed"],
                "effective": entry["effective"],
            }
            for entry in timeline["results"]
        ],
    }


@pytest.mark.django_db
def test_no_answer_depends_on_anything_dated_after_its_date(api_client):
    call_command("load_seed", stdout=io.StringIO())
    topic = Topic.objects.get(slug="venezuela-2019")
    days = seed_dates()
    assert len(days) > 15

    for day in days:
        whole = answers(api_client, topic, day)
        with transaction.atomic():
            forget_what_came_after(day)
            then = answers(api_client, topic, day)
            transaction.set_rollback(True)

        for name in whole:
            assert whole[name] == then[name], f"{name} as of {day} depends on later data"
