"""The thin commands of ``ddx``: check, diagnose, export."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from ddx.cli import main


def test_check_summarises_the_model(tiny_dir, capsys):
    assert main(["check", "--model", str(tiny_dir)]) == 0
    out = capsys.readouterr().out
    assert "kb_version test-1" in out and "3 causes" in out


def test_check_reads_the_interview_settings(tiny_dir, tmp_path, capsys):
    assert main(["check"]) == 0
    assert "interview: 10 signs on the emergency checklist, 4 intake checklists" in capsys.readouterr().out
    assert main(["check", "--model", str(tiny_dir)]) == 0
    assert "no model/interview.yaml: ddx interview cannot run" in capsys.readouterr().out
    broken = tmp_path / "broken"
    shutil.copytree(tiny_dir, broken)
    (broken / "model/interview.yaml").write_text("stop: {}\n")
    assert main(["check", "--model", str(broken)]) == 2
    assert "model/interview.yaml: stop.confidence: missing" in capsys.readouterr().err


def test_check_reports_a_broken_model(tmp_path, capsys):
    assert main(["check", "--model", str(tmp_path)]) == 2
    assert "expected folders 'model/' and 'priors/'" in capsys.readouterr().err


def test_diagnose_prints_the_result_and_json(tiny_dir, capsys):
    assert main(["diagnose", "f1=yes", "f2=no", "--model", str(tiny_dir)]) == 0
    assert "not a diagnosis" in capsys.readouterr().out
    assert main(["diagnose", "f1=yes", "--json", "--model", str(tiny_dir)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["top1"] == "cause_a" and row["status"] == "ok" and "disclaimer" in row


def test_diagnose_bad_answers(tiny_dir, capsys):
    assert main(["diagnose", "f1=maybe", "--model", str(tiny_dir)]) == 2
    assert "answer for 'f1' must be yes or no; got 'maybe'" in capsys.readouterr().err
    assert main(["diagnose", "f11=yes", "--model", str(tiny_dir)]) == 2
    assert "did you mean 'f1'" in capsys.readouterr().err


def test_export_writes_a_file_pgmpy_reads_back(tiny_dir, tmp_path, capsys):
    from pgmpy.readwrite import XMLBIFReader

    out = tmp_path / "tiny.bifxml"
    assert main(["export", "-o", str(out), "--model", str(tiny_dir)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    model = XMLBIFReader(str(out)).get_model()
    assert {"cause_a", "f1", "rf1"} <= set(model.nodes)


def test_export_unknown_suffix(tiny_dir, tmp_path, capsys):
    assert main(["export", "-o", str(tmp_path / "x.txt"), "--model", str(tiny_dir)]) == 2
    assert "cannot tell the export format" in capsys.readouterr().err


def test_python_dash_m_ddx_works():
    out = subprocess.run([sys.executable, "-m", "ddx", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("ddx ")


def test_bench_help_is_the_benchmark_script_help(capsys):
    import pytest

    with pytest.raises(SystemExit) as info:
        main(["bench", "--help"])
    assert info.value.code == 0
    assert "--quick" in capsys.readouterr().out
