"""Fuzzed batch reader: random frames and random CSV text are scored row by row or refused with a named error.

Whatever the cells hold (Unicode digits, control characters, very long text, numbers, NaN), ``score_frame``
returns every row with ``status`` ok or error (an error row carries its message), and a row that answers yes
to the emergency sign keeps ``triage=emergency``. A table that cannot be used as a whole raises an
``InputFileError``; nothing else escapes. ``score_file`` on random CSV text behaves the same.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ddx.batch import score_file, score_frame
from ddx.errors import DdxError
from ddx.knowledge.values import parse_answer

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: The tiny model's columns (conftest.py), and a few that it does not know.
KNOWN = ["f1", "f2", "f3", "f4", "rf1", "older_age", "red_flag", "f1_alias", "age", "sex", "gold_cause", "gold_triage"]
ODD_COLUMNS = ["f11", "cause_a", "sex ", "", "case_id"]

cell_text = st.one_of(
    st.sampled_from(["", "yes", "no", "Y", "n", "1", "0", "1.0", "TRUE", "f", "M", "45", "cause_a", "old_a", "urgent"]),
    st.sampled_from(
        ["¹", "①", "٤٥", "４５", "maybe", "=1+1", "\x00", "\x1b[2J", "\t", " ", "nan", "inf", "-5", "1e400"]
    ),
    st.text(max_size=12),
    st.builds(lambda s, n: s * n, st.sampled_from(["y", "9", "é", ","]), st.integers(500, 5000)),
)
cell_object = st.one_of(cell_text, st.none(), st.floats(), st.integers(-3, 200), st.booleans())


def _check_rows(frame: pd.DataFrame, out: pd.DataFrame) -> None:
    assert list(out.index) == list(frame.index)
    assert set(out["status"]) <= {"ok", "error"}
    for _, row in out[out["status"] == "error"].iterrows():
        assert isinstance(row["error"], str) and row["error"].strip()
        assert "\n" not in row["error"] and "\r" not in row["error"]  # one line: odd cells are quoted
    if "red_flag" in frame.columns:
        for position, value in enumerate(frame["red_flag"].tolist()):
            if parse_answer(value) is True:
                assert out["triage"].iloc[position] == "emergency", (value, out.iloc[position].to_dict())


@FUZZ
@given(
    columns=st.lists(st.sampled_from(KNOWN), unique=True, max_size=6),
    odd=st.lists(st.sampled_from(ODD_COLUMNS), max_size=1),
    data=st.data(),
)
def test_random_frames(tiny_engine_module, columns: list[str], odd: list[str], data: st.DataObject) -> None:
    header = ["case_id", *columns, *odd]
    n = data.draw(st.integers(0, 6))
    cells = {c: data.draw(st.lists(cell_object, min_size=n, max_size=n)) for c in header}
    if data.draw(st.booleans()):
        cells["case_id"] = [f"c{i}" for i in range(n)]
    frame = (
        pd.DataFrame(cells, columns=header)
        if len(set(header)) == len(header)
        else pd.DataFrame([[cells[c][i] for c in header] for i in range(n)], columns=header)
    )
    try:
        out = score_frame(tiny_engine_module, frame)
    except DdxError as exc:
        assert str(exc).strip()
        event("refused as a whole")
        return
    event("scored")
    _check_rows(frame, out)


def _csv_text(rows: list[list[str]], blank_every: int, line_end: str, quote_all: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=line_end, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    for i, row in enumerate(rows):
        if blank_every and i and i % blank_every == 0:
            buffer.write(line_end)
        writer.writerow(row)
    return buffer.getvalue()


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:  # text that is not a CSV of cases at all
        return draw(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
    header = ["case_id", *draw(st.lists(st.sampled_from(KNOWN), unique=True, max_size=5))]
    n = draw(st.integers(0, 8))
    rows = [header]
    for i in range(n):
        row = [draw(st.one_of(st.just(f"c{i}"), cell_text))] + [draw(cell_text) for _ in header[1:]]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))] or [""]
        rows.append(row)
    return _csv_text(rows, draw(st.integers(0, 3)), draw(st.sampled_from(["\n", "\r\n"])), draw(st.booleans()))


@FUZZ
@given(text=csv_files())
def test_random_csv_files(tiny_engine_module, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.csv", Path(folder) / "out.csv"
        source.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            code = score_file(source, target, model=tiny_engine_module, quiet=True)
        except DdxError as exc:
            assert str(exc).strip() and "please report" not in str(exc)
            assert not target.exists()
            event("refused as a whole")
            return
        event("scored")
        assert code == 0
        out = pd.read_csv(target, dtype=str, keep_default_na=False)
    records = [r for r in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")) if r]
    header = [name.strip() for name in records[0]]
    rows = [dict(zip(header, r, strict=True)) for r in records[1:] if any(cell.strip() for cell in r)]
    assert len(out) == len(rows) and set(out["status"]) <= {"ok", "error"}
    for row, triage in zip(rows, out["triage"], strict=True):
        assert parse_answer(row.get("red_flag")) is not True or triage == "emergency"
    assert all(math.isfinite(float(p)) for p in out.loc[out["status"] == "ok", "p_top1"])
