"""Reading a batch: the value grammar in cells, blank lines skipped, case ids compared without blanks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from ddx.batch import score_file, score_frame
from ddx.errors import InputFileError


def _score(tmp_path: Path, tiny_dir: Path, text: str, **kwargs) -> tuple[int, pd.DataFrame]:
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    code = score_file(source, out, model=tiny_dir, **kwargs)
    return code, pd.read_csv(out, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- the value grammar


@pytest.mark.parametrize("sex", ["female", "Female", "F", "f", " FEMALE "])
def test_sex_spellings_in_a_csv(tiny_engine, sex: str) -> None:
    frame = pd.DataFrame({"case_id": ["a"], "f2": ["yes"], "sex": [sex]})
    out = score_frame(tiny_engine, frame)
    assert out.loc[0, "status"] == "ok"
    assert out.loc[0, "p_cause_a"] == tiny_engine.diagnose({"f2": True}, sex="female").probabilities["cause_a"]


@pytest.mark.parametrize("sex", ["M", "m", "Male"])
def test_male_spellings_in_a_csv(tiny_engine, sex: str) -> None:
    out = score_frame(tiny_engine, pd.DataFrame({"case_id": ["a"], "sex": [sex]}))
    assert out.loc[0, "status"] == "ok"


def test_a_frame_of_numbers_and_nan(tiny_engine) -> None:
    """A frame pandas read on its own: 1.0/0.0 answers, NaN blanks, a numeric age."""
    frame = pd.DataFrame({"case_id": ["a", "b"], "f2": [1.0, float("nan")], "f3": [0.0, 1.0], "age": [70, None]})
    out = score_frame(tiny_engine, frame)
    assert out["status"].tolist() == ["ok", "ok"]
    expected = tiny_engine.diagnose({"f2": True, "f3": False}, age=70).probabilities["cause_a"]
    assert out.loc[0, "p_cause_a"] == expected


def test_age_in_other_digits_is_refused(tiny_engine) -> None:
    out = score_frame(tiny_engine, pd.DataFrame({"case_id": ["a"], "age": ["٤٥"]}))
    assert out.loc[0, "error"] == "column 'age': '٤٥' is not a number of years"


# --------------------------------------------------------------------------- blank lines


@pytest.mark.parametrize("blank", ["", "   ", "\t", ",,", " , ,", '"","",""'])
def test_blank_lines_are_skipped(tmp_path: Path, tiny_dir: Path, blank: str, capsys) -> None:
    text = f"case_id,f1,f2\na,yes,no\n{blank}\nb,maybe,\n{blank}\n\nc,no,yes\n"
    code, out = _score(tmp_path, tiny_dir, text, metrics_path=tmp_path / "m.json")
    assert code == 0 and out["case_id"].tolist() == ["a", "b", "c"]
    assert out["status"].tolist() == ["ok", "error", "ok"]
    err = capsys.readouterr().err
    # row numbers count the rows that are not blank: row 2 is b, the second row of the output
    assert "row 2 (case_id b): column 'f1': 'maybe' is not an answer" in err
    assert "1 of 3 rows have errors" in err and "3 blank lines skipped" in err
    assert json.loads((tmp_path / "m.json").read_text())["rows"]["blank_lines_skipped"] == 3


def test_blank_lines_before_a_row_with_the_wrong_fields_keep_its_row_number(tmp_path: Path, tiny_dir: Path) -> None:
    with pytest.raises(InputFileError, match=r"row 2 \(line 5\) has 1"):
        _score(tmp_path, tiny_dir, "case_id,f1,f2\na,yes,no\n\n ,,\nb\n")


def test_a_blank_line_with_too_many_fields_is_refused(tmp_path: Path, tiny_dir: Path) -> None:
    with pytest.raises(InputFileError, match=r"row 2 \(line 3\) has 5"):
        _score(tmp_path, tiny_dir, "case_id,f1,f2\na,yes,no\n,,,,\n")


def test_a_file_of_blank_lines_has_no_rows(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    code, out = _score(tmp_path, tiny_dir, "case_id,f1\n,\n\n  \n")
    assert code == 0 and out.empty and "case_id" in out.columns
    assert "3 blank lines skipped" in capsys.readouterr().err


def test_blank_lines_across_chunks(tmp_path: Path, tiny_dir: Path) -> None:
    rows = "".join(f"c{i},yes\n" + ("\n,\n" if i % 3 == 0 else "") for i in range(10))
    code, out = _score(tmp_path, tiny_dir, "case_id,f1\n" + rows, chunk_size=2, quiet=True)
    assert code == 0 and out["case_id"].tolist() == [f"c{i}" for i in range(10)]


# --------------------------------------------------------------------------- case ids


@pytest.mark.parametrize("other", ["c1 ", " c1", "\tc1", "c1\t "])
def test_ids_that_differ_only_in_blanks_are_duplicates(tmp_path: Path, tiny_dir: Path, other: str) -> None:
    with pytest.raises(InputFileError, match=r"duplicate case_id values: 'c1' \(rows 1, 3\)"):
        _score(tmp_path, tiny_dir, f'case_id,f1\nc1,yes\nc2,no\n"{other}",no\n')
    frame = pd.DataFrame({"case_id": ["c1", "c2", other], "f1": ["yes", "no", "no"]})
    with pytest.raises(InputFileError, match=r"duplicate case_id values: 'c1' \(rows 1, 3\)"):
        score_frame(_engine(tiny_dir), frame)


def test_ids_are_written_stripped(tiny_engine) -> None:
    out = score_frame(tiny_engine, pd.DataFrame({"case_id": [" c1 ", "c2\t"], "f1": ["yes", "no"]}))
    assert out["case_id"].tolist() == ["c1", "c2"]


def _engine(tiny_dir: Path):
    import ddx

    return ddx.load(tiny_dir)
