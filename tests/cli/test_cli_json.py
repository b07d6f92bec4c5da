"""``--format json`` of ``ddx diagnose`` and ``ddx explain``, and ``ddx score -o OUT.jsonl``: the result shape."""

from __future__ import annotations

import json

import jsonschema
import pytest

from ddx.cli.entry import main
from ddx.engine.result_dict import result_schema


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(result_schema())


def test_diagnose_format_json_prints_the_result_dict(capsys, tiny_dir, tiny_engine, validator):
    code, out, err = run(capsys, "diagnose", "f1=yes", "red_flag=yes", "--format", "json", "--model", str(tiny_dir))
    assert code == 0 and err == ""
    result = json.loads(out)
    validator.validate(result)
    assert result == tiny_engine.diagnose({"f1": True, "red_flag": True}).to_dict()
    assert result["rules_fired"] and result["probabilities_secondary"] is True


def test_explain_format_json_carries_the_explanation_of_its_cause(capsys, tiny_dir, validator):
    argv = ["explain", "--json", '{"f3": true, "f2": false}', "--format", "json", "--model", str(tiny_dir)]
    code, out, _ = run(capsys, *argv)
    result = json.loads(out)
    validator.validate(result)
    assert code == 0 and list(result["explanation"]) == [result["differential"][0]["id"]]
    code, out, _ = run(capsys, *argv, "--cause", "cause_b")
    rows = json.loads(out)["explanation"]["cause_b"]
    assert {r["evidence_id"] for r in rows} == {"f3", "f2"}


def test_explain_json_with_a_picture_keeps_stdout_json(capsys, tiny_dir, tmp_path):
    picture = tmp_path / "case.svg"
    code, out, err = run(
        capsys, "explain", "--json", '{"f1": true}', "--format", "json", "-o", str(picture), "--model", str(tiny_dir)
    )
    assert code == 0 and json.loads(out)["explanation"] and picture.is_file() and "wrote" in err


def test_explain_json_names_an_unknown_cause(capsys, tiny_dir):
    code, out, err = run(
        capsys, "explain", "--json", '{"f1": true}', "--format", "json", "--cause", "cause_bb", "--model", str(tiny_dir)
    )
    assert code == 2 and out == "" and "cause_bb" in err


@pytest.mark.parametrize("how", [["-o", "{out}.jsonl"], ["-o", "{out}.txt", "--format", "jsonl"]])
def test_score_writes_json_lines(capsys, tiny_dir, tmp_path, how, validator):
    source = tmp_path / "in.csv"
    source.write_text("case_id,f1,f2\nc1,yes,\nc2,maybe,\nc3,,yes\n", encoding="utf-8")
    argv = [a.format(out=tmp_path / "out") for a in how]
    code, out, _ = run(capsys, "score", str(source), *argv, "--model", str(tiny_dir))
    lines = [json.loads(line) for line in (tmp_path / argv[1].rsplit("/", 1)[-1]).read_text().splitlines()]
    assert code == 0 and "wrote 3 results (1 rows with errors)" in out
    assert [line["case_id"] for line in lines] == ["c1", "c2", "c3"]
    assert [line["status"] for line in lines] == ["ok", "error", "ok"]
    validator.validate(lines[2])


def test_score_jsonl_to_stdout_and_strict(capsys, tiny_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("case_id,f1\nc1,yes\nc2,maybe\n", encoding="utf-8")
    code, out, err = run(
        capsys, "score", str(source), "-o", "-", "--format", "jsonl", "--strict", "--model", str(tiny_dir)
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and [line["row"] for line in lines] == [1, 2] and "wrote 2 results" in err


def test_score_jsonl_refuses_metrics(capsys, tiny_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("case_id,f1\nc1,yes\n", encoding="utf-8")
    argv = ["score", str(source), "-o", str(tmp_path / "o.jsonl"), "--metrics", str(tmp_path / "m.json")]
    code, _, err = run(capsys, *argv, "--model", str(tiny_dir))
    assert code == 2 and "--metrics needs the csv format" in err and not (tmp_path / "o.jsonl").exists()
