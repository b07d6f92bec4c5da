"""A frame's rows grouped into distinct answer patterns, each pattern's cells read once.

Rows whose answer, age and sex cells are the same text are the same case;
patterns are numbered in order of first appearance. Each column's cells of
the patterns are coded by pandas (its hash table, in C), each distinct text
of a column is read once by the grammar of :mod:`ddx.batch.read`, and a
pattern's answers are filled from its answered cells only: past grouping the
rows, the work in Python goes with the distinct texts and the answers given,
not with patterns times columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..knowledge.model import KnowledgeBase
from .read import Case, Columns, Reader, RowError, _read_age, _read_answer, _read_column, _sex_reader, cases_of

__all__ = ["Patterns", "read_patterns"]


@dataclass(frozen=True)
class Patterns:
    """The distinct patterns of a frame's rows, and each read into its case or its error."""

    of_row: np.ndarray  # each row's pattern (an index into ``firsts``)
    firsts: list[int]  # each pattern's first row
    cases: list[Case | RowError]  # each pattern's case
    found: list[list[str]]  # each pattern's problems, in column order


def read_patterns(kb: KnowledgeBase, columns: Columns, text: Mapping[str, Sequence[str]], rows: int) -> Patterns:
    """Group the ``rows`` rows by the text of their answer, age and sex cells, and read each pattern once."""
    readers: dict[str, Reader] = {c: _read_answer for c in columns.evidence}
    if columns.age:
        readers["age"] = _read_age
    if columns.sex:
        readers["sex"] = _sex_reader(kb)
    of_row, firsts = _numbered([text[c] for c in readers], rows)
    found: list[list[str]] = [[] for _ in firsts]
    read: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # column -> (value of each distinct text, each pattern's)
    for name, reader in readers.items():
        cells = text[name]
        mine, texts = pd.factorize(np.array([cells[i] for i in firsts], dtype=object))
        problems: list[list[str]] = [[] for _ in texts]  # each distinct text's, read once
        values = np.empty(len(texts), dtype=object)
        values[:] = _read_column(list(texts), name, reader, problems)
        for code in (code for code, reasons in enumerate(problems) if reasons):
            for pattern in np.flatnonzero(mine == code).tolist():
                found[pattern].extend(problems[code])
        read[name] = values, mine
    given: list[dict[str, bool]] = [{} for _ in firsts]
    for name in columns.evidence:  # column by column: a pattern's answers in column order
        values, mine = read[name]
        answered = np.array([v is True or v is False for v in values.tolist()], dtype=bool)
        for pattern in np.flatnonzero(answered[mine]).tolist():
            given[pattern][name] = values[mine[pattern]]
    ages = read["age"][0][read["age"][1]].tolist() if columns.age else None
    sexes = read["sex"][0][read["sex"][1]].tolist() if columns.sex else None
    return Patterns(of_row, firsts, cases_of(kb, given, ages, sexes, found), found)


def _numbered(columns: Sequence[Sequence[str]], rows: int) -> tuple[np.ndarray, list[int]]:
    """Each row's pattern (its cells' texts), numbered by first appearance, and each pattern's first row."""
    index: dict[tuple[str, ...], int] = {}
    of_row = np.fromiter(
        (index.setdefault(key, len(index)) for key in zip(*columns, strict=True)) if columns else (0,) * rows,
        dtype=np.intp,
        count=rows,
    )
    firsts = np.full(len(index) if columns else int(rows > 0), -1, dtype=np.intp)
    firsts[of_row[::-1]] = np.arange(rows - 1, -1, -1)  # the last write of each pattern is its first row
    return of_row, firsts.tolist()
