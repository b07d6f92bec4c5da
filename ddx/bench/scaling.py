"""Cost and error against the number of positive findings and against the size of the model."""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.core import Engine, load
from ..inference.quickscore import posteriors_many
from .cases import realistic_cases, replicate_kb
from .methods import Log, _Agrum, _ddx_diagnose_many, _ddx_infer_single, _pgmpy_config, _Prepared, _timed
from .report import _num

_SHARED: dict[str, Any] = {}  # handed to forked children without pickling


def _positives_level(
    k: int, n: int, seed: int, chunk: int, order: str, limit: int | None, model: str
) -> dict[str, Any]:
    """Cost and error of ``n`` cases with exactly ``k`` positive findings (runs in a child process)."""
    if limit is not None:
        _limit_memory(limit)
    engine = _SHARED.get("engine") or load(Path(model))
    cases = realistic_cases(engine.kb, n, seed + 1000 * k, positives=(k, k), items=(k + 2, k + 6))
    prep = _Prepared(engine.kb, cases, engine)
    fast_s, (fast, exact) = _timed(functools.partial(posteriors_many, prep.model, prep.case_evidence))
    f64_s, _ = _timed(functools.partial(posteriors_many, prep.model, prep.case_evidence, 1.0))
    pgmpy_s, ref = _timed(lambda: _pgmpy_config(prep, prep.states, chunk, order))
    ddx_s, answer = _timed(lambda: _ddx_diagnose_many(prep, prep.evidences))
    inexact = ~exact
    return {
        "positives": k,
        "cases": n,
        "ddx_ms": 1e3 * ddx_s / n,
        "quickscore_ms": 1e3 * fast_s / n,
        "float64_pass_ms": 1e3 * f64_s / n,
        "pgmpy_fallbacks": int(inexact.sum()),
        "pgmpy_best_ms": 1e3 * pgmpy_s / n,
        "max_abs_diff": float(np.abs(answer - ref).max()),
        "quickscore_diff_if_kept": float(np.abs(fast - ref)[inexact].max()) if inexact.any() else None,
    }


def _limit_memory(budget: int) -> None:
    """Cap this process's address space at its current size plus ``budget`` bytes (Linux)."""
    try:
        import resource

        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (current + budget, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, OSError, ValueError):  # pragma: no cover - not Linux: run without a cap
        pass


def _child(queue: Any, k: int, n: int, seed: int, chunk: int, order: str, limit: int | None, model: str) -> None:
    try:
        queue.put(_positives_level(k, n, seed, chunk, order, limit, model))
    except MemoryError:
        queue.put({"positives": k, "cases": n, "error": f"out of memory (limit {(limit or 0) / 2**30:.1f} GiB)"})
    except Exception as exc:  # report, never hang the parent
        queue.put({"positives": k, "cases": n, "error": f"{type(exc).__name__}: {exc}"})


def _scaling_positives(
    engine: Engine, levels: Sequence[int], n: int, seed: int, best: Mapping[str, Any], timeout: float, log: Log
) -> list[dict[str, Any]]:
    """One child process per level, with a memory cap and a time limit; stop at the first level that fails.

    ``n`` cases per level up to 10 positive findings, half as many up to 14, then one.
    """
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _SHARED["engine"] = engine if "fork" in methods else None
    engine.network  # built once, inherited by forked children  # noqa: B018
    limit = min(4 * 2**30, _physical_memory() // 2) if _physical_memory() else 4 * 2**30
    rows: list[dict[str, Any]] = []
    for k in levels:
        m = n if k <= 10 else max(1, n // 2) if k <= 14 else 1
        if rows and "error" in rows[-1]:
            rows.append({"positives": k, "cases": m, "error": "skipped: a smaller level failed"})
            log(f"  {k:>2} positive: skipped")
            continue
        start = time.perf_counter()
        args = (k, m, seed, best["chunk"], best["elimination_order"], limit, str(engine.kb.root))
        row = _run_child(ctx, args, timeout)
        row = {"positives": k, "cases": m, **row, "wall_s": time.perf_counter() - start}
        rows.append(row)
        log(f"  {k:>2} positive: " + (row["error"] if "error" in row else _level_text(row)))
    return rows


def _run_child(ctx: Any, args: tuple[Any, ...], timeout: float) -> dict[str, Any]:
    """Run :func:`_child` in a new process; its result, or why there is none."""
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, *args))
    proc.start()
    deadline = time.perf_counter() + timeout
    row: dict[str, Any] | None = None
    while row is None and time.perf_counter() < deadline:
        try:
            row = queue.get(timeout=0.5)
        except Exception:  # queue.Empty
            if not proc.is_alive() and queue.empty():
                return {"error": f"child process died (exit code {proc.exitcode}): out of memory?"}
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
    return row if row is not None else {"error": f"timed out after {timeout:.0f} s"}


def _level_text(row: Mapping[str, Any]) -> str:
    return (
        f"ddx {row['ddx_ms']:.2f} ms/case (Quickscore {row['quickscore_ms']:.2f}), "
        f"{row['pgmpy_fallbacks']} sent to pgmpy, pgmpy {row['pgmpy_best_ms']:.1f} ms/case, "
        f"max diff {row['max_abs_diff']:.1e}"
    )


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 0


def _scaling_size(
    engine: Engine,
    sizes: Sequence[int],
    n: int,
    seed: int,
    best: Mapping[str, Any],
    folder: Path,
    log: Log,
    pgmpy_cases: int = 2,
    pgmpy_budget: float = 20.0,
) -> list[dict[str, Any]]:
    """Cost and error on synthetic models ``size`` times the bundled one, scored by :mod:`ddx.inference.quickscore`.

    pyAgrum (exact: it agrees with pgmpy to 1e-12 in the main table) is the
    reference on every case; pgmpy runs on ``pgmpy_cases`` cases, and not at
    all once its cost, extrapolated from the two smaller models (it grew 100
    times from x2 to x4), would pass ``pgmpy_budget`` seconds a case. Rows
    the fast path flags inexact (which an engine sends to pgmpy) are counted
    and left out of the error.
    """
    rows = []
    costs: list[float] = []  # pgmpy seconds per case of the sizes so far
    for size in sizes:
        kb = replicate_kb(engine.kb, size)
        prep = _Prepared(kb, realistic_cases(kb, n, seed + size))
        _ddx_infer_single(prep, prep.case_evidence[:1])  # warm up
        single_s, (answer, exact) = _timed(functools.partial(_ddx_infer_single, prep, prep.case_evidence))
        batch_s, _ = _timed(functools.partial(posteriors_many, prep.model, prep.case_evidence))
        row: dict[str, Any] = {
            "size": size,
            "causes": len(kb.causes),
            "findings": len(kb.network_findings),
            "risk_factors": len(kb.risk_factors),
            "cases": n,
            "ddx_infer_single_ms": 1e3 * single_s / n,
            "ddx_infer_batch_ms": 1e3 * batch_s / n,
            "inexact_rows": int(np.sum(~exact)),
            "pyagrum_ms": None,
            "max_abs_diff_pyagrum": None,
            "pgmpy_best_ms": None,
            "pgmpy_cases": 0,
            "max_abs_diff": None,
        }
        try:
            agrum = _Agrum(prep.source, folder)
            agrum(prep.states[:1])
            agrum_s, ref = _timed(functools.partial(agrum, prep.states))
            row["pyagrum_ms"] = 1e3 * agrum_s / n
            row["max_abs_diff_pyagrum"] = float(np.abs(answer - ref)[exact].max()) if exact.any() else None
        except ImportError:
            pass
        m = min(n, pgmpy_cases)
        predicted = costs[-1] * max(1.0, costs[-1] / costs[-2]) if len(costs) > 1 else costs[-1] if costs else 0.0
        if predicted <= pgmpy_budget:
            chunk, order = best["chunk"], best["elimination_order"]
            pgmpy_s, ref = _timed(functools.partial(_pgmpy_config, prep, prep.states[:m], chunk, order))
            pgmpy_s_per_case = pgmpy_s / m
            costs.append(pgmpy_s_per_case)
            ok = exact[:m]
            row.update(pgmpy_best_ms=1e3 * pgmpy_s_per_case, pgmpy_cases=m)
            row["max_abs_diff"] = float(np.abs(answer[:m] - ref)[ok].max()) if ok.any() else None
        rows.append(row)
        log(
            f"  x{size}: {row['causes']} causes, {row['findings']} findings: "
            f"ddx.infer {row['ddx_infer_single_ms']:.2f} ms/case, batch {row['ddx_infer_batch_ms']:.3f} ms/case, "
            f"pyAgrum {_num(row['pyagrum_ms'], '.2f')} ms/case, pgmpy {_num(row['pgmpy_best_ms'], '.0f')} ms/case, "
            f"max diff {_num(row['max_abs_diff_pyagrum'], '.1e')} (pyAgrum), {_num(row['max_abs_diff'], '.1e')} (pgmpy)"
        )
    return rows
