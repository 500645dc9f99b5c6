"""
Reads of the audit trail (the recording side is `options.audit`): an object's history, and the
feed of changes across models.

Both are `ChangeList`s: a count and slices, what a paginator needs. A slice runs a fixed number
of queries, whatever its length:

- one for the page's keys. The feed takes them from a UNION ALL of the historical tables (each
  filtered, ordered by date by the database and cut to the page there: the merge is SQL's);
- then, per model on the page: one for its records, with their authors, the id of each one's
  previous record and whether the object still exists (subqueries); one for the previous records
  not already in hand; one per tracked many-to-many field for the links of all of them.

A change is described against the object's previous record: `changes` lists the fields whose
value differs (simple-history's `diff_against` for the fields, the links compared as sorted ids);
the first record of an object lists the fields it was given a value in (old: null), a delete the
fields that had one (new: null).
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from simple_history.models import HistoricalRecords
from simple_history.utils import get_history_model_for_model, get_m2m_reverse_field_name

from options.audit import HISTORY_TYPES

# The columns of a page's keys: which model (its index in the list given), which record.
KEY_FIELDS = ("history_id", "history_date")
NEWEST_FIRST = ("-history_date", "model_index", "-history_id")
# What "no value" looks like in a field: a created field with one of these has not changed.
EMPTY_VALUES = (None, "", [], {})


@dataclass(frozen=True)
class FieldChange:
    """A field's value before and after a change (None where there was none)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """One historical record of one object, described."""

    model: type[models.Model]
    object_id: int
    history_id: int
    date: datetime.datetime
    type: str  # created, changed or deleted
    user: AbstractBaseUser | None
    request_id: str
    server_request_id: str
    changes: list[FieldChange]
    snapshot: dict[str, Any]  # every field's value after the change; links as lists of ids
    object_exists: bool


class ChangeList:
    """Changes, newest first, loaded a slice at a time."""

    def __init__(self, audited_models: Sequence[type[models.Model]], keys: models.QuerySet):
        self.models = list(audited_models)
        self.keys = keys

    def count(self) -> int:
        return self.keys.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Change]:
        if not isinstance(index, slice):
            raise TypeError("A ChangeList is read by slices.")
        return changes_load(audited_models=self.models, keys=list(self.keys[index]))


def _keys(model_index: int, history: models.QuerySet) -> models.QuerySet:
    return history.order_by().values(*KEY_FIELDS).annotate(model_index=Value(model_index))


def object_history(*, model: type[models.Model], object_id: int) -> ChangeList:
    """The changes of one object, newest first; deleted objects keep theirs."""
    history = get_history_model_for_model(model).objects.filter(id=object_id)
    return ChangeList([model], _keys(0, history).order_by(*NEWEST_FIRST))


def change_feed(
    *,
    audited_models: Sequence[type[models.Model]],
    since: datetime.datetime | None = None,
    username: str | None = None,
    request_id: str | None = None,
    server_request_id: str | None = None,
) -> ChangeList:
    """The changes to objects of `audited_models`, newest first: those made at or after
    `since`, by the user named `username`, in the request `request_id` (the client's id) or
    `server_request_id` (the server's) (each if given)."""
    parts = []
    for index, model in enumerate(audited_models):
        history = get_history_model_for_model(model).objects.all()
        if since is not None:
            history = history.filter(history_date__gte=since)
        if username is not None:
            history = history.filter(history_user__username=username)
        if request_id is not None:
            history = history.filter(request_id=request_id)
        if server_request_id is not None:
            history = history.filter(server_request_id=server_request_id)
        parts.append(_keys(index, history))
    keys = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return ChangeList(audited_models, keys.order_by(*NEWEST_FIRST))


def changes_load(*, audited_models: Sequence[type[models.Model]], keys: list[dict]) -> list[Change]:
    """The changes that `keys` (rows of model_index, history_id) name, in their order."""
    ids_by_model = defaultdict(list)
    for key in keys:
        ids_by_model[key["model_index"]].append(key["history_id"])
    loaded = {}
    for model_index, history_ids in ids_by_model.items():
        for change in _model_changes(audited_models[model_index], history_ids):
            loaded[model_index, change.history_id] = change
    return [loaded[key["model_index"], key["history_id"]] for key in keys]


def _model_changes(model: type[models.Model], history_ids: list[int]) -> list[Change]:
    history_model = get_history_model_for_model(model)
    earlier = history_model.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    # Query: the records, with their authors, previous records' ids and objects' existence.
    records = list(
        history_model.objects.filter(history_id__in=history_ids)
        .select_related("history_user")
        .annotate(
            previous_id=Subquery(
                earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
            ),
            object_exists=Exists(model._default_manager.filter(pk=OuterRef("id"))),
        )
    )
    by_id = {record.history_id: record for record in records}
    missing = {record.previous_id for record in records} - set(by_id) - {None}
    if missing:
        # Query: the previous records not on the page (usually the last one's).
        by_id.update(history_model.objects.in_bulk(missing))
    m2m_fields = [
        field for field in model._meta.many_to_many if field in history_model._history_m2m_fields
    ]
    # Queries: one per tracked many-to-many field, for the links of every record above.
    links = {field.name: _links(field, list(by_id)) for field in m2m_fields}
    fields = history_model.tracked_fields
    compared = [field.name for field in fields if field.editable and not field.primary_key]
    compared += [field.name for field in m2m_fields]

    def snapshot(record) -> dict[str, Any]:
        values = {field.name: _json_value(getattr(record, field.attname)) for field in fields}
        for name, by_record in links.items():
            values[name] = by_record.get(record.history_id, [])
        return values

    changes = []
    for record in records:
        previous = by_id.get(record.previous_id)
        values = snapshot(record)
        if record.history_type == "-":
            # Links are cut before the delete is recorded: show the ones it had.
            before = snapshot(previous) if previous is not None else values
            values.update({name: before[name] for name in links})
            field_changes = [
                FieldChange(name, before[name], None)
                for name in compared
                if before[name] not in EMPTY_VALUES
            ]
        elif previous is None:
            field_changes = [
                FieldChange(name, None, values[name])
                for name in compared
                if values[name] not in EMPTY_VALUES
            ]
        else:
            before = snapshot(previous)
            diffed = record.diff_against(
                previous, included_fields=[name for name in compared if name not in links]
            ).changed_fields
            field_changes = [
                FieldChange(name, before[name], values[name])
                for name in compared
                if name in diffed or (name in links and before[name] != values[name])
            ]
        changes.append(
            Change(
                model=model,
                object_id=record.id,
                history_id=record.history_id,
                date=record.history_date,
                type=HISTORY_TYPES[record.history_type],
                user=record.history_user,
                request_id=record.request_id,
                server_request_id=record.server_request_id,
                changes=field_changes,
                snapshot=values,
                object_exists=record.object_exists,
            )
        )
    return changes


def _links(field: models.ManyToManyField, history_ids: list[int]) -> dict[int, list[int]]:
    """The ids that `field` linked to in each historical record, sorted."""
    m2m_history_model = HistoricalRecords.m2m_models[field]
    target = m2m_history_model._meta.get_field(get_m2m_reverse_field_name(field)).attname
    links = defaultdict(list)
    rows = m2m_history_model.objects.filter(history_id__in=history_ids).values_list(
        "history_id", target
    )
    for history_id, target_id in rows.order_by(target):
        links[history_id].append(target_id)
    return links


def _json_value(value: Any) -> Any:
    """A field's value as JSON can hold it: dates as ISO 8601, a country as its code…"""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta | Decimal | UUID):
        return DjangoJSONEncoder().default(value)
    return str(value)
