"""A batch scored into JSON Lines: one ``DiagnosisResult.to_dict()`` per input row, in row order.

The table output (:mod:`ddx.batch.file`) flattens a result into columns; a
program that wants the whole result (next steps, fired rules with their
sources, the evidence as read) reads one JSON object per line instead. Every
row gives one line, so line *n* is row *n*: a row that cannot be scored is a
line ``{"row", "case_id", "status": "error", "error"}`` (with ``triage`` and
``rules_fired`` when its readable answers meet an emergency rule, as in the
table), and the other rows are scored all the same.

Cells are read by the same readers as the table output (:mod:`ddx.batch.read`),
so a cell refused there is refused here with the same message. Gold columns
are not read: they label the case and do not change its result.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ..clinical.failsafe import emergency_rules
from ..engine.core import Engine, load
from ..engine.result import DiagnosisResult
from ..errors import EvidenceError, InputFileError
from ..knowledge.evidence import Evidence
from .csvscan import ID_COLUMN, read_header, scan_rows
from .parquet import is_parquet, parquet_chunks, parquet_header, parquet_rows
from .read import (
    Case,
    Columns,
    RowError,
    _as_text,
    _cases,
    _check_blank_ids,
    _read_age,
    _read_answer,
    _read_column,
    _sex_reader,
    check_columns,
    read_chunks,
)

__all__ = ["JSONL_SUFFIXES", "is_jsonl", "score_jsonl"]

#: Output names that mean JSON Lines (``ddx score IN.csv -o OUT.jsonl``).
JSONL_SUFFIXES = (".jsonl", ".ndjson")
#: Rows read and scored at a time: memory stays flat on a large file.
_CHUNK = 10_000


def is_jsonl(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in JSONL_SUFFIXES


def _read_cases(engine: Engine, frame: pd.DataFrame, columns: Columns) -> tuple[list[str], list[Case | RowError]]:
    """Each row's id and its case, or the error of its cells (the blank-id problem first, as in the table)."""
    text = {c: _as_text(frame[c]) for c in frame.columns}
    ids = [case_id.strip() for case_id in text[ID_COLUMN]]
    problems: list[list[str]] = [[] for _ in ids]
    _check_blank_ids(ids, problems)
    answers = [_read_column(text[c], c, _read_answer, problems) for c in columns.evidence]
    ages = _read_column(text["age"], "age", _read_age, problems) if columns.age else None
    sexes = _read_column(text["sex"], "sex", _sex_reader(engine.kb), problems) if columns.sex else None
    return ids, _cases(engine.kb, columns.evidence, answers, ages, sexes, problems)


def _error_line(row: int, case_id: str, error: RowError) -> dict[str, Any]:
    line: dict[str, Any] = {"row": row, "case_id": case_id, "status": "error", "error": error.message}
    if error.emergency:  # the fail safe: a refused row still says when its answers meet an emergency sign
        line["triage"] = error.emergency[0].level
        line["rules_fired"] = [
            {"id": r.id, "level": r.level, "message": r.message, "source": r.source} for r in error.emergency
        ]
    return line


def _lines(
    engine: Engine, frame: pd.DataFrame, columns: Columns, first_row: int, intervals: int | None, seed: int
) -> Iterator[dict[str, Any]]:
    """One JSON object per row of ``frame``, in order; ``first_row`` is the number of its first row."""
    ids, cases = _read_cases(engine, frame, columns)
    outcome: list[Evidence | RowError] = []
    for case in cases:
        if isinstance(case, RowError):
            outcome.append(case)
            continue
        try:
            outcome.append(engine.normalise(case.evidence, age=case.age, sex=case.sex))
        except EvidenceError as exc:
            outcome.append(RowError(str(exc), emergency_rules(engine.kb, case.evidence, case.age, case.sex)))
    good = [o for o in outcome if isinstance(o, Evidence)]
    results = iter(engine.diagnose_many(good))
    with_draws: dict[int, DiagnosisResult] = {}  # identical cases share one result: draw its intervals once
    for offset, (case_id, item) in enumerate(zip(ids, outcome, strict=True)):
        row = first_row + offset
        if isinstance(item, RowError):
            yield _error_line(row, case_id, item)
            continue
        result = next(results)
        if intervals is not None:
            key = id(result)
            if key not in with_draws:
                with_draws[key] = engine.with_intervals(result, intervals, seed)
            result = with_draws[key]
        yield {"row": row, "case_id": case_id, "status": "ok", **result.to_dict()}


def _frames(source: Path, header: list[str]) -> Iterator[pd.DataFrame]:
    if is_parquet(source):
        parquet_rows(source)  # refuses repeated case_id values before anything is scored
        return parquet_chunks(source, header, _CHUNK)
    scan_rows(source, header)  # the field counts and repeated case_id values, as for the table output
    return read_chunks(source, header, _CHUNK)


def _write(
    handle: IO[str], engine: Engine, source: Path, header: list[str], intervals: int | None, seed: int
) -> tuple[int, int]:
    columns = check_columns(engine.kb, header, where=str(source))
    rows = errors = 0
    for frame in _frames(source, header):
        for line in _lines(engine, frame, columns, rows + 1, intervals, seed):
            handle.write(json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n")
            rows += 1
            errors += line["status"] == "error"
    return rows, errors


def score_jsonl(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    model: str | os.PathLike[str] | Engine | None = None,
    *,
    strict: bool = False,
    quiet: bool = False,
    intervals: int | None = None,
    seed: int = 0,
) -> int:
    """Score a CSV (or Parquet) file of cases into JSON Lines, one result per row.

    Parameters
    ----------
    input
        The cases, with the columns of :func:`ddx.batch.score_frame`.
    output
        The JSON Lines file; replaced only when the whole run succeeds.
    model
        A model directory, an :class:`~ddx.Engine`, or None for the bundled model.
    strict
        Return 1 when any row has an error (the file is still written).
    quiet
        Print no summary line.
    intervals, seed
        Draws of the model's numbers for each result's ``intervals``.

    Returns
    -------
    int
        The exit code: 0, or 1 when ``strict`` and a row has an error.

    Raises
    ------
    InputFileError
        When the input cannot be used as a whole (missing, a bad header,
        rows with the wrong number of fields, repeated ``case_id`` values)
        or the output cannot be written; nothing is written then.
    """
    source, target = Path(input), Path(output)
    if not source.is_file():
        raise InputFileError(f"{source}: no such file" if not source.exists() else f"{source}: not a file")
    if target.is_dir() or not target.parent.is_dir():
        raise InputFileError(f"{target}: cannot write it: not a file in an existing folder")
    if target.exists() and os.path.samefile(source, target):
        raise InputFileError(f"{target}: is the input; give the output another name")
    header = parquet_header(source) if is_parquet(source) else read_header(source)
    engine = model if isinstance(model, Engine) else load(None if model is None else Path(model))
    fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    umask = os.umask(0)  # the file gets the usual permissions, as the table output does
    os.umask(umask)
    try:
        os.chmod(partial, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            rows, errors = _write(handle, engine, source, header, intervals, seed)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    if not quiet:
        print(f"wrote {rows} results ({errors} rows with errors) to {target}")
    return 1 if strict and errors else 0
