"""Reading a batch: the header checked against the knowledge, every cell read into a case or a row error.

Row numbers in messages count data rows from 1 (the header is not a row).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..clinical.failsafe import emergency_rules
from ..errors import InputFileError, did_you_mean, excerpt
from ..knowledge.conditions import Rule
from ..knowledge.model import TRIAGE_LEVELS, KnowledgeBase
from ..knowledge.values import read_age, read_answer, read_sex
from .csvscan import ID_COLUMN, MAX_LISTED, duplicates_message

__all__ = ["RESERVED", "Case", "Columns", "RowError", "cause_aliases", "check_columns", "read_chunks"]

GOLD_CAUSE, GOLD_TRIAGE, GOLD_RANK = "gold_cause", "gold_triage", "gold_rank"
#: Input columns that are not evidence ids.
RESERVED = (ID_COLUMN, "age", "sex", GOLD_CAUSE, GOLD_TRIAGE)


class _Invalid:
    """Marks a cell that could not be read."""


_INVALID = _Invalid()


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


def _as_text(column: pd.Series) -> list[str]:
    """Cells as text; missing cells (NaN, None) become blank.

    A column read from CSV as text holds only strings: it is taken as it is
    (checked in one pass of pandas' C code), the cells of any other looked at one by one.
    """
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.tolist()
    return ["" if _missing(v) else str(v) for v in values.tolist()]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _check_unique_ids(ids: Sequence[str], where: str = "input") -> None:
    """Refuse repeated ids, compared without surrounding blanks (``c1`` and ``c1 `` are one case)."""
    given = [case_id.strip() for case_id in ids]
    given = [case_id for case_id in given if case_id]
    if len(set(given)) == len(given):
        return
    rows: dict[str, list[int]] = {}
    for row, case_id in enumerate(ids, start=1):
        if case_id.strip():
            rows.setdefault(case_id.strip(), []).append(row)
    raise InputFileError(duplicates_message(where, {k: v for k, v in rows.items() if len(v) > 1}))


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


# Cells are read by the one value grammar (ddx.knowledge.values); its errors are ValueErrors.
_read_answer: Reader = read_answer
_read_age: Reader = read_age


def _sex_reader(kb: KnowledgeBase) -> Reader:
    states = kb.nodes[kb.sex_node].states
    return lambda cell: read_sex(cell, states)


def _gold_reader(kb: KnowledgeBase) -> Reader:
    nodes = cause_aliases(kb)

    def read(cell: str) -> str | None:
        cause = cell.strip()
        if not cause:
            return None
        if cause not in nodes:
            raise ValueError(f"unknown cause {excerpt(cause)}{did_you_mean(cause, list(nodes))}")
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
    # column by column, so that a row's dict is filled in column order and only its answered cells are visited
    given: list[dict[str, bool]] = [{} for _ in problems]
    for name, column in zip(names, answers, strict=True):
        for position in [i for i, value in enumerate(column) if value is True or value is False]:
            given[position][name] = column[position]
    return cases_of(kb, given, ages, sexes, problems)


def cases_of(
    kb: KnowledgeBase,
    given: Sequence[dict[str, bool]],
    ages: Sequence[Any] | None,
    sexes: Sequence[Any] | None,
    problems: Sequence[Sequence[str]],
) -> list[Case | RowError]:
    """Each row's case from its answers (id -> yes/no, in column order), age and sex; its error if it has a problem."""
    cases: list[Case | RowError] = []
    for position, evidence in enumerate(given):
        age = _readable(ages[position]) if ages is not None else None
        sex = _readable(sexes[position]) if sexes is not None else None
        if problems[position]:
            cases.append(RowError("; ".join(problems[position]), emergency_rules(kb, evidence, age, sex)))
        else:
            cases.append(Case(evidence, age, sex))
    return cases


def read_chunks(source: Path, header: list[str], chunk_size: int) -> Iterator[pd.DataFrame]:
    """The data rows of ``source`` as text-only frames of at most ``chunk_size`` rows, blank lines left out.

    pandas skips empty lines and lines of blanks itself; a row of blank cells
    (``,,,``, as a spreadsheet writes an empty row) is dropped here, as the
    first pass (:func:`ddx.batch.csvscan.scan_rows`) does not count it.
    """
    reader = pd.read_csv(
        source,
        dtype=object,  # Python strings as the parser makes them (pandas' text dtype would convert them twice)
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
            for chunk in reader:
                blank = _blank_rows(chunk)
                if not blank.all():
                    yield chunk[~blank] if blank.any() else chunk
        except (pd.errors.ParserError, ValueError) as exc:  # the first pass let through what pandas refuses
            raise InputFileError(f"{source}: cannot read the CSV: {exc}") from None


def _blank_rows(chunk: pd.DataFrame) -> np.ndarray:
    """Which rows have only blank cells: each column is looked at only on the rows still blank so far (few)."""
    blank = np.ones(len(chunk), dtype=bool)
    for j in range(chunk.shape[1]):
        rows = np.flatnonzero(blank)
        if len(rows) == 0:
            break
        blank[rows] = (chunk.iloc[rows, j].str.strip() == "").to_numpy(dtype=bool)
    return blank
