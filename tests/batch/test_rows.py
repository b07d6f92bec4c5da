"""Rows from arrays (``ddx.batch.rows``): each value that of ``DiagnosisResult.to_row`` for the same case."""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from ddx.batch import score_frame
from ddx.batch.rows import error_row, outcome_rows, row_columns, score_rows
from ddx.bench.cases import realistic_cases
from ddx.clinical.failsafe import EMERGENCY


def _same(got: tuple[Any, ...], want: dict[str, Any]) -> bool:
    """Value for value, NaN equal to NaN, the floats bit for bit."""
    if len(got) != len(want):
        return False
    return all(
        a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
        for a, b in zip(got, want.values(), strict=True)
    )


def _cases(engine, n: int, seed: int) -> list:  # type: ignore[no-untyped-def]
    return [
        engine.normalise(c.evidence, age=c.age, sex=c.sex)
        for c in realistic_cases(engine.kb, n, seed, positives=(0, 10))
    ]


@pytest.mark.parametrize("top", [1, 5, 40])
def test_rows_are_the_rows_of_the_results(bundled_engine, top: int) -> None:
    """Realistic cases of the bundled model, rules firing and not, with fewer and more causes than ``top``."""
    evidences = _cases(bundled_engine, 600, 21)
    rows = score_rows(bundled_engine, evidences, top)
    results = bundled_engine.diagnose_many(evidences)
    assert row_columns(bundled_engine.kb.causes, top) == list(results[0].to_row(top))
    differ = [
        i for i, (row, result) in enumerate(zip(rows, results, strict=True)) if not _same(row, result.to_row(top))
    ]
    assert differ == []
    # the cases reach the rule layer and the network's levels
    assert {row[2] for row in rows} >= {"emergency", "urgent"}
    assert any(row[3] for row in rows) and any(not row[3] for row in rows)


def test_rows_with_intervals_are_the_rows_of_the_results(tiny_engine) -> None:
    evidences = [tiny_engine.normalise(e) for e in ({"f1": True}, {"f2": True, "f3": False}, {})]
    rows = score_rows(tiny_engine, evidences, 2, intervals=20, seed=4)
    for row, ev in zip(rows, evidences, strict=True):
        want = tiny_engine.with_intervals(tiny_engine.diagnose_many([ev])[0], 20, 4).to_row(2)
        assert list(want) == row_columns(tiny_engine.kb.causes, 2, intervals=True)
        assert _same(row, want)


def test_a_tie_to_the_last_bits_keeps_the_model_order(tiny_engine) -> None:
    ev = tiny_engine.normalise({"f1": True})
    posteriors = np.array([[0.5, 0.5 + 1e-16, 0.001]])
    (row,) = outcome_rows(tiny_engine, [ev], posteriors, 3)
    names = row_columns(tiny_engine.kb.causes, 3)
    assert [row[names.index(f"top{i}")] for i in (1, 2, 3)] == list(tiny_engine.kb.causes)


def test_no_rows_for_no_cases(tiny_engine) -> None:
    assert score_rows(tiny_engine, [], 5) == []


def test_rows_cross_process_boundaries(tiny_engine) -> None:
    rows = score_rows(tiny_engine, [tiny_engine.normalise({"f1": True})], 2)
    assert pickle.loads(pickle.dumps(rows)) == rows


def test_an_error_row_keeps_its_emergency_and_nothing_else(tiny_engine) -> None:
    names = row_columns(tiny_engine.kb.causes, 2)
    rule = next(r for r in tiny_engine.kb.rules if r.level == EMERGENCY)
    row = dict(zip(names, error_row(names, "bad cell", [rule], "v1"), strict=True))
    assert (row["status"], row["error"], row["triage"], row["rules_fired"], row["kb_version"]) == (
        "error",
        "bad cell",
        EMERGENCY,
        rule.id,
        "v1",
    )
    assert all(isinstance(v, float) and math.isnan(v) for k, v in row.items() if k.startswith(("p_", "top")))
    plain = dict(zip(names, error_row(names, "bad cell", [], "v1"), strict=True))
    assert math.isnan(plain["triage"]) and math.isnan(plain["rules_fired"])


def test_gold_rank_is_the_rank_of_the_gold_cause_in_the_differential(bundled_engine) -> None:
    frame = pd.read_csv(REPO / "examples/vignettes.csv", dtype=str, keep_default_na=False)
    out = score_frame(bundled_engine, frame)
    checked = 0
    for (_, row), rank in zip(frame.iterrows(), out["gold_rank"], strict=True):
        if row["gold_cause"] not in bundled_engine.kb.causes:
            continue
        differential = [c.id for c in bundled_engine.diagnose(row).differential]
        assert rank == differential.index(row["gold_cause"]) + 1, row["case_id"]
        checked += 1
    assert checked > 50 and (out["gold_rank"] > 1).any()  # not only first ranks
