"""The engines the benchmark times on the same cases: pgmpy, pyAgrum, and ddx one case or many at a time."""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.core import Engine
from ..inference.compile import CaseEvidence, CompiledModel, compile_model
from ..inference.network import build_network
from ..inference.quickscore import posteriors_many
from ..knowledge.evidence import Evidence, normalise
from ..knowledge.model import CAUSE_STATES, KnowledgeBase
from .cases import Case

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


class _Prepared:
    """The cases of one run in every form the methods take.

    ``engine`` is None for the synthetic models of the size table: those are
    scored by :mod:`ddx.inference.quickscore` directly (an engine also wants each cause's
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

        from ..inference.export import export_network

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
