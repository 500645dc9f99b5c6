"""
The positions as CSV (`GET /api/v1/positions/export.csv`), streamed in flat memory.

The rows are read with one query, the related slugs joined in (`values_list`), a chunk at a time
(`iterator`): on PostgreSQL through a server-side cursor, so that neither the database driver nor
Django ever holds more than a chunk of rows. Each batch of rows is written by `csv.writer` into a
small buffer, sent, and dropped. Exporting a million positions takes the memory of a few thousand.

Server-side cursors need Django's `DISABLE_SERVER_SIDE_CURSORS` off, its default. Behind a
connection pooler in transaction mode (PgBouncer's `pool_mode = transaction`), which cannot keep
a cursor between transactions, it has to be turned on: the driver then receives the whole result
at once, and the worker's memory grows with the export (1.4 KB a position: bench/README.md).

The file is made for spreadsheets and for importing again:

- UTF-8 with a byte order mark: without it, Excel reads a CSV file in the machine's legacy code
  page and garbles every name with an accent. Readers of CSV skip it (Python's `utf-8-sig`
  encoding, pandas, LibreOffice, Google Sheets; the admin's import does too).
- RFC 4180: comma-separated, double quotes around a value that needs them, CRLF line ends; a
  text may span lines inside its quotes.
- Related records by their natural keys, under the column names the admin's import takes
  (options/resources.py): `stakeholder`, `topic` and `option` (an option's slug is unique within
  its topic only), `reported_by`, `source`.
- Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell that begins with `=`,
  `+`, `-` or `@` as a formula (tab and carriage return lead to the same). In the free texts
  (`quote`, `summary`, `notes`), such a value gets an apostrophe before it, which makes the
  spreadsheet show it as text; strip it when reading the file as data (`text_read`). So that
  stripping gives every text back whole, a text that begins with apostrophes before one of
  those characters (`'=1`) gets one more too. Numbers stay numbers (a stance of -2 is written
  `-2`), and slugs, which are letters, digits, `-` and `_` only and cannot make a formula that
  does anything, are written as they are, so that they import again.

The admin's CSV export escapes its free texts with the same function, and its CSV import reads
them back with `text_read` (options/resources.py): either file imports again unchanged.
"""

import csv
import datetime
import io
import itertools
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import BaseRenderer

from options import models

#: Rows fetched from the database at a time (on PostgreSQL, from the server-side cursor).
CHUNK_SIZE = 2000
#: Rows written to the buffer before it is sent: about 100 KB.
ROWS_PER_WRITE = 500
BYTE_ORDER_MARK = "\ufeff"
#: What may begin a formula in a spreadsheet (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: The header row.
HEADER = [
    "id",
    "stakeholder",
    "topic",
    "option",
    "stance",
    "stance_label",
    "basis",
    "reported_by",
    "as_of",
    "as_of_precision",
    "salience",
    "confidence",
    "source",
    "quote",
    "summary",
    "notes",
    "retracted_on",
    "retracted_precision",
    "created",
    "updated",
    "version",
]
#: What is read of each position, in the order `csv_row` takes it.
FIELDS = [
    "id",
    "stakeholder__slug",
    "option__topic__slug",
    "option__slug",
    "stance",
    "basis",
    "reported_by__slug",
    "as_of",
    "as_of_precision",
    "salience",
    "confidence",
    "source__slug",
    "quote",
    "summary",
    "notes",
    "retracted_on",
    "retracted_precision",
    "created",
    "updated",
    "version",
]

#: The export's `Content-Disposition`, as the schema describes it.
CONTENT_DISPOSITION_HEADER = OpenApiParameter(
    "Content-Disposition",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    required=True,
    description='`attachment; filename="positions-YYYY-MM-DD.csv"`, the day of the export.',
)

STANCE_LABELS = {stance.value: stance.label for stance in models.Position.Stance}


def _needs_apostrophe(value: str) -> bool:
    """Whether `text` puts an apostrophe before `value`: it begins with what begins a formula,
    after any apostrophes (whose first `text_read` would otherwise take for the escape)."""
    return value.lstrip("'").startswith(FORMULA_TRIGGERS)


def text(value: str) -> str:
    """A free text, with an apostrophe before it if a spreadsheet would run it as a formula."""
    return f"'{value}" if _needs_apostrophe(value) else value


def text_read(value: str) -> str:
    """A free text as `text` wrote it, read back: without the apostrophe it put before it."""
    return value[1:] if value.startswith("'") and _needs_apostrophe(value[1:]) else value


def timestamp(value: datetime.datetime) -> str:
    """A timestamp as the API's JSON gives it, in ISO 8601: 2019-04-30T12:00:00.5Z. (Django
    reads timestamps from the database in UTC.)"""
    return value.isoformat().replace("+00:00", "Z")


def csv_row(values: tuple) -> tuple:
    """The CSV row of a position, from its values in the order of `FIELDS`. (csv.writer writes
    None as an empty cell, a number as digits and a date as YYYY-MM-DD.)"""
    (
        id_,
        stakeholder,
        topic,
        option,
        stance,
        basis,
        reported_by,
        as_of,
        as_of_precision,
        salience,
        confidence,
        source,
        quote,
        summary,
        notes,
        retracted_on,
        retracted_precision,
        created,
        updated,
        version,
    ) = values
    return (
        id_,
        stakeholder,
        topic,
        option,
        stance,
        STANCE_LABELS.get(stance, stance),
        basis,
        reported_by,
        as_of,
        as_of_precision,
        salience,
        confidence,
        source,
        text(quote),
        text(summary),
        text(notes),
        retracted_on,
        retracted_precision,
        timestamp(created),
        timestamp(updated),
        version,
    )


def position_rows(positions: QuerySet) -> Iterator[tuple]:
    """The CSV rows of `positions` (filtered and sorted already), read a chunk at a time."""
    values = positions.prefetch_related(None).values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE)
    return map(csv_row, values)


def csv_lines(rows: Iterable[tuple]) -> Iterator[bytes]:
    """The CSV file of `rows` under `HEADER`, in UTF-8 with a byte order mark, a few hundred
    rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: the `excel` dialect, CRLF line ends
    buffer.write(BYTE_ORDER_MARK)
    writer.writerow(HEADER)
    rows = iter(rows)
    while batch := list(itertools.islice(rows, ROWS_PER_WRITE)):
        writer.writerows(batch)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no row: the header alone
        yield buffer.getvalue().encode()


class CSVRenderer(BaseRenderer):
    """`text/csv`, for content negotiation (a client whose `Accept` excludes it gets 406) and
    the schema. The export streams its body itself; this renders rows given whole."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"".join(csv_lines(data or []))


def positions_response(positions: QuerySet, *, head: bool = False) -> StreamingHttpResponse:
    """The streamed CSV answer of the export: `positions` as an attachment named after today's
    date, `positions-2019-04-30.csv`. To a HEAD request (`head`), the headers alone: the server
    would otherwise read the whole export through to send none of it."""
    body = [] if head else csv_lines(position_rows(positions))
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"positions-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
