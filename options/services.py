"""
The write services: every create, update and delete of the app's records goes through here,
whoever asks for it (the API, the admin, the spreadsheet import, the FtM import, load_seed).

A write is one unit, `audited_write()`:
- one transaction: all of it is stored, or none of it;
- the version check that keeps a writer from overwriting a change it has not seen
  (`expected_versions`: the API's `If-Match`, the admin's edit check), holding the record until
  the write ends; each save then takes the next version (`TimeStampedModel.save`);
- one historical record per object, with its final values (options/audit.py);
- its change events (a stance changed, a divergence appeared, …) and their deliveries to the
  subscriptions that follow them, derived once its records are saved, in its transaction
  (options/tracking/derive.py);
- once the transaction commits, the signal `records_written`, naming every object written.

Validation stays where the input is (the serializer's or the form's `full_clean()`), so that
errors are keyed by the API's or the form's field names; the rules are the models' either way.

Names follow `<noun>_<verb>`: `record_*` for a record of any model, `event_*` for what only events
have (their participants).
"""

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import models, router, transaction
from django.dispatch import Signal

from options.audit import one_record_per_object, recording
from options.models import Event
from options.tracking.derive import change_events_create, watching

M = TypeVar("M", bound=models.Model)

#: Sent once a write's transaction has committed, with `records`: the options.audit.Recorded
#: of every object it created, changed or deleted, in the order they were recorded.
records_written = Signal()


class VersionConflict(Exception):
    """The record is no longer at a version the writer expected: someone saved it meanwhile."""

    def __init__(self, current: models.Model | None):
        super().__init__("The record has changed since the writer read it.")
        self.current = current  # as it stands now; None if it is gone


@contextmanager
def audited_write(*, using: str | None = None) -> Iterator[None]:
    """One write: a transaction, one historical record per object, its change events, and
    `records_written` once it commits. A write within a write joins it."""
    outermost = not recording()
    with transaction.atomic(using=using):
        with watching() as watch, one_record_per_object() as recorded:
            yield
        if outermost:
            change_events_create(watch, recorded)
    if outermost:
        # Now that the block has filled `recorded`: sent at once if the write's transaction has
        # committed, or when the caller's (if it opened one) commits; never if that rolls back.
        transaction.on_commit(
            lambda: records_written.send(sender=audited_write, records=tuple(recorded)),
            using=using,
        )


def record_create(model: type[M], *, fields: Mapping[str, Any], links: Mapping = {}) -> M:
    """Create a record of `model` from its field values, then set its many-to-many `links`."""
    with audited_write(using=router.db_for_write(model)):
        instance = model(**fields)
        instance.save()
        _set_links(instance, links)
    return instance


def record_update(
    instance: M,
    *,
    fields: Mapping[str, Any],
    links: Mapping = {},
    expected_versions: Collection[int] | None = None,
) -> M:
    """Set `fields` and `links` on the record and save it; with `expected_versions`, only if the
    stored record is at one of them (else VersionConflict, and nothing changes)."""
    with audited_write(using=router.db_for_write(type(instance))):
        _check_version(instance, expected_versions)
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.save()
        _set_links(instance, links)
    return instance


def record_delete(instance: models.Model, *, expected_versions: Collection[int] | None = None):
    """Delete the record; with `expected_versions`, only if it is at one of them. A record that
    others still refer to is not deleted: ProtectedError says which (options/models/base.py)."""
    with audited_write(using=router.db_for_write(type(instance))):
        _check_version(instance, expected_versions)
        instance.delete()


def event_create(
    *, fields: Mapping[str, Any], links: Mapping = {}, participations: list[dict] = ()
) -> Event:
    """Create an event with its participants (`{"stakeholder": …, "role": …}` each)."""
    with audited_write(using=router.db_for_write(Event)):
        event = record_create(Event, fields=fields, links=links)
        event.set_participants(list(participations))
    return event


def event_update(
    event: Event,
    *,
    fields: Mapping[str, Any],
    links: Mapping = {},
    participations: list[dict] | None = None,
    expected_versions: Collection[int] | None = None,
) -> Event:
    """Update an event; with `participations`, its participants become exactly those."""
    with audited_write(using=router.db_for_write(Event)):
        record_update(event, fields=fields, links=links, expected_versions=expected_versions)
        if participations is not None:
            event.set_participants(participations)
    return event


def _check_version(instance: models.Model, expected_versions: Collection[int] | None) -> None:
    if expected_versions is not None and not instance.lock_at_version(list(expected_versions)):
        raise VersionConflict(type(instance)._base_manager.filter(pk=instance.pk).first())


def _set_links(instance: models.Model, links: Mapping) -> None:
    for name, related in links.items():
        getattr(instance, name).set(related)
