"""Elimination orders for :mod:`ddx.inference.eliminate`: the variables of a case's factors, their order, the einsums.

A plan depends only on a case's structure (which findings are positive,
which risk factors answered, which many-parent findings enter signed); it is
computed once, in a greedy min-size order, and kept per model (the most
recent ``_KEPT``, behind a lock, so that threads can share a model). The
model's link tables are derived once per model too.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import Any

import numpy as np

from .compile import CompiledModel

#: Positive findings with at most this many parents enter as one table; more as a chain.
_TABLE = 3
_LETTERS = "acdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # "b" is the batch axis
#: Einsums of at least this many numbers (cases x points of the union) take numpy's optimised route.
_PAIRWISE = 2**14
#: Plans (about 100 KiB each) and risk-factor factors kept per model, least recently used dropped first.
_KEPT = 2048
#: A table's placeholder for a key it does not hold (None can be a value).
_MISSING = object()
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
        self.points = 1 << len(
            set(expr).difference(",->b")
        )  # the union's size, per case (every variable is an input's)

    @property
    def _terms(self) -> list[str]:
        return self.expr.split("->")[0].split(",")

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
    sets = [frozenset(scope) for scope in scopes]  # the scopes as sets, kept beside them (size() runs most)
    needed = set(wanted)
    holders: dict[int, set[int]] = {}
    for i, scope in enumerate(scopes):
        for v in scope:
            holders.setdefault(v, set()).add(i)

    def size(v: int) -> int:
        return len(frozenset().union(*[sets[i] for i in holders[v]]))

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
            pair = min(combinations(ids, 2), key=lambda ab: len(sets[ab[0]] | sets[ab[1]]))
            new = len(scopes)
            scopes.append(tuple(sorted(sets[pair[0]] | sets[pair[1]])))
            sets.append(frozenset(scopes[-1]))
            for u in scopes[new]:
                if u != v:
                    holders[u].difference_update(pair)
                    holders[u].add(new)
            if needed.intersection(pair):
                needed.add(new)
            steps.append(_step(scopes, pair, new, None, needed))
            ids = tuple(sorted({*ids, new} - set(pair)))
        out = tuple(sorted(frozenset().union(*[sets[i] for i in ids]) - {v}))
        new = len(scopes)
        scopes.append(out)
        sets.append(frozenset(out))
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
    sub = {i: "b" + "".join([letters[u] for u in scopes[i]]) for i in (*ids, new)}  # each factor's indices, once

    expr = ",".join([sub[i] for i in ids]) + "->" + sub[new]
    backward: list[tuple[int, _Einsum, tuple[int, ...], tuple[bool, ...]]] = []
    for j in ids if new in needed else ():
        if j not in needed:
            continue
        others = tuple(o for o in ids if o != j)
        available = set(scopes[new]).union(*(scopes[o] for o in others))
        kept = tuple(u in available for u in scopes[j])
        have = "b" + "".join([letters[u] for u in scopes[j] if u in available])
        backward.append((j, _Einsum(",".join([sub[new], *(sub[o] for o in others)]) + "->" + have), others, kept))
    return _Step(ids, new, _Einsum(expr), tuple(backward))
