"""
Backup and restore: the whole database in one file, history included (`manage.py export_data`,
`manage.py import_data`).

A backup is JSON lines (gzip-compressed when the file name ends in `.gz`):

1. a header: `{"format": "policytracker-backup", "version": 1, "exported_at": …, "database": …,
   "migrations": {app: latest applied migration}, "counts": {model: rows}}`;
2. one line per row, in Django's serialization format (`{"model", "pk", "fields"}`), model by
   model, parents before children, each model in primary-key order;
3. a footer: `{"end": "policytracker-backup", "objects": N, "sha256": …}`, the digest of every
   line before it, so that a truncated or damaged file is refused before anything changes.

What it holds (`backup_models()`): every table of the `options` app (the records, the audit
trail's historical records with their users and request ids, and every many-to-many table) and
the accounts: users (with their password hashes), groups, their permissions and memberships, API
tokens (knox keeps digests, never keys) and the admin's log. Every row keeps its primary key, so
ids in URLs, history and timestamps (`created`, `updated`, `version`, `history_date`) come back
exactly as they were. Content types and permissions are not in it: `migrate` makes them, and rows
refer to them by natural key (`["add_position", "options", "position"]`), whose ids may differ
between databases. Sessions are not in it: after a restore, everyone logs in again.

Rows are read with `.iterator()` and written a line at a time, and imported a batch at a time,
so neither side holds the database in memory. Rows are inserted as they are, without `save()`:
no `auto_now` field is touched, no signal is sent, and so the audit trail records nothing new.
"""

import datetime
import gzip
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import django
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "policytracker-backup"
FORMAT_VERSION = 1
# The apps whose tables a backup holds. Of them, permissions are left out (`migrate` makes them).
BACKUP_APPS = ["auth", "knox", "admin", "options"]
NOT_BACKED_UP = {"auth.permission"}
# The apps whose migrations decide whether a file fits a database: the backed-up ones, and
# content types, which the natural keys of permissions and log entries name.
MIGRATION_APPS = ["contenttypes", *BACKUP_APPS]
# Models referred to by natural key: made by `migrate`, their ids differ between databases.
NATURAL_KEY_MODELS = (ContentType, Permission)
CHUNK_SIZE = 2000
BATCH_SIZE = 1000


class BackupError(Exception):
    """The file cannot be exported or imported; the message says why. Nothing has changed."""


# --- What a backup holds ----------------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """The models a backup holds (many-to-many tables included): the accounts, the app's
    records, then the audit trail's, parents before children."""
    found = [
        model
        for app_label in BACKUP_APPS
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True)
        if model._meta.label_lower not in NOT_BACKED_UP
    ]
    # Historical models (simple-history gives them `instance_type`) last, in a stable order:
    # their rows refer to the records by id, without a foreign key.
    found.sort(
        key=lambda model: (
            hasattr(model, "instance_type"),
            model._meta.label_lower if hasattr(model, "instance_type") else "",
        )
    )
    return _parents_first(found)


def _parents_first(found: list[type[models.Model]]) -> list[type[models.Model]]:
    """Order `found` so that a model comes after those its foreign keys point at (among
    `found`; a foreign key to itself aside), keeping the given order otherwise."""
    remaining, ordered = list(found), []
    while remaining:
        for model in remaining:
            parents = {
                field.related_model
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model is not model
            }
            if not parents & set(remaining):
                break
        else:
            model = remaining[0]  # a cycle: the foreign keys are checked at the end anyway
        remaining.remove(model)
        ordered.append(model)
    return ordered


def migration_state(using: str = DEFAULT_DB_ALIAS) -> dict[str, str | None]:
    """The latest migration applied to the database, per app of `MIGRATION_APPS`."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    state = {}
    for app_label in MIGRATION_APPS:
        applied = [key for key in loader.applied_migrations if key[0] == app_label]
        # The latest is the one with the most migrations before it in the graph.
        state[app_label] = (
            max(
                applied,
                key=lambda key: (
                    len(loader.graph.forwards_plan(key)) if key in loader.graph.nodes else 0,
                    key[1],
                ),
            )[1]
            if applied
            else None
        )
    return state


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows per backed-up model, by label (`options.position`)."""
    return {
        model._meta.label_lower: model._base_manager.using(using).count()
        for model in backup_models()
    }


# --- Files ------------------------------------------------------------------------------------


def _compressed(path: Path) -> bool:
    return path.name.endswith(".gz")


@contextmanager
def _open(path: Path, mode: str, *, compressed: bool) -> Iterator[IO[bytes]]:
    try:
        with gzip.open(path, mode, compresslevel=6) if compressed else open(path, mode) as file:
            yield file
    except OSError as error:  # also gzip.BadGzipFile
        raise BackupError(f"Cannot read or write {path}: {error}") from None
    except EOFError:
        raise BackupError(f"{path} is truncated: its compressed stream ends early.") from None


class BackupJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but with times to the microsecond: DjangoJSONEncoder cuts them to the
    millisecond (so `dumpdata` does), which would change every timestamp on the way back."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class _LineWriter:
    """Writes JSON objects a line each, a megabyte at a time, and hashes what it wrote."""

    BUFFER_SIZE = 1 << 20

    def __init__(self, file: IO[bytes]):
        self.file = file
        self.digest = hashlib.sha256()
        self.lines = 0
        self.buffer = bytearray()

    def write_object(self, value: dict) -> None:
        line = json.dumps(value, cls=BackupJSONEncoder, ensure_ascii=False, separators=(",", ":"))
        self.buffer += line.encode() + b"\n"
        self.lines += 1
        if len(self.buffer) >= self.BUFFER_SIZE:
            self.flush()

    def flush(self) -> None:
        self.digest.update(self.buffer)
        self.file.write(self.buffer)
        self.buffer.clear()


class _RowSerializer(PythonSerializer):
    """Django's serializer, writing each row as it goes, with natural keys only for content
    types and permissions and without many-to-many fields (their tables are models of their
    own in a backup, with their ids)."""

    def end_object(self, obj):
        self.stream.write_object(self.get_dump_object(obj))
        self._current = None

    def handle_fk_field(self, obj, field):
        if issubclass(field.related_model, NATURAL_KEY_MODELS):
            related = getattr(obj, field.name)
            self._current[field.name] = related.natural_key() if related else None
        else:
            self._current[field.name] = self._value_from_field(obj, field)

    def handle_m2m_field(self, obj, field):
        pass


def _natural_key_joins(model: type[models.Model]) -> list[str]:
    """The `select_related()` that gives the natural keys of `model`'s rows without a query
    per row."""
    joins = []
    for field in model._meta.concrete_fields:
        if field.is_relation and issubclass(field.related_model, Permission):
            joins.append(f"{field.name}__content_type")
        elif field.is_relation and issubclass(field.related_model, ContentType):
            joins.append(field.name)
    return joins


# --- Export -----------------------------------------------------------------------------------


def backup_export(*, path: Path, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the whole database to `path` (next to it first, then renamed, so that a failed
    export leaves no partial file). Return the header written."""
    connection = connections[using]
    partial = path.with_name(f".{path.name}.partial")  # same folder: os.replace is atomic
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql" and outermost:
                # One snapshot for the counts and every row, while others write meanwhile.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            header = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "exported_at": timezone.now(),
                "database": connection.vendor,
                "django": django.get_version(),
                "migrations": migration_state(using),
                "counts": table_counts(using),
            }
            with _open(partial, "wb", compressed=_compressed(path)) as file:
                writer = _LineWriter(file)
                writer.write_object(header)
                serializer = _RowSerializer()
                for model in backup_models():
                    rows = model._base_manager.using(using).order_by("pk")
                    if joins := _natural_key_joins(model):
                        rows = rows.select_related(*joins)
                    serializer.serialize(rows.iterator(chunk_size=CHUNK_SIZE), stream=writer)
                writer.flush()
                objects = writer.lines - 1
                if objects != sum(header["counts"].values()):
                    raise BackupError("The database changed during the export: try again.")
                file.write(
                    json.dumps(
                        {"end": FORMAT, "objects": objects, "sha256": writer.digest.hexdigest()}
                    ).encode()
                    + b"\n"
                )
        try:
            os.replace(partial, path)
        except OSError as error:
            raise BackupError(f"Cannot write {path}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return header


# --- Import -----------------------------------------------------------------------------------


def _parse_line(line: bytes, number: int, path: Path) -> Any:
    try:
        return json.loads(line)
    except ValueError as error:  # also UnicodeDecodeError
        raise BackupError(f"{path}, line {number}: not JSON ({error}).") from None


def read_header(path: Path) -> dict:
    """Check that `path` is a whole, undamaged backup; return its header.

    Reads the file once, without touching the database: the footer must be there and its
    digest must match every line before it."""
    digest, header, previous, number = hashlib.sha256(), None, None, 0
    with _open(path, "rb", compressed=_compressed(path)) as file:
        for number, line in enumerate(file, start=1):
            if previous is not None:
                digest.update(previous)
            previous = line
            if number == 1:
                header = _parse_line(line, 1, path)
                _check_header(header, path)
    if header is None:
        raise BackupError(f"{path} is empty.")
    footer = _parse_line(previous, number, path) if previous.endswith(b"\n") else None
    if number < 2 or not isinstance(footer, dict) or footer.get("end") != FORMAT:
        raise BackupError(
            f"{path} is truncated: it ends at line {number} without the end line that "
            "export_data writes last. Nothing was imported."
        )
    if footer.get("sha256") != digest.hexdigest() or footer.get("objects") != number - 2:
        raise BackupError(
            f"{path} is damaged: its content does not match the digest in its end line. "
            "Nothing was imported."
        )
    return header


def _check_header(header: Any, path: Path) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a policytracker backup (export_data writes them).")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is a backup of format version {header.get('version')}; this version of "
            f"policytracker reads version {FORMAT_VERSION}."
        )
    if not isinstance(header.get("migrations"), dict) or not isinstance(header.get("counts"), dict):
        raise BackupError(f"{path} has an incomplete header (no migrations or counts).")


def check_migrations(header: dict, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refuse a file exported from a database at another migration state than this one."""
    ours = migration_state(using)
    theirs = header["migrations"]
    differences = [
        f"{app}: the file {theirs.get(app) or 'none'}, this database {ours[app] or 'none'}"
        for app in ours
        if theirs.get(app) != ours[app]
    ]
    if differences:
        raise BackupError(
            "The file was exported from a database at another migration state ("
            + "; ".join(differences)
            + "). Bring this database to the file's state first (the code of that version, "
            "and `manage.py migrate APP MIGRATION`), import, then migrate."
        )


def _records(path: Path) -> Iterator[tuple[int, bytes]]:
    """The rows of the file with their line numbers, header and footer left out."""
    with _open(path, "rb", compressed=_compressed(path)) as file:
        previous = None
        for number, line in enumerate(file, start=1):
            if previous is not None and previous[0] > 1:
                yield previous
            previous = (number, line)
        # `previous` is the footer now; read_header checked it.


def _batches(path: Path, labels: set[str]) -> Iterator[tuple[int, list[dict]]]:
    """Consecutive rows of one model, in batches, with the line number of the first."""
    batch, first = [], 0
    for number, line in _records(path):
        record = _parse_line(line, number, path)
        if not isinstance(record, dict) or record.get("model") not in labels:
            model = record.get("model") if isinstance(record, dict) else None
            raise BackupError(f"{path}, line {number}: not a row of a backed-up model ({model}).")
        if "pk" not in record or not isinstance(record.get("fields"), dict):
            raise BackupError(f"{path}, line {number}: a row without its pk or fields.")
        if batch and (record["model"] != batch[0]["model"] or len(batch) >= BATCH_SIZE):
            yield first, batch
            batch = []
        if not batch:
            first = number
        batch.append(record)
    if batch:
        yield first, batch


def _insert(model: type[models.Model], objects: list[models.Model], using: str) -> None:
    """Insert `objects` as they are: what `save_base(raw=True)` does, a batch at a time, and
    without signals. Raw values: no `auto_now`, no default, no `save()` runs."""
    fields = model._meta.local_concrete_fields
    size = connections[using].ops.bulk_batch_size(fields, objects) or len(objects)
    for start in range(0, len(objects), size):
        model._base_manager._insert(objects[start : start + size], fields, using=using, raw=True)


def _delete_rows(backed_up: list[type[models.Model]], using: str) -> None:
    """Delete every row of `backed_up`, children first, in SQL: no signal, no history record,
    no `on_delete` rule (the foreign keys are checked when the import is done)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for model in reversed(backed_up):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _group_models() -> list[type[models.Model]]:
    """The groups' tables, which `migrate` fills (the `editors` group)."""
    return [Group, Group.permissions.through, User.groups.through]


def _refuse_unless_empty(backed_up: list[type[models.Model]], using: str) -> None:
    groups = set(_group_models())
    present = {
        model._meta.label_lower: model._base_manager.using(using).count()
        for model in backed_up
        if model not in groups and model._base_manager.using(using).exists()
    }
    if present:
        listed = ", ".join(f"{label}: {count}" for label, count in list(present.items())[:4])
        more = ", …" if len(present) > 4 else ""
        raise BackupError(
            f"This database is not empty: it has {sum(present.values())} rows in "
            f"{len(present)} tables ({listed}{more}). import_data restores into an empty "
            "database (e.g. just after `migrate`); --replace deletes the data and the accounts "
            "first. Nothing was imported."
        )


def backup_import(*, path: Path, replace: bool = False, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Restore the backup at `path`, in one transaction: all of it or, on any error, nothing.

    The database must hold no data and no account, unless `replace`: then every row of the
    backed-up tables, and every session, is deleted first (in the same transaction). Groups
    are replaced either way (a new database has the `editors` group that a migration made).
    Return the file's header."""
    header = read_header(path)
    check_migrations(header, using)
    backed_up = backup_models()
    labels = {model._meta.label_lower: model for model in backed_up}
    unknown = set(header["counts"]) - set(labels)
    if unknown:
        raise BackupError(f"{path} holds models this database has not: {sorted(unknown)}.")
    connection = connections[using]
    read = Counter()
    try:
        with transaction.atomic(using=using):
            if replace:
                _delete_rows(backed_up, using)
                apps.get_model("sessions", "Session")._base_manager.using(using).delete()
            else:
                _refuse_unless_empty(backed_up, using)
                _delete_rows(_group_models(), using)
            with connection.constraint_checks_disabled():
                for first, batch in _batches(path, set(labels)):
                    model = labels[batch[0]["model"]]
                    try:
                        objects = [item.object for item in PythonDeserializer(batch, using=using)]
                        _insert(model, objects, using)
                    except (
                        DatabaseError,
                        DeserializationError,
                        FieldDoesNotExist,
                        ValidationError,
                        TypeError,
                        ValueError,
                    ) as error:
                        raise BackupError(
                            f"{path}, lines {first}–{first + len(batch) - 1} "
                            f"({model._meta.label}): {error}. Nothing was imported."
                        ) from error
                    read[model._meta.label_lower] += len(batch)
                    # With DEBUG on, Django keeps the last 9,000 queries: of a large import,
                    # hundreds of megabytes of INSERTs.
                    connection.queries_log.clear()
            _check_counts(header["counts"], read, path, using)
            try:
                connection.check_constraints(table_names=[m._meta.db_table for m in backed_up])
            except DatabaseError as error:
                raise BackupError(
                    f"{path} refers to rows it does not hold: {error}. Nothing was imported."
                ) from error
            # New rows must not take the ids of imported ones (PostgreSQL's sequences; SQLite
            # moves its counters past explicit ids by itself).
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), backed_up):
                    cursor.execute(sql)
    except DatabaseError as error:  # e.g. the commit's own foreign key check
        raise BackupError(f"Cannot import {path}: {error}. Nothing was imported.") from error
    return header


def _check_counts(expected: dict[str, int], read: Counter, path: Path, using: str) -> None:
    in_database = table_counts(using)
    for label, count in in_database.items():
        if read[label] != expected.get(label, 0) or count != expected.get(label, 0):
            raise BackupError(
                f"{path} says it holds {expected.get(label, 0)} rows of {label}, but "
                f"{read[label]} were read and the database now has {count}. Nothing was "
                "imported."
            )
