"""Score a CSV of vignettes: same rows in, same rows out, plus metrics when gold labels are given.

The file is read twice. A first pass (:mod:`ddx.csvscan`, one row at
a time) checks everything that concerns the file as a whole before any
output is written: the encoding, the header, the number of fields in every
row and unique ``case_id`` values. The second pass reads chunks with pandas,
scores each chunk with :func:`score_frame` and appends it to the output, so
memory stays bounded whatever the file size. The output is written to a
temporary file beside the target and renamed at the end: a run that stops
half way never leaves a half-written OUT.csv. Every output path is checked
before any row is scored: it must not name the input or another output, nor
be a folder, and its temporary file must be creatable.

A row that cannot be scored keeps ``status=error`` with its message; when the
answers of that row that can be read meet an emergency rule it still carries
``triage=emergency`` and the rules (:mod:`ddx.failsafe`).

Text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are written with a leading
``'`` so that they show as text (CSV injection, OWASP); ``escape_formulas=False``
writes them verbatim for programs that read the file.

Row numbers in messages count data rows from 1 (the header is not a row).
"""

from __future__ import annotations

import contextlib
import csv
import glob
import json
import math
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ..clinical.failsafe import EMERGENCY, emergency_rules
from ..engine.core import Engine, load
from ..engine.result import DiagnosisResult
from ..errors import DdxError, EvidenceError, InputFileError, did_you_mean
from ..knowledge.conditions import Rule
from ..knowledge.evidence import Evidence
from ..knowledge.model import TRIAGE_LEVELS, KnowledgeBase
from ..knowledge.values import parse_answer
from .csvscan import ID_COLUMN, MAX_LISTED, duplicates_message, read_header, scan_rows
from .metrics import MetricsAccumulator, format_metrics
from .progress import Progress

__all__ = ["DEFAULT_CHUNK_SIZE", "FORMULA_STARTS", "check_columns", "escape_formula_cells", "score_file", "score_frame"]

#: Rows read, scored and written at a time by :func:`score_file`.
DEFAULT_CHUNK_SIZE = 10_000
#: How probabilities are written: enough digits to compare with the engine to 1e-9.
FLOAT_FORMAT = "%.10g"
GOLD_CAUSE, GOLD_TRIAGE, GOLD_RANK = "gold_cause", "gold_triage", "gold_rank"
#: Input columns that are not evidence ids.
RESERVED = (ID_COLUMN, "age", "sex", GOLD_CAUSE, GOLD_TRIAGE)
ANSWER_HELP = "use yes/no or leave blank (also 1/0, true/false, y/n)"
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Columns:
    """The roles of an input file's columns."""

    evidence: tuple[str, ...]
    age: bool
    sex: bool
    gold_cause: bool
    gold_triage: bool


def check_columns(kb: KnowledgeBase, columns: Sequence[str], where: str = "input") -> Columns:
    """Check an input header against the model and sort the columns by role.

    Parameters
    ----------
    kb
        The knowledge base (``engine.kb``).
    columns
        The column names, in file order.
    where
        The file name, to start the message with.

    Returns
    -------
    Columns
        The evidence columns and which optional columns are present.

    Raises
    ------
    InputFileError
        Naming every problem: no ``case_id`` column, a blank or repeated
        column name, an unknown column (with the closest known id), a cause
        or the sex node given as an evidence column.
    """
    problems = [*_structure_problems(columns), *(p for c in columns if (p := _column_problem(kb, c)))]
    if problems:
        if len(problems) == 1:
            raise InputFileError(f"{where}: {problems[0]}")
        raise InputFileError("\n  ".join([f"{where}: {len(problems)} problems in the header:", *problems]))
    present = set(columns)
    return Columns(
        evidence=tuple(c for c in columns if c not in RESERVED),
        age="age" in present,
        sex="sex" in present,
        gold_cause=GOLD_CAUSE in present,
        gold_triage=GOLD_TRIAGE in present,
    )


def _structure_problems(columns: Sequence[str]) -> list[str]:
    problems = []
    if ID_COLUMN not in columns:
        hint = ""
        if len(columns) == 1 and any(sep in columns[0] for sep in "\t;|"):
            hint = "; the header has one column: is the file comma-separated?"
        found = ", ".join(repr(c) for c in columns[:MAX_LISTED])
        problems.append(f"no '{ID_COLUMN}' column (found {found}){did_you_mean(ID_COLUMN, columns)}{hint}")
    blank = [str(i + 1) for i, c in enumerate(columns) if not c]
    if blank:
        problems.append(f"column {', '.join(blank)} of the header has no name")
    counts = Counter(c for c in columns if c)
    repeated = [c for c, n in counts.items() if n > 1]
    if repeated:
        problems.append(f"column {', '.join(repr(c) for c in repeated)} appears more than once")
    return problems


def _column_problem(kb: KnowledgeBase, column: str) -> str | None:
    if not column or column in RESERVED:
        return None
    node_id = kb.merges[column].into if column in kb.merges else column
    node = kb.nodes.get(node_id)
    if node is None:
        known = [*RESERVED, *kb.evidence_ids, *(m for m, e in kb.merges.items() if e.into in kb.evidence_ids)]
        return (
            f"unknown column '{column}'{did_you_mean(column, known)}; a column is case_id, age, sex, "
            f"gold_cause, gold_triage or an evidence id of the model (kb_version {kb.kb_version})"
        )
    if node.kind == "cause":
        return f"column '{column}' is a cause, not evidence; put the expected cause in the gold_cause column"
    if node_id == kb.sex_node:
        return f"column '{column}' is the sex node; give sex in the 'sex' column as female or male"
    return None


# --------------------------------------------------------------------------- one frame


class _Invalid:
    """Marks a cell that could not be read."""


_INVALID = _Invalid()


def score_frame(
    engine: Engine,
    frame: pd.DataFrame,
    top: int = 5,
    *,
    on_row: Callable[[int], None] | None = None,
    intervals: int | None = None,
    seed: int = 0,
    escape_formulas: bool = False,
) -> pd.DataFrame:
    """Score every row of a table of cases.

    Parameters
    ----------
    engine
        From :func:`ddx.load`.
    frame
        One row per case: ``case_id``, one column per evidence id with
        yes/no/blank (also 1/0, true/false, y/n, any case), optional ``age``,
        ``sex``, ``gold_cause``, ``gold_triage``. Read CSV files with
        ``dtype=str, keep_default_na=False`` so that nothing is converted.
    top
        How many of the most probable causes get ``topN``/``p_topN`` columns.
    on_row
        Called with the number of rows done (for a progress display).
    intervals, seed
        With a number of draws, also write each cause's posterior interval
        (``p_low_<cause>``, ``p_high_<cause>``: 5th and 95th percentiles over
        draws of the model's numbers) and ``top1_stable``, the share of draws
        in which the top cause stays on top (see :mod:`ddx.uncertainty`).
    escape_formulas
        Prefix text cells that a spreadsheet would run as a formula with
        ``'`` (see :func:`escape_formula_cells`). Off by default: the frame
        is data for programs, and :func:`score_file` escapes when it writes.

    Returns
    -------
    pandas.DataFrame
        The same rows in the same order with the same index: ``case_id``,
        ``status`` (``ok``/``error``), ``error``, ``triage``, ``rules_fired``
        (``;``-joined), ``top1``..``topK``, ``p_top1``..``p_topK``,
        ``p_<cause>`` per cause, ``kb_version``, and when gold columns are
        given ``gold_cause``, ``gold_triage`` (copied) and ``gold_rank`` (the
        rank of the gold cause's node in the differential, from 1). A row
        that cannot be scored has ``status == "error"``, a message naming
        the column and value, and empty result columns, except that when
        the answers of the row that can be read meet an emergency rule it
        has ``triage == "emergency"`` and those rules in ``rules_fired``.

    Raises
    ------
    InputFileError
        For a problem of the table as a whole: a bad header (see
        :func:`check_columns`) or repeated ``case_id`` values.

    Examples
    --------
    >>> import ddx, pandas as pd
    >>> frame = pd.DataFrame({"case_id": ["a", "b"], "after_sitting_or_lying_still": ["yes", "maybe"]})
    >>> out = score_frame(ddx.load(), frame)
    >>> out[["case_id", "status", "top1"]].values.tolist()
    [['a', 'ok', 'positional_compression'], ['b', 'error', nan]]
    """
    _check_top(top)
    kb = engine.kb
    columns = check_columns(kb, [str(c) for c in frame.columns], where="input")
    text = {c: _as_text(frame[c]) for c in frame.columns}
    _check_unique_ids(text[ID_COLUMN])
    problems: list[list[str]] = [[] for _ in range(len(frame))]
    _check_blank_ids(text[ID_COLUMN], problems)
    answers = [_read_column(text[c], c, _read_answer, problems) for c in columns.evidence]
    ages = _read_column(text["age"], "age", _read_age, problems) if columns.age else None
    sexes = _read_column(text["sex"], "sex", _read_sex, problems) if columns.sex else None
    gold = _read_column(text[GOLD_CAUSE], GOLD_CAUSE, _gold_reader(kb), problems) if columns.gold_cause else None
    if columns.gold_triage:
        _read_column(text[GOLD_TRIAGE], GOLD_TRIAGE, _read_triage, problems)
    cases = _cases(kb, columns.evidence, answers, ages, sexes, problems)
    outcomes = diagnose_cases(engine, cases, on_row, intervals=intervals, seed=seed)
    out = _output(engine, frame.index, text, columns, outcomes, gold, top, intervals is not None)
    return escape_formula_cells(out) if escape_formulas else out


def _check_top(top: int) -> None:
    if not isinstance(top, int) or top < 1:
        raise DdxError(f"top must be a whole number of causes, at least 1; got {top!r}")


def _check_draws(intervals: int | None, seed: int) -> None:
    if intervals is not None and (not isinstance(intervals, int) or isinstance(intervals, bool) or intervals < 2):
        raise DdxError(f"intervals must be a whole number of draws, at least 2; got {intervals!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise DdxError(f"seed must be a whole number, 0 or more; got {seed!r}")


def escape_formula_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    A text cell that starts with one of :data:`FORMULA_STARTS` gets a
    leading ``'``, which spreadsheets show as text (OWASP's advice against
    CSV injection). Only text columns are touched: numbers (``p_`` columns,
    ``gold_rank``) are written as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> escape_formula_cells(pd.DataFrame({"case_id": ["=1+1", "c2"], "p": [-0.5, 1.0]})).values.tolist()
    [["'=1+1", -0.5], ['c2', 1.0]]
    """
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        try:
            risky = column.str.startswith(FORMULA_STARTS, na=False).astype(bool)
        except AttributeError:  # no text in the column
            continue
        if risky.any():
            out[name] = column.where(~risky, "'" + column[risky])
    return out


def _as_text(column: pd.Series) -> list[str]:
    """Cells as text; missing cells (NaN, None) become blank."""
    return ["" if _missing(v) else str(v) for v in column.tolist()]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _check_unique_ids(ids: Sequence[str]) -> None:
    rows: dict[str, list[int]] = {}
    for row, case_id in enumerate(ids, start=1):
        if case_id.strip():
            rows.setdefault(case_id, []).append(row)
    repeated = {k: v for k, v in rows.items() if len(v) > 1}
    if repeated:
        raise InputFileError(duplicates_message("input", repeated))


def _check_blank_ids(ids: Sequence[str], problems: list[list[str]]) -> None:
    for position, case_id in enumerate(ids):
        if not case_id.strip():
            problems[position].append("column 'case_id': blank; every row needs a case_id")


Reader = Callable[[str], Any]


def _read_column(cells: Sequence[str], column: str, reader: Reader, problems: list[list[str]]) -> list[Any]:
    """Read each distinct cell once; a reader returns a value or raises ``ValueError`` with the reason."""
    values: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for cell in set(cells):
        try:
            values[cell] = reader(cell)
        except ValueError as exc:
            values[cell] = _INVALID
            reasons[cell] = f"column '{column}': {exc}"
    out = [values[cell] for cell in cells]
    if reasons:
        for position, cell in enumerate(cells):
            if cell in reasons:
                problems[position].append(reasons[cell])
    return out


def _read_answer(cell: str) -> bool | None:
    if not cell.strip():
        return None
    value = parse_answer(cell)
    if value is None:
        raise ValueError(f"{cell!r} is not an answer; {ANSWER_HELP}")
    return value


def _read_age(cell: str) -> float | None:
    if not cell.strip():
        return None
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{cell!r} is not a number of years")
    return value


def _read_sex(cell: str) -> str | None:
    return cell.strip() or None  # the engine checks the value against the model's states


def _gold_reader(kb: KnowledgeBase) -> Reader:
    nodes = cause_aliases(kb)

    def read(cell: str) -> str | None:
        cause = cell.strip()
        if not cause:
            return None
        if cause not in nodes:
            raise ValueError(f"unknown cause '{cause}'{did_you_mean(cause, list(nodes))}")
        return nodes[cause]

    return read


def cause_aliases(kb: KnowledgeBase) -> dict[str, str]:
    """Every id accepted as a gold cause -> its cause node (causes, and merged ids of causes)."""
    causes = set(kb.causes)
    return {**{c: c for c in kb.causes}, **{m: e.into for m, e in kb.merges.items() if e.into in causes}}


def _read_triage(cell: str) -> str | None:
    level = cell.strip().lower()
    if not level:
        return None
    if level not in TRIAGE_LEVELS:
        raise ValueError(
            f"unknown triage level {cell!r}{did_you_mean(level, TRIAGE_LEVELS)}; levels are {', '.join(TRIAGE_LEVELS)}"
        )
    return level


@dataclass(frozen=True)
class Case:
    """One row's evidence, ready for ``engine.diagnose``."""

    evidence: dict[str, bool]
    age: float | None
    sex: str | None


@dataclass(frozen=True)
class RowError:
    """A row that cannot be scored: its message, and the emergency rules its readable answers meet."""

    message: str
    emergency: tuple[Rule, ...] = ()


def _readable(value: Any) -> Any:
    return None if value is _INVALID else value


def _cases(
    kb: KnowledgeBase,
    names: Sequence[str],
    answers: Sequence[Sequence[Any]],
    ages: Sequence[Any] | None,
    sexes: Sequence[Any] | None,
    problems: Sequence[Sequence[str]],
) -> list[Case | RowError]:
    """The case of each row; for a row that already has a problem, its error (with the fail safe's rules)."""
    rows = zip(*answers, strict=True) if answers else ((),) * len(problems)
    cases: list[Case | RowError] = []
    for position, row in enumerate(rows):
        evidence = {name: value for name, value in zip(names, row, strict=True) if isinstance(value, bool)}
        age = _readable(ages[position]) if ages is not None else None
        sex = _readable(sexes[position]) if sexes is not None else None
        if problems[position]:
            cases.append(RowError("; ".join(problems[position]), emergency_rules(kb, evidence, age, sex)))
        else:
            cases.append(Case(evidence, age, sex))
    return cases


#: Rows scored per vectorised engine call: large enough to amortise the call, small
#: enough for the progress display to move.
_BATCH = 256


def diagnose_cases(
    engine: Engine,
    cases: Sequence[Case | RowError | None],
    on_row: Callable[[int], None] | None = None,
    *,
    intervals: int | None = None,
    seed: int = 0,
) -> list[DiagnosisResult | RowError | None]:
    """Diagnose each case: its result, or a :class:`RowError` for bad evidence (errors and None pass through).

    The one place where batch scoring calls the engine: each row's evidence is
    checked on its own (a bad row gets its message, and the emergency rules
    its readable answers meet), then the good rows are scored together by
    :meth:`Engine.diagnose_many`, in batches.
    """
    out: list[DiagnosisResult | RowError | None] = [None] * len(cases)
    for start in range(0, len(cases), _BATCH):
        good: list[tuple[int, Evidence]] = []
        for i in range(start, min(start + _BATCH, len(cases))):
            case = cases[i]
            if not isinstance(case, Case):
                out[i] = case
                continue
            try:
                good.append((i, engine.normalise(case.evidence, age=case.age, sex=case.sex)))
            except EvidenceError as exc:
                out[i] = RowError(str(exc), emergency_rules(engine.kb, case.evidence, case.age, case.sex))
        for (i, _), result in zip(good, engine.diagnose_many([ev for _, ev in good]), strict=True):
            out[i] = result if intervals is None else engine.with_intervals(result, intervals, seed)
        if on_row is not None:
            on_row(min(start + _BATCH, len(cases)) - start)
    return out


def result_columns(engine: Engine, top: int, intervals: bool = False) -> list[str]:
    """The result columns of one output row, in :meth:`DiagnosisResult.to_row` order."""
    result = engine.diagnose({})
    return list((engine.with_intervals(result, 2, 0) if intervals else result).to_row(top))


def _output(
    engine: Engine,
    index: pd.Index,
    text: Mapping[str, Sequence[str]],
    columns: Columns,
    outcomes: Sequence[DiagnosisResult | RowError | None],
    gold: Sequence[Any] | None,
    top: int,
    intervals: bool = False,
) -> pd.DataFrame:
    kb_version = engine.kb.kb_version
    records: list[dict[str, Any]] = []
    ranks: list[int | None] = []
    for position, outcome in enumerate(outcomes):
        node = gold[position] if gold is not None else None
        if isinstance(outcome, DiagnosisResult):
            records.append(outcome.to_row(top))
            ids = [score.id for score in outcome.differential]
            ranks.append(ids.index(node) + 1 if isinstance(node, str) else None)
            continue
        error = outcome if isinstance(outcome, RowError) else RowError("not scored")
        record: dict[str, Any] = {"status": "error", "error": error.message, "kb_version": kb_version}
        if error.emergency:  # the fail safe: a bad row keeps the emergency its readable answers meet
            record.update(triage=EMERGENCY, rules_fired=";".join(rule.id for rule in error.emergency))
        records.append(record)
        ranks.append(None)
    out = pd.DataFrame.from_records(records, columns=result_columns(engine, top, intervals), index=index)
    out.insert(0, ID_COLUMN, list(text[ID_COLUMN]))
    if columns.gold_cause:
        out[GOLD_CAUSE] = list(text[GOLD_CAUSE])
    if columns.gold_triage:
        out[GOLD_TRIAGE] = list(text[GOLD_TRIAGE])
    if columns.gold_cause:
        out[GOLD_RANK] = pd.array(ranks, dtype="Int64")
    return out


# --------------------------------------------------------------------------- the file


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
        handle = outputs.enter_context(_replacing(target))  # opened now: an unwritable path stops the run here
        metrics_handle = None if metrics_target is None else outputs.enter_context(_replacing(metrics_target))
        header = read_header(source)
        engine = model if isinstance(model, Engine) else load(None if model is None else Path(model))
        columns = check_columns(engine.kb, header, where=str(source))
        total = scan_rows(source, header)
        progress = Progress(total, enabled=not quiet)
        accumulator = MetricsAccumulator(aliases=cause_aliases(engine.kb))
        draws = (intervals, seed)
        done, errors = _score_chunks(
            engine, source, header, handle, top, chunk_size, accumulator, progress, draws, escape_formulas
        )
        if done != total:  # pragma: no cover - the two readers disagree: never drop rows silently
            raise InputFileError(f"{source}: read {done} rows but the file has {total}; please report this")
        progress.close()
        metrics = {"input": str(source), "output": str(target), **accumulator.result()}
        if metrics_handle is not None:
            metrics_handle.write(json.dumps(metrics, indent=2) + "\n")
    _report(metrics, columns, errors, metrics_path is not None, quiet)
    return 1 if strict and errors else 0


def _same_file(a: Path, b: Path) -> bool:
    """True when two paths name one file: the same resolved path, or the same inode (a hard link)."""
    try:
        if a.resolve() == b.resolve():
            return True
    except (OSError, RuntimeError):  # a loop of symbolic links: compare what they name, if anything
        pass
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _check_paths(source: Path, target: Path, metrics: Path | None) -> None:
    """Refuse, one line naming the path, every input or output path that cannot work (before any scoring)."""
    if not source.exists():
        raise InputFileError(f"{source}: no such file")
    if not source.is_file():
        raise InputFileError(f"{source}: not a file")
    outputs = [("output", target)] + ([("metrics file", metrics)] if metrics is not None else [])
    for what, path in outputs:
        if path.is_dir():
            raise InputFileError(f"{path}: is a folder; give the {what} a file name, e.g. {path / 'out.csv'}")
        if not path.parent.is_dir():
            raise InputFileError(f"{path}: cannot write it: folder {path.parent} does not exist")
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):
            raise InputFileError(f"{path}: not a regular file; the {what} must be a file it can replace")
        if _same_file(path, source):
            raise InputFileError(f"{path}: the {what} would overwrite the input; choose another file")
    if metrics is not None and _same_file(metrics, target):
        raise InputFileError(f"{metrics}: the metrics file would overwrite the output {target}; choose another file")


def _score_chunks(
    engine: Engine,
    source: Path,
    header: list[str],
    handle: IO[str],
    top: int,
    chunk_size: int,
    accumulator: MetricsAccumulator,
    progress: Progress,
    draws: tuple[int | None, int] = (None, 0),
    escape_formulas: bool = True,
) -> tuple[int, int]:
    """Score and append every chunk; return (rows done, rows with an error)."""
    intervals, seed = draws
    done = errors = 0
    wrote_header = False
    for chunk in read_chunks(source, header, chunk_size):
        chunk.index = pd.RangeIndex(done, done + len(chunk))
        scored = score_frame(engine, chunk, top, on_row=progress.update, intervals=intervals, seed=seed)
        written = escape_formula_cells(scored) if escape_formulas else scored  # the report and metrics read raw
        _write_csv(written, handle, header=not wrote_header)
        wrote_header = True
        errors += _report_row_errors(scored, progress)
        accumulator.add(scored)
        done += len(chunk)
    if not wrote_header:  # a header and no rows: still write the output header
        empty = pd.DataFrame({c: pd.Series(dtype=str) for c in header})
        score_frame(engine, empty, top, intervals=intervals, seed=seed).to_csv(handle, index=False)
    return done, errors


def _write_csv(frame: pd.DataFrame, handle: IO[str], header: bool) -> None:
    """Append ``frame`` to the output; a chunk with a carriage return in a text cell has every field quoted.

    Python's ``csv`` before 3.13 leaves a field holding a lone carriage return
    unquoted when lines end with ``\\n``, and readers then split the row there.
    """
    quoting = csv.QUOTE_ALL if _has_carriage_return(frame) else csv.QUOTE_MINIMAL
    frame.to_csv(handle, header=header, index=False, float_format=FLOAT_FORMAT, quoting=quoting)


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            with contextlib.suppress(AttributeError):  # no text in the column
                if column.str.contains("\r", regex=False, na=False).any():
                    return True
    return False


def read_chunks(source: Path, header: list[str], chunk_size: int) -> Iterator[pd.DataFrame]:
    """The data rows of ``source`` as text-only frames of at most ``chunk_size`` rows."""
    reader = pd.read_csv(
        source,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding="utf-8-sig",
        header=0,
        names=header,
        index_col=False,
        chunksize=chunk_size,
    )
    with reader:
        try:
            yield from reader
        except (pd.errors.ParserError, ValueError) as exc:  # the first pass let through what pandas refuses
            raise InputFileError(f"{source}: cannot read the CSV: {exc}") from None


def _report_row_errors(scored: pd.DataFrame, progress: Progress) -> int:
    bad = scored[scored["status"] != "ok"]
    rows = zip(bad.index, bad[ID_COLUMN], bad["error"], bad["triage"], bad["rules_fired"], strict=True)
    for label, case_id, message, triage, rules in rows:
        who = f"case_id {case_id}" if case_id.strip() else "no case_id"
        kept = f"; triage {triage} from the answers that can be read (rules: {rules})" if triage == EMERGENCY else ""
        progress.write(f"row {label + 1} ({who}): {message}{kept}")
    return len(bad)


def _report(metrics: Mapping[str, Any], columns: Columns, errors: int, wrote_metrics: bool, quiet: bool) -> None:
    rows = metrics["rows"]["total"]
    if errors:
        print(
            f"ddx score: {errors} of {rows} rows have errors; they are kept in {metrics['output']} with status=error",
            file=sys.stderr,
        )
    has_gold = columns.gold_cause or columns.gold_triage
    if wrote_metrics and not has_gold:
        print(
            "ddx score: the input has no gold_cause or gold_triage column, so the metrics are empty",
            file=sys.stderr,
        )
    if has_gold and not quiet:
        print(format_metrics(metrics))


def _partial_pid(path: Path, target: Path) -> int | None:
    """The process id in the name of a partial file of ``target`` (``.NAME.<pid>.partial``), else None."""
    match = re.fullmatch(rf"\.{re.escape(target.name)}\.([0-9]{{1,10}})\.partial", path.name)
    return int(match.group(1)) if match else None


def _alive(pid: int) -> bool:
    """True unless process ``pid`` is certainly gone (so that a doubt keeps the file)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):  # another user's process, or not a process id
        return True
    return True


def _remove_stale_partials(target: Path) -> list[Path]:
    """Remove the partial files of ``target`` left by runs that died (SIGKILL, power loss); return them.

    Only regular files named ``.NAME.<pid>.partial`` beside ``target``, owned
    by this user, whose process no longer exists, are removed.
    """
    removed: list[Path] = []
    try:
        siblings = list(target.parent.glob(f".{glob.escape(target.name)}.*.partial"))
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for path in siblings:
        pid = _partial_pid(path, target)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or (uid is not None and info.st_uid != uid):
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


@contextlib.contextmanager
def _replacing(target: Path) -> Iterator[IO[str]]:
    """Write to a new file beside ``target`` and move it onto ``target`` only on success.

    The partial file is removed whatever stops the run (an error, Ctrl-C, or
    a signal the command turns into an exception); stale ones of dead runs
    are removed first.
    """
    _remove_stale_partials(target)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise InputFileError(
            f"{target}: another run of this process is writing it ({partial} exists); wait for it or remove it"
        ) from None
    except OSError as exc:
        raise InputFileError(f"{target}: cannot write it: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
