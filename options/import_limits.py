"""
What a spreadsheet that the admin imports may be (options/resources.py reads it, the admin's
import page checks it first: options/admin/import_previews.py), so that one upload cannot take
a worker's memory or its time:

- the upload's size (`IMPORT_MAX_BYTES`), before anything reads it;
- for XLSX, a zip archive of XML files, the archive itself, before the spreadsheet reader
  (openpyxl) opens it: how many files it holds, their size unpacked in all
  (`IMPORT_MAX_DECOMPRESSED_BYTES`) and each one's size against its packed size (a "zip bomb"
  packs gigabytes into a few kilobytes). The sizes are measured by unpacking, in small pieces,
  not taken from the archive's directory, which a crafted file can fill with lies;
- the rows under the headers (`IMPORT_MAX_ROWS`) and the characters in a cell
  (`IMPORT_MAX_CELL_CHARS`, Excel's own limit), counted as the file is read, which stops at the
  first one over: before the preview, which checks and saves each row on its own.

Each refusal is a `RefusedFile`, whose message the import page shows on the file's field.
"""

import csv
import dataclasses
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from import_export.formats import base_formats

#: An XLSX file holds a dozen files or so (a few more per sheet): a thousand is no spreadsheet.
ZIP_MAX_MEMBERS = 1000
#: A file in the archive that unpacks to more than this…
ZIP_RATIO_FLOOR = 1024 * 1024
#: …may unpack to at most this many times its packed size. Spreadsheets' XML packs 5 to 30
#: times; a zip bomb, up to a thousand.
ZIP_MAX_RATIO = 100
#: How much is unpacked at a time while measuring.
ZIP_CHUNK = 64 * 1024

# A zip member's local header (APPNOTE 4.3.7): its fixed part, then its name and extra field.
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"


class RefusedFile(ValueError):
    """A file over one of the limits, or not what its format says: the message says which,
    in words for the editor."""


@dataclasses.dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_decompressed_bytes: int
    max_rows: int
    max_cell_chars: int


def limits() -> Limits:
    """The limits in force (policytracker/settings.py; environment variables override them)."""
    return Limits(
        max_bytes=settings.IMPORT_MAX_BYTES,
        max_decompressed_bytes=settings.IMPORT_MAX_DECOMPRESSED_BYTES,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_cell_chars=settings.IMPORT_MAX_CELL_CHARS,
    )


def size(number: int) -> str:
    return filesizeformat(number).replace("\xa0", " ")


def check_upload(upload, file_format=None) -> None:
    """Refuses an uploaded file (a Django `UploadedFile`) that is too large or, when its format
    is XLSX, whose archive fails `check_xlsx_archive`. Reads no more than that."""
    limit = limits()
    if upload.size > limit.max_bytes:
        raise RefusedFile(
            f"The file is {size(upload.size)}: an import takes files of at most "
            f"{size(limit.max_bytes)}. Split it into smaller files."
        )
    if isinstance(file_format, base_formats.XLSX):
        upload.seek(0)
        try:
            check_xlsx_archive(upload)
        finally:
            upload.seek(0)


def check_xlsx_archive(data) -> None:
    """Refuses an XLSX file (bytes, or a binary file open for reading) that is no zip archive,
    holds too many files, unpacks to more than the limit, or unpacks one of its files to far
    more than its packed size; or whose directory misstates what a file unpacks to. Unpacks in
    small pieces, and stops at the first limit passed: nothing larger is ever in memory."""
    limit = limits()
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    not_xlsx = RefusedFile(
        "This is not an XLSX file (an XLSX file is a zip archive), or it is damaged. Check the "
        "format chosen for it, or save it from the spreadsheet again."
    )
    try:
        archive = zipfile.ZipFile(stream)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise not_xlsx from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise RefusedFile(
            f"The XLSX file holds {len(members):,} files, which no spreadsheet does (an XLSX "
            "file holds a few dozen): it was not read."
        )
    too_large = RefusedFile(
        f"The XLSX file unpacks to more than {size(limit.max_decompressed_bytes)}: an import "
        f"takes XLSX files of at most {size(limit.max_decompressed_bytes)} unpacked. Split it "
        "into smaller files."
    )
    # What the archive's directory says first: most bombs are refused here, unpacking nothing.
    if sum(member.file_size for member in members) > limit.max_decompressed_bytes:
        raise too_large
    for member in members:
        if member.file_size > ZIP_RATIO_FLOOR and member.file_size > ZIP_MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise RefusedFile(
                f"A file in the XLSX archive ({member.filename}) unpacks to "
                f"{member.file_size // max(member.compress_size, 1):,} times its packed size, "
                "which no spreadsheet does (this is how a “zip bomb” fills a server's memory): "
                "it was not read."
            )
    # Then what each file really unpacks to, which the reader would otherwise find out in one
    # go, in memory: a directory's sizes are the file's word, not the data's.
    budget = limit.max_decompressed_bytes
    for member in members:
        unpacked = _unpacked_size(stream, member, not_xlsx, budget=budget)
        if unpacked > budget:
            raise too_large
        if unpacked != member.file_size:
            raise not_xlsx
        budget -= unpacked


def _unpacked_size(stream, member: zipfile.ZipInfo, refusal: RefusedFile, *, budget: int) -> int:
    """What `member` unpacks to, measured by unpacking it piece by piece, up to `budget` + 1."""
    if member.flag_bits & 0x1:  # encrypted
        raise refusal
    stream.seek(member.header_offset)
    header = stream.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise refusal
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_HEADER_SIGNATURE:
        raise refusal
    name_length, extra_length = fields[-2:]
    stream.seek(member.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    left = member.compress_size
    if member.compress_type == zipfile.ZIP_STORED:
        return left
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise refusal  # spreadsheets deflate; other methods are not worth the risk
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    unpacked = 0
    try:
        while left > 0 and not inflater.eof:
            packed = stream.read(min(ZIP_CHUNK, left))
            if not packed:
                raise refusal
            left -= len(packed)
            while packed and not inflater.eof:
                unpacked += len(inflater.decompress(packed, ZIP_CHUNK))
                if unpacked > budget:
                    return unpacked
                packed = inflater.unconsumed_tail
    except zlib.error:
        raise refusal from None
    if not inflater.eof:
        raise refusal
    return unpacked


def limited_rows(rows: Iterable, *, headers: bool = True) -> Iterator:
    """`rows` (each a sequence of cells, or a dict of them), refused at the first row past the
    limit, or the first cell longer than the limit. With `headers`, the first row is the
    headers, which the limit does not count: rows are numbered from the first under them, as
    the preview numbers them."""
    limit = limits()
    for number, row in enumerate(rows, start=0 if headers else 1):
        if number > limit.max_rows:
            raise RefusedFile(
                f"The file has more than {limit.max_rows:,} rows: an import takes at most "
                f"{limit.max_rows:,} at a time. Split it into smaller files."
            )
        cells = row.values() if isinstance(row, dict) else row
        for cell in cells:
            for text in cell if isinstance(cell, list) else (cell,):
                if isinstance(text, str) and len(text) > limit.max_cell_chars:
                    where = f"Row {number}" if number else "The headers' row"
                    raise RefusedFile(
                        f"{where} has a cell of {len(text):,} characters: a cell may hold at "
                        f"most {limit.max_cell_chars:,} (as in Excel)."
                    )
        yield row


def check_csv_text(text: str) -> None:
    """Refuses a CSV file's text with too many rows (blank lines aside, as the reader skips
    them) or too long a cell; reads it as a stream, stopping at the first one over."""
    try:
        for _ in limited_rows(row for row in csv.reader(io.StringIO(text)) if row):
            pass
    except csv.Error as error:
        # The csv module refuses a cell of more than 128 KiB before we see it.
        if "field larger than field limit" in str(error):
            raise RefusedFile(
                f"A cell holds more than {limits().max_cell_chars:,} characters: a cell may "
                f"hold at most {limits().max_cell_chars:,} (as in Excel)."
            ) from None
        raise
