"""The first pass over a batch CSV: encoding, header, field counts and unique ids.

Standard-library ``csv``, one row at a time, so that every problem of the file
as a whole is found before any output is written, in bounded memory.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from ..errors import InputFileError

__all__ = ["ID_COLUMN", "MAX_LISTED", "duplicates_message", "read_header", "scan_rows"]

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


def _records(source: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every non-blank record, the header first."""
    reader = csv.reader(_text_lines(source))
    try:
        for fields in reader:
            if fields:
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
        header = [name.strip() for name in fields]
        if any(header):
            return header
        break
    raise InputFileError(f"{source}: the file is empty; expected a header row with case_id and evidence ids")


def scan_rows(source: Path, header: Sequence[str]) -> int:
    """Check every row's field count and that case_id values are unique; return the row count.

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
    wrong_count = rows = 0
    records = _records(source)
    next(records)  # the header
    for line, fields in records:
        rows += 1
        if len(fields) != len(header):
            wrong_count += 1
            if len(wrong) < MAX_LISTED:
                wrong.append(f"row {rows} (line {line}) has {len(fields)}")
            continue
        case_id = fields[id_index]
        if case_id in seen:
            repeated.add(case_id)
        elif case_id.strip():
            seen.add(case_id)
    if wrong:
        more = f" and {wrong_count - len(wrong)} more rows" if wrong_count > len(wrong) else ""
        raise InputFileError(
            f"{source}: the header has {len(header)} fields but {'; '.join(wrong)}{more}; "
            "check for unquoted commas, unclosed quotes or missing fields"
        )
    if repeated:
        raise InputFileError(duplicates_message(str(source), _rows_of(source, id_index, repeated)))
    return rows


def _rows_of(source: Path, id_index: int, ids: set[str]) -> dict[str, list[int]]:
    """The rows of each of ``ids`` (only when a duplicate was found), in file order."""
    found: dict[str, list[int]] = {}
    records = _records(source)
    next(records)
    for row, (_, fields) in enumerate(records, start=1):
        if fields[id_index] in ids:
            found.setdefault(fields[id_index], []).append(row)
    return found
