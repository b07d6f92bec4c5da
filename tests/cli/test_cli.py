"""The thin commands of ``ddx``: check, diagnose, export."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys

import pytest
from conftest import REPO

from ddx.cli.entry import main


def test_check_summarises_the_model(tiny_dir, capsys):
    assert main(["check", "--model", str(tiny_dir)]) == 0
    out = capsys.readouterr().out
    assert "kb_version test-1" in out and "3 causes" in out


def test_check_reads_the_interview_settings(tiny_dir, tmp_path, capsys):
    assert main(["check"]) == 0
    assert "interview: 13 signs on the emergency checklist, 4 intake checklists" in capsys.readouterr().out
    assert main(["check", "--model", str(tiny_dir)]) == 0
    assert "no model/interview.yaml: ddx interview cannot run" in capsys.readouterr().out
    broken = tmp_path / "broken"
    shutil.copytree(tiny_dir, broken)
    (broken / "model/interview.yaml").write_text("stop: {}\n")
    assert main(["check", "--model", str(broken)]) == 3  # a model error
    assert "model/interview.yaml: stop.confidence: missing" in capsys.readouterr().err


def test_check_counts_the_codes_and_refuses_a_bad_one(tiny_dir, tmp_path, capsys):
    assert main(["check"]) == 0
    assert "  codes: " in capsys.readouterr().out
    assert main(["check", "--model", str(tiny_dir)]) == 0
    assert "no model/codes.yaml" in capsys.readouterr().out
    broken = tmp_path / "broken"
    shutil.copytree(REPO / "model", broken / "model")
    shutil.copytree(REPO / "priors", broken / "priors")
    text = (broken / "model/codes.yaml").read_text()
    (broken / "model/codes.yaml").write_text(text.replace('code: "23056005"', 'code: "23056006"', 1))
    assert main(["check", "--model", str(broken)]) == 3
    assert "'23056006' is not a valid snomed code (format or check digit)" in capsys.readouterr().err


def test_check_reports_a_broken_model(tmp_path, capsys):
    assert main(["check", "--model", str(tmp_path)]) == 3  # a model error
    assert "expected folders 'model/' and 'priors/'" in capsys.readouterr().err


def test_diagnose_prints_the_result_and_json(tiny_dir, capsys):
    assert main(["diagnose", "f1=yes", "f2=no", "--model", str(tiny_dir)]) == 0
    assert "not a diagnosis" in capsys.readouterr().out
    assert main(["diagnose", "f1=yes", "--format", "json", "--model", str(tiny_dir)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["differential"][0]["id"] == "cause_a" and out["schema_version"] == "1" and "disclaimer" in out


def test_diagnose_bad_answers(tiny_dir, capsys):
    assert main(["diagnose", "f1=maybe", "--model", str(tiny_dir)]) == 2
    err = capsys.readouterr().err
    assert "'f1'" in err and "'maybe'" in err and err.count("\n") == 1
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


def test_bench_help_is_the_benchmark_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["bench", "--help"])
    assert info.value.code == 0
    assert "--quick" in capsys.readouterr().out


# --------------------------------------------------------------------------- signals end a run cleanly


def _long_input(path, rows=60_000):
    """A file big enough that the tiny model is still scoring it a second after its first chunk."""
    lines = ["case_id,f1,f2,f3,age"]
    lines += [f"c{i},{'yes' if i % 2 else 'no'},{'yes' if i % 3 == 0 else ''},,{i % 100}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _start_score(tmp_path, tiny_dir, rows=60_000, **popen):
    """Start ``python -m ddx score`` on a long file; return once it is mid-run (its first chunk written)."""
    import time

    source = _long_input(tmp_path / "in.csv", rows)
    target = tmp_path / "out.csv"
    target.write_text("previous\n")
    command = [sys.executable, "-m", "ddx", "score", str(source), "-o", str(target), "--model", str(tiny_dir)]
    run = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    partial = tmp_path / f".out.csv.{run.pid}.partial"
    deadline = time.monotonic() + 30
    while not (partial.exists() and partial.stat().st_size > 0):
        if run.poll() is not None or time.monotonic() > deadline:
            run.kill()
            raise AssertionError(f"the run never wrote its first chunk: {run.communicate()}")
        time.sleep(0.01)
    return run, target


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_a_signal_ends_a_run_with_one_line_and_no_partial_file(tmp_path, tiny_dir, name, code):
    # long enough that a busy machine still finds the run going when the signal is sent
    run, target = _start_score(tmp_path, tiny_dir, rows=200_000)
    run.send_signal(getattr(signal, name))
    _, err = run.communicate(timeout=30)
    assert run.returncode == code, err
    stopped = "interrupted (SIGINT)" if name == "SIGINT" else f"stopped by {name}"
    assert err == f"ddx score: {stopped}; {target} was left as it was\n"
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial file


def test_a_signal_ignored_at_start_stays_ignored(tmp_path, tiny_dir):
    """``nohup`` ignores SIGHUP: then the run goes on to the end."""

    def ignore_hangup():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    run, target = _start_score(tmp_path, tiny_dir, rows=30_000, preexec_fn=ignore_hangup)
    run.send_signal(signal.SIGHUP)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert target.read_text().count("\n") == 30_001


def test_a_closed_stdout_ends_quietly(tiny_dir):
    command = [sys.executable, "-m", "ddx", "diagnose", "f1=yes", "--model", str(tiny_dir)]
    run = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.close()  # before ddx writes: its first write finds the pipe closed
    err = run.stderr.read().decode()
    assert run.wait(timeout=30) == 141 and err == "", err
