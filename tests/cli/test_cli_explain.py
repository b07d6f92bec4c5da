"""``ddx explain`` and ``ddx visualise``: reading one case, the printed explanation, pictures and errors."""

from __future__ import annotations

import json
import re
import runpy
import sys
import xml.etree.ElementTree as ET

import pytest
from conftest import REPO

from ddx.cli.case import case_from_json, read_case
from ddx.cli.entry import main
from ddx.errors import DdxError, InputFileError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def table(out: str) -> list[tuple[str, str, float, str]]:
    """The rows of the printed explanation table: evidence id, answer, change in log-odds, effect."""
    rows = re.findall(r"^  (\S+)\s+(yes|no|female|male)\s+([+-]\d+\.\d\d)\s+(raises|lowers|no effect)", out, re.M)
    return [(e, a, float(d), eff) for e, a, d, eff in rows]


@pytest.fixture
def tiny_csv(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,f1,f2,f3,rf1,age,sex,gold_cause\n"
        "c1,yes,,no,,70,female,cause_a\n"
        "c2,,no,yes,1,,,cause_b\n"
        "c3,maybe,,,,,,\n"
        "\n"
        "c4,yes\n"
        "c5,,,,,,,\n"
        "c5,,,,,,,\n",
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------- explanation


def test_contribution_signs_on_tiny_network(tiny_engine):
    items = {c.evidence_id: c for c in tiny_engine.diagnose({"f3": True, "f2": False}).explain("cause_b")}
    assert items["f3"].delta_log_odds > 0 and items["f3"].direction == "raises"
    assert items["f2"].delta_log_odds < 0 and items["f2"].direction == "lowers"


def test_explain_prints_triage_top_causes_and_table_largest_first(capsys, tiny_dir):
    code, out, _ = run(
        capsys, "explain", "--json", '{"f3": true, "f2": false}', "--cause", "cause_b", "--model", str(tiny_dir)
    )
    assert code == 0
    assert "triage: " in out and "advice: " in out and "rules fired: none" in out
    assert "why cause_b" in out and "cause_a" in out and "decision support, not a diagnosis" in out
    rows = table(out)
    assert {r[0]: r[3] for r in rows} == {"f3": "raises", "f2": "lowers"}
    sizes = [abs(r[2]) for r in rows]
    assert sizes == sorted(sizes, reverse=True)
    assert re.search(r"f3\s+yes\s+\+\d\.\d\d\s+raises", out)


def test_explain_defaults_to_top_cause_and_shows_rules(capsys, tiny_dir):
    code, out, _ = run(capsys, "explain", "--json", '{"red_flag": true, "f4": true}', "--model", str(tiny_dir))
    assert code == 0
    assert "triage: emergency" in out
    assert "rules fired (probabilities are secondary):" in out and "[emergency] red_flag_rule: Call now." in out
    assert "why cause_c" in out


def test_explain_from_csv_row(capsys, tiny_dir, tiny_csv):
    code, out, _ = run(capsys, "explain", "--csv", str(tiny_csv), "--case-id", "c2", "--model", str(tiny_dir))
    assert code == 0
    assert out.startswith("case: c2")
    assert "answers: f2=no, f3=yes, rf1=yes" in out and "gold: gold_cause=cause_b" in out
    assert {r[0] for r in table(out)} == {"f2", "f3", "rf1"}


def test_csv_row_age_sex_and_flags_win(tiny_engine, tiny_csv):
    case = read_case(tiny_engine.kb, csv_file=tiny_csv, case_id="c1")
    assert case.evidence == {"f1": True, "f3": False} and case.age == 70 and case.sex == "female"
    case = read_case(tiny_engine.kb, csv_file=tiny_csv, case_id="c1", age=30, sex="male")
    assert case.age == 30 and case.sex == "male"


def test_json_forms():
    case = case_from_json('{"case_id": "x", "evidence": {"f1": "yes", "f2": null}, "age": 50, "sex": "Female"}')
    assert case.evidence == {"f1": True} and case.age == 50 and case.sex == "female" and case.name == "x"
    with pytest.raises(InputFileError, match="evidence 'f1': 3 is not an answer; use yes or no"):
        case_from_json('{"f1": 3}')
    # one value grammar: JSON takes what the CSV and the API take
    assert case_from_json('{"f1": 1, "f2": "N", "sex": "M", "age": "45"}') == case_from_json(
        '{"f1": true, "f2": false, "sex": "male", "age": 45}'
    )
    with pytest.raises(InputFileError, match="not valid JSON"):
        case_from_json("{f1: true}")
    with pytest.raises(InputFileError, match="expected a JSON object"):
        case_from_json("[1, 2]")
    with pytest.raises(InputFileError, match="age: 'old' is not a number of years"):
        case_from_json('{"age": "old"}')


def test_explain_json_file_with_age_sex(capsys, tiny_dir, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"f2": True, "age": 65, "sex": "female"}), encoding="utf-8")
    code, out, _ = run(capsys, "explain", "--json-file", str(path), "--model", str(tiny_dir))
    assert code == 0 and "age=65" in out and "sex=female" in out
    assert "older_age" in out  # age sets the older_age node, which then shows in the table


# --------------------------------------------------------------------------- pictures from the command


def test_explain_draws_png_and_svg(capsys, tiny_dir, tmp_path):
    pytest.importorskip("matplotlib")
    code, out, _ = run(
        capsys, "explain", "--json", '{"f1": true}', "-o", str(tmp_path / "case.png"), "--model", str(tiny_dir)
    )
    assert code == 0 and out.rstrip().endswith("case.png")
    assert (tmp_path / "case.png").read_bytes()[:8] == PNG_SIGNATURE
    code, _, _ = run(
        capsys, "explain", "--json", '{"f1": true}', "-o", str(tmp_path / "case.svg"), "--model", str(tiny_dir)
    )
    assert code == 0
    ET.parse(tmp_path / "case.svg")


def test_visualise_command(capsys, tiny_dir, tmp_path):
    code, out, _ = run(
        capsys, "visualise", "-o", str(tmp_path / "n.svg"), "--cause", "cause_c", "--model", str(tiny_dir)
    )
    assert code == 0 and "wrote" in out
    text = (tmp_path / "n.svg").read_text(encoding="utf-8")
    assert "Cause C" in text and "Finding 4" in text and "Cause A" not in text


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("visualise_network.py", ["-o", "{out}"], "wrote"),
        ("visualise_case.py", ["--json", "{{}}"], "no answers given"),
    ],
)
def test_scripts(capsys, monkeypatch, tiny_dir, tmp_path, script, args, expected):
    out = tmp_path / "network.html"
    path = REPO / "scripts" / script
    monkeypatch.setattr(sys, "argv", [str(path), *(a.format(out=out) for a in args), "--model", str(tiny_dir)])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(path), run_name="__main__")
    assert stop.value.code == 0
    assert expected in capsys.readouterr().out


# --------------------------------------------------------------------------- errors: exit code 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--csv", "{csv}", "--case-id", "c11"], "no case 'c11' \\(did you mean 'c1'\\?\\); the file has 5 cases"),
        (["--csv", "{csv}", "--case-id", "c3"], "column 'f1': 'maybe' is not an answer"),
        (["--csv", "{csv}", "--case-id", "c4"], "case 'c4' has 2 fields; the header has 8"),
        (["--csv", "{csv}", "--case-id", "c5"], "case 'c5' appears 2 times"),
        (["--csv", "{missing}", "--case-id", "c1"], "no such file"),
        (["--csv", "{csv}"], "--csv FILE and --case-id ID go together"),
        (["--json", "{{}}", "--case-id", "c1"], "--csv FILE and --case-id ID go together"),
        (
            ["--json", '{{"f2": true}}', "--cause", "cause_bb"],
            "unknown cause 'cause_bb' \\(did you mean 'cause_b'\\?\\)",
        ),
        (["--json", '{{"f22": true}}'], "unknown evidence id 'f22'"),
        (["--json", "not json"], "not valid JSON"),
        (["--json-file", "{missing}"], "no such file"),
        (["--json", "{{}}", "-o", "{out}.gif"], "unknown picture format '.gif'"),
        (["--json", "{{}}", "--top", "0"], "--top must be at least 1"),
    ],
)
def test_explain_bad_input_exits_2(capsys, tiny_dir, tiny_csv, tmp_path, argv, message):
    fill = {"csv": tiny_csv, "missing": tmp_path / "nope.json", "out": tmp_path / "pic"}
    code, _, err = run(capsys, "explain", *(a.format(**fill) for a in argv), "--model", str(tiny_dir))
    assert code == 2
    assert err.startswith("ddx explain: error: ")
    assert re.search(message, err), err
    assert not list(tmp_path.glob("pic*"))


def test_visualise_unknown_cause_exits_2(capsys, tiny_dir, tmp_path):
    code, _, err = run(capsys, "visualise", "-o", str(tmp_path / "n.svg"), "--cause", "f1", "--model", str(tiny_dir))
    assert code == 2 and "'f1' is a finding, not a cause" in err
    assert not (tmp_path / "n.svg").exists()


def test_read_case_needs_exactly_one_source(tiny_engine):
    with pytest.raises(DdxError, match="got none"):
        read_case(tiny_engine.kb)
    with pytest.raises(DdxError, match="got --json and --json-file"):
        read_case(tiny_engine.kb, json_text="{}", json_file="x.json")


# --------------------------------------------------------------------------- bundled model (integration)


def test_radiating_back_pain_is_the_strongest_support_for_sciatica(capsys):
    evidence = {"radiates_from_lower_back_down_leg": True, "back_pain": True, "one_leg_only": True}
    code, out, _ = run(capsys, "explain", "--json", json.dumps(evidence))
    assert code == 0
    assert "why sciatica" in out
    rows = table(out)
    assert rows[0][0] == "radiates_from_lower_back_down_leg" and rows[0][3] == "raises"
    assert all(r[3] == "raises" for r in rows)
