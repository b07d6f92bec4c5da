"""Batch scoring into JSON Lines (``ddx.batch.jsonl``): one result per row, in row order, errors in place."""

from __future__ import annotations

import json

import jsonschema
import pytest

from ddx.batch.jsonl import is_jsonl, score_jsonl
from ddx.engine.result_dict import result_schema
from ddx.errors import InputFileError

ROWS = (
    "case_id,f1,f2,f3,red_flag,age,sex,gold_cause\n"
    "c1,yes,,no,,70,female,cause_a\n"
    "c2,maybe,,,yes,,,\n"  # a bad cell, with an emergency sign answered yes
    "c3,,no,yes,,,,cause_b\n"
    "c4,,,,,abc,,\n"  # a bad age
    "c5,yes,,no,,70,female,\n"  # the same case as c1
)


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def scored(tmp_path, tiny_engine):
    source, target = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_text(ROWS, encoding="utf-8")
    code = score_jsonl(source, target, tiny_engine, quiet=True)
    return code, _lines(target)


def test_every_row_gives_one_line_in_row_order(scored):
    code, lines = scored
    assert code == 0
    assert [line["row"] for line in lines] == [1, 2, 3, 4, 5]
    assert [line["case_id"] for line in lines] == ["c1", "c2", "c3", "c4", "c5"]
    assert [line["status"] for line in lines] == ["ok", "error", "ok", "error", "ok"]


def test_scored_lines_are_whole_results_valid_against_the_schema(scored, tiny_engine):
    _, lines = scored
    validator = jsonschema.Draft202012Validator(result_schema())
    for line in (lines[0], lines[2], lines[4]):
        validator.validate(line)
    expected = tiny_engine.diagnose({"f1": True, "f3": False}, age=70, sex="female").to_dict()
    assert {k: lines[0][k] for k in expected} == expected
    assert lines[4]["differential"] == lines[0]["differential"]


def test_a_bad_row_is_its_own_line_and_keeps_its_emergency(scored):
    _, lines = scored
    bad = lines[1]
    assert "column 'f1': 'maybe' is not an answer" in bad["error"]
    assert bad["triage"] == "emergency" and [r["id"] for r in bad["rules_fired"]]
    assert lines[3] == {
        "row": 4,
        "case_id": "c4",
        "status": "error",
        "error": "column 'age': 'abc' is not a number of years",
    }


def test_strict_returns_1_and_still_writes_every_row(tmp_path, tiny_engine):
    source, target = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_text(ROWS, encoding="utf-8")
    assert score_jsonl(source, target, tiny_engine, strict=True, quiet=True) == 1
    assert len(_lines(target)) == 5


def test_intervals_reach_each_line(tmp_path, tiny_engine):
    source, target = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_text("case_id,f1\nc1,yes\nc2,no\n", encoding="utf-8")
    score_jsonl(source, target, tiny_engine, quiet=True, intervals=20)
    lines = _lines(target)
    assert all(len(line["intervals"]) == len(line["differential"]) for line in lines)


def test_a_file_that_cannot_be_used_writes_nothing(tmp_path, tiny_engine):
    source, target = tmp_path / "in.csv", tmp_path / "out.jsonl"
    source.write_text("case_id,f1\nc1,yes\nc1,no\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="c1"):
        score_jsonl(source, target, tiny_engine, quiet=True)
    assert not target.exists() and not list(tmp_path.glob(".out.jsonl*"))  # no partial file left
    with pytest.raises(InputFileError, match="no such file"):
        score_jsonl(tmp_path / "missing.csv", target, tiny_engine)


def test_jsonl_names():
    assert is_jsonl("out.jsonl") and is_jsonl("OUT.NDJSON") and not is_jsonl("out.csv")
