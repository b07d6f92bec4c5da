"""Scoring one frame of cases: cells read once per pattern of cells, each new answer pattern scored once
(:mod:`ddx.batch.cases`), each row's output copied from its pattern's row (:mod:`ddx.batch.rows`).

A row that cannot be scored keeps ``status=error`` with its message; when the
answers of that row that can be read meet an emergency rule it still carries
``triage=emergency`` and the rules (:mod:`ddx.clinical.failsafe`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from ..clinical.failsafe import emergency_rules
from ..engine.collector import fewer_collections
from ..engine.core import Engine
from ..errors import DdxError
from ..inference.order import rank_order
from .cases import start_cases
from .csvscan import ID_COLUMN
from .distinct import read_patterns
from .patterns import PatternCache
from .read import (
    GOLD_CAUSE,
    GOLD_RANK,
    GOLD_TRIAGE,
    Case,
    Columns,
    RowError,
    _as_text,
    _check_blank_ids,
    _check_unique_ids,
    _gold_reader,
    _read_column,
    _read_triage,
    check_columns,
)
from .rows import Row, error_row, row_columns
from .write import escape_formula_cells

__all__ = ["output_meta", "result_columns", "score_frame"]


def score_frame(
    engine: Engine,
    frame: pd.DataFrame,
    top: int = 5,
    *,
    on_row: Callable[[int], None] | None = None,
    intervals: int | None = None,
    seed: int = 0,
    escape_formulas: bool = False,
    cache: PatternCache | None = None,
    pool: Executor | None = None,
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
        in which the top cause stays on top (see :mod:`ddx.inference.uncertainty`).
    escape_formulas
        Prefix text cells that a spreadsheet would run as a formula with
        ``'`` (see :func:`escape_formula_cells`). Off by default: the frame
        is data for programs, and :func:`score_file` escapes when it writes.
    cache
        A :class:`~ddx.batch.patterns.PatternCache` shared by the frames of
        one file: an (answers, age, sex) pattern scored in an earlier frame
        is not scored again (:func:`score_file` keeps one per file).
    pool
        Worker processes for the scoring (:func:`ddx.batch.parallel.worker_pool`);
        the output is the same without them.

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
    >>> answers = {"after_sitting_or_lying_still": ["yes", "maybe"], "resolves_on_moving": ["yes", "yes"]}
    >>> frame = pd.DataFrame({"case_id": ["a", "b"], **answers})
    >>> out = score_frame(ddx.load(), frame)
    >>> out[["case_id", "status", "top1"]].values.tolist()
    [['a', 'ok', 'positional_compression'], ['b', 'error', nan]]
    """
    with fewer_collections():
        scored, _ = _start_frame(
            engine,
            frame,
            top,
            on_row=on_row,
            intervals=intervals,
            seed=seed,
            escape_formulas=escape_formulas,
            cache=cache,
            pool=pool,
        )()
    return scored


def _start_frame(
    engine: Engine,
    frame: pd.DataFrame,
    top: int = 5,
    *,
    on_row: Callable[[int], None] | None = None,
    intervals: int | None = None,
    seed: int = 0,
    escape_formulas: bool = False,
    cache: PatternCache | None = None,
    pool: Executor | None = None,
) -> Callable[[], tuple[pd.DataFrame, np.ndarray]]:
    """:func:`score_frame` started: the frame read and checked, its new patterns on their way to ``pool``.

    The call it returns waits for them and returns the output and, for each
    row, the index of its distinct outcome: rows with the same index have the
    same result columns (from ``status`` to ``kb_version``), which the file
    writer formats once (:func:`ddx.batch.write._write_csv`). Call those of
    one file in the order they were started (:mod:`ddx.batch.cases`).
    """
    _check_top(top)
    kb = engine.kb
    columns = check_columns(kb, [str(c) for c in frame.columns], where="input")
    text = {c: _as_text(frame[c]) for c in frame.columns}
    text[ID_COLUMN] = [case_id.strip() for case_id in text[ID_COLUMN]]  # "c1 " is the case "c1"
    _check_unique_ids(text[ID_COLUMN])
    # Rows whose answer, age and sex cells are the same text are the same case: each such pattern is
    # read, checked and scored once, and its output row is copied to every row that holds it.
    patterns = read_patterns(kb, columns, text, len(frame))
    of_row, firsts, cases, found = patterns.of_row, patterns.firsts, patterns.cases, patterns.found
    # Problems of a row's own cells (its id, its gold columns), in the order of the row's columns.
    first: list[list[str]] = [[] for _ in range(len(frame))]
    last: list[list[str]] = [[] for _ in range(len(frame))]
    _check_blank_ids(text[ID_COLUMN], first)
    gold = _read_column(text[GOLD_CAUSE], GOLD_CAUSE, _gold_reader(kb), last) if columns.gold_cause else None
    if columns.gold_triage:
        _read_column(text[GOLD_TRIAGE], GOLD_TRIAGE, _read_triage, last)
    counts = np.bincount(of_row, minlength=len(firsts)).tolist()
    scoring = start_cases(
        engine, cases, top, on_row, intervals=intervals, seed=seed, cache=cache, pool=pool, rows=counts
    )

    def finish() -> tuple[pd.DataFrame, np.ndarray]:
        outcomes = _row_outcomes(engine, of_row, cases, found, scoring.result(), first, last)
        out, take = _output(engine, frame.index, text, columns, outcomes, gold, top, intervals is not None)
        return (escape_formula_cells(out) if escape_formulas else out), take

    return finish


def _row_outcomes(
    engine: Engine,
    of_row: np.ndarray,
    cases: Sequence[Case | RowError],
    found: Sequence[Sequence[str]],
    scored: Sequence[Row | RowError | None],
    first: Sequence[Sequence[str]],
    last: Sequence[Sequence[str]],
) -> list[Row | RowError | None]:
    """Each row's outcome: its pattern's, unless its own cells (id, gold) have a problem.

    Such a row is an error with its problems in column order; it keeps the
    emergency rules that its readable answers meet (the fail safe).
    """
    outcomes = [scored[p] for p in of_row.tolist()]
    for row in (i for i in range(len(outcomes)) if first[i] or last[i]):
        p = int(of_row[row])
        case = cases[p]
        emergency = (
            case.emergency
            if isinstance(case, RowError)
            else emergency_rules(engine.kb, case.evidence, case.age, case.sex)
        )
        outcomes[row] = RowError("; ".join([*first[row], *found[p], *last[row]]), emergency)
    return outcomes


def _check_top(top: int) -> None:
    if not isinstance(top, int) or top < 1:
        raise DdxError(f"top must be a whole number of causes, at least 1; got {top!r}")


def _check_draws(intervals: int | None, seed: int) -> None:
    if intervals is not None and (not isinstance(intervals, int) or isinstance(intervals, bool) or intervals < 2):
        raise DdxError(f"intervals must be a whole number of draws, at least 2; got {intervals!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise DdxError(f"seed must be a whole number, 0 or more; got {seed!r}")


def result_columns(engine: Engine, top: int, intervals: bool = False) -> list[str]:
    """The result columns of one output row, in :meth:`DiagnosisResult.to_row` order."""
    return row_columns(engine.kb.causes, top, intervals)


def _output(
    engine: Engine,
    index: pd.Index,
    text: Mapping[str, Sequence[str]],
    columns: Columns,
    outcomes: Sequence[Row | RowError | None],
    gold: Sequence[Any] | None,
    top: int,
    intervals: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The output frame: one record per distinct outcome, copied to the rows that share it (no work per row)."""
    names = result_columns(engine, top, intervals)
    kb_version = engine.kb.kb_version
    records: list[Row] = []
    record_of: dict[int, int] = {}  # id of an outcome -> its record
    for outcome in outcomes:
        if id(outcome) in record_of:
            continue
        record_of[id(outcome)] = len(records)
        if isinstance(outcome, tuple):
            records.append(outcome)
            continue
        error = outcome if isinstance(outcome, RowError) else RowError("not scored")
        records.append(error_row(names, error.message, error.emergency, kb_version))
    take = np.fromiter((record_of[id(outcome)] for outcome in outcomes), dtype=np.intp, count=len(outcomes))
    dtypes = _dtypes(names)
    values = zip(*records, strict=True) if records else ([] for _ in names)
    # column by column with the schema's dtypes: pandas would first make its own text dtype of the text
    distinct = pd.DataFrame({n: pd.Series(v, dtype=dtypes[n]) for n, v in zip(names, values, strict=True)})
    out = distinct.take(take)
    out.index = index
    out.insert(0, ID_COLUMN, _text_column(text[ID_COLUMN], index))
    if columns.gold_cause:
        out[GOLD_CAUSE] = _text_column(text[GOLD_CAUSE], index)
    if columns.gold_triage:
        out[GOLD_TRIAGE] = _text_column(text[GOLD_TRIAGE], index)
    if columns.gold_cause and gold is not None:
        out[GOLD_RANK] = _gold_ranks(engine.kb.causes, distinct, take, gold)
    return out, take  # every column made with its dtype of the schema (_dtypes)


def _text_column(cells: Sequence[str], index: pd.Index) -> pd.Series:
    return pd.Series(list(cells), index=index, dtype=object)


def _gold_ranks(
    causes: Sequence[str], distinct: pd.DataFrame, take: np.ndarray, gold: Sequence[Any]
) -> pd.api.extensions.ExtensionArray:
    """Each row's rank of its gold cause in its differential (from 1); missing for an error row or no gold cause."""
    ok = (distinct["status"] == "ok").to_numpy()
    ranks = np.zeros((len(distinct), len(causes)), dtype=np.intp)
    if ok.any():
        posteriors = distinct.loc[ok, [f"p_{c}" for c in causes]].to_numpy(dtype=float)
        ranks[ok] = np.argsort(rank_order(posteriors), axis=1, kind="stable") + 1
    of_cause = {c: i for i, c in enumerate(causes)}
    found = [
        int(ranks[r, of_cause[node]]) if ok[r] and isinstance(node, str) and node in of_cause else None
        for r, node in zip(take.tolist(), gold, strict=True)
    ]
    return pd.array(found, dtype="Int64")


def _dtypes(columns: Sequence[str]) -> dict[str, Any]:
    """One schema whatever the rows: probabilities float64, the gold rank Int64, every other column text (object).

    An empty frame, a frame of error rows and a full one then have the same
    dtypes, which a distributed engine needs to know before it sees a row.
    """
    return {
        c: "float64" if c.startswith("p_") or c == "top1_stable" else "Int64" if c == GOLD_RANK else object
        for c in columns
    }


def output_meta(engine: Engine, input_columns: Sequence[str], top: int = 5, intervals: bool = False) -> pd.DataFrame:
    """The empty output of :func:`score_frame` for a table with ``input_columns``: its columns and dtypes.

    Raises
    ------
    InputFileError
        For a bad header (see :func:`check_columns`).
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in input_columns})
    return score_frame(engine, empty, top, intervals=2 if intervals else None)
