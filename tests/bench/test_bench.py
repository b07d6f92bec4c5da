"""The benchmark: a smoke run with tiny settings, the case generator and the synthetic models.

No timed assertions: timings depend on the machine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import ddx
from ddx.bench import format_table, realistic_cases, replicate_kb, run_benchmark
from ddx.inference.compile import CaseEvidence, compile_model
from ddx.inference.quickscore import posteriors_many

METHODS = {
    "pgmpy_doc",
    "pgmpy_best",
    "pyagrum",
    "ddx_single",
    "ddx_infer_single",
    "ddx_batch",
    "ddx_infer_batch",
}


@pytest.fixture(scope="module")
def bundled():
    return ddx.load()


def test_smoke_run_has_every_method_and_agrees_with_pgmpy():
    pytest.importorskip("pyagrum")
    lines: list[str] = []
    results = run_benchmark(
        cases=2, repeats=1, quick=True, scaling=False, memory=False, startup=False, throughput=20, log=lines.append
    )
    rows = {r["key"]: r for r in results["methods"]}
    assert set(rows) == METHODS
    for key, row in rows.items():
        assert row["max_abs_diff"] is not None, key
        assert row["max_abs_diff"] < 1e-9, (key, row["max_abs_diff"])
        assert row["ms_per_case"] > 0
    assert set(rows["ddx_single"]["speedup"]) == {"pgmpy_doc", "pgmpy_best", "pyagrum"}
    assert results["pgmpy_best"]["calibration"]
    json.dumps(results)  # JSON-ready
    table = format_table(results)
    for row in rows.values():
        assert row["method"] in table
    assert "targets (issues 8, 9, 10 and 18):" in table
    targets = {t["target"]: t for t in results["targets"]}
    assert targets["ddx score, one core, repeats rows >= 40,000 rows/s"]["measured"].endswith("/s")
    many = targets["diagnose_many on distinct cases (1-10 positive) >= 5,000 cases/s, one core"]
    assert many["measured"].endswith(
        " cases/s (1-8 positive: {:,.0f})".format(results["batch_throughput"]["diagnose_many_cases_per_second"])
    )
    assert results["batch_throughput"]["diagnose_many_1_10_cases_per_second"] > 0
    assert targets["10,000,000 rows through the Dask path, bounded memory"]["met"] is None
    draws = results["intervals"]
    assert draws[0]["case"].startswith("sciatica") and [r["positives"] for r in draws[1:]] == [2, 5]
    assert all(r["samples"] == 1000 and r["seconds"] > 0 for r in draws)
    assert "1,000 draws for one case" in table and "intervals=True" in table
    ranking = results["ranking"]
    assert ranking["cases"] == 2 and 0 < ranking["median_ms"] <= ranking["max_ms"]
    assert "ranking every unasked question < 50 ms (issue 9)" in table
    assert lines  # progress was reported
    cohort = results["cohort"]
    for kind in ("repeats", "distinct"):
        assert [run["jobs"] for run in cohort[kind]] == [1, 2]
        assert all(run["completed"] and run["rows_per_second"] > 0 for run in cohort[kind]), cohort[kind]
    assert "cohort: ddx score end to end" in table and "--jobs 2" in table
    # issue 18's files: the vignettes resampled (a source checkout), distinct cases with 1-8 positive findings
    assert cohort["repeats_from"] == "examples/vignettes.csv" and cohort["positive_findings_in_distinct"] == [1, 8]
    if "dask_distinct" in cohort:
        assert "error" not in cohort["dask_distinct"], cohort["dask_distinct"]
        assert set(cohort["dask_distinct"]) == {"1", "2"}


def test_cases_are_realistic_and_reproducible(bundled):
    kb = bundled.kb
    cases = realistic_cases(kb, 40, seed=5)
    assert cases == realistic_cases(kb, 40, seed=5)
    for case in cases:
        items = len(case.evidence) + (case.age is not None) + (case.sex is not None)
        assert 1 <= case.positives <= 10
        assert 5 <= items <= 15 or items == case.positives + 1
        assert case.positives == sum(v for i, v in case.evidence.items() if kb.nodes[i].kind != "risk_factor")
        bundled.normalise(case.evidence, case.age, case.sex)  # valid evidence
    assert any(c.age is not None for c in cases) and any(c.sex is not None for c in cases)
    assert any(kb.nodes[i].kind == "risk_factor" for c in cases for i in c.evidence)


def test_exact_number_of_positives(bundled):
    for k in (1, 12, 20):
        assert {c.positives for c in realistic_cases(bundled.kb, 5, positives=(k, k), items=(k + 2, k + 6))} == {k}


def test_replicated_model_keeps_the_original_answers(bundled):
    """Copies whose findings are unanswered do not change the originals' posteriors (they are barren)."""
    kb = bundled.kb
    big = replicate_kb(kb, 3)
    assert len(big.causes) == 3 * len(kb.causes)
    assert len(big.network_findings) == 3 * len(kb.network_findings)
    assert big.risk_factors == kb.risk_factors
    small_model, big_model = compile_model(kb), compile_model(big)
    findings = kb.network_findings
    case = CaseEvidence({0: 1}, [small_model.finding_index[findings[0]]], [small_model.finding_index[findings[3]]])
    big_case = CaseEvidence({0: 1}, [big_model.finding_index[findings[0]]], [big_model.finding_index[findings[3]]])
    small, _ = posteriors_many(small_model, [case])
    large, _ = posteriors_many(big_model, [big_case])
    np.testing.assert_allclose(large[0, : len(kb.causes)], small[0], atol=1e-12)


def test_replicate_refuses_zero_copies(bundled):
    with pytest.raises(ValueError, match="copies must be at least 1; got 0"):
        replicate_kb(bundled.kb, 0)
