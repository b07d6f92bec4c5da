"""Score a CSV of vignettes: same rows in, same rows out, plus metrics when gold labels are given.

The file is read twice. A first pass (:mod:`ddx.batch.csvscan`, one row at
a time) checks everything that concerns the file as a whole before any
output is written: the encoding, the header, the number of fields in every
row and unique ``case_id`` values. The second pass reads chunks with pandas,
scores each chunk with :func:`score_frame` and appends it to the output, so
memory stays bounded whatever the file size (with ``jobs`` above one, two
chunks: the workers score one while the next is read and the last written).
The output is written to a temporary file beside the target and renamed at
the end: a run that stops half way never leaves a half-written OUT.csv.
Every output path is checked before any row is scored: it must not name the
input or another output, nor be a folder, and its temporary file must be
creatable.

A row that cannot be scored keeps ``status=error`` with its message; when the
answers of that row that can be read meet an emergency rule it still carries
``triage=emergency`` and the rules (:mod:`ddx.clinical.failsafe`).

Text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are written with a leading
``'`` so that they show as text (CSV injection, OWASP); ``escape_formulas=False``
writes them verbatim for programs that read the file.

Row numbers in messages count data rows from 1 (the header is not a row);
blank lines are skipped and not counted, so row N is row N of the output
(:mod:`ddx.batch.csvscan`), and the report says how many were skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np
import pandas as pd

from ..clinical.failsafe import EMERGENCY
from ..engine.collector import fewer_collections
from ..engine.core import Engine, load
from ..errors import DdxError, InputFileError
from .csvscan import ID_COLUMN, Scan, read_header, scan_rows
from .metrics import MetricsAccumulator, format_metrics
from .parallel import worker_pool
from .parquet import ParquetOut, is_parquet, parquet_chunks, parquet_header, parquet_rows
from .patterns import PatternCache
from .progress import Progress
from .read import Columns, cause_aliases, check_columns, read_chunks
from .score import _check_draws, _check_top, _start_frame, output_meta
from .write import _check_paths, _replacing, _write_csv

__all__ = ["DEFAULT_CHUNK_SIZE", "score_file"]

#: Rows read, scored and written at a time by :func:`score_file`.
DEFAULT_CHUNK_SIZE = 10_000

_T = TypeVar("_T")


def score_file(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    model: str | os.PathLike[str] | Engine | None = None,
    metrics_path: str | os.PathLike[str] | None = None,
    top: int = 5,
    strict: bool = False,
    quiet: bool = False,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    intervals: int | None = None,
    seed: int = 0,
    escape_formulas: bool = True,
    jobs: int = 1,
) -> int:
    """Score a CSV of vignettes into a CSV with the same rows in the same order.

    Parameters
    ----------
    input
        The input CSV (UTF-8): see :func:`score_frame` for its columns.
    output
        The output CSV; replaced only when the run succeeds. It is written
        to ``.OUTPUT.<pid>.partial`` beside it first; partial files of runs
        that died (their process is gone) are removed.
    model
        A model directory, an :class:`~ddx.Engine`, or None for the bundled model.
    metrics_path
        Where to write the metrics as JSON (useful when the input has gold
        columns); replaced only when the run succeeds, like ``output``.
    top
        How many of the most probable causes to write.
    strict
        Return 1 when any row has an error (the output is still written).
    quiet
        No progress display and no metrics table.
    chunk_size
        Rows read, scored and written at a time.
    intervals, seed
        Draws of the model's numbers for posterior intervals (see :func:`score_frame`).
    escape_formulas
        Write text cells that a spreadsheet would run as a formula with a
        leading ``'`` (see :func:`escape_formula_cells`); False writes every
        cell verbatim, for programs that read the file.
    jobs
        Worker processes (forked; :mod:`ddx.batch.parallel`): each chunk's new
        answer patterns are scored in batches across them. The output is byte
        for byte that of ``jobs=1``; ``ddx score`` uses every core by default.

    Returns
    -------
    int
        The exit code: 0, or 1 when ``strict`` and a row has an error.

    Raises
    ------
    InputFileError
        When the input cannot be used as a whole: missing or empty file,
        not UTF-8, a bad header (:func:`check_columns`), a row with the wrong
        number of fields, repeated ``case_id`` values; or when an output path
        names the input or the other output (also through a link), is a
        folder or not a regular file, or cannot be written. Nothing is written
        then, and path problems are found before the model is loaded.
    KnowledgeBaseError
        When ``model`` is not a valid model directory.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("case_id,after_sitting_or_lying_still\\nc1,yes\\n")
    >>> score_file(folder / "in.csv", folder / "out.csv", quiet=True)
    0
    """
    _check_top(top)
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise DdxError(f"chunk_size must be a whole number of rows, at least 1; got {chunk_size!r}")
    _check_draws(intervals, seed)
    source, target = Path(input), Path(output)
    metrics_target = None if metrics_path is None else Path(metrics_path)
    _check_paths(source, target, metrics_target)
    with contextlib.ExitStack() as outputs:
        outputs.enter_context(fewer_collections())  # forked workers inherit it
        parquet_in, parquet_out = is_parquet(source), is_parquet(target)
        # opened now: an unwritable path stops the run here
        handle = outputs.enter_context(_replacing(target, binary=parquet_out))
        metrics_handle = None if metrics_target is None else outputs.enter_context(_replacing(metrics_target))
        header = parquet_header(source) if parquet_in else read_header(source)
        engine = model if isinstance(model, Engine) else load(None if model is None else Path(model))
        columns = check_columns(engine.kb, header, where=str(source))
        scan = Scan(parquet_rows(source), 0) if parquet_in else scan_rows(source, header)
        total = scan.rows
        progress = Progress(total, enabled=not quiet)
        accumulator = MetricsAccumulator(aliases=cause_aliases(engine.kb))
        draws = (intervals, seed)
        with worker_pool(engine, jobs) as pool:
            done, errors = _score_chunks(
                engine,
                source,
                header,
                handle,
                top,
                chunk_size,
                accumulator,
                progress,
                draws,
                escape_formulas,
                pool,
                parquet=(parquet_in, parquet_out),
            )
        if done != total:  # pragma: no cover - the two readers disagree: never drop rows silently
            raise InputFileError(f"{source}: read {done} rows but the file has {total}; please report this")
        progress.close()
        metrics = {"input": str(source), "output": str(target), **accumulator.result()}
        metrics["rows"]["blank_lines_skipped"] = scan.blank
        if metrics_handle is not None:
            metrics_handle.write(json.dumps(metrics, indent=2) + "\n")
    _report(metrics, columns, errors, metrics_path is not None, quiet)
    return 1 if strict and errors else 0


def _score_chunks(
    engine: Engine,
    source: Path,
    header: list[str],
    handle: IO[Any],
    top: int,
    chunk_size: int,
    accumulator: MetricsAccumulator,
    progress: Progress,
    draws: tuple[int | None, int] = (None, 0),
    escape_formulas: bool = True,
    pool: Executor | None = None,
    parquet: tuple[bool, bool] = (False, False),
) -> tuple[int, int]:
    """Score and append every chunk; return (rows done, rows with an error)."""
    intervals, seed = draws
    done = errors = 0
    wrote_header = False
    cache = PatternCache()  # one per file: a pattern met in an earlier chunk is not scored again
    parquet_in, parquet_out = parquet  # is the input, is the output Parquet
    writer = ParquetOut(handle) if parquet_out else None
    chunks = parquet_chunks(source, header, chunk_size) if parquet_in else read_chunks(source, header, chunk_size)

    def started() -> Iterator[Callable[[], tuple[pd.DataFrame, np.ndarray]]]:
        first = 0
        for chunk in chunks:
            chunk.index = pd.RangeIndex(first, first + len(chunk))
            first += len(chunk)
            yield _start_frame(
                engine, chunk, top, on_row=progress.update, intervals=intervals, seed=seed, cache=cache, pool=pool
            )

    # with workers, the next chunk is started before this one is written: they score while this process writes
    for finish in _ahead(started(), 1 if pool is not None else 0):
        scored, patterns = finish()
        if writer is not None:
            writer.write(scored)
        else:
            # escaped as written: the report and the metrics read the raw cells
            _write_csv(scored, handle, header=not wrote_header, patterns=patterns, escape=escape_formulas)
            wrote_header = True
        errors += _report_row_errors(scored, progress)
        accumulator.add(scored)
        done += len(scored)
    if not (wrote_header if writer is None else writer.started):  # no rows: still write the output's columns
        meta = output_meta(engine, header, top, intervals is not None)
        if writer is not None:
            writer.write(meta)
        else:
            meta.to_csv(handle, index=False)
    if writer is not None:
        writer.close()
    return done, errors


def _ahead(items: Iterable[_T], n: int) -> Iterator[_T]:
    """Each of ``items`` once ``n`` more have been drawn, or when there are no more: the work they start runs ahead."""
    waiting: deque[_T] = deque()
    for item in items:
        waiting.append(item)
        if len(waiting) > n:
            yield waiting.popleft()
    yield from waiting


def _report_row_errors(scored: pd.DataFrame, progress: Progress) -> int:
    bad = scored[scored["status"] != "ok"]
    rows = zip(bad.index, bad[ID_COLUMN], bad["error"], bad["triage"], bad["rules_fired"], strict=True)
    for label, case_id, message, triage, rules in rows:
        who = f"case_id {case_id}" if case_id.strip() else "no case_id"
        kept = f"; triage {triage} from the answers that can be read (rules: {rules})" if triage == EMERGENCY else ""
        progress.write(f"row {label + 1} ({who}): {message}{kept}")
    return len(bad)


def _report(metrics: Mapping[str, Any], columns: Columns, errors: int, wrote_metrics: bool, quiet: bool) -> None:
    rows, blank = metrics["rows"]["total"], metrics["rows"]["blank_lines_skipped"]
    skipped = f"{blank} blank line{'s' if blank != 1 else ''} skipped (not rows, not numbered)" if blank else ""
    if errors:
        print(
            f"ddx score: {errors} of {rows} rows have errors; they are kept in {metrics['output']} with status=error"
            + (f"; {skipped}" if skipped else ""),
            file=sys.stderr,
        )
    elif skipped and not quiet:
        print(f"ddx score: {skipped}", file=sys.stderr)
    has_gold = columns.gold_cause or columns.gold_triage
    if wrote_metrics and not has_gold:
        print(
            "ddx score: the input has no gold_cause or gold_triage column, so the metrics are empty",
            file=sys.stderr,
        )
    if has_gold and not quiet:
        print(format_metrics(metrics))
