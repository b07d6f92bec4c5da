"""Exact posteriors by variable elimination, for cases past Quickscore's reach.

Quickscore (:mod:`ddx.infer`) enumerates 2^k signed terms for k positive
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
behind a lock, so that threads can share a model);
cases with the same structure, or many draws of the numbers for one case,
share one pass along a leading batch axis. A backward pass through the same
steps gives the marginal of every factor, hence P(cause present, evidence)
for every cause.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import Any

import numpy as np

from .quickscore import CaseEvidence, CompiledModel, Params, evidence_arrays, log_common

__all__ = ["condition_number", "eliminate_many"]

#: Positive findings with at most this many parents enter as one table; more as a chain.
_TABLE = 3
_LETTERS = "acdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # "b" is the batch axis
#: Einsums of at least this many numbers (cases x points of the union) take numpy's optimised route.
_PAIRWISE = 2**14
#: Groups of at least this many cases of one structure get plans of pairwise products.
_PAIRWISE_CASES = 16
#: Plans (about 100 KiB each) and risk-factor factors kept per model, least recently used dropped first.
_KEPT = 2048
#: A table's placeholder for a key it does not hold (None can be a value).
_MISSING = object()
#: Findings tried again after the first round of the mixed form's search.
_CANDIDATES = 4
#: Cases run together so that a step's largest tensor stays about this size (cache, memory).
_CHUNK_BYTES = 8 * 2**20
#: The batch size the pairwise paths are planned for (the path hardly depends on it).
_BATCH = 256


class _Einsum:
    """One einsum of a step (two factors, or a gradient and a factor), run the faster of numpy's two ways.

    Large ones go through numpy's optimised route (batched matrix products;
    the path is found once); small ones through its one-loop kernel, which
    costs less to call. The two round differently, so a case's answer can
    move in its last bits with the number of cases sharing its structure.
    """

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self._terms = expr.split("->")[0].split(",")
        self.points = 2 ** len(set("".join(self._terms)) - {"b"})  # the union's size, per case

    def __call__(self, *operands: np.ndarray) -> np.ndarray:
        if len(operands) < 2 or len(operands[0]) * self.points < _PAIRWISE:
            return np.einsum(self.expr, *operands)
        return np.einsum(self.expr, *operands, optimize=self.path)

    @cached_property
    def path(self) -> list[Any]:
        shapes = [tuple(_BATCH if ch == "b" else 2 for ch in term) for term in self._terms]
        found, _ = np.einsum_path(self.expr, *(np.broadcast_to(np.empty(()), s) for s in shapes), optimize="greedy")
        return list(found)


@dataclass(frozen=True)
class _Step:
    inputs: tuple[int, ...]
    output: int
    forward: _Einsum
    #: per input whose marginal is needed: (input, einsum, the other inputs, its axes the einsum keeps)
    backward: tuple[tuple[int, _Einsum, tuple[int, ...], tuple[bool, ...]], ...]


@dataclass(frozen=True)
class _Plan:
    scopes: tuple[tuple[int, ...], ...]  # every factor's variables, initial factors first
    steps: tuple[_Step, ...]
    finals: tuple[int, ...]  # factors left with no variable: their product is P(evidence)
    cause_factor: tuple[int, ...]  # the factor of each cause (its variable first)
    signed: frozenset[int]  # the many-parent positive findings entered as subset variables; the rest as chains
    negative: frozenset[int]  # the factors with negative entries (the subset variables' own) and the steps they reach

    @cached_property
    def points(self) -> int:
        """Points of the largest union a step multiplies out, per case."""
        return max((step.forward.points for step in self.steps), default=1)


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


def _links_by_cause(model: CompiledModel) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """For each cause, its risk-factor links as (risk factor, activating state, link index)."""
    result: tuple[tuple[tuple[int, int, int], ...], ...] = _once(model, ("links_by_cause",), _make_links, model)
    return result


def _make_links(model: CompiledModel) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    links: list[list[tuple[int, int, int]]] = [[] for _ in model.causes]
    for c, p, s, li in zip(*model.private, strict=True):
        links[int(c)].append((int(p), int(s), int(li)))
    for bucket in model.buckets:
        for c, member in zip(bucket.causes, bucket.links, strict=True):
            links[c].extend((bucket.axes[axis], s, li) for axis, s, li in member)
    return tuple(tuple(sorted(x)) for x in links)


def _finding_parents(model: CompiledModel) -> tuple[np.ndarray, ...]:
    """For each finding, the indices of its parent causes (read-only arrays)."""
    result: tuple[np.ndarray, ...] = _once(model, ("finding_parents",), _make_finding_parents, model)
    return result


def _make_finding_parents(model: CompiledModel) -> tuple[np.ndarray, ...]:
    linked = model.params.finding_off[0] < 1.0  # every link's probability is in (0, 1)
    parents = tuple(np.flatnonzero(linked[:, f]) for f in range(len(model.findings)))
    for array in parents:
        array.flags.writeable = False  # shared by every thread
    return parents


def _plan_for(
    model: CompiledModel,
    positive: tuple[int, ...],
    answered: tuple[int, ...],
    signed: bool | frozenset[int],
    pairwise: bool = False,
) -> _Plan:
    """The cached plan of a structure; ``signed`` is True (all), False (none) or the signed findings."""
    many = _many_parents(model, positive)
    form = (many if signed else frozenset()) if isinstance(signed, bool) else signed & many
    key = (positive, answered, form, pairwise)
    plan: _Plan = _kept(model, "plans", key, lambda: _make_plan(model, positive, set(answered), form, pairwise))
    return plan


class _Kept:
    """The ``_KEPT`` most recently used values of one table, safe to share between threads.

    One lock guards every look-up, move, insert and eviction, so a value
    evicted by one thread between another's look-up and its move cannot be
    missed (the lock adds about 0.2 us to a look-up, beside a case's
    milliseconds). A value is made outside the lock, so that a plan being
    built (milliseconds) holds up no other thread: two threads may make the
    same one, and both get the one kept first.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: OrderedDict[Any, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            value = self._values.get(key, _MISSING)
            if value is not _MISSING:
                self._values.move_to_end(key)
                return value
        made = make()
        with self._lock:
            value = self._values.setdefault(key, made)
            self._values.move_to_end(key)
            while len(self._values) > _KEPT:
                self._values.popitem(last=False)
        return value


def _kept(model: CompiledModel, table: str, key: Any, make: Callable[[], Any]) -> Any:
    """``make()``, kept in one of the model's tables of the ``_KEPT`` most recently used values.

    A cohort can hold a new structure in every row: unbounded, the tables would grow with the file.
    """
    store: _Kept | None = model._cache.get(table)
    if store is None:
        store = model._cache.setdefault(table, _Kept())  # one atomic step: every thread gets the same table
    return store.get(key, make)


def _once(model: CompiledModel, key: Any, make: Callable[..., Any], *args: Any) -> Any:
    """``make(*args)``, kept in the model for good (never evicted).

    Threads that find it missing at once may each make it; ``setdefault`` is
    one atomic step, so all of them get the value kept first.
    """
    value = model._cache.get(key, _MISSING)
    if value is _MISSING:
        value = model._cache.setdefault(key, make(*args))
    return value


def _many_parents(model: CompiledModel, positive: tuple[int, ...]) -> frozenset[int]:
    """The positive findings with too many parents for one table: subset variables or chains."""
    return frozenset(f for f in positive if len(_finding_parents(model)[f]) > max(_TABLE, 1))


def _make_plan(
    model: CompiledModel,
    positive: tuple[int, ...],
    answered: set[int],
    signed: frozenset[int],
    pairwise: bool = False,
    marginals: bool = True,
) -> _Plan:
    """The factors' scopes for this structure and a greedy min-size elimination order.

    ``signed``: a positive finding with many parents enters as Quickscore's
    subset variable s (factor (1, -(1 - leak))) linked to each parent by
    (1 - a)^(cause * s); its graph is narrow but its sums cancel. Otherwise
    it enters as a chain of nonnegative factors. Without ``marginals`` no
    backward pass is recorded (P(evidence) only: the mixed form's probes).
    """
    n_causes = len(model.causes)
    # variables: causes 0..C-1, risk factors C..C+P-1, then chain or subset variables
    scopes: list[tuple[int, ...]] = []
    links = _links_by_cause(model)
    for c in range(n_causes):
        scopes.append((c, *sorted({n_causes + p for p, _, _ in links[c] if p not in answered})))
    scopes.extend((n_causes + p,) for p in range(len(model.parents)) if p not in answered)
    var = n_causes + len(model.parents)
    signs: list[int] = []  # the subset variables' factors (1, -(1 - leak))
    for f in positive:
        parents = [int(c) for c in _finding_parents(model)[f]]
        if len(parents) <= max(_TABLE, 1):
            scopes.append(tuple(parents))
        elif f in signed:
            signs.append(len(scopes))
            scopes.append((var,))
            scopes.extend((c, var) for c in parents)
            var += 1
        else:
            ys = list(range(var, var + len(parents) - 1))
            var += len(ys)
            scopes.append((parents[0], ys[0]))
            scopes.extend((ys[i - 1], parents[i], ys[i]) for i in range(1, len(parents) - 1))
            scopes.append((ys[-1], parents[-1]))
    steps, finals = _eliminate(scopes, set(range(n_causes)) if marginals else set(), pairwise)
    negative = set(signs)
    for step in steps:
        if negative.intersection(step.inputs):
            negative.add(step.output)
    kept = signed & _many_parents(model, positive)
    return _Plan(tuple(scopes), steps, finals, tuple(range(n_causes)), kept, frozenset(negative))


def _eliminate(
    initial: list[tuple[int, ...]], wanted: set[int], pairwise: bool
) -> tuple[tuple[_Step, ...], tuple[int, ...]]:
    """Eliminate greedily, smallest merged factor first; record the einsum of each step.

    With ``pairwise`` the factors holding a variable are multiplied two at a
    time (smallest union first) and the variable is summed out of the last
    product, so a step never multiplies more than two tensors: the backward
    pass costs two einsums per step, not one per factor per factor. That pays
    for a batch of cases; one case is quicker with fewer, larger einsums.

    The backward pass is recorded only towards the ``wanted`` factors (and the
    intermediate factors built from them): the others' marginals are not used.
    Returns the steps and the factors left with no variable (their product is the sum).
    """
    scopes = list(initial)
    needed = set(wanted)
    holders: dict[int, set[int]] = {}
    for i, scope in enumerate(scopes):
        for v in scope:
            holders.setdefault(v, set()).add(i)

    def size(v: int) -> int:
        return len(set().union(*(scopes[i] for i in holders[v])))

    heap = [(size(v), v) for v in holders]
    heapq.heapify(heap)
    steps = []
    finals = [i for i, s in enumerate(scopes) if not s]
    while heap:
        score, v = heapq.heappop(heap)
        if v not in holders or size(v) != score:  # eliminated, or a stale score
            continue
        ids = tuple(sorted(holders.pop(v)))
        while pairwise and len(ids) > 2:  # multiply two at a time, smallest union first
            pair = min(combinations(ids, 2), key=lambda ab: len(set(scopes[ab[0]]).union(scopes[ab[1]])))
            new = len(scopes)
            scopes.append(tuple(sorted(set(scopes[pair[0]]).union(scopes[pair[1]]))))
            for u in scopes[new]:
                if u != v:
                    holders[u].difference_update(pair)
                    holders[u].add(new)
            if needed.intersection(pair):
                needed.add(new)
            steps.append(_step(scopes, pair, new, None, needed))
            ids = tuple(sorted({*ids, new} - set(pair)))
        out = tuple(sorted(set().union(*(scopes[i] for i in ids)) - {v}))
        new = len(scopes)
        scopes.append(out)
        for i in ids:
            for u in scopes[i]:
                if u != v:
                    holders[u].discard(i)
        for u in out:
            holders[u].add(new)
            heapq.heappush(heap, (size(u), u))
        if not out:
            finals.append(new)
        if needed.intersection(ids):
            needed.add(new)
        steps.append(_step(scopes, ids, new, v, needed))
    return tuple(steps), tuple(finals)


def _step(scopes: list[tuple[int, ...]], ids: tuple[int, ...], new: int, v: int | None, needed: set[int]) -> _Step:
    """The einsum of one step (``v`` summed out, or None for a product) and of its backward pass."""
    used = {*scopes[new], *(u for i in ids for u in scopes[i])}
    letters = {u: _LETTERS[k] for k, u in enumerate(sorted(used))}

    def sub(i: int) -> str:
        return "b" + "".join(letters[u] for u in scopes[i])

    expr = ",".join(sub(i) for i in ids) + "->" + sub(new)
    backward: list[tuple[int, _Einsum, tuple[int, ...], tuple[bool, ...]]] = []
    for j in ids if new in needed else ():
        if j not in needed:
            continue
        others = tuple(o for o in ids if o != j)
        available = set(scopes[new]).union(*(scopes[o] for o in others))
        kept = tuple(u in available for u in scopes[j])
        have = "b" + "".join(letters[u] for u in scopes[j] if u in available)
        backward.append((j, _Einsum(",".join([sub(new), *(sub(o) for o in others)]) + "->" + have), others, kept))
    return _Step(ids, new, _Einsum(expr), tuple(backward))


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
        if m <= max(_TABLE, 1):
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
