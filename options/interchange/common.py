"""
What the interchange formats share: the ids their entities keep in both formats, the links to
records in the API, the one snapshot of the database an export is read in (and the stakeholders
read with their sources, in chunks), and the writing of JSON, a chunk of bytes at a time.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import orjson
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import QuerySet

from options.models import Source, Stakeholder

CHUNK_SIZE = 500  # rows read from the database at a time
WRITE_SIZE = 64 * 1024  # bytes handed to the server at a time

ID_PREFIX = "policytracker-"

Kind = Stakeholder.Kind


def stakeholder_entity_id(pk: int) -> str:
    return f"{ID_PREFIX}stakeholder-{pk}"


def affiliation_entity_id(pk: int) -> str:
    return f"{ID_PREFIX}affiliation-{pk}"


def sanction_entity_id(pk: int) -> str:
    return f"{ID_PREFIX}sanction-{pk}"


@dataclass(frozen=True)
class RecordLinks:
    """Where the API serves records: the absolute URLs of the collections, e.g.
    `https://example.org/api/v1/stakeholders/`. A record is its collection's URL, its id, `/`."""

    stakeholders: str
    sources: str

    def stakeholder(self, pk: int) -> str:
        return f"{self.stakeholders}{pk}/"

    def source_url(self, source: Source) -> str:
        """Where a source can be read: its own URL, or else its record in the API, which says
        what it is (title, publisher, date)."""
        return source.url or f"{self.sources}{source.pk}/"


# --- Reading ----------------------------------------------------------------------------------


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A read-only transaction in which every query sees the same state of the database.

    On PostgreSQL that takes REPEATABLE READ (READ COMMITTED, the default, gives each query its
    own snapshot), which holds no lock: writers go on meanwhile. SQLite's reads in one
    transaction see one state anyway."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def stakeholders_with_sources(
    stakeholders: QuerySet[Stakeholder],
) -> Iterator[tuple[Stakeholder, list[Source]]]:
    """Each of `stakeholders`, by id, with its sources: two queries however many there are.

    Both queries are read in chunks, in the order of the stakeholder ids, and walked side by
    side: prefetch_related would run a query per chunk."""
    links = (
        Stakeholder.sources.through.objects.filter(stakeholder__in=stakeholders.values("pk"))
        .select_related("source")
        .only("stakeholder_id", "source__title", "source__url")
        .order_by("stakeholder_id", "source_id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    link = next(links, None)
    for stakeholder in stakeholders.order_by("pk").iterator(chunk_size=CHUNK_SIZE):
        sources = []
        while link is not None and link.stakeholder_id <= stakeholder.pk:
            if link.stakeholder_id == stakeholder.pk:
                sources.append(link.source)
            link = next(links, None)
        yield stakeholder, sources


def json_lines(items: Iterable[dict]) -> Iterator[bytes]:
    """Each item as a line of JSON."""
    for item in items:
        yield orjson.dumps(item) + b"\n"


def _json_array(items: Iterable[dict]) -> Iterator[bytes]:
    """The items of a JSON array, with the commas between them (not the brackets)."""
    separator = b""
    for item in items:
        yield separator + orjson.dumps(item)
        separator = b","


def _in_chunks(pieces: Iterable[bytes], size: int = WRITE_SIZE) -> Iterator[bytes]:
    """`pieces` joined into chunks of about `size` bytes: one write each, not one per row."""
    buffer, length = [], 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def _without_blanks(data: dict) -> dict:
    """`data` without its empty values ("", None, [], {}): a format leaves out what is unknown."""
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}
