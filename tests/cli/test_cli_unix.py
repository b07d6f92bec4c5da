"""Unix manners of ``ddx``: ``-`` for stdin and stdout, closed pipes, exit codes, ``ddx ids``, ``ddx bench``."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

import ddx.bench
from ddx.cli.entry import main

CASES = "case_id,f1,f2,gold_cause\nc1,yes,,cause_a\nc2,maybe,no,cause_b\n"
CHEST = "Chest pain with leg symptoms"


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ddx_process(*argv: str, **popen) -> subprocess.Popen:
    """``python -m ddx`` with the standard output of a real pipe, buffered as for a person (no PYTHONUNBUFFERED)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.Popen(
        [sys.executable, "-m", "ddx", *argv], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen
    )


# --------------------------------------------------------------------------- '-' is standard input or output


def test_score_reads_standard_input_and_writes_standard_output(capsys, monkeypatch, tiny_dir, tmp_path):
    code, out, err = run(
        capsys, "score", "-", "-o", "-", "--model", str(tiny_dir), stdin=CASES, monkeypatch=monkeypatch
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("case_id,status,") and [line.split(",")[:2] for line in lines[1:]] == [
        ["c1", "ok"],
        ["c2", "error"],
    ]
    assert "top-1 accuracy" in err and "accuracy" not in out  # the metrics table went to stderr, not into the CSV
    assert "row 2 (case_id c2)" in err
    assert not (tmp_path / "-").exists() and not (REPO / "-").exists()


def test_score_dash_output_is_not_a_file_named_dash(capsys, tiny_dir, tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text(CASES)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "score", str(source), "-o", "-", "--model", str(tiny_dir), "--quiet")
    assert code == 0 and out.startswith("case_id,status,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "tiny"]


def test_score_metrics_name_the_streams(capsys, monkeypatch, tiny_dir, tmp_path):
    metrics = tmp_path / "m.json"
    argv = ["score", "-", "-o", "-", "--metrics", str(metrics), "--model", str(tiny_dir)]
    code, out, err = run(capsys, *argv, stdin=CASES, monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("case_id,")
    data = json.loads(metrics.read_text())
    assert data["input"] == "<stdin>" and data["output"] == "<stdout>"
    assert "kept in <stdout> with status=error" in err and "ddx-score-" not in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_score_metrics_to_standard_output(capsys, tiny_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(CASES)
    code, out, _ = run(
        capsys, "score", str(source), "-o", str(tmp_path / "out.csv"), "--metrics", "-", "--model", str(tiny_dir)
    )
    assert code == 0
    assert json.loads(out[out.index("{") :])["output"] == str(tmp_path / "out.csv")


def test_score_both_streams_on_stdout_is_refused(capsys, tiny_dir, tmp_path):
    code, _, err = run(capsys, "score", str(tmp_path / "x.csv"), "-o", "-", "--metrics", "-", "--model", str(tiny_dir))
    assert code == 2 and "both name standard output" in err


def test_score_errors_name_stdin_not_a_staging_file(capsys, monkeypatch, tiny_dir):
    code, out, err = run(capsys, "score", "-", "-o", "-", "--model", str(tiny_dir), stdin="case_id,f11\nc1,yes\n",
                         monkeypatch=monkeypatch)  # fmt: skip
    assert code == 2 and out == ""
    assert err.startswith("ddx score: error: <stdin>: ") and "did you mean 'f1'" in err and "ddx-score-" not in err


def test_score_strict_through_stdout(capsys, monkeypatch, tiny_dir):
    code, out, _ = run(capsys, "score", "-", "-o", "-", "--strict", "--quiet", "--model", str(tiny_dir), stdin=CASES,
                       monkeypatch=monkeypatch)  # fmt: skip
    assert code == 1 and out.count("\n") == 3  # the output is still written


def test_explain_reads_json_and_csv_from_standard_input(capsys, monkeypatch, tiny_dir):
    code, out, err = run(capsys, "explain", "--json-file", "-", "--model", str(tiny_dir), stdin='{"f1": true}',
                         monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0, err
    assert "answers: f1=yes" in out
    code, out, err = run(capsys, "explain", "--csv", "-", "--case-id", "c1", "--model", str(tiny_dir), stdin=CASES,
                         monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0, err
    assert "case: c1" in out and "gold: gold_cause=cause_a" in out
    code, _, err = run(capsys, "explain", "--csv", "-", "--case-id", "c2", "--model", str(tiny_dir), stdin=CASES,
                       monkeypatch=monkeypatch)  # fmt: skip
    assert code == 2 and "<stdin>: case 'c2'" in err


def test_sensitivity_reads_standard_input(capsys, monkeypatch, tiny_dir):
    code, out, err = run(capsys, "sensitivity", "--json-file", "-", "--top", "2", "--model", str(tiny_dir),
                         stdin='{"f2": true}', monkeypatch=monkeypatch)  # fmt: skip
    assert code == 0, err and "hinges on" in out


def test_export_to_standard_output(capsys, tiny_dir):
    code, out, _ = run(capsys, "export", "-o", "-", "--format", "xmlbif", "--model", str(tiny_dir))
    assert code == 0 and out.lstrip().startswith("<?xml") and "cause_a" in out
    code, _, err = run(capsys, "export", "-o", "-", "--model", str(tiny_dir))
    assert code == 2 and "--format xmlbif" in err


# --------------------------------------------------------------------------- a closed pipe ends quietly


@pytest.mark.parametrize(
    "argv",
    [
        ["diagnose", "back_pain=yes", "one_leg_only=yes"],
        ["diagnose", "back_pain=yes", "--format", "json"],
        ["explain", "--json", '{"back_pain": true}'],
        ["sensitivity", "--json", '{"back_pain": true}', "--top", "3"],
        ["check"],
        ["ids"],
        ["--help"],
        ["bench", "--help"],
    ],
)
def test_a_pipe_closed_before_the_output_ends_quietly(argv):
    run = ddx_process(*argv)
    run.stdout.close()  # the reader is gone before ddx writes: the buffered output fails on its flush
    err = run.stderr.read().decode()
    assert run.wait(timeout=60) == 141, err
    assert err == ""


@pytest.mark.parametrize(
    "argv", [["diagnose", "back_pain=yes", "one_leg_only=yes"], ["explain", "--json", '{"back_pain": true}'], ["ids"]]
)
def test_head_reads_a_line_and_ddx_ends_quietly(argv):
    """As ``ddx ... | head -1``: the reader takes one line and closes the pipe."""
    run = ddx_process(*argv)
    first = run.stdout.readline()
    run.stdout.close()
    err = run.stderr.read().decode()
    assert run.wait(timeout=60) in (0, 141), err
    assert first and err == ""


def test_head_through_a_shell_pipe():
    if shutil.which("bash") is None or shutil.which("head") is None:
        pytest.skip("needs bash and head")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    script = f"'{sys.executable}' -m ddx diagnose back_pain=yes | head -2; echo \"rc=${{PIPESTATUS[0]}}\""
    done = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.stderr == "" and done.stdout.splitlines()[-1] in ("rc=0", "rc=141")
    assert len(done.stdout.splitlines()) == 3


# --------------------------------------------------------------------------- exit codes


def test_help_lists_the_exit_codes(capsys):
    from ddx.cli.parser import EXIT_CODES

    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert EXIT_CODES.splitlines()[0] in out
    for line in ("  0    ok", "  1    ddx score --strict", "  2    usage or input error", "  3    model error"):
        assert line in out


def test_readme_lists_the_same_exit_codes():
    readme = (REPO / "README.md").read_text()
    for code, words in [(0, "ok"), (1, "--strict"), (2, "usage or input error"), (3, "model error")]:
        assert f"| {code} |" in readme and words in readme


def test_exit_0_ok(capsys, tiny_dir):
    assert run(capsys, "check", "--model", str(tiny_dir))[0] == 0


def test_exit_1_only_for_rows_failed_under_strict(capsys, tiny_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(CASES)
    assert run(capsys, "score", str(source), "-o", str(tmp_path / "a.csv"), "--model", str(tiny_dir))[0] == 0
    code, _, err = run(
        capsys, "score", str(source), "-o", str(tmp_path / "b.csv"), "--strict", "--model", str(tiny_dir)
    )
    assert code == 1 and "1 of 2 rows have errors" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["diagnose", "--bogus"], "ddx: error: unrecognized arguments: --bogus"),
        (["diagnose", "--age", "old"], "ddx diagnose: error: argument --age: invalid float value: 'old'"),
        (["score"], "ddx score: error: the following arguments are required"),
        (["nosuchcommand"], "ddx: error: argument COMMAND: invalid choice: 'nosuchcommand'"),
        (["diagnose", "f1=maybe"], "ddx diagnose: error: "),
        (["diagnose", "f11=yes"], "did you mean 'f1'"),
        (["score", "missing.csv", "-o", "out.csv"], "ddx score: error: "),
    ],
)
def test_exit_2_usage_or_input_error_in_one_line(capsys, tiny_dir, monkeypatch, tmp_path, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv, "--model", str(tiny_dir))
    assert code == 2
    assert err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err and out == ""


def test_exit_3_model_error(capsys, tmp_path, tiny_dir):
    for argv in (["check"], ["diagnose", "f1=yes"], ["ids"], ["explain", "--json", "{}"]):
        code, _, err = run(capsys, *argv, "--model", str(tmp_path))
        assert code == 3, argv
        assert f"ddx {argv[0]}: error: 1 problem in the knowledge base:" in err
    broken = tmp_path / "broken"
    shutil.copytree(tiny_dir, broken)
    (broken / "model/interview.yaml").write_text("stop: {}\n")
    code, _, err = run(capsys, "check", "--model", str(broken))
    assert code == 3 and "model/interview.yaml: stop.confidence: missing" in err
    code, _, err = run(
        capsys, "score", str(tmp_path / "x.csv"), "-o", str(tmp_path / "o.csv"), "--model", str(tmp_path)
    )
    assert code in (2, 3)  # a missing input is found before the model is read


def test_a_missing_optional_dependency_is_one_line_naming_the_extra(capsys, monkeypatch, tiny_dir, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    code, _, err = run(capsys, "visualise", "-o", str(tmp_path / "n.png"), "--model", str(tiny_dir))
    assert code == 2
    assert err == (
        "ddx visualise: error: PNG output needs matplotlib, which is not installed: "
        "pip install 'ddx-paresthesia[plot]' (or write .svg or .html)\n"
    )


def test_matplotlib_is_a_default_dependency():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("matplotlib") for d in project["dependencies"])
    assert project["name"] == "ddx-paresthesia"


# --------------------------------------------------------------------------- --json means input; diagnose --format


def test_diagnose_format_json_and_the_deprecated_json_switch(capsys, tiny_dir):
    code, out, err = run(capsys, "diagnose", "f1=yes", "--format", "json", "--model", str(tiny_dir))
    assert code == 0 and json.loads(out)["differential"][0]["id"] == "cause_a" and err == ""
    code, out, err = run(capsys, "diagnose", "f1=yes", "--json", "--model", str(tiny_dir))
    assert code == 0 and json.loads(out)["differential"][0]["id"] == "cause_a"
    assert err == "ddx diagnose: --json is deprecated here (elsewhere it means JSON input); use --format json\n"


def test_a_conflicting_duplicate_answer_names_the_id(capsys):
    code, out, err = run(capsys, "diagnose", "back_pain=yes", "back_pain=no")
    assert code == 2 and out == ""
    assert "'back_pain' is answered twice" in err and err.count("\n") == 1
    assert run(capsys, "diagnose", "back_pain=yes", "back_pain=Yes")[0] == 0  # the same answer twice counts once


def test_a_duplicate_does_not_hide_an_emergency(capsys):
    code, out, err = run(capsys, "diagnose", "chest_pain=no", "chest_pain=yes")
    assert code == 2 and out.startswith("triage: emergency\n") and CHEST in out
    assert "'chest_pain' is answered twice" in err


def test_a_usage_error_on_diagnose_still_shows_the_emergency(capsys):
    code, out, err = run(capsys, "diagnose", "chest_pain=yes", "--age", "①")
    assert code == 2 and out.startswith("triage: emergency\n") and CHEST in out
    assert "invalid float value: '①'" in err


# --------------------------------------------------------------------------- ddx ids


def test_ids_lists_every_evidence_id(capsys):
    import ddx

    kb = ddx.load().kb
    code, out, _ = run(capsys, "ids")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "kind", "label", "question"]
    assert [line.split()[0] for line in lines[1:]] == list(kb.evidence_ids)
    assert kb.nodes["back_pain"].question in out


def test_ids_filters_and_json(capsys):
    import ddx

    kb = ddx.load().kb
    code, out, _ = run(capsys, "ids", "--kind", "emergency_sign", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == list(kb.emergency_signs)
    assert set(rows[0]) == {"id", "kind", "label", "question", "states"}
    code, out, _ = run(capsys, "ids", "--grep", "BLADDER", "--format", "json")
    assert {r["id"] for r in json.loads(out)} >= {"loss_of_bladder_or_bowel_control"}
    code, out, _ = run(capsys, "ids", "--grep", "no such words anywhere")
    assert code == 0 and out == "(no evidence id matches)\n"
    code, _, err = run(capsys, "ids", "--kind", "cause")
    assert code == 2 and "invalid choice: 'cause'" in err


# --------------------------------------------------------------------------- ddx bench: a real subcommand


def _fake_benchmark(monkeypatch) -> list[dict]:
    calls: list[dict] = []

    def fake(*args, **kwargs):
        calls.append(kwargs)
        return {"schema": 1, "quick": kwargs["quick"]}

    monkeypatch.setattr(ddx.bench, "run_benchmark", fake)
    monkeypatch.setattr(ddx.bench, "format_table", lambda results: "the tables")
    return calls


def test_bench_is_a_subcommand_with_help(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["bench", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ddx bench") and "--quick" in out and "-o FILE" in out
    code, _, err = run(capsys, "bench", "--bogus")
    assert code == 2 and "unrecognized arguments: --bogus" in err


def test_bench_writes_files_only_when_asked(capsys, monkeypatch, tmp_path):
    calls = _fake_benchmark(monkeypatch)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "bench", "--quick")
    assert code == 0 and out == "the tables\n" and calls[0]["quick"] is True
    assert list(tmp_path.iterdir()) == []  # no benchmark.json unasked
    code, out, _ = run(capsys, "bench", "--quick", "-o", "figures.json")
    assert code == 0 and json.loads((tmp_path / "figures.json").read_text()) == {"schema": 1, "quick": True}
    code, out, err = run(capsys, "bench", "--quick", "-o", "-")
    assert code == 0 and json.loads(out)["schema"] == 1 and "the tables" in err
    code, _, err = run(capsys, "bench", "--json", "old.json")
    assert code == 0 and (tmp_path / "old.json").exists() and "--json FILE is deprecated; use -o FILE" in err


def test_bench_without_pyagrum_says_which_extra(capsys, monkeypatch):
    import importlib.util

    _fake_benchmark(monkeypatch)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyagrum" else real(name, *a))
    code, _, err = run(capsys, "bench", "--quick")
    assert code == 0
    assert (
        err == "ddx bench: pyAgrum is not installed, so its rows are left out: pip install 'ddx-paresthesia[bench]'\n"
    )
