"""When the compiled kernel runs: the DDX_KERNEL setting, batch work, and a machine without numba."""

from __future__ import annotations

import pytest

from ddx.inference import compiled


def test_a_bad_setting_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "fortran")
    with pytest.raises(ValueError, match=r"DDX_KERNEL='fortran': expected auto, numba or numpy"):
        compiled.wanted(1000)


def test_numpy_setting_never_uses_the_kernel(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "numpy")
    assert not compiled.wanted(10**6)
    assert not compiled.for_chunk(10**6)
    compiled.preload()  # does nothing


def test_numba_setting_always_uses_it(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "numba")
    assert compiled.wanted(1)
    assert compiled.for_chunk(1)


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
    assert not compiled.for_chunk(10**6)
    compiled.preload()  # nothing to load, no error
    results = tiny_engine.diagnose_many([{"f2": True}] * 3)
    assert results[0].probabilities == tiny_engine.diagnose({"f2": True}).probabilities
    with pytest.raises(ImportError, match=r"pip install \"ddx-paresthesia\[fast\]\""):
        compiled.load()


def test_asking_for_numba_without_it_names_the_extra(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "numba")
    monkeypatch.setattr(compiled, "available", lambda: False)
    with pytest.raises(ImportError, match="fast"):
        compiled.preload()


def test_a_chunk_takes_one_way_by_its_number_of_new_patterns(monkeypatch):
    monkeypatch.setenv("DDX_KERNEL", "auto")
    monkeypatch.setattr(compiled, "available", lambda: True)
    monkeypatch.setattr(compiled, "load", lambda: monkeypatch.setattr(compiled, "_loaded", object()))
    monkeypatch.setattr(compiled, "_loaded", None)
    assert not compiled.for_chunk(compiled.BATCH_CASES - 1)
    assert compiled._loaded is None
    assert compiled.for_chunk(compiled.BATCH_CASES)
    assert compiled._loaded is not None  # loaded here, in the process that splits the file
    assert compiled.for_chunk(1)  # and from then on every chunk takes it


def test_the_choice_holds_inside_its_block_only(monkeypatch, tiny_engine):
    pytest.importorskip("numba")
    monkeypatch.setenv("DDX_KERNEL", "auto")
    monkeypatch.setattr(compiled, "_loaded", None)
    assert tiny_engine.priors  # worked out before the block
    calls: list[int] = []
    real = compiled.score
    monkeypatch.setattr(
        compiled, "score", lambda model, cases, signed=True: calls.append(len(cases)) or real(model, cases)
    )
    with compiled.choice(True):
        assert compiled.wanted(1)
        inside = tiny_engine.diagnose_many([{"f2": True}, {"f3": True}])
    assert calls == [2]
    with compiled.choice(False):
        assert not compiled.wanted(10**6)
    monkeypatch.setattr(compiled, "_loaded", None)  # as in a process that never loaded it
    outside = tiny_engine.diagnose_many([{"f2": True}, {"f3": True}])
    assert calls == [2]  # one case each and not loaded: the numpy methods
    for a, b in zip(inside, outside, strict=True):
        assert a.probabilities == pytest.approx(b.probabilities, abs=1e-12)
