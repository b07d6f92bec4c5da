"""Batch scoring of CSV vignettes (``ddx.batch``, ``ddx score``) on the tiny model."""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import REPO, tiny_files, write_kb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ddx
from ddx.batch import check_columns, score_file, score_frame
from ddx.batch.metrics import compute_metrics
from ddx.batch.progress import Progress
from ddx.cli import entry as cli
from ddx.errors import InputFileError

CAUSES = ("cause_a", "cause_b", "cause_c")
RESULT_COLUMNS = [
    "case_id",
    "status",
    "error",
    "triage",
    "rules_fired",
    *(c for i in range(1, 6) for c in (f"top{i}", f"p_top{i}")),
    "next_steps",
    *(f"p_{c}" for c in CAUSES),
    "kb_version",
]
GOLD_COLUMNS = ["gold_cause", "gold_triage", "gold_rank"]


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_out(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def run(*args: Any) -> int:
    return cli.main(["score", *map(str, args)])


def g(p: float) -> str:
    """A probability as the output file writes it."""
    return "" if math.isnan(p) else f"{p:.10g}"


@pytest.fixture
def score(tmp_path: Path, tiny_dir: Path):
    """Score CSV text with the tiny model; return (exit code, output frame or None)."""

    def _score(text: str, *options: str) -> tuple[int, pd.DataFrame | None]:
        src = write_csv(tmp_path / "in.csv", text)
        out = tmp_path / "out.csv"
        code = run(src, "-o", out, "--model", tiny_dir, *options)
        return code, read_out(out) if out.exists() else None

    return _score


# --------------------------------------------------------------------------- round trip

ROUND_TRIP = """case_id,f1,f2,f3,f4,rf1,red_flag,age,sex
c1,yes,no,,,,,45,female
c2,,yes,yes,,yes,,70,male
c3,Y,,,N,TRUE,0,,
c4,,,,,,yes,,FEMALE
c5,,,,,,,,
"""
ROUND_TRIP_CASES = [
    ({"f1": True, "f2": False}, 45.0, "female"),
    ({"f2": True, "f3": True, "rf1": True}, 70.0, "male"),
    ({"f1": True, "f4": False, "rf1": True, "red_flag": False}, None, None),
    ({"red_flag": True}, None, "female"),
    ({}, None, None),
]


def test_round_trip_matches_engine_exactly(score, tiny_engine, capsys) -> None:
    code, out = score(ROUND_TRIP, "--quiet")
    assert code == 0
    assert list(out.columns) == RESULT_COLUMNS
    assert out["case_id"].tolist() == ["c1", "c2", "c3", "c4", "c5"]
    for (_, row), (evidence, age, sex) in zip(out.iterrows(), ROUND_TRIP_CASES, strict=True):
        result = tiny_engine.diagnose(evidence, age=age, sex=sex)
        assert row["status"] == "ok" and row["error"] == ""
        assert row["triage"] == result.triage
        assert row["rules_fired"] == ";".join(r.id for r in result.rules_fired)
        for i, cause in enumerate(result.differential, start=1):
            assert row[f"top{i}"] == cause.id
            assert row[f"p_top{i}"] == g(cause.probability)
        assert row["top4"] == row["p_top4"] == row["top5"] == row["p_top5"] == ""
        for cause, p in result.probabilities.items():
            assert row[f"p_{cause}"] == g(p)
        assert row["kb_version"] == "test-1"
    assert capsys.readouterr().err == ""  # no row errors, no progress off a terminal


def test_rules_fired_are_joined(score) -> None:
    _, out = score("case_id,f3,f4,red_flag\nc1,yes,yes,yes\n", "--quiet")
    assert out.loc[0, "rules_fired"] == "red_flag_rule;f3_and_f4"
    assert out.loc[0, "triage"] == "emergency"


def test_top_option_sets_the_number_of_columns(score) -> None:
    _, out = score("case_id,f1\nc1,yes\n", "--quiet", "--top", "2")
    assert [c for c in out.columns if c.startswith("top") or c.startswith("p_top")] == [
        "top1",
        "p_top1",
        "top2",
        "p_top2",
    ]


def test_score_frame_keeps_rows_order_and_index(tiny_engine) -> None:
    frame = pd.DataFrame(
        {"case_id": ["z", "a", "m"], "f1": ["yes", "bad", ""], "age": ["61", "", "3"]},
        index=[10, 11, 12],
    )
    out = score_frame(tiny_engine, frame, top=3)
    assert out.index.tolist() == [10, 11, 12]
    assert out["case_id"].tolist() == ["z", "a", "m"]
    assert out["status"].tolist() == ["ok", "error", "ok"]
    expected = tiny_engine.diagnose({"f1": True}, age=61.0).to_row(3)
    assert {k: out.loc[10, k] for k in expected} == expected
    assert out.loc[11, "error"].startswith("column 'f1': 'bad' is not an answer")


@pytest.mark.parametrize(
    "cells",
    [
        {"case_id": [], "f1": []},  # no rows
        {"case_id": ["a", "b"], "f1": ["bad", "worse"]},  # errors only
        {"case_id": ["a", "b", "c"], "f1": ["yes", "bad", ""], "gold_cause": ["cause_a", "", "cause_b"]},
        {"case_id": ["a"], "f1": ["no"], "gold_cause": ["cause_a"], "gold_triage": ["routine"]},
    ],
)
@pytest.mark.parametrize("intervals", [None, 2])
def test_score_frame_gives_the_schemas_dtypes_whatever_the_rows(tiny_engine, cells, intervals) -> None:
    out = score_frame(tiny_engine, pd.DataFrame(cells, dtype=object), intervals=intervals)
    for name, dtype in out.dtypes.items():
        numeric = name.startswith("p_") or name == "top1_stable"
        expected = "float64" if numeric else "Int64" if name == "gold_rank" else "object"
        assert str(dtype) == expected, name
    assert ("gold_rank" in out.columns) == ("gold_cause" in cells)


def test_score_frame_reports_each_row_done(tiny_engine) -> None:
    done: list[int] = []
    frame = pd.DataFrame({"case_id": ["a", "b", "c"], "f1": ["yes", "bad", ""]})
    score_frame(tiny_engine, frame, on_row=done.append)
    assert sum(done) == 3  # every row is reported done, bad rows included


def test_score_frame_accepts_python_values(tiny_engine) -> None:
    frame = pd.DataFrame({"case_id": ["a"], "f1": [True], "f2": [0], "age": [70], "f3": [None]})
    out = score_frame(tiny_engine, frame)
    assert out.loc[0, "p_cause_a"] == tiny_engine.diagnose({"f1": True, "f2": False}, age=70).probabilities["cause_a"]


def test_merged_evidence_column_maps_to_its_node(score, tiny_engine) -> None:
    _, out = score("case_id,f1_alias\nc1,yes\n", "--quiet")
    assert out.loc[0, "p_cause_a"] == g(tiny_engine.diagnose({"f1": True}).probabilities["cause_a"])


def test_gold_columns_are_copied_and_ranked(score, tiny_engine) -> None:
    text = "case_id,f2,f3,gold_cause,gold_triage\nc1,yes,yes,cause_b,Routine\nc2,yes,yes,old_a,\nc3,,,,urgent\n"
    _, out = score(text, "--quiet")
    assert list(out.columns) == RESULT_COLUMNS + GOLD_COLUMNS
    order = [c.id for c in tiny_engine.diagnose({"f2": True, "f3": True}).differential]
    assert out["gold_cause"].tolist() == ["cause_b", "old_a", ""]
    assert out["gold_triage"].tolist() == ["Routine", "", "urgent"]
    assert out["gold_rank"].tolist() == [str(order.index("cause_b") + 1), str(order.index("cause_a") + 1), ""]


def test_header_only_file_gives_header_only_output(score) -> None:
    code, out = score("case_id,f1,gold_cause\n", "--quiet")
    assert code == 0
    assert len(out) == 0 and list(out.columns) == [*RESULT_COLUMNS, "gold_cause", "gold_rank"]


def test_bom_crlf_quotes_and_padded_header(score) -> None:
    text = '\ufeffcase_id , f1\r\n"id, with comma",yes\r\n"two\nlines",no\r\n'
    code, out = score(text, "--quiet")
    assert code == 0
    assert out["case_id"].tolist() == ["id, with comma", "two\nlines"]
    assert out["status"].tolist() == ["ok", "ok"]


# --------------------------------------------------------------------------- whole-file errors


def whole_file_error(capsys, code: int, *fragments: str) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("ddx score: error: ")
    for fragment in fragments:
        assert fragment in err
    return err


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", ["the file is empty"]),
        ("\n\n", ["the file is empty"]),
        (",,\n", ["the file is empty"]),
        ("id,f1\na,yes\n", ["no 'case_id' column (found 'id', 'f1')"]),
        ("case_id\tf1\na\tyes\n", ["no 'case_id' column", "is the file comma-separated?"]),
        ("caseid,f1\n", ["did you mean 'case_id'?"]),
        ("case_id,red_flg\n", ["unknown column 'red_flg' (did you mean 'red_flag'?)", "kb_version test-1"]),
        ("case_id,cause_a\n", ["column 'cause_a' is a cause, not evidence", "gold_cause"]),
        ("case_id,old_a\n", ["column 'old_a' is a cause, not evidence"]),
        ("case_id,f1,f1\n", ["column 'f1' appears more than once"]),
        ("case_id,,f1\n", ["column 2 of the header has no name"]),
        ("case_id,f5,f1,f1\n", ["2 problems in the header", "unknown column 'f5'", "'f1' appears more than once"]),
        ("case_id,f1\na,yes\nb,yes\na,no\nc,\nb,\n", ["duplicate case_id values: 'a' (rows 1, 3), 'b' (rows 2, 5)"]),
        (
            "case_id,f1\na,yes\nb,yes,no\nc\n",
            ["the header has 2 fields but row 2 (line 3) has 3; row 3 (line 4) has 1"],
        ),
        ('case_id,f1\n"a,yes\n', ["row 1 (line 2) has 1", "unclosed quotes"]),
    ],
)
def test_whole_file_errors(score, capsys, tmp_path: Path, text: str, fragments: list[str]) -> None:
    code, out = score(text)
    whole_file_error(capsys, code, *fragments)
    assert out is None  # nothing written


def test_missing_input(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    code = run(tmp_path / "nope.csv", "-o", tmp_path / "out.csv", "--model", tiny_dir)
    whole_file_error(capsys, code, "nope.csv: no such file")


def test_input_is_a_folder(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    code = run(tmp_path, "-o", tmp_path / "out.csv", "--model", tiny_dir)
    whole_file_error(capsys, code, "not a file")


def test_output_folder_missing(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id\na\n")
    code = run(src, "-o", tmp_path / "no" / "out.csv", "--model", tiny_dir)
    whole_file_error(capsys, code, "cannot write it: folder", "does not exist")
    code = run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir, "--metrics", tmp_path / "no" / "m.json")
    whole_file_error(capsys, code, "m.json: cannot write it")
    assert not (tmp_path / "out.csv").exists()


def test_output_would_overwrite_input(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id\na\n")
    code = run(src, "-o", src, "--model", tiny_dir)
    whole_file_error(capsys, code, "would overwrite the input")
    assert src.read_text() == "case_id\na\n"


def test_not_utf8_names_byte_offset(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("case_id,f1\nCafé,yes\n".encode("latin-1"))
    code = run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir)
    whole_file_error(capsys, code, "not UTF-8 text: byte 0xe9 at byte offset 14 (line 2)")


def test_utf16_is_named(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("case_id,f1\na,yes\n".encode("utf-16"))
    code = run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir)
    whole_file_error(capsys, code, "UTF-16", "save it as UTF-8")


def test_bad_top(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id\na\n")
    code = run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir, "--top", "0")
    whole_file_error(capsys, code, "top must be a whole number of causes, at least 1; got 0")


def test_duplicates_across_chunks_stop_before_writing(tmp_path: Path, tiny_engine) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id\n" + "".join(f"c{i}\n" for i in range(20)) + "c3\n")
    with pytest.raises(InputFileError, match=r"duplicate case_id values: 'c3' \(rows 4, 21\)"):
        score_file(src, tmp_path / "out.csv", model=tiny_engine, quiet=True, chunk_size=2)
    assert not (tmp_path / "out.csv").exists()
    assert not list(tmp_path.glob("*.partial"))  # no partial file left behind


def test_failed_run_keeps_previous_output(tmp_path: Path, tiny_engine) -> None:
    out = write_csv(tmp_path / "out.csv", "previous\n")
    src = write_csv(tmp_path / "in.csv", "case_id,bad\n")
    with pytest.raises(InputFileError):
        score_file(src, out, model=tiny_engine)
    assert out.read_text() == "previous\n"


def test_score_frame_checks_the_table(tiny_engine) -> None:
    with pytest.raises(InputFileError, match=r"duplicate case_id values: 'a' \(rows 1, 2\)"):
        score_frame(tiny_engine, pd.DataFrame({"case_id": ["a", "a"]}))
    with pytest.raises(InputFileError, match="unknown column 'f9'"):
        score_frame(tiny_engine, pd.DataFrame({"case_id": ["a"], "f9": ["yes"]}))


def test_check_columns_roles(tiny_engine) -> None:
    columns = check_columns(tiny_engine.kb, ["case_id", "f1", "age", "f1_alias", "gold_triage"])
    assert columns.evidence == ("f1", "f1_alias")
    assert (columns.age, columns.sex, columns.gold_cause, columns.gold_triage) == (True, False, False, True)


def test_sex_node_under_another_name_is_refused(tmp_path: Path) -> None:
    files = copy.deepcopy(tiny_files())
    nodes = files["model/nodes.yaml"]["risk_factors"]
    nodes["sex_at_birth"] = nodes.pop("sex")
    files["model/model.yaml"]["sex"] = {"node": "sex_at_birth"}
    files["priors/risk_factors.yaml"]["sex_at_birth"] = files["priors/risk_factors.yaml"].pop("sex")
    files["priors/causes/cause_a.yaml"]["risk_factors"] = {
        "sex_at_birth": files["priors/causes/cause_a.yaml"]["risk_factors"]["sex"]
    }
    kb = ddx.load(write_kb(tmp_path / "kb", files)).kb
    with pytest.raises(InputFileError, match="'sex_at_birth' is the sex node; give sex in the 'sex' column"):
        check_columns(kb, ["case_id", "sex_at_birth"])


# --------------------------------------------------------------------------- row errors


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("f1", "maybe", "column 'f1': 'maybe' is not an answer; use yes or no (also y/n"),
        ("f1", "2", "column 'f1': '2' is not an answer"),
        ("age", "old", "column 'age': 'old' is not a number of years"),
        ("age", "nan", "column 'age': 'nan' is not a number of years"),
        ("age", "130", "age must be between 0 and 120 years; got 130"),
        ("sex", "other", "column 'sex': 'other' is not a sex; use male or female (also m/f, any case)"),
        ("gold_cause", "cause_z", "column 'gold_cause': unknown cause 'cause_z' (did you mean 'cause_"),
        ("gold_cause", "f1", "column 'gold_cause': unknown cause 'f1'"),
        ("gold_triage", "urgnt", "column 'gold_triage': unknown triage level 'urgnt' (did you mean 'urgent'?)"),
        ("case_id", " ", "column 'case_id': blank; every row needs a case_id"),
    ],
)
def test_row_errors(score, capsys, header: str, value: str, message: str) -> None:
    if header == "case_id":
        text = f"case_id,f1\ngood1,\n{value},yes\ngood2,\n"
    else:
        text = f"case_id,{header}\ngood1,\nbad,{value}\ngood2,\n"
    code, out = score(text, "--quiet")
    assert code == 0
    assert out["status"].tolist() == ["ok", "error", "ok"]
    assert out.loc[1, "error"].startswith(message)
    assert out.loc[1, ["triage", "rules_fired", "top1", "p_top1", "p_cause_a"]].tolist() == [""] * 5
    assert out["case_id"].tolist()[::2] == ["good1", "good2"]
    who = "case_id bad" if header != "case_id" else "no case_id"
    err = capsys.readouterr().err
    assert f"row 2 ({who}): {message}" in err
    assert "1 of 3 rows have errors" in err


def test_contradictory_evidence_is_a_row_error(score) -> None:
    _, out = score("case_id,f1,f4,f1_alias,older_age,age\na,yes,yes,,,\nb,yes,,no,,\nc,,,,no,70\n", "--quiet")
    assert out["status"].tolist() == ["error"] * 3
    assert out.loc[0, "error"] == "contradictory evidence: 'f1' and 'f4' cannot both be yes (test exclusion)"
    assert "'f1' and 'f1_alias' both map to 'f1' but disagree" in out.loc[1, "error"]
    assert "age 70 means 'older_age' is True" in out.loc[2, "error"]


def test_all_problems_of_a_row_are_listed(score) -> None:
    _, out = score("case_id,f1,f2,age\na,maybe,perhaps,old\n", "--quiet")
    assert out.loc[0, "error"] == (
        "column 'f1': 'maybe' is not an answer; use yes or no (also y/n, true/false, 1/0, any case) "
        "or leave it blank for unknown; "
        "column 'f2': 'perhaps' is not an answer; use yes or no (also y/n, true/false, 1/0, any case) "
        "or leave it blank for unknown; "
        "column 'age': 'old' is not a number of years"
    )


def test_strict_exit_code(score) -> None:
    good, bad = "case_id,f1\na,yes\n", "case_id,f1\na,yes\nb,maybe\n"
    assert score(bad, "--quiet")[0] == 0
    code, out = score(bad, "--quiet", "--strict")
    assert code == 1 and out["status"].tolist() == ["ok", "error"]  # output still written
    assert score(good, "--quiet", "--strict")[0] == 0


# --------------------------------------------------------------------------- metrics and output streams


GOLD = """case_id,f1,f2,f3,f4,red_flag,gold_cause,gold_triage
a,yes,,,,,cause_a,self_care
b,,yes,yes,,,cause_b,routine
c,,,yes,yes,,old_a,urgent
d,,,,,yes,cause_c,emergency
e,maybe,,,,,cause_a,self_care
f,,,,,,,
"""


def test_metrics_json_matches_output(score, tmp_path: Path, capsys) -> None:
    code, out = score(GOLD, "--metrics", str(tmp_path / "m.json"))
    assert code == 0
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["n"] == 4 and metrics["n_triage"] == 4
    assert metrics["excluded"] == {"status_error": 1, "no_gold_cause": 1}
    assert metrics["per_cause"]["cause_a"]["n"] == 2  # old_a counts as cause_a
    assert "old_a" not in metrics["per_cause"]
    assert metrics["kb_version"] == "test-1"
    assert "brier_top1" in metrics["definitions"]
    again = compute_metrics(out, aliases={"old_a": "cause_a"})
    for key in ("n", "top1_accuracy", "mean_reciprocal_rank", "triage_confusion", "per_cause"):
        assert metrics[key] == again[key]
    assert metrics["brier_top1"] == pytest.approx(again["brier_top1"], abs=1e-9)
    stdout = capsys.readouterr().out
    assert "top-1 accuracy" in stdout and "emergency sensitivity" in stdout


def test_quiet_prints_no_table(score, capsys) -> None:
    score(GOLD, "--quiet")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "row 5 (case_id e)" in captured.err  # row errors are still reported


def test_metrics_without_gold_columns_warn(score, tmp_path: Path, capsys) -> None:
    score("case_id,f1\na,yes\n", "--metrics", str(tmp_path / "m.json"))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no gold_cause or gold_triage column" in captured.err
    assert json.loads((tmp_path / "m.json").read_text())["n"] == 0


def test_script_runs_from_checkout(tmp_path: Path, tiny_dir: Path) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "score_vignettes.py"),
            str(src),
            "-o",
            str(tmp_path / "o.csv"),
            "--model",
            str(tiny_dir),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert read_out(tmp_path / "o.csv")["status"].tolist() == ["ok"]


# --------------------------------------------------------------------------- property: rows in = rows out


GOOD_VALUES = ["yes", "no", "", "Y", "n", "1", "0", "TRUE", "false"]
BAD_VALUES = ["maybe", "2", "yess", "-"]
row_strategy = st.tuples(st.sampled_from(GOOD_VALUES), st.sampled_from(GOOD_VALUES), st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, max_size=12), chunk_size=st.integers(1, 5), data=st.data())
def test_output_has_the_input_rows_in_order(tmp_path: Path, tiny_engine, rows, chunk_size, data) -> None:
    lines, expected = ["case_id,f2,f3,age"], []
    for i, (f2, f3, bad) in enumerate(rows):
        age = data.draw(st.sampled_from(["", "5", "70", "999", "x"])) if bad else ""
        f2 = data.draw(st.sampled_from(BAD_VALUES)) if bad and not age else f2
        age_bad = age in ("999", "x")
        lines.append(f"id{i},{f2},{f3},{age}")
        expected.append("error" if f2 in BAD_VALUES or age_bad else "ok")
    src = write_csv(tmp_path / "prop.csv", "\n".join(lines) + "\n")
    out_path = tmp_path / "prop.out.csv"
    code = score_file(src, out_path, model=tiny_engine, quiet=True, strict=True, chunk_size=chunk_size)
    out = read_out(out_path)
    assert out["case_id"].tolist() == [f"id{i}" for i in range(len(rows))]
    assert out["status"].tolist() == expected
    assert code == (1 if "error" in expected else 0)


# --------------------------------------------------------------------------- progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_waits_then_draws_in_place() -> None:
    stream, clock = FakeTerminal(), Clock()
    progress = Progress(total=100, stream=stream, clock=clock, delay=1.0, interval=0.25)
    progress.update(10)
    assert stream.getvalue() == ""  # a short run stays silent
    clock.now = 2.0
    progress.update(30)
    assert stream.getvalue() == "\rscored 40/100 rows (40%), 20 rows/s, 3s left"
    progress.write("row 3 (case_id x): bad")
    assert "row 3 (case_id x): bad\n" in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\n")


def test_progress_is_silent_off_a_terminal_or_when_quiet() -> None:
    for stream, enabled in ((io.StringIO(), True), (FakeTerminal(), False)):
        clock = Clock()
        progress = Progress(total=10, stream=stream, clock=clock, enabled=enabled)
        clock.now = 5.0
        progress.update(10)
        progress.close()
        assert stream.getvalue() == ""
    quiet = io.StringIO()
    Progress(stream=quiet).write("message")
    assert quiet.getvalue() == "message\n"


# --------------------------------------------------------------------------- fail safe: a bad row keeps its emergency


@pytest.mark.parametrize(
    ("header", "cells", "message"),
    [
        ("f1", "maybe", "column 'f1': 'maybe' is not an answer"),
        ("age", "-5", "age must be between 0 and 120 years; got -5"),
        ("age", "old", "column 'age': 'old' is not a number of years"),
        ("sex", "other", "column 'sex': 'other' is not a sex; use male or female (also m/f, any case)"),
        ("f1,f4", "yes,yes", "contradictory evidence: 'f1' and 'f4' cannot both be yes"),
        ("gold_triage", "urgnt", "column 'gold_triage': unknown triage level 'urgnt'"),
    ],
)
def test_a_bad_row_keeps_its_emergency(score, capsys, header: str, cells: str, message: str) -> None:
    blank = "," * header.count(",")
    code, out = score(f"case_id,red_flag,{header}\ngood,no,{blank}\nbad,yes,{cells}\n", "--quiet")
    assert code == 0
    row = out.loc[1]
    assert row["status"] == "error" and row["error"].startswith(message)
    assert (row["triage"], row["rules_fired"]) == ("emergency", "red_flag_rule")
    assert row[["top1", "p_top1", "p_cause_a"]].tolist() == [""] * 3  # not scored: only the rule is kept
    assert out.loc[0, "status"] == "ok" and out.loc[0, "triage"] != "emergency"
    err = capsys.readouterr().err
    assert f"row 2 (case_id bad): {message}" in err
    assert "triage emergency from the answers that can be read (rules: red_flag_rule)" in err


def test_a_blank_case_id_keeps_its_emergency(tiny_engine) -> None:
    out = score_frame(tiny_engine, pd.DataFrame({"case_id": [" "], "red_flag": ["y"]}))
    assert out.loc[0, ["status", "triage", "rules_fired"]].tolist() == ["error", "emergency", "red_flag_rule"]


def test_a_bad_row_without_an_emergency_sign_has_no_triage(tiny_engine) -> None:
    out = score_frame(tiny_engine, pd.DataFrame({"case_id": ["a"], "red_flag": ["no"], "f1": ["maybe"]}))
    assert out.loc[0, "status"] == "error" and pd.isna(out.loc[0, "triage"]) and pd.isna(out.loc[0, "rules_fired"])


# --------------------------------------------------------------------------- output paths


def _not_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any scoring fail the test: a refused path must stop the run before it."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a row was scored before the path was refused")

    monkeypatch.setattr("ddx.batch.file._start_frame", refuse)  # where score_file looks it up


def one_line_error(capsys, code: int, *fragments: str) -> str:
    err = whole_file_error(capsys, code, *fragments)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_metrics_may_not_name_the_input_or_the_output(tmp_path: Path, tiny_dir: Path, capsys, monkeypatch) -> None:
    _not_scored(monkeypatch)
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    out = write_csv(tmp_path / "out.csv", "previous\n")
    code = run(src, "-o", out, "--metrics", src, "--model", tiny_dir)
    one_line_error(capsys, code, f"{src}: the metrics file would overwrite the input; choose another file")
    (tmp_path / "sub").mkdir()
    code = run(src, "-o", out, "--metrics", tmp_path / "sub" / ".." / "out.csv", "--model", tiny_dir)
    one_line_error(capsys, code, "the metrics file would overwrite the output")
    code = run(src, "-o", tmp_path / "new.csv", "--metrics", tmp_path / "sub" / ".." / "new.csv", "--model", tiny_dir)
    one_line_error(capsys, code, "the metrics file would overwrite the output")  # even before it exists
    assert src.read_text() == "case_id,f1\na,yes\n" and out.read_text() == "previous\n"
    assert not (tmp_path / "new.csv").exists() and not list(tmp_path.glob(".*.partial"))


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_a_link_to_the_input_is_the_input(tmp_path: Path, tiny_dir: Path, capsys, monkeypatch, link: str) -> None:
    _not_scored(monkeypatch)
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    other = tmp_path / "other.csv"
    if link == "hard":
        os.link(src, other)
    else:
        other.symlink_to(src)
    code = run(src, "-o", tmp_path / "out.csv", "--metrics", other, "--model", tiny_dir)
    one_line_error(capsys, code, f"{other}: the metrics file would overwrite the input")
    code = run(src, "-o", other, "--model", tiny_dir)
    one_line_error(capsys, code, f"{other}: the output would overwrite the input")
    assert src.read_text() == "case_id,f1\na,yes\n"


def test_an_output_folder_is_refused_before_scoring(tmp_path: Path, tiny_dir: Path, capsys, monkeypatch) -> None:
    _not_scored(monkeypatch)
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    code = run(src, "-o", tmp_path, "--model", tiny_dir)
    one_line_error(capsys, code, f"{tmp_path}: is a folder; give the output a file name")
    code = run(src, "-o", tmp_path / "out.csv", "--metrics", tmp_path, "--model", tiny_dir)
    one_line_error(capsys, code, f"{tmp_path}: is a folder; give the metrics file a file name")


def test_an_output_that_is_not_a_regular_file_is_refused(tmp_path: Path, tiny_dir: Path, capsys, monkeypatch) -> None:
    _not_scored(monkeypatch)
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    code = run(src, "-o", fifo, "--model", tiny_dir)
    one_line_error(capsys, code, f"{fifo}: not a regular file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # not replaced


def test_an_unwritable_output_is_refused_before_scoring(tmp_path: Path, tiny_dir: Path, capsys, monkeypatch) -> None:
    _not_scored(monkeypatch)
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # root writes anywhere it may: then a folder nobody can create files in (/proc) stands in
        target = locked / "out.csv" if not os.access(locked, os.W_OK) else Path("/proc/ddx-out.csv")
        if not target.parent.is_dir():
            pytest.skip("no folder that refuses new files")
        code = run(src, "-o", target, "--model", tiny_dir)
        one_line_error(capsys, code, f"{target}: cannot write it: ")
        code = run(src, "-o", tmp_path / "out.csv", "--metrics", target, "--model", tiny_dir)
        one_line_error(capsys, code, f"{target}: cannot write it: ")
        assert not (tmp_path / "out.csv").exists() and not list(tmp_path.glob(".*.partial"))
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("draws", ["0", "-3", "1"])
def test_too_few_draws_are_refused_before_scoring(tmp_path: Path, tiny_dir: Path, capsys, monkeypatch, draws) -> None:
    _not_scored(monkeypatch)
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    code = run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir, "--intervals", draws)
    one_line_error(capsys, code, f"--intervals must be at least 2 draws; got {draws}")
    with pytest.raises(ddx.DdxError, match=f"intervals must be a whole number of draws, at least 2; got {draws}"):
        score_file(src, tmp_path / "out.csv", model=tiny_dir, intervals=int(draws))
    assert not (tmp_path / "out.csv").exists()


def test_a_negative_seed_is_refused(tmp_path: Path, tiny_dir: Path, capsys) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    code = run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir, "--intervals", "5", "--seed", "-1")
    one_line_error(capsys, code, "--seed must be 0 or more; got -1")


def test_stale_partial_files_of_dead_runs_are_removed(tmp_path: Path, tiny_dir: Path) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = write_csv(tmp_path / f".out.csv.{dead.pid}.partial", "half")
    stale_metrics = write_csv(tmp_path / f".m.json.{dead.pid}.partial", "half")
    kept = [
        write_csv(tmp_path / f".out.csv.{os.getppid()}.partial", "a live run"),
        write_csv(tmp_path / f".other.csv.{dead.pid}.partial", "another target"),
        write_csv(tmp_path / ".out.csv.x1.partial", "not a process id"),
    ]
    assert run(src, "-o", tmp_path / "out.csv", "--metrics", tmp_path / "m.json", "--model", tiny_dir, "--quiet") == 0
    assert not stale.exists() and not stale_metrics.exists()
    assert all(path.exists() for path in kept)
    assert read_out(tmp_path / "out.csv")["status"].tolist() == ["ok"]


# --------------------------------------------------------------------------- formula cells (CSV injection)


FORMULAS = ['=HYPERLINK("http://example.com","x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\ry"]
#: How each id of FORMULAS is written: case_id is stripped, so a leading tab or carriage return goes.
WRITTEN_IDS = [*FORMULAS[:4], "x", "y"]


def _cells(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_formula_cells_are_written_as_text(tmp_path: Path, tiny_dir: Path) -> None:
    buffer = io.StringIO()
    rows = [[case_id, "yes", "cause_a", "self_care"] for case_id in FORMULAS]
    rows += [["g1", "yes", "=1+1", "+urgent"], ["g2", "maybe", "", "@x"], ["g3", "yes", "\rz", "\tz"]]
    csv.writer(buffer).writerows([["case_id", "f1", "gold_cause", "gold_triage"], *rows])
    src = write_csv(tmp_path / "in.csv", buffer.getvalue())
    assert run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir, "--quiet") == 0
    cells = _cells(tmp_path / "out.csv")
    assert [c["case_id"] for c in cells] == ["'" + f for f in FORMULAS[:4]] + ["x", "y", "g1", "g2", "g3"]
    assert [c["status"] for c in cells] == ["ok"] * len(FORMULAS) + ["error", "error", "error"]
    assert (cells[-3]["gold_cause"], cells[-3]["gold_triage"]) == ("'=1+1", "'+urgent")
    assert cells[-2]["gold_triage"] == "'@x"
    assert (cells[-1]["gold_cause"], cells[-1]["gold_triage"]) == ("'\rz", "'\tz")
    for cell in cells[: len(FORMULAS)]:  # numbers are numbers
        assert float(cell["p_cause_a"]) == pytest.approx(float(cells[0]["p_cause_a"]))
        assert not any(cell[c].startswith("'") for c in cell if c.startswith(("p_", "gold_rank")))
    assert run(src, "-o", tmp_path / "raw.csv", "--model", tiny_dir, "--quiet", "--no-escape-formulas") == 0
    raw = _cells(tmp_path / "raw.csv")
    assert [c["case_id"] for c in raw] == [*WRITTEN_IDS, "g1", "g2", "g3"]
    assert raw[-3]["gold_cause"] == "=1+1"
    code = score_file(src, tmp_path / "api.csv", model=tiny_dir, quiet=True, escape_formulas=False)
    assert code == 0 and _cells(tmp_path / "api.csv") == raw


def test_score_frame_escapes_only_when_asked(tiny_engine) -> None:
    frame = pd.DataFrame({"case_id": ["=1+1", "-x", "ok"], "f1": ["yes", "yes", "yes"]})
    assert score_frame(tiny_engine, frame)["case_id"].tolist() == ["=1+1", "-x", "ok"]
    escaped = score_frame(tiny_engine, frame, escape_formulas=True)
    assert escaped["case_id"].tolist() == ["'=1+1", "'-x", "ok"]
    assert escaped["p_cause_a"].tolist() == score_frame(tiny_engine, frame)["p_cause_a"].tolist()


def test_row_errors_on_stderr_show_the_cells_as_given(score, capsys) -> None:
    score("case_id,f1\n=cmd,maybe\n", "--quiet")
    assert "row 1 (case_id =cmd): column 'f1': 'maybe' is not an answer" in capsys.readouterr().err


def test_an_unreadable_input_is_one_line(tmp_path: Path, tiny_dir: Path, capsys, monkeypatch) -> None:
    src = write_csv(tmp_path / "in.csv", "case_id,f1\na,yes\n")
    opened = Path.open

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == src:
            raise PermissionError(13, "Permission denied", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    code = run(src, "-o", tmp_path / "out.csv", "--model", tiny_dir)
    one_line_error(capsys, code, f"{src}: cannot read it: Permission denied")
    assert not (tmp_path / "out.csv").exists() and not list(tmp_path.glob(".*.partial"))
