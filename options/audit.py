"""
The audit trail's recording side, on django-simple-history.

Every model of the app declares `history = AuditTrail(...)`: each save and delete writes a
historical record (the object's field values then, the many-to-many links it tracks, who, when)
and, through `AuditedRecord`, the id of the request that made it (`X-Request-ID`, and the
server's own id for it, see `options.middleware`).

One write through the API or the admin saves an object and then sets its many-to-many fields;
simple-history alone would record a row per step. Inside `one_record_per_object()` (used by the
write services, options/services.py) each object gets one record instead, taken when the block
ends, with its final values: one change, one record.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import models
from simple_history.models import HistoricalRecords

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


class Recorded(NamedTuple):
    """An object a write recorded in the audit trail: its model, id and history type."""

    model: type[models.Model]
    pk: object
    history_type: str  # "+", "~" or "-" (HISTORY_TYPES)


@dataclass
class _Block:
    """What `one_record_per_object()` holds: the records held back, by (model, pk), and every
    object recorded so far."""

    pending: dict = field(default_factory=dict)
    recorded: list[Recorded] = field(default_factory=list)


_block: ContextVar[_Block | None] = ContextVar("one_record_per_object", default=None)


def current_request():
    """The request being served (simple-history's middleware keeps it), or None outside one."""
    return getattr(HistoricalRecords.context, "request", None)


def current_request_id() -> str:
    """The id of the request being served (set by RequestIDMiddleware), or "" outside one."""
    return getattr(current_request(), "id", "")


def current_server_request_id() -> str:
    """The server's id of the request being served (RequestIDMiddleware), or "" outside one."""
    return getattr(current_request(), "server_id", "")


class AuditedRecord(models.Model):
    """The base of every historical model: a record also keeps the request that made it."""

    request_id = models.CharField(
        "request ID",
        max_length=200,
        blank=True,
        default=current_request_id,
        db_index=True,
        help_text="The X-Request-ID of the request that made the change; empty outside one.",
    )
    server_request_id = models.CharField(
        "server request ID",
        max_length=32,
        blank=True,
        default=current_server_request_id,
        db_index=True,
        help_text=(
            "The server's own id of the request that made the change (X-Server-Request-ID), "
            "unique to the request, whatever X-Request-ID the client sent; empty outside one."
        ),
    )

    class Meta:
        abstract = True


class AuditTrail(HistoricalRecords):
    """simple-history's `HistoricalRecords`, with request ids, and one record per object and
    write inside `one_record_per_object()`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [AuditedRecord])
        super().__init__(**kwargs)

    def create_historical_record(self, instance, history_type, using=None):
        block = _block.get()
        if block is None:
            return super().create_historical_record(instance, history_type, using)
        key = (type(instance), instance.pk)
        if history_type == "-":
            # Deleted within the block: record what it was, then the delete.
            held = block.pending.pop(key, None)
            if held is not None:
                super().create_historical_record(*held[1:])
                block.recorded.append(Recorded(type(instance), instance.pk, held[2]))
            block.recorded.append(Recorded(type(instance), instance.pk, history_type))
            return super().create_historical_record(instance, history_type, using)
        # A record held back keeps its first type: created, then changed, is "created".
        held_type = block.pending[key][2] if key in block.pending else history_type
        block.pending[key] = (self, instance, held_type, using)
        return None


def recording() -> bool:
    """Whether a `one_record_per_object()` block is open."""
    return _block.get() is not None


@contextmanager
def one_record_per_object() -> Iterator[list[Recorded]]:
    """Within the block, hold back historical records; at its end, write one per object, with
    the object's final values (fields and many-to-many links). Nested blocks join the outer one.
    Call it inside the transaction that makes the changes, so that they commit together.

    Yields the list of the objects recorded, filled as the block ends (the outermost block's,
    for a nested one)."""
    outer = _block.get()
    if outer is not None:
        yield outer.recorded
        return
    block = _Block()
    token = _block.set(block)
    try:
        yield block.recorded
    finally:
        _block.reset(token)
    # Only reached when the block ran without an exception (`finally` re-raises otherwise).
    for trail, instance, history_type, using in block.pending.values():
        HistoricalRecords.create_historical_record(trail, instance, history_type, using)
        block.recorded.append(Recorded(type(instance), instance.pk, history_type))
