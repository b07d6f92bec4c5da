"""Writing a batch (``ddx.batch.write``): float cells formatted once per value, as pandas would write them."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ddx.batch.write import FLOAT_FORMAT, _formatted, _write_csv, escape_formula_cells

floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1e-12, 1 / 3]))


@given(st.lists(floats, max_size=40), st.lists(st.sampled_from(["x", "", "a,b", '"q"', "=1"]), max_size=40))
def test_formatted_floats_are_written_byte_for_byte_as_pandas_float_format_writes_them(values, text) -> None:
    n = min(len(values), len(text)) if text else len(values)
    p = np.array(values[:n], dtype=np.float64)
    frame = pd.DataFrame({"p": p, "t": (text * (n + 1))[:n] if text else [""] * n, "q": -p[::-1]})
    expected = io.StringIO()
    frame.to_csv(expected, index=False, float_format=FLOAT_FORMAT)
    written = io.StringIO()
    _write_csv(frame, written, header=True)
    assert written.getvalue() == expected.getvalue()


def test_formatting_leaves_the_frame_given_untouched() -> None:
    frame = pd.DataFrame({"p": [0.5, np.nan], "t": ["a", "b"]})
    text = _formatted(frame)
    assert list(text.p) == ["0.5", ""] and frame.p.dtype == np.float64 and frame.p[0] == 0.5


cells = st.sampled_from(["", "c1", "a,b", 'say "no"', "=1+1", "-2", " padded ", "é", "line\nbreak", "\rcr"])


@given(
    st.lists(st.tuples(cells, st.integers(0, 2), st.sampled_from(["", "cause_a", "x,y"])), min_size=1, max_size=30),
    st.booleans(),
    st.booleans(),
)
def test_rows_joined_from_their_patterns_are_the_bytes_to_csv_writes(rows, header, escape) -> None:
    """Rows sharing an outcome are formatted once and joined with their own cells: the same bytes as to_csv."""
    outcomes = [
        {"status": "ok", "error": "", "top1": "cause_a", "p_top1": 0.25, "kb_version": "1"},
        {"status": "error", "error": 'bad "cell", here', "top1": np.nan, "p_top1": np.nan, "kb_version": "1"},
        {"status": "ok", "error": "", "top1": "cause_b", "p_top1": -0.0, "kb_version": "1"},
    ]
    patterns = np.array([code for _, code, _ in rows])
    frame = pd.DataFrame([outcomes[code] for code in patterns])
    frame.insert(0, "case_id", [case_id for case_id, _, _ in rows])
    frame["gold_cause"] = [gold for _, _, gold in rows]
    frame["gold_rank"] = pd.array([None if gold == "" else 2 for _, _, gold in rows], dtype="Int64")
    reference = escape_formula_cells(frame) if escape else frame
    text = reference.to_numpy(dtype=object).ravel()
    carriage_return = any(isinstance(cell, str) and "\r" in cell for cell in text)
    expected = io.StringIO()  # every field quoted when a cell holds a carriage return (see _write_csv)
    reference.to_csv(
        expected,
        header=header,
        index=False,
        float_format=FLOAT_FORMAT,
        quoting=csv.QUOTE_ALL if carriage_return else csv.QUOTE_MINIMAL,
    )
    written = io.StringIO()
    _write_csv(frame, written, header=header, patterns=patterns, escape=escape)
    assert written.getvalue() == expected.getvalue()
