"""The knowledge base compiled for the exact fast path: index arrays, the numbers as :class:`Params`.

Every number enters through :class:`Params`, whose arrays have a leading
axis of one (the model's values) or one row per case, so that many draws of
the numbers (uncertainty) run through the same pass as many cases. The risk
factors shared by several causes are grouped into buckets whose einsum
contraction order is fixed here, once per model. Both exact methods,
Quickscore (:mod:`ddx.inference.quickscore`) and variable elimination
(:mod:`ddx.inference.eliminate`), read a case through
:func:`evidence_arrays` and :func:`log_common`. No I/O here: arrays in,
arrays out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..knowledge.model import KnowledgeBase

__all__ = [
    "CaseEvidence",
    "CompiledModel",
    "Params",
    "PrecisionError",
    "compile_model",
    "evidence_arrays",
    "log_common",
    "point_params",
]
_LETTERS = "acdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # "b" is the batch axis


class PrecisionError(ArithmeticError):
    """Quickscore cannot guarantee the requested accuracy for this case."""


@dataclass(frozen=True)
class CaseEvidence:
    """One case as indices into a :class:`CompiledModel`."""

    parents: Mapping[int, int]  # risk-factor index -> observed state index
    positive: Sequence[int]  # finding indices answered yes
    negative: Sequence[int]  # finding indices answered no


@dataclass(frozen=True)
class Params:
    """Every number of the model; each array has a leading axis of 1 or of one row per case.

    ``*_off`` are probabilities of "off": 1 - prior, 1 - activation, 1 - leak.
    """

    parent_prior: np.ndarray  # (N, P) P(risk factor in its second state)
    base_off: np.ndarray  # (N, C) 1 - prior
    finding_off: np.ndarray  # (N, C, F) 1 - a, 1.0 where no link
    leak_off: np.ndarray  # (N, F) 1 - leak
    link_off: np.ndarray  # (N, L) 1 - r of each risk-factor link, in the order of kb.cause_links

    @property
    def rows(self) -> int:
        return int(self.base_off.shape[0])

    def take(self, index: np.ndarray) -> Params:
        """The rows ``index`` (all rows stay one when the numbers are shared)."""
        if self.rows == 1:
            return self
        return Params(
            *(a[index] for a in (self.parent_prior, self.base_off, self.finding_off, self.leak_off, self.link_off))
        )


@dataclass(frozen=True)
class _Bucket:
    """Causes whose shared risk factors fit in one set of axes: one einsum operand.

    ``links[i]`` lists, for member cause ``causes[i]``, its shared risk-factor
    links as (axis, activating state, link index).
    """

    axes: tuple[int, ...]  # shared risk-factor indices
    causes: tuple[int, ...]
    links: tuple[tuple[tuple[int, int, int], ...], ...]
    owns: tuple[int, ...]  # shared risk factors whose evidence vector this operand carries


@dataclass(frozen=True)
class _Plan:
    """A pairwise contraction order with the einsum subscripts of its forward and backward steps."""

    forward: tuple[tuple[tuple[int, ...], str, int], ...]  # (operand ids, expression, new id)
    backward: tuple[tuple[int, str, tuple[int, ...], str, str], ...]  # (grad id, expr, others, have, want)
    final: int
    final_expr: str
    final_subs: str


@dataclass(frozen=True)
class CompiledModel:
    """The structure of the knowledge base as index arrays, and its numbers as :class:`Params`."""

    causes: tuple[str, ...]
    parents: tuple[str, ...]
    findings: tuple[str, ...]
    params: Params
    private: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # cause, parent, state, link index
    buckets: tuple[_Bucket, ...]
    free: np.ndarray  # causes with no shared risk factor
    plan: _Plan | None
    parent_index: Mapping[str, int]
    finding_index: Mapping[str, int]
    # Values derived once from the fields, shared by every thread that uses the model: each is
    # read-only once stored, and added with one atomic dict.setdefault (never a check, then a
    # store); ddx.inference.eliminate keeps its bounded tables here, each behind a lock of its own.
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)


def _buckets(by_cause: Mapping[int, list[tuple[int, int, int]]]) -> list[_Bucket]:
    """Group causes by their shared risk factors: each group's axes contain every member's."""
    axes_of = {c: tuple(sorted({p for p, _, _ in links})) for c, links in by_cause.items()}
    maximal = sorted(
        {a for a in axes_of.values() if not any(set(a) < set(b) for b in axes_of.values())},
        key=lambda a: (-len(a), a),
    )
    members: dict[tuple[int, ...], list[int]] = {a: [] for a in maximal}
    for c in sorted(by_cause):
        home = next(a for a in maximal if set(axes_of[c]) <= set(a))
        members[home].append(c)
    buckets: list[_Bucket] = []
    owned: set[int] = set()
    for axes in maximal:
        links = tuple(tuple((axes.index(p), state, li) for p, state, li in by_cause[c]) for c in members[axes])
        owns = tuple(p for p in axes if p not in owned)
        owned.update(owns)
        buckets.append(_Bucket(axes, tuple(members[axes]), links, owns))
    return buckets


def _plan(subscripts: Sequence[str], shapes: Sequence[tuple[int, ...]]) -> _Plan:
    """Fix the contraction order of ``subscripts -> b`` and the subscripts of every step."""
    output = "b"
    expr = ",".join(subscripts) + "->" + output
    path = np.einsum_path(expr, *(np.ones(s) for s in shapes), optimize="greedy")[0][1:]
    subs = dict(enumerate(subscripts))
    current = list(range(len(subscripts)))
    forward = []
    for pair in path:
        ids = tuple(current[i] for i in pair)
        for i in sorted(pair, reverse=True):
            del current[i]
        keep = set(output).union(*(subs[j] for j in current))
        merged = "".join(dict.fromkeys("".join(subs[j] for j in ids)))
        out = "".join(ch for ch in merged if ch in keep)
        new = len(subs)
        subs[new] = out
        forward.append((ids, ",".join(subs[j] for j in ids) + "->" + out, new))
        current.append(new)
    (final,) = current
    backward = []
    for ids, _, new in reversed(forward):
        for j in ids:
            others = tuple(o for o in ids if o != j)
            terms = [subs[new], *(subs[o] for o in others)]
            avail = set("".join(terms))
            have = "".join(ch for ch in subs[j] if ch in avail)
            backward.append((new, ",".join(terms) + "->" + have, others, have, subs[j]))
    return _Plan(tuple(forward), tuple(backward), final, f"{subs[final]}->{output}", subs[final])


def point_params(kb: KnowledgeBase) -> Params:
    """The model's own numbers (the ``value`` of every entry) as one row of :class:`Params`."""
    causes, parents, findings = kb.causes, kb.risk_factors, kb.network_findings
    ci = {c: i for i, c in enumerate(causes)}
    fi = {f: i for i, f in enumerate(findings)}
    finding_off = np.ones((len(causes), len(findings)))
    for link in kb.finding_links:
        finding_off[ci[link.parent], fi[link.child]] = 1.0 - link.number.value
    return Params(
        parent_prior=np.array([[kb.parent_priors[p].value for p in parents]]),
        base_off=np.array([[1.0 - kb.priors[c].value for c in causes]]),
        finding_off=finding_off[None],
        leak_off=np.array([[1.0 - kb.leaks[f].value for f in findings]]),
        link_off=np.array([[1.0 - link.number.value for link in kb.cause_links]]).reshape(1, -1),
    )


def compile_model(kb: KnowledgeBase) -> CompiledModel:
    """Lay out the knowledge base as the arrays the fast path works on."""
    causes, parents, findings = kb.causes, kb.risk_factors, kb.network_findings
    ci = {c: i for i, c in enumerate(causes)}
    pi = {p: i for i, p in enumerate(parents)}
    children: dict[int, list[int]] = {}
    for link in kb.cause_links:
        children.setdefault(pi[link.parent], []).append(ci[link.child])
    shared = sorted(p for p, cs in children.items() if len(cs) > 1)
    if len(shared) > len(_LETTERS):
        raise ValueError(f"the fast path supports at most {len(_LETTERS)} shared risk factors")
    letter = {p: _LETTERS[i] for i, p in enumerate(shared)}

    private: list[tuple[int, int, int, int]] = []
    by_cause: dict[int, list[tuple[int, int, int]]] = {}
    for li, link in enumerate(kb.cause_links):
        c, p = ci[link.child], pi[link.parent]
        state = kb.nodes[link.parent].states.index(link.active_state)
        if p in letter:
            by_cause.setdefault(c, []).append((p, state, li))
        else:
            private.append((c, p, state, li))
    buckets = _buckets(by_cause)
    plan = None
    if buckets:
        plan = _plan(
            ["b" + "".join(letter[p] for p in k.axes) for k in buckets],
            [(64,) + (2,) * len(k.axes) for k in buckets],
        )
    columns = list(zip(*private, strict=True)) if private else [(), (), (), ()]
    return CompiledModel(
        causes=causes,
        parents=parents,
        findings=findings,
        params=point_params(kb),
        private=tuple(np.array(col, dtype=np.intp) for col in columns),  # type: ignore[arg-type]
        buckets=tuple(buckets),
        free=np.array([c for c in range(len(causes)) if c not in by_cause], dtype=np.intp),
        plan=plan,
        parent_index=pi,
        finding_index={f: i for i, f in enumerate(findings)},
    )


def evidence_arrays(model: CompiledModel, cases: Sequence[CaseEvidence], dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """The answers as arrays: risk factors one-hot ``(n, P, 2)`` (zeros when unanswered), "no" findings ``(n, F)``."""
    observed = np.zeros((len(cases), len(model.parents), 2), dtype)
    negative = np.zeros((len(cases), len(model.findings)), dtype)
    for i, case in enumerate(cases):
        for p, state in case.parents.items():
            observed[i, p, state] = 1.0
        negative[i, list(case.negative)] = 1.0
    return observed, negative


def log_common(observed: np.ndarray, negative: np.ndarray, params: Params, dtype: Any) -> np.ndarray:
    """log of the factors common to every term of a case, left out of the sums.

    They are the leaks of the findings answered no and the priors of the
    answered risk factors (arrays from :func:`evidence_arrays`).
    """
    prior = params.parent_prior.astype(dtype)
    log_leak = np.log(params.leak_off.astype(dtype))  # (N, F)
    # a prior of exactly 0 or 1 (a hypothetical answer entered through the prior) is not an
    # answered risk factor: its zero weight in ``observed`` must not meet log(0)
    both = np.stack([1.0 - prior, prior], axis=-1)
    log_prior = np.log(np.maximum(both, np.finfo(both.dtype).tiny))  # (N, P, 2)
    if params.rows == 1:
        return negative @ log_leak[0] + np.einsum("npk,pk->n", observed, log_prior[0])
    return np.einsum("nf,nf->n", negative, log_leak) + np.einsum("npk,npk->n", observed, log_prior)
