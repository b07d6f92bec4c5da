"""Exact posteriors by variable elimination, for cases past Quickscore's reach.

Quickscore (:mod:`ddx.inference.quickscore`) enumerates 2^k signed terms for k positive
findings: its cost doubles with each one and the terms cancel. Here the cost
grows with the width of the case's elimination order instead, with each
many-parent positive finding in one of two forms:

- **signed**: Quickscore's subset variable s, with factor (1, -(1 - leak))
  and (1 - a)^(cause * s) to each parent. The sum over subsets is factored,
  so the order is narrow (width 5-12 on realistic cases), but the sums still
  cancel: the condition number comes from a second pass over absolute values
  and the caller checks it;
- **nonnegative**: the noisy-OR unrolled into a chain (below). Nothing
  cancels, so the rounding error is a few eps per operation whatever the
  evidence; the order is wider.

A case may mix them (the **mixed** form): the few findings that cancel most
unrolled, the others signed; :func:`_choose_signed` picks them for the draws
of an ill-conditioned case.

The factors of one case:

- each unanswered risk factor: its prior; an answered one is fixed in place;
- each cause: P(cause | its unanswered risk factors), its "present" state
  times prod(1 - a) over the findings answered no;
- each finding answered yes with m parents: for m <= ``_TABLE`` its table
  P(present | parents) = 1 - (1 - leak) * prod(1 - a); for more, the subset
  variable (signed form) or the noisy-OR unrolled into a chain of m - 1
  binary variables ("present through the leak or the first i parents";
  Heckerman & Breese's temporal decomposition), one small factor per
  parent, so a finding with 11 parents adds no 2^11 table.

Findings not answered are barren and left out. The variables are eliminated
in a greedy min-size order, computed once per structure (which findings are
positive, which risk factors answered) and kept (the most recent ``_KEPT``,
behind a lock, so that threads can share a model; the plans are made by
:mod:`ddx.inference.elimination_plan`);
cases with the same structure, or many draws of the numbers for one case,
share one pass along a leading batch axis. A backward pass through the same
steps gives the marginal of every factor, hence P(cause present, evidence)
for every cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import elimination_plan as plans
from .compile import CaseEvidence, CompiledModel, Params, evidence_arrays, log_common
from .elimination_plan import _finding_parents, _kept, _links_by_cause, _make_plan, _many_parents, _Plan, _plan_for

__all__ = ["condition_number", "eliminate_many"]

#: Groups of at least this many cases of one structure get plans of pairwise products.
_PAIRWISE_CASES = 16
#: Findings tried again after the first round of the mixed form's search.
_CANDIDATES = 4
#: Cases run together so that a step's largest tensor stays about this size (cache, memory).
_CHUNK_BYTES = 8 * 2**20


def eliminate_many(
    model: CompiledModel,
    cases: Sequence[CaseEvidence],
    params: Params,
    signed: bool | frozenset[int] = False,
    dtype: Any = np.float64,
    *,
    cond_target: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posteriors ``(n, C)``, log P(evidence) ``(n,)`` and condition numbers ``(n,)`` of ``cases``.

    ``params`` has one row, or one row per case. Cases with the same
    structure run in one pass. The nonnegative form (``signed=False``) has
    condition number 1: exact to a few eps. The signed form (``True``) is
    narrower and faster, but its condition number (sum of absolute terms
    over the sum) can be large, as for Quickscore, and is returned for the
    caller to check. A set of finding indices keeps those findings signed
    and unrolls the others (the mixed form).

    ``cond_target`` asks for the mixed form instead: per structure, findings
    leave the signed form for chains, one at a time, until the condition
    number of the structure's first case is below ``cond_target`` (see
    :func:`_choose_signed`). Worth its search only for many cases of one
    structure, such as draws of the numbers for one case.
    """
    n = len(cases)
    post = np.empty((n, len(model.causes)))
    log_pe = np.empty(n)
    cond = np.ones(n)
    groups: dict[tuple[tuple[int, ...], tuple[int, ...]], list[int]] = {}
    for i, case in enumerate(cases):
        groups.setdefault((tuple(sorted(case.positive)), tuple(sorted(case.parents))), []).append(i)
    for (positive, answered), members in groups.items():
        index = np.array(members, dtype=np.intp)
        rows = params.take(index) if params.rows > 1 else params
        form = signed
        if cond_target is not None:
            first = params.take(index[:1]) if params.rows > 1 else params
            form = _choose_signed(model, cases[members[0]], first, positive, answered, cond_target)
        plan = _plan_for(model, positive, answered, form, pairwise=len(members) >= _PAIRWISE_CASES)
        size = max(1, _CHUNK_BYTES // (plan.points * np.dtype(dtype).itemsize))
        for start in range(0, len(index), size):
            part = index[start : start + size]
            chunk = rows.take(np.arange(start, start + len(part))) if rows.rows > 1 else rows
            post[part], log_pe[part], cond[part] = _run(model, plan, [cases[i] for i in part], positive, chunk, dtype)
    return post, log_pe, cond


def condition_number(model: CompiledModel, case: CaseEvidence, params: Params) -> float:
    """The signed form's condition number for ``case`` in float64: one forward pass, no marginals.

    Cheap beside a pass with marginals over many cases, so a group of cases
    of one structure is probed with its first: cases that share a structure
    cancel alike, and a group whose first fails float64's bound skips that pass.
    """
    positive, answered = tuple(sorted(case.positive)), tuple(sorted(case.parents))
    return _probe(model, case, params, positive, answered, _many_parents(model, positive))[0]


def _choose_signed(
    model: CompiledModel,
    case: CaseEvidence,
    params: Params,
    positive: tuple[int, ...],
    answered: tuple[int, ...],
    target: float,
) -> frozenset[int]:
    """The findings to keep as subset variables so that ``case``'s condition number falls below ``target``.

    Each signed finding multiplies the condition number by a factor of its
    own (from 1 to over 30 on realistic cases) that no cheap formula predicts
    well, so each candidate is tried on ``case`` (one float64 pass, plus one
    over absolute values). Greedy: the cheapest candidate that reaches the
    target, else the one that lowers the condition number most per added
    cost. A chain costs width, so the few findings that cancel most go first.
    """
    signed = _many_parents(model, positive)
    candidates = sorted(signed)
    cond, cost = _probe(model, case, params, positive, answered, signed)
    while candidates and cond > target:
        trials = [(*_probe(model, case, params, positive, answered, signed - {f}), f) for f in candidates]
        trials.sort(key=lambda t: -np.log(cond / t[0]) / np.log(1.0 + t[1] / cost))  # best value first
        reach = [t for t in trials if t[0] <= target]
        cond, cost, f = min(reach, key=lambda t: t[1]) if reach else trials[0]
        signed = signed - {f}
        candidates = [t[2] for t in trials if t[2] != f][:_CANDIDATES]  # later rounds: the best few only
    return signed


def _probe(
    model: CompiledModel,
    case: CaseEvidence,
    params: Params,
    positive: tuple[int, ...],
    answered: tuple[int, ...],
    signed: frozenset[int],
) -> tuple[float, float]:
    """Condition number of ``case`` in this form, and its cost: the points of every step's union."""
    key = ("probe", positive, answered, signed)
    plan: _Plan = _kept(
        model, "plans", key, lambda: _make_plan(model, positive, set(answered), signed, pairwise=False, marginals=False)
    )
    observed, negative = evidence_arrays(model, [case], np.float64)
    factors = _factors(model, plan, [case], observed, negative.astype(bool), positive, params, np.float64)
    tensors, z = _forward(plan, factors)
    total = _absolute_sum(plan, factors, tensors)
    cost = sum(step.forward.points for step in plan.steps)  # the backward pass: about twice this
    return float(total[0] / abs(z[0])) if z[0] else float("inf"), float(cost)


def _forward(
    plan: _Plan, factors: list[np.ndarray], done: dict[int, np.ndarray] | None = None
) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """Every step's factor and the product of the finals; ``done``: reuse its factors the signs do not reach."""
    tensors: dict[int, np.ndarray] = dict(enumerate(factors))
    for step in plan.steps:
        if done is not None and step.output not in plan.negative:
            tensors[step.output] = done[step.output]
        else:
            tensors[step.output] = step.forward(*(tensors[i] for i in step.inputs))
    return tensors, np.prod(np.stack([tensors[i] for i in plan.finals]), axis=0)


def _absolute_sum(plan: _Plan, factors: list[np.ndarray], tensors: dict[int, np.ndarray]) -> np.ndarray:
    """The sum over the absolute values of the terms: the forward pass without the subset variables' signs.

    Every factor those signs do not reach is taken from ``tensors`` (the signed pass).
    """
    return _forward(plan, [np.abs(f) if i in plan.negative else f for i, f in enumerate(factors)], done=tensors)[1]


def _run(
    model: CompiledModel,
    plan: _Plan,
    cases: Sequence[CaseEvidence],
    positive: tuple[int, ...],
    params: Params,
    dtype: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    observed, negative = evidence_arrays(model, cases, dtype)
    factors = _factors(model, plan, cases, observed, negative.astype(bool), positive, params, dtype)
    tensors, z = _forward(plan, factors)
    cond = np.ones(len(z))
    if plan.signed:  # the same sum over absolute values bounds the rounding error
        cond = _absolute_sum(plan, factors, tensors) / np.abs(z)
    grads: dict[int, np.ndarray] = {}
    finals = [tensors[i] for i in plan.finals]
    for i, fid in enumerate(plan.finals):
        rest = [f for k, f in enumerate(finals) if k != i]
        grads[fid] = np.prod(np.stack(rest), axis=0) if rest else np.ones_like(z)
    for step in reversed(plan.steps):
        for j, einsum, others, kept in step.backward:
            g = einsum(grads[step.output], *(tensors[o] for o in others))
            if not all(kept):  # the eliminated variable, in this factor only: the gradient is constant along it
                index = (slice(None), *tuple(slice(None) if k else None for k in kept))
                g = np.broadcast_to(g[index], tensors[j].shape)
            grads[j] = g
    n_causes = len(model.causes)
    numer = np.empty((len(z), n_causes), dtype)
    for c, fid in enumerate(plan.cause_factor):
        joint = grads[fid] * tensors[fid]
        numer[:, c] = joint[:, 1].reshape(len(z), -1).sum(axis=1)
    post = np.clip((numer / z[:, None]).astype(np.float64), 0.0, 1.0)
    log_evidence = np.log(np.abs(z)) + log_common(observed, negative, params, dtype)
    return post, log_evidence.astype(np.float64), cond.astype(np.float64)


def _factors(
    model: CompiledModel,
    plan: _Plan,
    cases: Sequence[CaseEvidence],
    observed: np.ndarray,
    negative: np.ndarray,
    positive: tuple[int, ...],
    params: Params,
    dtype: Any,
) -> list[np.ndarray]:
    """The initial factors of ``plan`` for ``cases`` (one structure), each ``(B, 2, ..., 2)``."""
    n = len(cases)
    factors: list[np.ndarray] = []
    parent_prior = _per_case(params.parent_prior, n, dtype)
    finding_off = _per_case(params.finding_off, n, dtype)  # (n, C, F)
    leak_off = _per_case(params.leak_off, n, dtype)
    one = np.ones(n, dtype)
    nw = np.prod(np.where(negative[:, None, :], finding_off, one[0]), axis=2)  # (n, C): prod(1 - a) over "no"
    answered = set(cases[0].parents)
    for c, (q, not_q) in enumerate(_cause_absent(model, plan, cases, observed, params, dtype)):
        flat = (n,) + (1,) * (q.ndim - 1)
        factors.append(np.stack([np.broadcast_to(q, (n, *q.shape[1:])), not_q * nw[:, c].reshape(flat)], axis=1))
    rf_prior = np.stack([1.0 - parent_prior, parent_prior], axis=2)  # (n, P, 2)
    factors.extend(rf_prior[:, p] for p in range(len(model.parents)) if p not in answered)
    for f in positive:
        parents = _finding_parents(model)[f]
        leak = leak_off[:, f]
        offs = finding_off[:, parents, f]  # (n, m)
        m = len(parents)
        if m <= max(plans._TABLE, 1):
            table = leak.reshape((n,) + (1,) * m)
            for k in range(m):
                shape = [n] + [1] * m
                shape[1 + k] = 2
                table = table * np.stack([one, offs[:, k]], axis=1).reshape(shape)
            factors.append(1.0 - table)
        elif f in plan.signed:
            factors.append(np.stack([one, -leak], axis=1))  # (s,)
            link = np.ones((n, m, 2, 2), dtype)  # (cause, s): (1 - a)^(cause * s)
            link[:, :, 1, 1] = offs
            factors.extend(link[:, k] for k in range(m))
        else:
            factors.extend(_chain(leak, offs))
    return factors


def _cause_absent(
    model: CompiledModel,
    plan: _Plan,
    cases: Sequence[CaseEvidence],
    observed: np.ndarray,
    params: Params,
    dtype: Any,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per cause, P(absent | its unanswered risk factors) and 1 minus it, each ``(1 or B, 2, ..., 2)``.

    They depend on the numbers and the risk factors' answers only, not on
    the findings: with the model's own numbers and one set of answers for
    the whole group (one case, say), they are kept for the next case.
    """
    state = observed.argmax(axis=2)  # the answer of each answered risk factor
    if params is model.params and bool((state == state[:1]).all()):
        key = (tuple(sorted((p, int(state[0, p])) for p in cases[0].parents)), np.dtype(dtype).str)
        kept: list[tuple[np.ndarray, np.ndarray]] = _kept(
            model, "cause_absent", key, lambda: _cause_absent_rows(model, plan, cases, state[:1], params, dtype)
        )
        return kept
    return _cause_absent_rows(model, plan, cases, state, params, dtype)


def _cause_absent_rows(
    model: CompiledModel,
    plan: _Plan,
    cases: Sequence[CaseEvidence],
    state: np.ndarray,
    params: Params,
    dtype: Any,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`_cause_absent` for ``len(state)`` rows (1: shared by the group)."""
    n = len(state)
    base_off, link_off = _per_case(params.base_off, n, dtype), _per_case(params.link_off, n, dtype)
    one = np.ones(n, dtype)
    answered = set(cases[0].parents)
    links = _links_by_cause(model)
    n_causes = len(model.causes)
    out = []
    for c in range(n_causes):
        axes = plan.scopes[plan.cause_factor[c]][1:]
        flat = (n,) + (1,) * len(axes)
        q = base_off[:, c].reshape(flat)
        for p, s, li in links[c]:
            if p in answered:
                q = q * np.where(state[:, p] == s, link_off[:, li], one).reshape(flat)
            else:
                vec = np.ones((n, 2), dtype)
                vec[:, s] = link_off[:, li]
                shape = [n] + [1] * len(axes)
                shape[1 + axes.index(n_causes + p)] = 2
                q = q * vec.reshape(shape)
        q = np.broadcast_to(q, (n,) + (2,) * len(axes))  # a read-only view
        not_q = 1.0 - q
        not_q.flags.writeable = False
        out.append((q, not_q))
    return out


def _per_case(a: np.ndarray, n: int, dtype: Any) -> np.ndarray:
    """One of the numbers' arrays in ``dtype`` with ``n`` rows (a shared row broadcast, not copied)."""
    a = a.astype(dtype)
    return np.broadcast_to(a, (n, *a.shape[1:])) if len(a) == 1 else a


def _chain(leak: np.ndarray, offs: np.ndarray) -> list[np.ndarray]:
    """A noisy-OR "present" as m nonnegative factors over its m parents and m - 1 chain variables."""
    n, m = offs.shape
    first = np.empty((n, 2, 2), offs.dtype)  # (x_1, y_1)
    first[:, 0, 0] = leak
    first[:, 1, 0] = leak * offs[:, 0]
    first[:, :, 1] = 1.0 - first[:, :, 0]
    out = [first]
    for k in range(1, m - 1):
        mid = np.zeros((n, 2, 2, 2), offs.dtype)  # (y_prev, x_k, y_k)
        mid[:, 1, :, 1] = 1.0
        mid[:, 0, 0, 0] = 1.0
        mid[:, 0, 1, 0] = offs[:, k]
        mid[:, 0, 1, 1] = 1.0 - offs[:, k]
        out.append(mid)
    last = np.zeros((n, 2, 2), offs.dtype)  # (y_prev, x_m), the finding present
    last[:, 1, :] = 1.0
    last[:, 0, 1] = 1.0 - offs[:, m - 1]
    out.append(last)
    return out
