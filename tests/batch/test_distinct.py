"""A frame's rows grouped into answer patterns, each read once (``ddx.batch.distinct``)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ddx.batch.distinct import read_patterns
from ddx.batch.read import _cases, _read_age, _read_answer, _read_column, _sex_reader, check_columns

ANSWERS = ["", "yes", "no", "Y", "0", " yes ", "maybe", "1.5"]
AGES = ["", "45", " 70 ", "old", "200"]
SEXES = ["", "f", "Male", "x"]
EVIDENCE = ["f1", "f2", "f4", "rf1", "f1_alias"]


@st.composite
def frames(draw: st.DrawFn) -> dict[str, list[str]]:
    """Columns of text cells: some evidence columns, maybe age and sex, rows that often repeat."""
    names = draw(st.lists(st.sampled_from(EVIDENCE), unique=True, max_size=len(EVIDENCE)))
    names += [c for c in ("age", "sex") if draw(st.booleans())]
    pool = {"age": AGES, "sex": SEXES}
    distinct = draw(
        st.lists(st.tuples(*(st.sampled_from(pool.get(c, ANSWERS)) for c in names)), min_size=1, max_size=6)
    )
    rows = draw(st.lists(st.sampled_from(distinct), max_size=30))
    return {c: [row[j] for row in rows] for j, c in enumerate(names)}


def _row_by_row(kb, columns, text, rows):
    """Every row read on its own, as the JSON-lines reader does: the reference."""
    problems: list[list[str]] = [[] for _ in range(rows)]
    answers = [_read_column(text[c], c, _read_answer, problems) for c in columns.evidence]
    ages = _read_column(text["age"], "age", _read_age, problems) if columns.age else None
    sexes = _read_column(text["sex"], "sex", _sex_reader(kb), problems) if columns.sex else None
    return _cases(kb, columns.evidence, answers, ages, sexes, problems), problems


@settings(max_examples=150, deadline=None)
@given(frames())
def test_each_row_gets_the_case_and_problems_it_would_get_on_its_own(tiny_engine_module, text) -> None:
    kb = tiny_engine_module.kb
    rows = len(next(iter(text.values()))) if text else 3
    columns = check_columns(kb, ["case_id", *text])
    patterns = read_patterns(kb, columns, text, rows)
    cases, problems = _row_by_row(kb, columns, text, rows)
    assert len(patterns.of_row) == rows
    for row in range(rows):
        pattern = int(patterns.of_row[row])
        assert patterns.cases[pattern] == cases[row]
        if hasattr(cases[row], "evidence"):  # the answers in column order too
            assert list(patterns.cases[pattern].evidence.items()) == list(cases[row].evidence.items())
        assert patterns.found[pattern] == problems[row]


@settings(max_examples=100, deadline=None)
@given(frames())
def test_patterns_are_the_distinct_rows_numbered_by_first_appearance(tiny_engine_module, text) -> None:
    kb = tiny_engine_module.kb
    rows = len(next(iter(text.values()))) if text else 3
    patterns = read_patterns(kb, check_columns(kb, ["case_id", *text]), text, rows)
    keys = list(zip(*text.values(), strict=True)) if text else [()] * rows
    firsts = list(dict.fromkeys(keys))  # each distinct row once, in order of first appearance
    assert [keys[i] for i in patterns.firsts] == firsts
    assert patterns.of_row.tolist() == [firsts.index(k) for k in keys]
    assert np.all(np.diff(patterns.firsts) > 0)
