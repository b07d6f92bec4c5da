"""When the compiled kernel runs: the DDX_KERNEL setting, batch work, and a machine without numba."""

from __future__ import annotations

import pytest

import ddx
from ddx.inference import compiled


def test_a_bad_setting_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "fortran")
    with pytest.raises(ValueError, match=r"DDX_KERNEL='fortran': expected auto, numba or numpy"):
        compiled.wanted(1000)


def test_numpy_setting_never_uses_the_kernel(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "numpy")
    assert not compiled.wanted(10**6)
    compiled.for_batch()  # does nothing


def test_numba_setting_always_uses_it(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "numba")
    assert compiled.wanted(1)


def test_auto_loads_it_for_batch_work_only(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "auto")
    monkeypatch.setattr(compiled, "available", lambda: True)
    monkeypatch.setattr(compiled, "_loaded", None)
    assert not compiled.wanted(1)
    assert compiled.wanted(compiled.BATCH_CASES)
    monkeypatch.setattr(compiled, "_loaded", object())  # loaded: every call of the process uses it
    assert compiled.wanted(1)


def test_without_numba_the_numpy_methods_answer(monkeypatch, tiny_engine):
    monkeypatch.setenv("DDX_KERNEL", "auto")
    monkeypatch.setattr(compiled, "available", lambda: False)
    assert not compiled.wanted(10**6)
    compiled.for_batch()  # nothing to load, no error
    results = tiny_engine.diagnose_many([{"f2": True}] * 3)
    assert results[0].probabilities == tiny_engine.diagnose({"f2": True}).probabilities
    with pytest.raises(ImportError, match=r"pip install \"ddx-paresthesia\[fast\]\""):
        compiled.load()


def test_asking_for_numba_without_it_names_the_extra(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "numba")
    monkeypatch.setattr(compiled, "available", lambda: False)
    with pytest.raises(ImportError, match="fast"):
        compiled.for_batch()


def test_batch_scoring_loads_the_kernel(monkeypatch, tmp_path):
    pytest.importorskip("numba")
    import pandas as pd

    from ddx.batch import score_frame

    monkeypatch.setenv("DDX_KERNEL", "auto")
    monkeypatch.setattr(compiled, "_loaded", None)
    frame = pd.DataFrame({"case_id": ["a"], "after_sitting_or_lying_still": ["yes"]})
    out = score_frame(ddx.load(), frame)
    assert out["status"].tolist() == ["ok"]
    assert compiled._loaded is not None
