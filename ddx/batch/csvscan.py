"""The first pass over a batch CSV: encoding, header, field counts and unique ids.

Standard-library ``csv``, one row at a time, so that every problem of the file
as a whole is found before any output is written, in bounded memory.

A blank line (empty, only blanks, or only blank cells such as ``,,,``) is
not a row: it is skipped here and by :func:`ddx.batch.read.read_chunks`, and
counted. Row numbers count the rows that are not blank, from 1 after the
header: row N of a message is row N of the output; messages about the file's
form also give the line. ``case_id`` values are compared without surrounding
blanks (``c1`` and ``c1 `` are the same case).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError

__all__ = ["ID_COLUMN", "MAX_LISTED", "Scan", "blank_record", "duplicates_message", "read_header", "scan_rows"]

ID_COLUMN = "case_id"
#: How many offending rows or ids a message lists before "and N more".
MAX_LISTED = 10


def duplicates_message(where: str, rows: Mapping[str, Sequence[int]]) -> str:
    """Name the repeated ids and their rows (the first few)."""
    listed = [f"'{k}' (rows {', '.join(map(str, v))})" for k, v in list(rows.items())[:MAX_LISTED]]
    more = f" and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else ""
    return f"{where}: duplicate case_id values: {', '.join(listed)}{more}; every case_id must be unique"


def _text_lines(source: Path) -> Iterator[str]:
    """The lines of ``source`` decoded as UTF-8, naming the byte offset of any byte that is not."""
    offset = 0
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise InputFileError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            start = 0
            if number == 1:
                if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise InputFileError(f"{source}: the file is UTF-16 text; save it as UTF-8 (CSV UTF-8)")
                if raw.startswith(codecs.BOM_UTF8):
                    start = len(codecs.BOM_UTF8)
            try:
                yield raw[start:].decode("utf-8")
            except UnicodeDecodeError as exc:
                at = offset + start + exc.start
                raise InputFileError(
                    f"{source}: not UTF-8 text: byte 0x{raw[start + exc.start]:02x} at byte offset {at} "
                    f"(line {number}) cannot be read; save the file as UTF-8 (CSV UTF-8)"
                ) from None
            offset += len(raw)


def blank_record(fields: Sequence[str]) -> bool:
    """A record that is a blank line: no fields, or only blank ones."""
    return not any(field.strip() for field in fields)


@dataclass(frozen=True)
class Scan:
    """What the first pass found: the rows (blank lines not counted) and the blank lines skipped."""

    rows: int
    blank: int


def _records(source: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every record, the header first (empty lines give no fields)."""
    reader = csv.reader(_text_lines(source))
    try:
        for fields in reader:
            yield reader.line_num, fields
    except csv.Error as exc:
        raise InputFileError(f"{source}: line {reader.line_num}: cannot read the CSV: {exc}") from None


def read_header(source: Path) -> list[str]:
    """The column names of ``source`` (surrounding spaces removed).

    Raises
    ------
    InputFileError
        If the file is empty or not UTF-8.
    """
    for _, fields in _records(source):
        if not fields:  # empty lines before the header
            continue
        header = [name.strip() for name in fields]
        if any(header):
            return header
        break
    raise InputFileError(f"{source}: the file is empty; expected a header row with case_id and evidence ids")


def _data_records(source: Path, width: int) -> Iterator[tuple[int, list[str] | None]]:
    """(line number, fields) of each record after the header; fields None for a blank line.

    A blank record with more fields than the header is a row, for its field count to be refused.
    """
    records = _records(source)
    for _, fields in records:
        if fields:  # the header
            break
    for line, fields in records:
        yield line, None if blank_record(fields) and len(fields) <= width else fields


def scan_rows(source: Path, header: Sequence[str]) -> Scan:
    """Check every row's field count and that case_id values are unique; count the rows and blank lines.

    Raises
    ------
    InputFileError
        Naming the first rows with the wrong number of fields, or the
        repeated ``case_id`` values and their rows.
    """
    id_index = list(header).index(ID_COLUMN)
    seen: set[str] = set()
    repeated: set[str] = set()
    wrong: list[str] = []
    wrong_count = rows = blank = 0
    for line, fields in _data_records(source, len(header)):
        if fields is None:
            blank += 1
            continue
        rows += 1
        if len(fields) != len(header):
            wrong_count += 1
            if len(wrong) < MAX_LISTED:
                wrong.append(f"row {rows} (line {line}) has {len(fields)}")
            continue
        case_id = fields[id_index].strip()
        if case_id in seen:
            repeated.add(case_id)
        elif case_id:
            seen.add(case_id)
    if wrong:
        more = f" and {wrong_count - len(wrong)} more rows" if wrong_count > len(wrong) else ""
        raise InputFileError(
            f"{source}: the header has {len(header)} fields but {'; '.join(wrong)}{more}; "
            "check for unquoted commas, unclosed quotes or missing fields"
        )
    if repeated:
        raise InputFileError(duplicates_message(str(source), _rows_of(source, len(header), id_index, repeated)))
    return Scan(rows, blank)


def _rows_of(source: Path, width: int, id_index: int, ids: set[str]) -> dict[str, list[int]]:
    """The rows of each of ``ids`` (only when a duplicate was found), in file order."""
    found: dict[str, list[int]] = {}
    rows = (fields for _, fields in _data_records(source, width) if fields is not None)
    for row, fields in enumerate(rows, start=1):
        case_id = fields[id_index].strip()
        if case_id in ids:
            found.setdefault(case_id, []).append(row)
    return found
