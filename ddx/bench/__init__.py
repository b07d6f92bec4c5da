"""Benchmark ddx's exact path against pgmpy and pyAgrum on the same cases.

``run_benchmark`` times, in one run and interleaved (each repeat runs every
method once, in a rotated order; the median repeat is reported):

- pgmpy variable elimination as its documentation shows it: one
  ``VariableElimination(model).query(variables=[cause], evidence=...)`` per
  cause, default options;
- pgmpy variable elimination in its best configuration, chosen per run from a
  calibration over chunks of query causes (``joint=False``) and elimination
  orders;
- pyAgrum ``LazyPropagation`` on the XMLBIF export, the causes as targets, one
  inference object reused across cases;
- ddx one case at a time (``Engine.diagnose``, and the bare
  ``ddx.inference.quickscore.posteriors_many`` on one case);
- ddx batch scoring (``Engine.diagnose_many`` and ``ddx.inference.quickscore.posteriors_many``
  over all cases at once).

It also measures the cost and error against the number of positive findings
(each level in a child process with a memory limit, since the cost of
Quickscore doubles with each positive finding), against the size of the model
(synthetic copies of the bundled model), cold start in a fresh interpreter,
and peak memory of ``ddx score`` on a large generated CSV. The answer is a
JSON-ready dict; :func:`format_table` prints it.

pgmpy and pyAgrum are imported here only, and only when a benchmark runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.core import load
from ..inference import compiled
from .cases import SEED, Case, realistic_cases, replicate_kb
from .cohort import cohort_rows
from .methods import Log, _Prepared
from .report import _targets, format_table, write_json
from .scaling import _physical_memory, _scaling_positives, _scaling_size
from .startup import _memory, _startup
from .tables import _intervals, _main_table, _ranking, _throughput

__all__ = [
    "SEED",
    "Case",
    "add_arguments",
    "format_table",
    "main",
    "realistic_cases",
    "replicate_kb",
    "run",
    "run_benchmark",
]


def _kernel() -> str:
    """Which exact methods the ddx rows use: the compiled kernel (numba's version) or numpy only."""
    if not compiled.wanted(1):
        return "numpy"
    from importlib.metadata import version

    return f"numba {version('numba')}"


def machine_info() -> dict[str, Any]:
    """The machine and the versions of everything measured."""
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    def ver(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:  # pragma: no cover - not Linux
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "cpus_usable": affinity,
        "memory_gib": round(_physical_memory() / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pgmpy": ver("pgmpy"),
        "pyagrum": ver("pyagrum") or ver("pyAgrum"),
        "ddx": __version__,
        "blas_threads": os.environ.get("OMP_NUM_THREADS"),
        "load_average_at_start": _load(),
    }


def _load() -> list[float] | None:
    """The 1, 5 and 15-minute load averages: other work on the machine slows every method alike."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def run_benchmark(
    cases: int | None = None,
    repeats: int | None = None,
    seed: int = SEED,
    *,
    quick: bool = False,
    scaling: bool = True,
    memory: bool = True,
    startup: bool = True,
    memory_rows: int | None = None,
    memory_timeout: float | None = None,
    throughput: int | None = None,
    model: str | os.PathLike[str] | None = None,
    positives: tuple[int, int] | None = None,
    cohort: bool = True,
    log: Log | None = None,
) -> dict[str, Any]:
    """Run the benchmark; return every figure as a JSON-ready dict (print it with :func:`format_table`).

    Parameters
    ----------
    cases, repeats
        Cases of the main table (default 40, ``quick`` 12) and timed repeats
        (default 3, ``quick`` 1); the median repeat is reported.
    seed
        Seed of the case generator (:func:`realistic_cases`).
    quick
        A smoke run: fewer cases, levels, sizes and memory rows.
    scaling, memory, startup
        Run the scaling tables, the peak-memory run, the cold-start timings.
    memory_rows, memory_timeout
        Rows of the generated CSV (default 1,000,000, ``quick`` 20,000) and
        the seconds ``ddx score`` may take on them (default 240, ``quick`` 120);
        past that it is stopped and the peak so far is reported.
    throughput
        Cases of the batch-throughput run (default 20,000, ``quick`` 2,000).
    model
        A model directory; default: the bundled model.
    cohort
        Run the cohort rows (:mod:`ddx.bench.cohort`): ``ddx score`` end to end
        with ``--jobs 1`` and ``2`` on 50,000 rows resampled from
        ``examples/vignettes.csv`` and 50,000 distinct rows with 1-8 positive
        findings (issue 18's files; ``quick``: 1,000 each), and the Dask path.
    positives
        Fewest and most positive findings of a main-table case (default 1-10,
        ``quick`` 1-4: pgmpy needs seconds to minutes per case at 10).
    log
        Called with one line of progress at a time (default: silent).
    """
    log = log or (lambda line: None)
    n = cases or (12 if quick else 40)
    low, high = positives or ((1, 4) if quick else (1, 10))
    reps = repeats or (1 if quick else 3)
    engine = load(None if model is None else Path(model))
    kb = engine.kb
    compiled.preload()  # as a service does: every ddx row below then takes the compiled kernel (when installed)
    results: dict[str, Any] = {
        "schema": 1,
        "machine": {**machine_info(), "kernel": _kernel()},
        "model": {
            "kb_version": kb.kb_version,
            "causes": len(kb.causes),
            "findings": len(kb.network_findings),
            "risk_factors": len(kb.risk_factors),
        },
        "settings": {
            "cases": n,
            "repeats": reps,
            "seed": seed,
            "quick": quick,
            "positives": f"{low}-{high}",
            "items": "5-15",
        },
    }
    started = time.perf_counter()
    with _one_thread(results), tempfile.TemporaryDirectory(prefix="ddx-bench-") as tmp:
        folder = Path(tmp)
        case_list = realistic_cases(kb, n, seed, positives=(low, high))
        results["settings"]["by_positives"] = np.bincount([c.positives for c in case_list]).tolist()
        prep = _Prepared(kb, case_list, engine)
        results.update(_main_table(prep, reps, quick, folder, log))
        results["batch_throughput"] = _throughput(
            engine, throughput or (2000 if quick else 20000), reps, seed, 5 if quick else 10, log
        )
        results["intervals"] = _intervals(engine, (2, 5) if quick else tuple(range(1, 11)), 1000, seed, reps, log)
        results["ranking"] = _ranking(engine, case_list, max(reps, 3), log)
        if scaling:
            log("scaling with the number of positive findings")
            levels = (1, 4, 8) if quick else tuple(range(1, 21))
            results["scaling_positives"] = _scaling_positives(
                engine, levels, 2 if quick else 4, seed, results["pgmpy_best"], 60 if quick else 90, log
            )
            log("scaling with the size of the model")
            results["scaling_size"] = _scaling_size(
                engine, (1, 2) if quick else (1, 2, 4, 8), 4 if quick else 20, seed, results["pgmpy_best"], folder, log
            )
        if cohort:
            rows = 1000 if quick else 50_000  # issue 18's files
            log(f"cohort: ddx score end to end on {rows:,} rows, --jobs 1 and 2, and Dask")
            results["cohort"] = cohort_rows(engine, rows, seed, folder, log)
        if startup:
            log("cold start (fresh interpreter, median of 3)")
            results["startup"] = _startup(engine, case_list[0], 3, folder, log)
        if memory:
            rows = memory_rows or (20_000 if quick else 1_000_000)
            log(f"peak memory of ddx score on {rows:,} rows")
            limit = memory_timeout or (120 if quick else 240)
            results["memory"] = mem = _memory(engine, rows, limit, seed, folder, log)
            if mem["projected_seconds"] is None:  # not one chunk done: project from diagnose_many's rate
                batch = next(r for r in results["methods"] if r["key"] == "ddx_batch")
                mem["projected_seconds"] = rows * batch["ms_per_case"] / 1e3
                mem["projection"] = "from the main table's diagnose_many rate"
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load_average_at_end"] = _load()
    results["targets"] = _targets(results)
    return results


class _one_thread:
    """Limit BLAS / OpenMP pools to one thread while the benchmark runs (if threadpoolctl is there)."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.limit: Any = None

    def __enter__(self) -> _one_thread:
        try:
            from threadpoolctl import threadpool_limits

            self.limit = threadpool_limits(1)
            self.results["machine"]["blas_threads"] = 1
        except ImportError:  # pragma: no cover - then OMP_NUM_THREADS decides
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self.limit is not None:
            self.limit.unregister()


#: The one line shown when pyAgrum is missing: the benchmark runs without its rows.
NO_PYAGRUM = "pyAgrum is not installed, so its rows are left out: pip install 'ddx-paresthesia[bench]'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options, on ``parser`` (``ddx bench`` and ``scripts/benchmark.py`` share them)."""
    parser.add_argument("--cases", type=int, metavar="N", help="cases in the main table (default 40; quick 12)")
    parser.add_argument("--repeats", type=int, metavar="R", help="interleaved timed repeats (default 3; quick 1)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"case generator seed (default {SEED})")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer cases, levels and rows")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling tables")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory run of ddx score")
    parser.add_argument("--no-startup", action="store_true", help="skip the cold-start timings")
    parser.add_argument("--no-cohort", action="store_true", help="skip the cohort rows (ddx score end to end, Dask)")
    parser.add_argument("--memory-rows", type=int, metavar="N", help="rows of the memory run (default 1,000,000)")
    parser.add_argument("--memory-timeout", type=float, metavar="S", help="stop the memory run after S seconds")
    parser.add_argument("--model", metavar="DIR", help="model directory (default: the bundled model)")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="also write every figure as JSON, e.g. benchmark.json ('-': stdout)"
    )
    parser.add_argument("--json", dest="json_output", metavar="FILE", help=argparse.SUPPRESS)  # deprecated: -o
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark with the options of :func:`add_arguments`; print the tables; returns 0."""
    from importlib.util import find_spec

    output = args.output
    if args.json_output is not None:
        print("ddx bench: --json FILE is deprecated; use -o FILE", file=sys.stderr)
        output = output or args.json_output
    if find_spec("pyagrum") is None:
        print(f"ddx bench: {NO_PYAGRUM}", file=sys.stderr)
    results = run_benchmark(
        args.cases,
        args.repeats,
        args.seed,
        quick=args.quick,
        scaling=not args.no_scaling,
        memory=not args.no_memory,
        startup=not args.no_startup,
        cohort=not args.no_cohort,
        memory_rows=args.memory_rows,
        memory_timeout=args.memory_timeout,
        model=args.model,
        log=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True),
    )
    if output == "-":  # the JSON on standard output, the tables beside the progress on stderr
        print(format_table(results), file=sys.stderr)
        print(json.dumps(results, indent=2))
        return 0
    print(format_table(results))
    if output:
        print(f"\nwrote {write_json(results, output)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from ``scripts/benchmark.py`` (``ddx bench`` is the same, through :mod:`ddx.cli`)."""
    parser = argparse.ArgumentParser(
        prog="ddx bench", description="Benchmark ddx against pgmpy and pyAgrum; writes JSON only with -o."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
