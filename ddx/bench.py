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
  ``ddx.infer.posteriors_many`` on one case);
- ddx batch scoring (``Engine.diagnose_many`` and ``ddx.infer.posteriors_many``
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
import csv
import dataclasses
import functools
import json
import math
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .engine import Engine, load
from .errors import EvidenceError
from .evidence import Evidence, normalise
from .infer import CaseEvidence, CompiledModel, compile_model, posteriors_many
from .knowledge import CAUSE_STATES, KnowledgeBase
from .network import build_network

__all__ = ["SEED", "Case", "format_table", "main", "realistic_cases", "replicate_kb", "run_benchmark"]

SEED = 20261123
TOLERANCE = 1e-9
_PRESENT = CAUSE_STATES[1]
#: pgmpy configurations tried by the calibration: (causes per query, elimination order). pgmpy's
#: other orders (MinFill, WeightedMinFill, MinNeighbors, MinWeight) build the order in Python and are
#: not tried: 6 to 15 times slower than greedy on light evidence, MinFill took 206 s a case on
#: realistic cases against 1.6 s for greedy. All the causes in one query (joint=False) builds their
#: 2^31 joint.
_CANDIDATES = ((1, "greedy"), (4, "greedy"), (8, "greedy"), (10, "greedy"), (12, "greedy"), (16, "greedy"))
_QUICK_CANDIDATES = ((1, "greedy"), (8, "greedy"), (12, "greedy"))

Log = Callable[[str], None]


# --------------------------------------------------------------------------- cases


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark case: answers, age and sex, as a user passes them to ``diagnose``."""

    evidence: Mapping[str, bool]
    age: float | None
    sex: str | None
    positives: int  # findings answered yes (risk factors answered yes not counted)


def realistic_cases(
    kb: KnowledgeBase,
    n: int,
    seed: int = SEED,
    positives: tuple[int, int] = (1, 10),
    items: tuple[int, int] = (5, 15),
) -> list[Case]:
    """``n`` vignette-like cases drawn with a fixed seed.

    Each case picks a cause at random; its positive findings are drawn from
    that cause's findings, weighted by link strength (then from a second
    cause's, if it has too few). The other items are "no" answers to findings
    and answered risk factors; age (85 % of cases) and sex (90 %) count as
    items. ``positives`` and ``items`` are inclusive ranges.
    """
    rng = random.Random(seed)
    strength: dict[str, dict[str, float]] = {}
    for link in kb.finding_links:
        strength.setdefault(link.parent, {})[link.child] = link.number.value
    linked_rf: dict[str, set[str]] = {}
    for link in kb.cause_links:
        linked_rf.setdefault(link.child, set()).add(link.parent)
    exclusive = [set(ids) for ids, _ in kb.exclusive]
    findings = list(kb.network_findings)
    risk_factors = [r for r in kb.risk_factors if r not in (kb.sex_node, kb.age.node)]
    out: list[Case] = []
    while len(out) < n:
        k = rng.randint(*positives)
        size = max(rng.randint(*items), k + 1)
        cause = rng.choice(kb.causes)
        evidence: dict[str, bool] = {}
        for source in (cause, *rng.sample(kb.causes, len(kb.causes))):
            weights = strength.get(source, {})
            for f in sorted(weights, key=lambda f: -(rng.random() ** (1.0 / weights[f]))):
                if len(evidence) < k and f not in evidence and not _conflicts(f, evidence, exclusive):
                    evidence[f] = True
        age = float(rng.randint(18, 90)) if rng.random() < 0.85 else None
        sex = rng.choice(kb.nodes[kb.sex_node].states) if rng.random() < 0.9 else None
        rest = max(1, size - k - (age is not None) - (sex is not None))
        n_rf = rng.randint(0, min(3, rest))
        for rf in rng.sample(risk_factors, n_rf):
            p = 0.5 if rf in linked_rf.get(cause, ()) else kb.parent_priors[rf].value
            evidence[rf] = rng.random() < p
        unlinked = [f for f in findings if f not in evidence and f not in strength.get(cause, {})]
        others = [f for f in findings if f not in evidence and f not in unlinked]
        pool = rng.sample(unlinked, len(unlinked)) + rng.sample(others, len(others))
        evidence.update((f, False) for f in pool[: rest - n_rf])
        try:
            normalise(kb, evidence, age, sex)
        except EvidenceError:  # pragma: no cover - the draw avoids contradictions; never keep a bad case
            continue
        out.append(Case(evidence, age, sex, k))
    return out


def _conflicts(finding: str, evidence: Mapping[str, bool], exclusive: Sequence[set[str]]) -> bool:
    return any(finding in group and any(evidence.get(other) for other in group - {finding}) for group in exclusive)


def replicate_kb(kb: KnowledgeBase, copies: int) -> KnowledgeBase:
    """A synthetic model ``copies`` times the size of ``kb``, for the size scaling table.

    Causes and linked findings are copied with renamed ids (``<id>__2``, ...)
    and the same numbers; every copy links to the same risk factors, so the
    copies share age, sex and the other risk factors as one population would.
    Copied emergency signs become plain findings (the rules read the originals).
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1; got {copies}")
    if copies == 1:
        return kb
    nodes, priors, leaks = dict(kb.nodes), dict(kb.priors), dict(kb.leaks)
    cause_links, finding_links = list(kb.cause_links), list(kb.finding_links)
    for r in range(2, copies + 1):
        rename = {node: f"{node}__{r}" for node in (*kb.causes, *kb.network_findings)}
        for old, new in rename.items():
            node = kb.nodes[old]
            kind = "cause" if node.kind == "cause" else "finding"
            nodes[new] = dataclasses.replace(node, id=new, kind=kind, label=f"{node.label} ({r})")
        priors.update({rename[c]: kb.priors[c] for c in kb.causes})
        leaks.update({rename[f]: kb.leaks[f] for f in kb.network_findings})
        cause_links += [dataclasses.replace(link, child=rename[link.child]) for link in kb.cause_links]
        finding_links += [
            dataclasses.replace(link, parent=rename[link.parent], child=rename[link.child]) for link in kb.finding_links
        ]
    return dataclasses.replace(
        kb,
        kb_version=f"{kb.kb_version}-x{copies}",
        nodes=nodes,
        priors=priors,
        leaks=leaks,
        cause_links=tuple(cause_links),
        finding_links=tuple(finding_links),
    )


# --------------------------------------------------------------------------- the methods


class _Prepared:
    """The cases of one run in every form the methods take.

    ``engine`` is None for the synthetic models of the size table: those are
    scored by :mod:`ddx.infer` directly (an engine also wants each cause's
    next steps, which a synthetic copy does not have).
    """

    def __init__(self, kb: KnowledgeBase, cases: Sequence[Case], engine: Engine | None = None) -> None:
        self.kb = kb
        self.engine = engine
        self.cases = list(cases)
        self.causes = list(kb.causes)
        self.network = engine.network if engine is not None else build_network(kb)
        self.model: CompiledModel = compile_model(kb)
        self.evidences = [normalise(kb, c.evidence, c.age, c.sex) for c in self.cases]
        self.case_evidence = [_case_evidence(kb, self.model, ev) for ev in self.evidences]
        nodes = set(self.network.nodes)
        self.states = [{k: v for k, v in ev.states(kb).items() if k in nodes} for ev in self.evidences]

    @property
    def source(self) -> Engine | KnowledgeBase:
        return self.engine if self.engine is not None else self.kb

    def diagnoser(self) -> Engine:
        assert self.engine is not None
        return self.engine


def _case_evidence(kb: KnowledgeBase, model: CompiledModel, evidence: Evidence) -> CaseEvidence:
    parents: dict[int, int] = {}
    positive: list[int] = []
    negative: list[int] = []
    for node_id, state in evidence.states(kb).items():
        if node_id in model.parent_index:
            parents[model.parent_index[node_id]] = kb.nodes[node_id].states.index(state)
        elif node_id in model.finding_index:
            (positive if evidence.answers[node_id] else negative).append(model.finding_index[node_id])
    return CaseEvidence(parents, positive, negative)


def _pgmpy_ve(prep: _Prepared) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from pgmpy.inference import VariableElimination

    return VariableElimination(prep.network)


def _pgmpy_documented(prep: _Prepared, states: Sequence[Mapping[str, str]]) -> np.ndarray:
    """One query per cause with pgmpy's default options (joint=True, greedy order), as its docs show."""
    infer = _pgmpy_ve(prep)
    out = np.empty((len(states), len(prep.causes)))
    for i, evidence in enumerate(states):
        for j, cause in enumerate(prep.causes):
            factor = infer.query(variables=[cause], evidence=dict(evidence), show_progress=False)
            out[i, j] = factor.values[factor.state_names[cause].index(_PRESENT)]
    return out


def _pgmpy_config(prep: _Prepared, states: Sequence[Mapping[str, str]], chunk: int, order: str) -> np.ndarray:
    """Queries of ``chunk`` causes at a time with ``joint=False`` and the given elimination order."""
    infer = _pgmpy_ve(prep)
    out = np.empty((len(states), len(prep.causes)))
    for i, evidence in enumerate(states):
        for start in range(0, len(prep.causes), chunk):
            query = prep.causes[start : start + chunk]
            factors = infer.query(
                variables=query, evidence=dict(evidence), elimination_order=order, joint=False, show_progress=False
            )
            for j, cause in enumerate(query, start):
                out[i, j] = factors[cause].values[factors[cause].state_names[cause].index(_PRESENT)]
    return out


class _Agrum:
    """pyAgrum LazyPropagation on the XMLBIF export: one inference object, evidence changed per case."""

    def __init__(self, source: Engine | KnowledgeBase, folder: Path) -> None:
        import pyagrum as gum

        from .export import export_network

        self.causes = list(source.causes if isinstance(source, KnowledgeBase) else source.kb.causes)
        self.bn = gum.loadBN(str(export_network(source, folder / f"model-{len(self.causes)}.bifxml")))
        self.index = [list(self.bn.variable(c).labels()).index(_PRESENT) for c in self.causes]
        self.ie = gum.LazyPropagation(self.bn)
        self.ie.setTargets(set(self.causes))

    def __call__(self, states: Sequence[Mapping[str, str]]) -> np.ndarray:
        out = np.empty((len(states), len(self.causes)))
        ie = self.ie
        for i, evidence in enumerate(states):
            ie.setEvidence(dict(evidence))
            ie.makeInference()
            out[i] = [ie.posterior(c).toarray()[k] for c, k in zip(self.causes, self.index, strict=True)]
        return out


def _ddx_diagnose(prep: _Prepared, cases: Sequence[Case]) -> np.ndarray:
    engine = prep.diagnoser()
    rows = [engine.diagnose(c.evidence, age=c.age, sex=c.sex).probabilities for c in cases]
    return np.array([[row[c] for c in prep.causes] for row in rows])


def _ddx_infer_single(prep: _Prepared, cases: Sequence[CaseEvidence]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [posteriors_many(prep.model, [c]) for c in cases]
    return np.vstack([p for p, _ in pairs]), np.concatenate([ok for _, ok in pairs])


def _ddx_diagnose_many(prep: _Prepared, evidences: Sequence[Evidence]) -> np.ndarray:
    rows = [r.probabilities for r in prep.diagnoser().diagnose_many(evidences)]
    return np.array([[row[c] for c in prep.causes] for row in rows])


@dataclasses.dataclass
class _Method:
    key: str
    label: str
    run: Callable[[], Any]
    times: list[float] = dataclasses.field(default_factory=list)
    answer: np.ndarray | None = None
    exact: np.ndarray | None = None  # for the bare fast path: the rows it certified


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


# --------------------------------------------------------------------------- main table


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
    out = {
        "cases": used,
        "diagnose_many_cases": many,
        "positives": "1-8",
        "infer_cases_per_second": used / statistics.median(raw),
        "float64_only_cases_per_second": used / statistics.median(f64),
        "subset_rows_per_case": float(np.mean([2.0**c.positives for c in cases[:used]])),
        "diagnose_many_cases_per_second": many / seconds,
        "pgmpy_fallbacks": int(np.sum(~exact)),
        "by_positives": np.bincount([c.positives for c in cases[:used]], minlength=9).tolist(),
    }
    log(
        f"batch throughput on {used} cases (1-8 positive): ddx.infer {out['infer_cases_per_second']:,.0f}/s, "
        f"diagnose_many {out['diagnose_many_cases_per_second']:,.0f}/s, {out['pgmpy_fallbacks']} flagged for pgmpy"
    )
    return out


#: The case of docs/uncertainty.md: sciatica's three findings.
SCIATICA = {"radiates_from_lower_back_down_leg": True, "back_pain": True, "one_leg_only": True}


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


# --------------------------------------------------------------------------- scaling


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
    """Cost and error on synthetic models ``size`` times the bundled one, scored by :mod:`ddx.infer`.

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


# --------------------------------------------------------------------------- start-up and memory


def _child_env() -> dict[str, str]:
    """The environment of measured subprocesses: this ddx first on the path, one BLAS thread."""
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


def _write_csv(path: Path, kb: KnowledgeBase, pool: Sequence[Case], rows: int) -> None:
    used = {k for c in pool for k in c.evidence}
    columns = [i for i in kb.evidence_ids if i in used]
    yes_no = {True: "yes", False: "no"}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["case_id", "age", "sex", *columns])
        for i in range(rows):
            case = pool[i % len(pool)]
            age = "" if case.age is None else f"{case.age:g}"
            answers = [yes_no[case.evidence[c]] if c in case.evidence else "" for c in columns]
            writer.writerow([f"c{i}", age, case.sex or "", *answers])


def _import_report(command: list[str], env: Mapping[str, str], cwd: Path) -> dict[str, Any]:
    """Which heavy packages a command imports, and its slowest top-level imports (``-X importtime``)."""
    proc = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    roots: set[str] = set()
    top: dict[str, float] = {}
    for line in proc.stderr.splitlines():  # "import time: self [us] | cumulative | <indent>name"
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        roots.add(name.split(".")[0])
        if not parts[2].startswith("  "):  # one space: imported by the command itself, not by a module
            top[name] = int(parts[1]) / 1e3
    heavy = sorted(roots & {"pgmpy", "pandas", "scipy", "sklearn", "torch", "matplotlib", "networkx", "pyagrum"})
    slowest = sorted(top.items(), key=lambda kv: -kv[1])[:5]
    return {"heavy_imports": heavy, "slowest_imports_ms": [[name, round(ms, 1)] for name, ms in slowest]}


_PHASES = """
import json, time
t0 = time.perf_counter()
import ddx
t1 = time.perf_counter()
engine = ddx.load()
t2 = time.perf_counter()
engine.diagnose({evidence!r}, age={age!r}, sex={sex!r})
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "load": t2 - t1, "diagnose": t3 - t2}}))
"""


def _startup(engine: Engine, case: Case, repeats: int, folder: Path, log: Log) -> dict[str, Any]:
    """Wall time of a fresh interpreter running each command (median of ``repeats``, after one untimed run).

    The OS file cache is warm (the untimed run); the interpreter is new each time.
    """
    env = _child_env()
    one = folder / "one.csv"
    _write_csv(one, engine.kb, [case], 1)
    code = _PHASES.format(evidence=dict(case.evidence), age=case.age, sex=case.sex)
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "import_diagnose": [sys.executable, "-c", code],
        "score_one_row": [sys.executable, "-m", "ddx", "score", str(one), "-o", str(folder / "one.out.csv"), "--quiet"],
    }
    out: dict[str, Any] = {}
    for name, command in commands.items():
        times, phases = [], []
        for attempt in range(repeats + 1):
            run = functools.partial(subprocess.run, command, env=env, cwd=folder, capture_output=True, text=True)
            seconds, proc = _timed(run)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(command[:4])} ... failed:\n{proc.stderr[-2000:]}")
            if attempt:
                times.append(seconds)
                if name == "import_diagnose":
                    phases.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        out[name] = {"median_s": statistics.median(times), "runs_s": times}
        if phases:
            out[name]["phases_s"] = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
        if name != "python":
            out[name].update(_import_report(command, env, folder))
        log(f"  {name:<16} {statistics.median(times):.3f} s")
    return out


#: Runs a command with a time limit and prints its peak RSS. The measuring process must be small:
#: on Linux a child's ru_maxrss starts at the high-water mark of the process it was forked from, so
#: a child forked straight from the benchmark (over 1 GiB with pgmpy and pyAgrum loaded) would
#: report the benchmark's memory, not its own.
_RSS_WRAPPER = """
import json, subprocess, sys
timeout = float(sys.argv[1])
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
try:
    proc.wait(timeout)
    timed_out = False
except subprocess.TimeoutExpired:
    proc.kill()
    proc.wait()
    timed_out = True
try:
    import resource
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
except ImportError:
    peak = None
print(json.dumps({"exit_code": proc.returncode, "timed_out": timed_out, "peak_bytes": peak}))
"""


def _memory(engine: Engine, rows: int, timeout: float, seed: int, folder: Path, log: Log) -> dict[str, Any]:
    """Peak RSS of ``python -m ddx score`` on a generated CSV of ``rows`` realistic rows.

    Stopped after ``timeout`` seconds; then the rows already written (``ddx
    score`` writes 10,000-row chunks) and the peak so far are reported.
    """
    source, outdir = folder / "big.csv", folder / "out"
    outdir.mkdir(exist_ok=True)
    start = time.perf_counter()
    _write_csv(source, engine.kb, realistic_cases(engine.kb, min(rows, 2000), seed + 2), rows)
    log(f"  wrote {rows:,} rows ({source.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - start:.1f} s")
    command = [sys.executable, "-m", "ddx", "score", str(source), "-o", str(outdir / "scored.csv"), "--quiet"]
    wrapper = [sys.executable, "-c", _RSS_WRAPPER, str(timeout), *command]
    with (folder / "score.err").open("w") as err:
        seconds, proc = _timed(
            functools.partial(subprocess.run, wrapper, env=_child_env(), cwd=folder, stdout=subprocess.PIPE, stderr=err)
        )
    report = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    done = rows
    if report["timed_out"] or report["exit_code"] != 0:
        done = max(0, sum(sum(1 for _ in p.open("rb")) - 1 for p in outdir.iterdir() if p.is_file()))
    peak = report["peak_bytes"]
    out = {
        "rows": rows,
        "rows_scored": done,
        "completed": not report["timed_out"] and report["exit_code"] == 0,
        "timed_out": report["timed_out"],
        "exit_code": report["exit_code"],
        "seconds": seconds,
        "rows_per_second": done / seconds if done else None,
        "peak_rss_mib": peak / 2**20 if peak else None,
        "projected_seconds": rows * seconds / done if done else None,
        "error": "" if report["timed_out"] or report["exit_code"] == 0 else (folder / "score.err").read_text()[-2000:],
    }
    log(
        f"  {done:,} of {rows:,} rows in {seconds:.0f} s "
        f"({'timed out' if report['timed_out'] else 'done'}), peak RSS {out['peak_rss_mib'] or 0:.0f} MiB"
    )
    return out


# --------------------------------------------------------------------------- the run


def machine_info() -> dict[str, Any]:
    """The machine and the versions of everything measured."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

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
    log
        Called with one line of progress at a time (default: silent).
    """
    log = log or (lambda line: None)
    n = cases or (12 if quick else 40)
    reps = repeats or (1 if quick else 3)
    engine = load(None if model is None else Path(model))
    kb = engine.kb
    results: dict[str, Any] = {
        "schema": 1,
        "machine": machine_info(),
        "model": {
            "kb_version": kb.kb_version,
            "causes": len(kb.causes),
            "findings": len(kb.network_findings),
            "risk_factors": len(kb.risk_factors),
        },
        "settings": {"cases": n, "repeats": reps, "seed": seed, "quick": quick, "positives": "1-10", "items": "5-15"},
    }
    started = time.perf_counter()
    with _one_thread(results), tempfile.TemporaryDirectory(prefix="ddx-bench-") as tmp:
        folder = Path(tmp)
        case_list = realistic_cases(kb, n, seed)
        results["settings"]["by_positives"] = np.bincount([c.positives for c in case_list]).tolist()
        prep = _Prepared(kb, case_list, engine)
        results.update(_main_table(prep, reps, quick, folder, log))
        results["batch_throughput"] = _throughput(
            engine, throughput or (2000 if quick else 20000), reps, seed, 5 if quick else 10, log
        )
        results["intervals"] = _intervals(engine, (2, 5) if quick else tuple(range(1, 11)), 1000, seed, reps, log)
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


def _targets(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Issue 8's targets, each with the measured figure and met (True / False / None: not measured)."""
    rows = {r["key"]: r for r in res["methods"]}
    out = []

    def add(target: str, measured: str, met: bool | None) -> None:
        out.append({"target": target, "measured": measured, "met": met})

    single = rows["ddx_single"]["speedup"]
    raw = rows["ddx_infer_single"]["speedup"]
    add(
        "single case >= 50x pgmpy VE best",
        f"diagnose {single['pgmpy_best']:.1f}x, ddx.infer {raw['pgmpy_best']:.1f}x",
        single["pgmpy_best"] >= 50,
    )
    if "pyagrum" in single:
        add(
            "single case faster than pyAgrum LazyPropagation",
            f"diagnose {single['pyagrum']:.2f}x, ddx.infer {raw['pyagrum']:.2f}x",
            single["pyagrum"] > 1,
        )
    tp = res["batch_throughput"]
    add(
        "batch >= 50,000 cases/s, 1-8 positive, one core",
        f"ddx.infer {tp['infer_cases_per_second']:,.0f}/s, diagnose_many {tp['diagnose_many_cases_per_second']:,.0f}/s",
        tp["infer_cases_per_second"] >= 50_000,
    )
    if "intervals" in res:
        draws = res["intervals"]
        slow = [r for r in draws if r["seconds"] >= 1.0]
        add(
            "1,000 draws for one case < 1 s (issue 10)",
            ", ".join(f"{r['case']}: {r['seconds']:.2f} s" for r in draws),
            not slow,
        )
    diffs = [rows[k]["max_abs_diff"] for k in ("ddx_single", "ddx_batch") if rows[k]["max_abs_diff"] is not None]
    levels = res.get("scaling_positives", [])
    diffs += [r["max_abs_diff"] for r in levels if "max_abs_diff" in r]
    for r in res.get("scaling_size", []):
        diffs += [r[k] for k in ("max_abs_diff", "max_abs_diff_pyagrum") if r[k] is not None]
    add("every posterior within 1e-9 of pgmpy", f"max {max(diffs):.1e}", max(diffs) <= TOLERANCE)
    if levels:
        failed = [r["positives"] for r in levels if "error" in r]
        worst = max((r["ddx_ms"] for r in levels if "ddx_ms" in r), default=math.nan)
        add(
            "no cliff: 1-20 positive exact within 1e-9, bounded cost",
            f"failed at {failed[0]}+ positive ({levels[failed[0] - levels[0]['positives']]['error']})"
            if failed
            else f"all levels ok, worst {worst:.0f} ms/case",
            not failed and all(r["max_abs_diff"] <= TOLERANCE for r in levels),
        )
    if "startup" in res:
        st = res["startup"]
        a, b = st["import_diagnose"]["median_s"], st["score_one_row"]["median_s"]
        add("cold start < 1 s", f"import+diagnose {a:.2f} s, ddx score 1 row {b:.2f} s", a < 1 and b < 1)
    if "memory" in res:
        mem = res["memory"]
        peak = mem["peak_rss_mib"]
        measured = f"{mem['rows_scored']:,} rows, peak {peak or 0:.0f} MiB" + (
            " (timed out)" if mem["timed_out"] else ""
        )
        full = mem["completed"] and mem["rows"] >= 1_000_000
        add("1,000,000-row CSV under 1 GiB", measured, (peak is not None and peak < 1024) if full else None)
    return out


# --------------------------------------------------------------------------- the table


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, fmt)


def format_table(results: Mapping[str, Any]) -> str:
    """The benchmark as plain-text tables."""
    m = results["machine"]
    model = results["model"]
    s = results["settings"]
    lines = [
        f"ddx {m['ddx']} benchmark: {m['cpu']}, {m['cpus_usable']} cpus, Python {m['python']}, numpy {m['numpy']}, "
        f"pgmpy {m['pgmpy']}, pyAgrum {m['pyagrum']}",
        f"model {model['kb_version']}: {model['causes']} causes, {model['findings']} findings, "
        f"{model['risk_factors']} risk factors; {s['cases']} cases ({s['items']} items, {s['positives']} positive), "
        f"median of {s['repeats']} interleaved repeats",
        "",
    ]
    head = f"{'method':<44}{'ms/case':>10}{'cases/s':>11}{'x doc':>9}{'x best':>9}{'x pyAgrum':>10}{'max |diff|':>12}"
    lines += [head, "-" * len(head)]
    for r in results["methods"]:
        sp = r["speedup"]
        lines.append(
            f"{r['method']:<44}{r['ms_per_case']:>10.3f}{_num(r['cases_per_second'], ',.0f'):>11}"
            f"{_num(sp.get('pgmpy_doc'), '.1f'):>9}{_num(sp.get('pgmpy_best'), '.1f'):>9}"
            f"{_num(sp.get('pyagrum'), '.2f'):>10}{_num(r['max_abs_diff'], '.1e'):>12}"
        )
    extra = [r for r in results["methods"] if r.get("pgmpy_fallbacks") or r.get("inexact_rows")]
    for r in extra:
        if r.get("pgmpy_fallbacks"):
            lines.append(f"  {r['method']}: {r['pgmpy_fallbacks']} of {s['cases']} cases sent to pgmpy (precision)")
        if r.get("inexact_rows"):
            lines.append(f"  {r['method']}: {r['inexact_rows']} rows flagged inexact (max |diff| over the others)")
    best = results["pgmpy_best"]
    lines.append(
        "pgmpy best configuration: "
        + ", ".join(f"{c['chunk']}/{c['elimination_order']} {c['ms_per_case']:.0f} ms" for c in best["calibration"])
        + f" -> {best['chunk']} causes per query, {best['elimination_order']}"
    )
    tp = results["batch_throughput"]
    lines += [
        "",
        f"batch throughput, cases with 1-8 positive findings: ddx.infer.posteriors_many "
        f"{tp['infer_cases_per_second']:,.0f} cases/s ({tp['cases']:,} cases, {tp['pgmpy_fallbacks']} flagged "
        f"inexact), diagnose_many {tp['diagnose_many_cases_per_second']:,.0f} cases/s ({tp['diagnose_many_cases']:,})",
        f"  one float64 pass without escalation: {tp['float64_only_cases_per_second']:,.0f} cases/s = "
        f"{tp['float64_only_cases_per_second'] * tp['subset_rows_per_case']:,.0f} subset rows/s "
        f"({tp['subset_rows_per_case']:.0f} rows per case on average)",
    ]
    if results.get("intervals"):
        lines += ["", "uncertainty: diagnose(..., intervals=True, samples=1000), one case (median; first run)"]
        lines += [
            f"  {r['case']:<32}{r['seconds']:8.2f} s{r.get('first_s', r['seconds']):8.2f} s"
            for r in results["intervals"]
        ]
    if results.get("scaling_positives"):
        head = (
            f"{'positive':>8}{'cases':>7}{'ddx ms':>10}{'Quickscore ms':>15}{'float64 ms':>12}{'to pgmpy':>10}"
            f"{'pgmpy ms':>10}"
            f"{'max |diff|':>12}"
        )
        lines += ["", "scaling with the number of positive findings (pgmpy: best configuration)", head, "-" * len(head)]
        for r in results["scaling_positives"]:
            if "error" in r:
                lines.append(f"{r['positives']:>8}{r['cases']:>7}  {r['error']}")
                continue
            lines.append(
                f"{r['positives']:>8}{r['cases']:>7}{r['ddx_ms']:>10.2f}{r['quickscore_ms']:>15.2f}"
                f"{r['float64_pass_ms']:>12.2f}"
                f"{r['pgmpy_fallbacks']:>10}{r['pgmpy_best_ms']:>10.1f}{r['max_abs_diff']:>12.1e}"
            )
    if results.get("scaling_size"):
        head = (
            f"{'size':>5}{'causes':>8}{'findings':>10}{'ddx.infer ms':>14}{'batch ms':>10}{'pyAgrum ms':>12}"
            f"{'pgmpy ms':>10}{'|diff| pyAgrum':>16}{'|diff| pgmpy':>14}{'inexact':>9}"
        )
        lines += ["", "scaling with the size of the model (synthetic copies of the bundled model; ddx.infer)", head]
        lines.append("-" * len(head))
        for r in results["scaling_size"]:
            pgmpy = f"{r['pgmpy_best_ms']:.0f} ({r['pgmpy_cases']})" if r["pgmpy_best_ms"] is not None else "too slow"
            lines.append(
                f"{'x' + str(r['size']):>5}{r['causes']:>8}{r['findings']:>10}{r['ddx_infer_single_ms']:>14.2f}"
                f"{r['ddx_infer_batch_ms']:>10.3f}{_num(r['pyagrum_ms'], '.2f'):>12}{pgmpy:>10}"
                f"{_num(r['max_abs_diff_pyagrum'], '.1e'):>16}{_num(r['max_abs_diff'], '.1e'):>14}"
                f"{r['inexact_rows']:>9}"
            )
        lines.append(
            "  pgmpy ms: best configuration, on the number of cases in brackets; not run where its cost, "
            "extrapolated from the smaller models, passes 20 s a case"
        )
    if "startup" in results:
        st = results["startup"]
        lines += ["", "cold start (fresh interpreter, median of 3):"]
        lines.append(f"  python -c pass                   {st['python']['median_s']:.3f} s")
        ph = st["import_diagnose"].get("phases_s")
        for key, label in (
            ("import_diagnose", "import ddx; load().diagnose(...)"),
            ("score_one_row", "ddx score, 1 row"),
        ):
            heavy = ", ".join(st[key]["heavy_imports"]) or "none"
            lines.append(f"  {label:<32} {st[key]['median_s']:.3f} s  (heavy imports: {heavy})")
            if ph and key == "import_diagnose":
                lines.append(
                    f"    of which import ddx {ph['import']:.3f} s, load() {ph['load']:.3f} s, "
                    f"first diagnose {ph['diagnose']:.3f} s"
                )
    if "memory" in results:
        mem = results["memory"]
        state = "timed out" if mem["timed_out"] else ("done" if mem["completed"] else f"exit {mem['exit_code']}")
        lines += [
            "",
            f"memory: ddx score on {mem['rows']:,} rows: {mem['rows_scored']:,} scored in {mem['seconds']:.0f} s "
            f"({state}, {_num(mem['rows_per_second'], ',.0f')} rows/s), "
            f"peak RSS {_num(mem['peak_rss_mib'], '.0f')} MiB",
        ]
        if not mem["completed"] and mem["projected_seconds"]:
            how = mem.get("projection", "at that rate")
            secs = mem["projected_seconds"]
            span = f"{secs / 3600:.1f} h" if secs >= 3600 else f"{secs / 60:.1f} min"
            lines.append(f"  all {mem['rows']:,} rows would take {span} ({how})")
    lines += ["", "targets (issue 8):"]
    for t in results["targets"]:
        mark = {True: "met   ", False: "MISSED", None: "n/a   "}[t["met"]]
        lines.append(f"  [{mark}] {t['target']}: {t['measured']}")
    return "\n".join(lines)


def write_json(results: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the results as indented JSON."""
    target = Path(path)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line (``ddx bench``, ``scripts/benchmark.py``); returns 0."""
    parser = argparse.ArgumentParser(prog="ddx bench", description="Benchmark ddx against pgmpy and pyAgrum.")
    parser.add_argument("--cases", type=int, metavar="N", help="cases in the main table (default 40; quick 12)")
    parser.add_argument("--repeats", type=int, metavar="R", help="interleaved timed repeats (default 3; quick 1)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"case generator seed (default {SEED})")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer cases, levels and rows")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling tables")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory run of ddx score")
    parser.add_argument("--no-startup", action="store_true", help="skip the cold-start timings")
    parser.add_argument("--memory-rows", type=int, metavar="N", help="rows of the memory run (default 1,000,000)")
    parser.add_argument("--memory-timeout", type=float, metavar="S", help="stop the memory run after S seconds")
    parser.add_argument("--model", metavar="DIR", help="model directory (default: the bundled model)")
    parser.add_argument("--json", default="benchmark.json", metavar="FILE", help="write the figures here")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    results = run_benchmark(
        args.cases,
        args.repeats,
        args.seed,
        quick=args.quick,
        scaling=not args.no_scaling,
        memory=not args.no_memory,
        startup=not args.no_startup,
        memory_rows=args.memory_rows,
        memory_timeout=args.memory_timeout,
        model=args.model,
        log=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(format_table(results))
    print(f"\nwrote {write_json(results, args.json)}")
    return 0
