"""The environment of the benchmark's measured subprocesses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ddx.bench.startup import _child_env


def test_children_keep_their_bytecode_out_of_the_source_tree_when_writing_it_is_forbidden(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    env = _child_env(tmp_path)
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert Path(env["PYTHONPYCACHEPREFIX"]).parent == tmp_path


def test_a_bytecode_folder_of_the_callers_own_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", "/somewhere/else")
    assert _child_env(tmp_path)["PYTHONPYCACHEPREFIX"] == "/somewhere/else"


@pytest.mark.parametrize("setting", [None, ""])
def test_without_the_prohibition_children_write_bytecode_where_python_does(tmp_path, monkeypatch, setting):
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    if setting is None:
        monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    else:
        monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", setting)
    env = _child_env(tmp_path)
    assert "PYTHONPYCACHEPREFIX" not in env
    assert "PYTHONDONTWRITEBYTECODE" not in env


def test_this_ddx_comes_first_and_blas_runs_one_thread(tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    env = _child_env(tmp_path)
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(Path(__file__).resolve().parents[2])
    assert env["OMP_NUM_THREADS"] == "1"
