"""The main table (every engine, interleaved), batch throughput, and the timing of posterior intervals."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.core import Engine
from ..inference.compile import compile_model
from ..inference.quickscore import posteriors_many
from .cases import SCIATICA, Case, realistic_cases
from .methods import (
    _CANDIDATES,
    _QUICK_CANDIDATES,
    Log,
    _Agrum,
    _case_evidence,
    _ddx_diagnose,
    _ddx_diagnose_many,
    _ddx_infer_single,
    _Method,
    _pgmpy_config,
    _pgmpy_documented,
    _Prepared,
    _timed,
)


def _calibrate(prep: _Prepared, sample: int, quick: bool, log: Log) -> dict[str, Any]:
    """Time each candidate pgmpy configuration on a few cases; the fastest is pgmpy's best."""
    states = prep.states[:sample]
    n = len(states)
    rows: list[dict[str, Any]] = []
    for chunk, order in _QUICK_CANDIDATES if quick else _CANDIDATES:
        _pgmpy_config(prep, states[:1], chunk, order)  # warm up
        seconds, _ = _timed(functools.partial(_pgmpy_config, prep, states, chunk, order))
        rows.append({"chunk": chunk, "elimination_order": order, "ms_per_case": 1e3 * seconds / n, "cases": n})
        log(f"  pgmpy chunk={chunk:<2} order={order:<8} {1e3 * seconds / n:9.1f} ms/case")
    best = min(rows, key=lambda r: r["ms_per_case"])
    return {"chunk": best["chunk"], "elimination_order": best["elimination_order"], "calibration": rows}


def _main_table(prep: _Prepared, repeats: int, quick: bool, folder: Path, log: Log) -> dict[str, Any]:
    log(f"calibrating pgmpy on {min(4, len(prep.cases))} cases")
    best = _calibrate(prep, min(4, len(prep.cases)), quick, log)
    chunk, order = best["chunk"], best["elimination_order"]
    methods = [
        _Method("pgmpy_doc", "pgmpy VE, documented (1 cause/query)", lambda: _pgmpy_documented(prep, prep.states)),
        _Method(
            "pgmpy_best",
            f"pgmpy VE, best ({chunk} causes/query, {order})",
            lambda: _pgmpy_config(prep, prep.states, chunk, order),
        ),
    ]
    try:
        agrum = _Agrum(prep.source, folder)
        methods.append(_Method("pyagrum", "pyAgrum LazyPropagation", lambda: agrum(prep.states)))
    except ImportError:
        log("pyAgrum is not installed (pip install 'ddx[bench]'): its row is left out")
    methods += [
        _Method("ddx_single", "ddx diagnose, one case at a time", lambda: _ddx_diagnose(prep, prep.cases)),
        _Method(
            "ddx_infer_single", "ddx.infer, one case at a time", lambda: _ddx_infer_single(prep, prep.case_evidence)
        ),
        _Method("ddx_batch", "ddx diagnose_many, batch", lambda: _ddx_diagnose_many(prep, prep.evidences)),
        _Method(
            "ddx_infer_batch",
            "ddx.infer.posteriors_many, batch",
            lambda: posteriors_many(prep.model, prep.case_evidence),
        ),
    ]
    n = len(prep.cases)
    for rep in range(repeats):
        log(f"repeat {rep + 1}/{repeats} over {n} cases")
        shift = rep % len(methods)
        for method in methods[shift:] + methods[:shift]:
            seconds, value = _timed(method.run)
            method.times.append(seconds)
            if method.answer is None:
                if isinstance(value, tuple):
                    value, method.exact = value
                method.answer = np.asarray(value)
            log(f"  {method.label:<42} {1e3 * seconds / n:10.3f} ms/case")
    reference = methods[0].answer
    assert reference is not None
    certified = next(m.exact for m in methods if m.exact is not None)
    fallbacks = int(np.sum(~certified))
    rows = []
    for method in methods:
        assert method.answer is not None
        ms = 1e3 * statistics.median(method.times) / n
        diff = np.abs(method.answer - reference)
        row: dict[str, Any] = {
            "key": method.key,
            "method": method.label,
            "ms_per_case": ms,
            "cases_per_second": 1e3 / ms if ms > 0 else None,
            "max_abs_diff": float(diff.max()),
            "repeats": [1e3 * t / n for t in method.times],
        }
        if method.key in ("ddx_single", "ddx_batch"):
            row["pgmpy_fallbacks"] = fallbacks
        if method.exact is not None:  # uncertified rows are estimates that diagnose sends to pgmpy
            row["inexact_rows"] = int(np.sum(~method.exact))
            row["max_abs_diff"] = float(diff[method.exact].max()) if method.exact.any() else None
        rows.append(row)
    refs = {r["key"]: r["ms_per_case"] for r in rows if r["key"] in ("pgmpy_doc", "pgmpy_best", "pyagrum")}
    for row in rows:
        row["speedup"] = {k: v / row["ms_per_case"] for k, v in refs.items()}
    return {"methods": rows, "pgmpy_best": best}


# --------------------------------------------------------------------------- batch throughput


def _throughput(engine: Engine, n: int, repeats: int, seed: int, budget: float, log: Log) -> dict[str, Any]:
    """Cases per second of the batch paths on up to ``n`` cases with at most 8 positive findings.

    A probe of 500 cases sets how many cases fit in ``budget`` seconds a
    repeat (a rate barely depends on the batch size past a few hundred).
    ``diagnose_many`` runs once, on at most 1,000 of them.
    """
    cases = realistic_cases(engine.kb, n, seed + 1, positives=(1, 8))
    model = compile_model(engine.kb)
    evidences = [engine.normalise(c.evidence, c.age, c.sex) for c in cases]
    ce = [_case_evidence(engine.kb, model, ev) for ev in evidences]
    probe = min(n, 500)
    seconds, _ = _timed(functools.partial(posteriors_many, model, ce[:probe]))
    used = min(n, max(probe, int(budget * probe / seconds)))
    raw = []
    exact = np.ones(used, bool)
    for _ in range(repeats):
        seconds, (_, exact) = _timed(functools.partial(posteriors_many, model, ce[:used]))
        raw.append(seconds)
    f64 = []  # one float64 pass, no escalation to extended precision: the cost of Quickscore itself
    for _ in range(repeats):
        seconds, _ = _timed(functools.partial(posteriors_many, model, ce[:used], 1.0))
        f64.append(seconds)
    many = min(used, 1000)
    seconds, _ = _timed(functools.partial(engine.diagnose_many, evidences[:many]))
    # issue 18's target for diagnose_many reads distinct cases with 1-10 positive findings
    wide = [
        engine.normalise(c.evidence, c.age, c.sex)
        for c in realistic_cases(engine.kb, many, seed + 2, positives=(1, 10))
    ]
    wide_seconds, _ = _timed(functools.partial(engine.diagnose_many, wide))
    out = {
        "cases": used,
        "diagnose_many_cases": many,
        "positives": "1-8",
        "infer_cases_per_second": used / statistics.median(raw),
        "float64_only_cases_per_second": used / statistics.median(f64),
        "subset_rows_per_case": float(np.mean([2.0**c.positives for c in cases[:used]])),
        "diagnose_many_cases_per_second": many / seconds,
        "diagnose_many_1_10_cases_per_second": many / wide_seconds,
        "pgmpy_fallbacks": int(np.sum(~exact)),
        "by_positives": np.bincount([c.positives for c in cases[:used]], minlength=9).tolist(),
    }
    log(
        f"batch throughput on {used} cases (1-8 positive): ddx.infer {out['infer_cases_per_second']:,.0f}/s, "
        f"diagnose_many {out['diagnose_many_cases_per_second']:,.0f}/s "
        f"(1-10 positive: {out['diagnose_many_1_10_cases_per_second']:,.0f}/s), "
        f"{out['pgmpy_fallbacks']} flagged for pgmpy"
    )
    return out


def _intervals(
    engine: Engine, levels: Sequence[int], samples: int, seed: int, repeats: int, log: Log
) -> list[dict[str, Any]]:
    """Seconds for ``diagnose(..., intervals=True, samples=...)``: the sciatica case, then one case per level.

    Median of ``repeats`` runs; the first run of a case pays its plan (a new
    structure), which is kept in ``first_s``.
    """
    cases: list[tuple[str, Case]] = []
    if set(SCIATICA) <= set(engine.kb.evidence_ids):  # the bundled model (--model may name another)
        cases.append(("sciatica (docs/uncertainty.md)", Case(SCIATICA, None, None, 3)))
    cases += [(f"{k} positive", realistic_cases(engine.kb, 1, seed + k, positives=(k, k))[0]) for k in levels]
    out = []
    for label, case in cases:
        run = functools.partial(
            engine.diagnose, case.evidence, age=case.age, sex=case.sex, intervals=True, samples=samples, seed=0
        )
        runs = [_timed(run)[0] for _ in range(repeats)]
        seconds = statistics.median(runs)
        out.append(
            {"case": label, "positives": case.positives, "samples": samples, "seconds": seconds, "first_s": runs[0]}
        )
        log(f"intervals, {label}: {samples} draws in {seconds:.2f} s (first run {runs[0]:.2f} s)")
    return out


def _ranking(engine: Engine, cases: Sequence[Case], repeats: int, log: Log) -> dict[str, Any]:
    """Milliseconds to rank every unasked question of each case (``ddx.engine.questions.rank``, what
    ``next_questions`` and each step of ``ddx interview`` run): per case the median of ``repeats``
    runs after one untimed run (which builds the case's plans).
    """
    from ..engine.questions import rank

    per_case: list[float] = []
    by_positives: dict[int, list[float]] = {}
    for case in cases:
        evidence = engine.normalise(case.evidence, case.age, case.sex)
        rank(engine, evidence)
        ms = 1e3 * statistics.median(_timed(functools.partial(rank, engine, evidence))[0] for _ in range(repeats))
        per_case.append(ms)
        by_positives.setdefault(case.positives, []).append(ms)
    ordered = sorted(per_case)
    out = {
        "cases": len(cases),
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "max_ms": ordered[-1],
        "by_positives": {str(k): statistics.median(v) for k, v in sorted(by_positives.items())},
    }
    log(f"ranking every unasked question: median {out['median_ms']:.1f} ms, max {out['max_ms']:.1f} ms")
    return out
