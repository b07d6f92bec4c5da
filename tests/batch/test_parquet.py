"""``ddx score IN.parquet -o OUT.parquet`` (``ddx.batch.parquet``): the rows of the CSV path, in Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pq = pytest.importorskip("pyarrow.parquet")

from ddx.batch import score_file  # noqa: E402
from ddx.cli import entry as cli  # noqa: E402
from ddx.errors import InputFileError  # noqa: E402

ROWS = [
    {"case_id": "a", "f1": "yes", "f2": "", "f3": "no", "age": "40", "sex": "female", "gold_cause": "cause_a"},
    {"case_id": "b", "f1": "", "f2": "yes", "f3": "yes", "age": "", "sex": "", "gold_cause": "cause_b"},
    {"case_id": "c", "f1": "maybe", "f2": "", "f3": "", "age": "70", "sex": "male", "gold_cause": ""},
    {"case_id": "d", "f1": "no", "f2": "no", "f3": "yes", "age": "55", "sex": "", "gold_cause": "cause_c"},
]


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    frame = pd.DataFrame(ROWS)
    csv_in, parquet_in = tmp_path / "in.csv", tmp_path / "in.parquet"
    frame.to_csv(csv_in, index=False)
    frame.to_parquet(parquet_in, index=False)
    return csv_in, parquet_in


def test_parquet_in_gives_the_csv_rows(tiny_engine, tmp_path: Path) -> None:
    csv_in, parquet_in = _inputs(tmp_path)
    from_csv, from_parquet = tmp_path / "a.csv", tmp_path / "b.csv"
    score_file(csv_in, from_csv, tiny_engine, quiet=True, chunk_size=2)
    score_file(parquet_in, from_parquet, tiny_engine, quiet=True, chunk_size=2)
    assert from_parquet.read_bytes() == from_csv.read_bytes()


def test_parquet_out_holds_the_same_rows_with_typed_columns(tiny_engine, tmp_path: Path) -> None:
    csv_in, parquet_in = _inputs(tmp_path)
    from_csv, out = tmp_path / "a.csv", tmp_path / "out.parquet"
    score_file(csv_in, from_csv, tiny_engine, quiet=True, chunk_size=2, escape_formulas=False)
    score_file(parquet_in, out, tiny_engine, quiet=True, chunk_size=1)  # one row group a row, one of them an error
    assert pq.ParquetFile(out).metadata.num_row_groups == 4
    got = pd.read_parquet(out)
    want = pd.read_csv(from_csv, dtype=str, keep_default_na=False)
    assert list(got.columns) == list(want.columns)
    assert list(got.status) == ["ok", "ok", "error", "ok"] and "maybe" in got.error[2]
    assert str(got.p_cause_a.dtype) == "float64"
    ranks = [None if pd.isna(v) else int(v) for v in got.gold_rank]  # int64 with nulls
    assert ranks == [int(v) if v else None for v in want.gold_rank]
    for column in ("case_id", "status", "triage", "top1", "top2", "top3"):
        assert [("" if pd.isna(v) else str(v)) for v in got[column]] == list(want[column]), column
    for cause in tiny_engine.kb.causes:
        assert (got[f"p_{cause}"].fillna(-1) - pd.to_numeric(want[f"p_{cause}"]).fillna(-1)).abs().max() < 1e-9


def test_booleans_numbers_and_nulls_in_parquet_are_answers(tiny_engine, tmp_path: Path) -> None:
    typed = pd.DataFrame({"case_id": ["x", "y"], "f1": [True, None], "f2": [1, 0], "age": [40.0, None]})
    source, out = tmp_path / "typed.parquet", tmp_path / "out.csv"
    typed.to_parquet(source, index=False)
    score_file(source, out, tiny_engine, quiet=True)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got.status) == ["ok", "ok"]
    expected = tiny_engine.diagnose({"f1": True, "f2": True}, age=40).probabilities["cause_a"]
    assert float(got.p_cause_a[0]) == pytest.approx(expected, abs=1e-9)


def test_a_repeated_case_id_or_a_file_that_is_not_parquet_is_refused(tiny_engine, tmp_path: Path) -> None:
    source = tmp_path / "dup.parquet"
    pd.DataFrame({"case_id": ["a", "b", "a"], "f1": ["yes", "no", "yes"]}).to_parquet(source, index=False)
    with pytest.raises(InputFileError, match=r"duplicate case_id values: 'a' \(rows 1, 3\)"):
        score_file(source, tmp_path / "out.csv", tiny_engine, quiet=True)
    fake = tmp_path / "fake.parquet"
    fake.write_text("case_id,f1\na,yes\n")
    with pytest.raises(InputFileError, match=r"fake\.parquet: not a readable Parquet file"):
        score_file(fake, tmp_path / "out.csv", tiny_engine, quiet=True)


def test_the_command_line_reads_and_writes_parquet(tiny_dir: Path, tmp_path: Path) -> None:
    _, parquet_in = _inputs(tmp_path)
    out = tmp_path / "out.parquet"
    assert cli.main(["score", str(parquet_in), "-o", str(out), "--model", str(tiny_dir), "--quiet"]) == 0
    assert pd.read_parquet(out).case_id.tolist() == ["a", "b", "c", "d"]


def test_a_parquet_file_without_rows_gives_the_output_columns(tiny_engine, tmp_path: Path) -> None:
    source, out = tmp_path / "empty.parquet", tmp_path / "out.parquet"
    pd.DataFrame({"case_id": pd.Series(dtype=str), "f1": pd.Series(dtype=str)}).to_parquet(source, index=False)
    assert score_file(source, out, tiny_engine, quiet=True) == 0
    got = pd.read_parquet(out)
    assert len(got) == 0 and list(got.columns[:3]) == ["case_id", "status", "error"]
