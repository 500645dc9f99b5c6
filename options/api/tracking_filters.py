"""
Filter sets of live tracking's lists: change events, subscriptions and deliveries, in the API's
convention (options/api/filters.py). A change event keeps the ids of records since deleted, and
names everyone it concerns in JSON lists: its filters take ids without looking them up, and
search those lists.
"""

import datetime
import functools
import operator
import re

import django_filters as filters
from django import forms
from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django_filters.fields import IsoDateTimeField, IsoDateTimeRangeField, RangeField
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from options import models
from options.api.filters import (
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    FilterSet,
    SlugsFilter,
    by_id,
    by_slug,
)
from options.api.serializers import MAX_ID
from options.api.serializers.audit import ANONYMOUS_USER_FILTER


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, as UTC: PostgreSQL refuses offsets past ±15:59, which ISO 8601
    allows (2019-04-30T12:00+22:10), and a time near year 1 or 9999 may have no UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(
                "Enter a date and time between the years 1 and 9999, in UTC.", code="invalid"
            ) from None


class UTCIsoDateTimeRangeField(IsoDateTimeRangeField):
    def __init__(self, *args, **kwargs):
        RangeField.__init__(self, (UTCIsoDateTimeField(), UTCIsoDateTimeField()), *args, **kwargs)


class DateTimeRangeFilter(filters.IsoDateTimeFromToRangeFilter):
    """`<name>_after` and `<name>_before`, both inclusive, compared in UTC."""

    field_class = UTCIsoDateTimeRangeField


class RecordIdsField(forms.Field):
    """Ids, repeatable, not looked up: a change event keeps the ids of records since deleted,
    and another user's subscription must not be told apart from one that does not exist."""

    widget = forms.SelectMultiple  # reads every value of a repeated parameter
    default_error_messages = {"invalid": "Enter ids: whole numbers from 1."}

    def to_python(self, value):
        ids = []
        for item in value or []:
            if not re.fullmatch(r"[0-9]{1,19}", str(item)) or not 1 <= int(item) <= MAX_ID:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(int(item))
        return ids


class RecordIdsFilter(filters.MultipleChoiceFilter):
    field_class = RecordIdsField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


def record_ids(field_name: str, help_text: str):
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": help_text}
    return extend_schema_field(schema)(RecordIdsFilter(field_name=field_name, help_text=help_text))


def json_list_has_any(queryset, field_name: str, ids: list[int]):
    """The rows whose JSON list `field_name` holds any of `ids`: PostgreSQL's jsonb `@>` where
    the database has it, SQLite's json_each() otherwise."""
    if connections[queryset.db].features.supports_json_field_contains:
        return queryset.filter(
            functools.reduce(operator.or_, (Q(**{f"{field_name}__contains": [i]}) for i in ids))
        )
    meta, quote = queryset.model._meta, connections[queryset.db].ops.quote_name
    rows = RawSQL(
        f"SELECT t.{quote(meta.pk.column)} FROM {quote(meta.db_table)} t, "
        f"json_each(t.{quote(meta.get_field(field_name).column)}) j "
        f"WHERE j.value IN ({', '.join(['%s'] * len(ids))})",
        ids,
    )
    return queryset.filter(pk__in=rows)


class ConcernsIdsFilter(RecordIdsFilter):
    """Change events concerning any of these records (their JSON list of ids holds one)."""

    def filter(self, qs, value):
        return json_list_has_any(qs, self.field_name, value) if value else qs


class ConcernsSlugsFilter(SlugsFilter):
    def filter(self, qs, value):
        return json_list_has_any(qs, self.field_name, [obj.pk for obj in value]) if value else qs


SLUG_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": SLUG_MAX_LENGTH,
    "pattern": SLUG_PATTERN,
}


def concerning(field_name: str, model) -> tuple:
    """The filters `<name>_id` (ids) and `<name>` (slugs) of the change events concerning any of
    these `model` records, as the main one or among the others (the JSON list `field_name`)."""
    name = model._meta.verbose_name
    ids_help = f"Events concerning this {name} (id, repeatable)."
    by_ids = extend_schema_field(
        {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": ids_help}
    )(ConcernsIdsFilter(field_name=field_name, help_text=ids_help))
    slugs_help = f"Events concerning this {name} (slug, repeatable)."
    by_slugs = extend_schema_field({**SLUG_SCHEMA, "description": slugs_help})(
        ConcernsSlugsFilter(
            field_name=field_name,
            queryset=model.objects.all(),
            to_field_name="slug",
            help_text=slugs_help,
        )
    )
    return by_ids, by_slugs


class ChangeEventFilterSet(FilterSet):
    type = filters.MultipleChoiceFilter(
        choices=models.ChangeEvent.Type.choices, help_text="Event type (repeatable)."
    )
    topic_id = record_ids("topic", "Topic id (repeatable); the topic may be deleted since.")
    topic = by_slug("topic", models.Topic)
    stakeholder_id, stakeholder = concerning("stakeholder_ids", models.Stakeholder)
    option_id, option = concerning("option_ids", models.PolicyOption)
    position_id = record_ids("position", "Events resting on this position (id, repeatable).")
    event_id = record_ids("event", "Events about this event (id, repeatable).")
    source_id = record_ids("source", "Events whose evidence is this source (id, repeatable).")
    write = filters.UUIDFilter(help_text="The events of this write.")
    digest = record_ids("digest", "The events this digest stands for (its id, repeatable).")
    occurred = DateTimeRangeFilter(
        help_text="`occurred_after` and `occurred_before`, both inclusive (ISO 8601: "
        "2019-04-30 or 2019-04-30T12:00Z)."
    )
    request_id = filters.CharFilter(help_text="The events of the request with this X-Request-ID.")
    user = filters.CharFilter(
        method="filter_user", help_text="Writes by this username (signed-in readers only)."
    )

    class Meta:
        model = models.ChangeEvent
        fields = []

    def filter_user(self, queryset, name, value):
        if not self.request.user.is_authenticated:
            raise ValidationError({"user": [ANONYMOUS_USER_FILTER]})
        return queryset.filter(user__username=value)


class SubscriptionFilterSet(FilterSet):
    topic_id = by_id("topics", models.Topic)
    topic = by_slug("topics", models.Topic)
    stakeholder_id = by_id("stakeholders", models.Stakeholder)
    stakeholder = by_slug("stakeholders", models.Stakeholder)
    option_id = by_id("options", models.PolicyOption)
    option = by_slug("options", models.PolicyOption)
    owner = filters.CharFilter(
        field_name="owner__username", help_text="The owner's username (a superuser sees all)."
    )

    class Meta:
        model = models.Subscription
        fields = ["is_active"]


class DeliveryFilterSet(FilterSet):
    subscription = record_ids("subscription", "Subscription id (repeatable).")
    change_event = record_ids("change_event", "Change event id (repeatable).")
    status = filters.MultipleChoiceFilter(
        choices=models.Delivery.Status.choices, help_text="Status (repeatable)."
    )
    webhook_id = filters.CharFilter(help_text="The delivery with this `webhook-id` header.")
    created = DateTimeRangeFilter(
        help_text="`created_after` and `created_before`, both inclusive (ISO 8601)."
    )

    class Meta:
        model = models.Delivery
        fields = []
