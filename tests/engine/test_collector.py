"""The garbage collector's settings while many cases are scored (``ddx.engine.collector``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pandas as pd
import pytest

from ddx.batch import score_file, score_frame
from ddx.engine.collector import THRESHOLDS, fewer_collections
from ddx.errors import EvidenceError


@pytest.fixture
def default_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_the_collector_runs_less_often_inside_and_as_before_after(default_thresholds) -> None:
    with fewer_collections():
        assert gc.get_threshold() == THRESHOLDS
        assert gc.isenabled()  # it still runs: cycles are still freed
    assert gc.get_threshold() == (700, 10, 10)


def test_the_settings_come_back_after_an_error(default_thresholds) -> None:
    with pytest.raises(ZeroDivisionError), fewer_collections():
        1 / 0  # noqa: B018
    assert gc.get_threshold() == (700, 10, 10)


def test_a_setting_already_above_or_off_is_kept(default_thresholds) -> None:
    gc.set_threshold(50_000, 5, 1_000)
    with fewer_collections():
        assert gc.get_threshold() == (50_000, THRESHOLDS[1], 1_000)
    gc.set_threshold(0)  # automatic collection turned off by the caller: it stays off
    with fewer_collections():
        assert gc.get_threshold()[0] == 0


def test_scoring_a_frame_and_a_file_runs_with_fewer_collections(
    tiny_engine, tmp_path, default_thresholds, monkeypatch
) -> None:
    seen: list[tuple[int, int, int]] = []
    frame = pd.DataFrame({"case_id": ["a", "b"], "f1": ["yes", "no"]})
    score_frame(tiny_engine, frame, on_row=lambda _: seen.append(gc.get_threshold()))
    assert seen and all(t == THRESHOLDS for t in seen)
    assert gc.get_threshold() == (700, 10, 10)

    source = tmp_path / "in.csv"
    frame.to_csv(source, index=False)
    calls: list[tuple[int, ...]] = []
    real = gc.set_threshold

    def spy(*args: int) -> None:
        calls.append(args)
        real(*args)

    monkeypatch.setattr(gc, "set_threshold", spy)
    score_file(source, tmp_path / "out.csv", tiny_engine, quiet=True)
    assert calls[0] == THRESHOLDS and calls[-1] == (700, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_diagnose_many_makes_its_results_with_fewer_collections(tiny_engine, default_thresholds, monkeypatch) -> None:
    calls: list[tuple[int, ...]] = []
    real = gc.set_threshold

    def spy(*args: int) -> None:
        calls.append(args)
        real(*args)

    monkeypatch.setattr(gc, "set_threshold", spy)
    results = tiny_engine.diagnose_many([{"f1": True}, {"f2": True}])
    assert len(results) == 2
    assert calls == [THRESHOLDS, (700, 10, 10)]


def test_diagnose_many_reads_its_cases_with_fewer_collections_too(tiny_engine, default_thresholds, monkeypatch) -> None:
    """Reading and grouping the cases makes a key per case: the collector runs less often there as well."""
    seen: list[tuple[int, ...]] = []
    real = tiny_engine._checked

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(tiny_engine, "_checked", spy)
    tiny_engine.diagnose_many([{"f1": True}, {"f2": True}, {"f1": True}])
    assert seen == [THRESHOLDS] * 3
    assert gc.get_threshold() == (700, 10, 10)


def test_diagnose_many_puts_the_settings_back_after_a_bad_case(tiny_engine, default_thresholds) -> None:
    with pytest.raises(EvidenceError, match=r"evidences\[1\]"):
        tiny_engine.diagnose_many([{"f1": True}, {"no_such_finding": True}])
    assert gc.get_threshold() == (700, 10, 10)
