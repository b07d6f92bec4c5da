"""The exact fast path: posteriors of every cause by Quickscore, vectorised over cases.

The network has three layers, risk factors -> causes -> findings, with
noisy-OR links. For positive findings F+ and negative findings F- of a case,

    P(e) = sum over S subset of F+ of (-1)^|S| * prod_{f in S} (1 - leak_f)
           * E_u[ prod_c ( q_c(u) + (1 - q_c(u)) * w_c(S) ) ]

(Heckerman's Quickscore), where q_c(u) = P(cause c absent | risk factors u),
w_c(S) = prod_{f in F- and S} (1 - a_cf), and the expectation runs over the
risk factors. The cost is exponential only in |F+|.

A positive finding with one parent cause c needs no subset: P(f | c) is a
factor on c's two states, so it multiplies c's absent term by P(f | c absent)
and its present term by P(f | c present), and only the findings with two or
more parents are summed over (``QUICKSCORE_MAX`` counts those). Fewer terms,
and fewer that cancel.

Risk factors enter as evidence vectors lambda_p(u) (one-hot when answered,
the prior when not), so every case has the same structure:

- a risk factor linked to one cause only is summed into that cause in closed
  form (q_c is affine in each of its parents);
- the risk factors shared by several causes are summed by one einsum whose
  contraction order is fixed per model; its batch axis runs over (case,
  subset) rows, so any mix of cases is scored in one pass. That axis is
  the last of every array, so numpy's inner loops run along the rows.

P(c present, e) replaces the factor of cause c by its "present" part. For a
cause without shared risk factors that is a ratio; for the others it is the
gradient of the contraction with respect to that cause's factor, times the
"present" part (the sum is linear in each factor), obtained for every cause
at once by one backward pass.

Inclusion-exclusion cancels: each sum comes with its condition number
kappa = (sum of |terms|) / |sum|, and its rounding error is about
kappa * eps (measured against pgmpy on the bundled model: 0.02 to 0.3 times
kappa * eps). Cases where ``_SAFETY * kappa * eps`` could exceed the tolerance
are recomputed in extended precision (``np.longdouble``); those that still
fail, and cases with more than ``QUICKSCORE_MAX`` positive findings (2^k rows
would cost more than the alternative), go to variable elimination
(:mod:`ddx.inference.eliminate`), whose nonnegative form does not cancel. Only a
tolerance below a few eps is ever reported unmet.

Every number enters through :class:`~ddx.inference.compile.Params`, so that many draws of the
numbers (uncertainty) run through the same pass as many cases. No I/O here: arrays in, arrays out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import compiled
from .compile import CaseEvidence, CompiledModel, Params, PrecisionError, _Plan, evidence_arrays, log_common

__all__ = ["Evaluation", "evaluate_many", "posteriors", "posteriors_many"]

#: Rows (case x subset of positive findings) contracted at once; bounds memory.
_ROWS = 1024
#: Cases with more positive findings than this skip Quickscore for variable elimination
#: (ddx.inference.eliminate), which is faster past this point (docs/performance.md).
QUICKSCORE_MAX = 5
#: Cases sharing one structure (positive findings, answered risk factors) at least this
#: many times, such as draws of the numbers for one case, go to variable elimination
#: whatever their positive findings: its per-structure cost is shared (docs/performance.md).
SHARED_STRUCTURE = 16
#: Cases sharing one structure at least this many times (draws of the numbers: 1,000) are probed
#: for the mixed form of variable elimination: its search (about 0.1 s) pays only for many cases.
MIXED_FORM = 256
#: Error bound factor over kappa * eps: over 10 times the largest ratio measured (0.3).
_SAFETY = 4.0
#: The mixed form is chosen on one case of a structure to reach this much below the
#: certifiable condition number, so that the other cases (draws: up to 3x the first) pass too.
_DRAW_SPREAD = 3.0


def posteriors(model: CompiledModel, case: CaseEvidence, tolerance: float = 1e-10) -> np.ndarray:
    """P(cause present | evidence) for every cause of one case, exact to ``tolerance``.

    Raises
    ------
    PrecisionError
        When no method can bound the error by ``tolerance`` (a tolerance
        below a few eps); use the pgmpy reference then.
    """
    post, ok = posteriors_many(model, [case], tolerance)
    if not ok[0]:
        raise PrecisionError(f"no exact method can bound the rounding error by {tolerance:g} for this case")
    return post[0]


@dataclass(frozen=True)
class Evaluation:
    """The fast path's answer for many cases.

    ``exact[i]`` is False where no method could bound the error by the
    tolerance (only a tolerance below a few eps does that); such rows are to be
    replaced by the pgmpy reference.
    """

    posteriors: np.ndarray  # (n, C) P(cause present | evidence)
    log_evidence: np.ndarray  # (n,) log P(evidence), the complaint given
    exact: np.ndarray  # (n,) bool


def posteriors_many(
    model: CompiledModel, cases: Sequence[CaseEvidence], tolerance: float = 1e-10
) -> tuple[np.ndarray, np.ndarray]:
    """Posteriors of many cases, ``(n, C)``, and a mask of the cases that met ``tolerance``."""
    result = evaluate_many(model, cases, tolerance)
    return result.posteriors, result.exact


def evaluate_many(
    model: CompiledModel,
    cases: Sequence[CaseEvidence],
    tolerance: float = 1e-10,
    params: Params | None = None,
) -> Evaluation:
    """Posteriors and log P(evidence) of many cases, escalating precision where needed.

    ``params`` replaces the model's numbers: one row for all cases, or one
    row per case (e.g. draws of the numbers for one case repeated). Batch work on the model's
    own numbers runs the compiled kernel (:mod:`ddx.inference.compiled`) first, the rest numpy.
    """
    if (params is None or params is model.params) and compiled.wanted(len(cases)):
        post, log_pe, ok = compiled.certified(model, cases, tolerance / _SAFETY)
        rest = np.flatnonzero(~ok)
        if len(rest):
            other = _numpy(model, [cases[int(i)] for i in rest], tolerance, model.params)
            post[rest], log_pe[rest], ok[rest] = other.posteriors, other.log_evidence, other.exact
        return Evaluation(post, log_pe, ok)
    return _numpy(model, cases, tolerance, model.params if params is None else params)


def _numpy(model: CompiledModel, cases: Sequence[CaseEvidence], tolerance: float, params: Params) -> Evaluation:
    """:func:`evaluate_many` by Quickscore and variable elimination in numpy."""
    from .eliminate import condition_number, eliminate_many  # looked up at each call (tests replace them)

    n = len(cases)
    if params.rows not in (1, n):
        raise ValueError(f"params has {params.rows} rows; expected 1 or one per case ({n})")
    post = np.full((n, len(model.causes)), np.nan)
    log_pe = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    keys = [(frozenset(case.positive), frozenset(case.parents)) for case in cases]
    shared = Counter(keys)
    summed = _summed(model)
    small = np.array([sum(summed[f] for f in c.positive) <= QUICKSCORE_MAX for c in cases], dtype=bool)
    small &= np.array([shared[key] < SHARED_STRUCTURE for key in keys], dtype=bool)

    def certify(todo: np.ndarray, values: np.ndarray, log_e: np.ndarray, cond: np.ndarray, dtype: Any) -> np.ndarray:
        met = _SAFETY * cond * float(np.finfo(dtype).eps) <= tolerance
        post[todo], log_pe[todo] = values, log_e
        ok[todo[met]] = True
        return todo[~met]

    todo = np.flatnonzero(small)
    for dtype in (np.float64, np.longdouble):
        if len(todo):
            todo = certify(todo, *_posteriors(model, [cases[int(i)] for i in todo], params.take(todo), dtype), dtype)
    # Past QUICKSCORE_MAX positive findings, and where Quickscore cancels too much:
    # variable elimination, signed (narrow) first, then nonnegative (no cancellation).
    todo = np.union1d(np.flatnonzero(~small), todo).astype(np.intp)
    limit = tolerance / (_SAFETY * float(np.finfo(np.float64).eps))  # the condition number float64 can certify

    def eliminate(todo: np.ndarray, signed: bool, dtype: Any = np.float64, **kw: Any) -> np.ndarray:
        subset = [cases[int(i)] for i in todo]
        return certify(todo, *eliminate_many(model, subset, params.take(todo), signed, dtype, **kw), dtype)

    # A structure shared by many cases is probed with its first case: if the signed form
    # fails it in float64, the others would fail too, so the group skips that pass. Many
    # cases (draws of the numbers) take the mixed form, whose search is paid once for all
    # of them; fewer (an interview's hypothetical answers) go to extended precision.
    mixed: list[int] = []
    extended: list[int] = []
    # Probed: every group large enough for the mixed form, and smaller groups past
    # Quickscore's range of positive findings, where cancelling is likely.
    probed = {key for key in shared if shared[key] >= MIXED_FORM}
    probed |= {key for key in shared if shared[key] >= SHARED_STRUCTURE and len(key[0]) > QUICKSCORE_MAX}
    for key in {keys[i] for i in todo} & probed:
        group = np.array([i for i in todo if keys[i] == key], dtype=np.intp)
        first = params.take(group[:1]) if params.rows > 1 else params
        if condition_number(model, cases[int(group[0])], first) > limit:
            (mixed if shared[key] >= MIXED_FORM else extended).extend(group)
    todo = np.setdiff1d(todo, ok.nonzero()[0]).astype(np.intp)
    if mixed:
        rest = eliminate(np.array(mixed, dtype=np.intp), False, cond_target=limit / _DRAW_SPREAD)
        todo = np.union1d(np.setdiff1d(todo, mixed), rest).astype(np.intp)
    if extended:
        todo = np.setdiff1d(todo, extended).astype(np.intp)
        extended = list(eliminate(np.array(extended, dtype=np.intp), True, np.longdouble))
    for signed, dtype in ((True, np.float64), (True, np.longdouble)):
        if len(todo):
            todo = eliminate(todo, signed, dtype)
    todo = np.union1d(todo, extended).astype(np.intp)
    if len(todo):
        eliminate(todo, False)
    return Evaluation(post, log_pe, ok)


def _posteriors(
    model: CompiledModel, cases: Sequence[CaseEvidence], params: Params, dtype: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass in ``dtype``: posteriors ``(n, C)``, log P(evidence) and each case's condition number."""
    n, n_causes = len(cases), len(model.causes)
    shared = params.rows == 1
    prior = params.parent_prior.astype(dtype)
    observed, negative = evidence_arrays(model, cases, dtype)
    answered = observed.sum(axis=2, keepdims=True)  # 1 where the risk factor is answered
    lam = observed + (1.0 - answered) * np.stack([1.0 - prior, prior], axis=-1)  # evidence vector of each
    log_off = np.log(params.finding_off.astype(dtype))  # (N, C, F)
    log_leak = np.log(params.leak_off.astype(dtype))  # (N, F)
    link_off = params.link_off.astype(dtype)  # (N, L)
    neg_log = negative @ log_off[0].T if shared else np.einsum("nf,ncf->nc", negative, log_off)
    neg_w = np.exp(neg_log)  # (n, C)
    # A positive finding with one parent cause enters that cause's two states as a plain factor,
    # P(f | cause absent) and P(f | cause present): only the others are summed over subsets.
    summed = _summed(model)
    absent = np.ones((n, n_causes), dtype)
    only = _only_parent(model)
    for i, case in enumerate(cases):
        row = 0 if shared else i
        for f in case.positive:
            if not summed[f]:
                c = only[f]
                leak, link = dtype(params.leak_off[row, f]), dtype(params.finding_off[row, c, f])
                absent[i, c] *= 1.0 - leak
                neg_w[i, c] *= 1.0 - leak * link
    q0 = np.broadcast_to(params.base_off.astype(dtype), (n, n_causes)).copy()
    c_idx, p_idx, s_idx, l_idx = model.private
    for c, p, s, li in zip(c_idx, p_idx, s_idx, l_idx, strict=True):
        q0[:, c] *= 1.0 - lam[:, p, s] * (1.0 - link_off[:, li])

    total = np.zeros((n, 1 + n_causes), dtype)
    magnitude = np.zeros((n, 1 + n_causes), dtype)
    subsets_of = [[f for f in case.positive if summed[f]] for case in cases]
    counts = np.array([len(fs) for fs in subsets_of], dtype=np.intp)
    point_offs: list[np.ndarray] = []
    if params is model.params:  # the model's own numbers: built once per precision, then shared by threads
        key = ("offs", np.dtype(dtype).str)
        kept = model._cache.get(key)
        if kept is None:  # threads that race here all get the arrays kept first
            kept = model._cache.setdefault(key, _read_only(_offs(model, link_off)))
        point_offs = kept
    elif shared:
        point_offs = _offs(model, link_off)
    for k in np.unique(counts):
        members = np.flatnonzero(counts == k)
        subsets = np.arange(1 << k)
        bits = ((subsets[:, None] >> np.arange(k)) & 1).astype(dtype)  # (2^k, k)
        sign = np.where(bits.sum(axis=1) % 2 == 1, -1.0, 1.0).astype(dtype)
        per_chunk = max(1, _ROWS >> k)
        for start in range(0, len(members), per_chunk):
            chunk = members[start : start + per_chunk]
            pos = np.array([subsets_of[i] for i in chunk], dtype=np.intp).reshape(len(chunk), k)
            if shared:
                leak_pos = log_leak[0][pos]  # (m, k)
                off_pos = log_off[0][:, pos].transpose(1, 0, 2)  # (m, C, k)
            else:
                leak_pos = np.take_along_axis(log_leak[chunk], pos, axis=1)
                off_pos = np.take_along_axis(log_off[chunk], pos[:, None, :], axis=2)
            weight = sign * np.exp(np.einsum("sk,nk->ns", bits, leak_pos))  # (m, 2^k)
            w = np.exp(np.einsum("sk,nck->nsc", bits, off_pos)) * neg_w[chunk, None, :]  # (m, 2^k, C)
            offs = point_offs if shared else _offs(model, link_off[chunk])
            z = _expectation(model, q0[chunk], absent[chunk], lam[chunk], offs, w.reshape(-1, n_causes), dtype)
            terms = weight.reshape(-1, 1) * z
            total[chunk] = terms.reshape(len(chunk), 1 << k, -1).sum(axis=1)
            magnitude[chunk] = np.abs(terms).reshape(len(chunk), 1 << k, -1).sum(axis=1)
    post = total[:, 1:] / total[:, :1]
    cond = np.max(magnitude / np.abs(total), axis=1)
    log_evidence = np.log(np.abs(total[:, 0])) + log_common(observed, negative, params, dtype)
    return np.clip(post.astype(np.float64), 0.0, 1.0), log_evidence.astype(np.float64), cond.astype(np.float64)


def _summed(model: CompiledModel) -> np.ndarray:
    """Per finding: True when a positive answer is summed over subsets (two or more parent causes)."""
    kept: np.ndarray | None = model._cache.get("summed")
    if kept is None:
        summed = (model.params.finding_off[0] < 1.0).sum(axis=0) > 1  # every link's probability is in (0, 1)
        summed.flags.writeable = False
        kept = model._cache.setdefault("summed", summed)
    return kept


def _only_parent(model: CompiledModel) -> np.ndarray:
    """Per finding: its first parent cause (the only one for a finding that :func:`_summed` leaves out)."""
    kept: np.ndarray | None = model._cache.get("only_parent")
    if kept is None:
        first = np.argmax(model.params.finding_off[0] < 1.0, axis=0)
        first.flags.writeable = False
        kept = model._cache.setdefault("only_parent", first)
    return kept


def _offs(model: CompiledModel, link_off: np.ndarray) -> list[np.ndarray]:
    """Per bucket: for each member cause, the product of (1 - r) over its active shared parents.

    Each array is ``(N, members, 2, ..., 2)`` over the bucket's axes, N the rows of ``link_off``.
    """
    n = len(link_off)
    out = []
    for k in model.buckets:
        dims = len(k.axes)
        off = np.ones((n, len(k.causes)) + (2,) * dims, link_off.dtype)
        for m, links in enumerate(k.links):
            for axis, state, li in links:
                factor = np.ones((n, 2), link_off.dtype)
                factor[:, state] = link_off[:, li]
                shape = [n] + [1] * dims
                shape[1 + axis] = 2
                off[:, m] *= factor.reshape(shape)
        out.append(off)
    return out


def _read_only(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """``arrays``, made read-only: kept in the model, they are shared by threads."""
    for array in arrays:
        array.flags.writeable = False
    return arrays


def _expectation(
    model: CompiledModel,
    q0: np.ndarray,
    absent: np.ndarray,
    lam: np.ndarray,
    offs: list[np.ndarray],
    w: np.ndarray,
    dtype: Any,
) -> np.ndarray:
    """Per row (case x subset): E_u[prod_c g_c] in column 0, and with cause c present in 1 + c.

    g_c = q_c * absent_c + (1 - q_c) * w_c: ``absent`` (one row per case) weighs a cause's
    absent state by its single-parent positive findings (their weight when present is in ``w``).
    ``offs`` (see :func:`_offs`) has one row, or one row per case of ``q0``.
    The arrays inside run with the row axis last: every elementwise product
    and every einsum then loops over the rows innermost (thousands long), not
    over a risk factor's two states.
    """
    rows, n_causes = w.shape
    repeat = rows // len(q0)  # rows of one case are consecutive
    out = np.empty((rows, 1 + n_causes), dtype)
    free = model.free
    q = np.repeat(q0[:, free], repeat, axis=0)
    h = (1.0 - q) * w[:, free]
    g = q * np.repeat(absent[:, free], repeat, axis=0) + h  # strictly positive: q < 1 and w > 0
    z_free = np.prod(g, axis=1)
    if model.plan is None:
        out[:, 0] = z_free
        out[:, 1:][:, free] = z_free[:, None] * (h / g)
        return out
    q_t = np.repeat(q0.T, repeat, axis=1)  # (C, rows)
    a_t = np.repeat(absent.T, repeat, axis=1)  # (C, rows)
    w_t = np.ascontiguousarray(w.T)  # (C, rows)
    operands, ratios = [], []
    for k, off in zip(model.buckets, offs, strict=True):
        dims = len(k.axes)
        members = list(k.causes)
        points = 1 << dims
        if len(off) > 1:  # one row per case: (members, points, rows)
            off_t = np.repeat(off.reshape(len(off), len(members), points).transpose(1, 2, 0), repeat, axis=2)
        else:
            off_t = off[0].reshape(len(members), points, 1)
        qc = q_t[members][:, None, :] * off_t  # (members, points, rows)
        present = (1.0 - qc) * w_t[members][:, None, :]
        factor = qc * a_t[members][:, None, :] + present
        operand = np.prod(factor, axis=0).reshape((2,) * dims + (rows,))
        for p in k.owns:  # carry each shared risk factor's evidence vector exactly once
            vec_shape = [1] * dims + [rows]
            vec_shape[k.axes.index(p)] = 2
            operand = operand * np.repeat(lam[:, p].T, repeat, axis=1).reshape(vec_shape)
        operands.append(operand)
        ratios.append(present / factor)
    z, grads = _contract(_rows_last(model), operands)
    out[:, 0] = z * z_free
    out[:, 1:][:, free] = out[:, :1] * (h / g)
    for k, grad, operand, ratio in zip(model.buckets, grads, operands, ratios, strict=True):
        joint = (grad * operand).reshape(-1, rows)  # unnormalised marginal over the bucket's axes
        out[:, 1:][:, list(k.causes)] = (np.einsum("ur,mur->mr", joint, ratio) * z_free).T
    return out


def _rows_last(model: CompiledModel) -> _Plan:
    """The model's contraction plan with the batch (row) axis moved from first to last in every subscript."""
    kept: _Plan | None = model._cache.get("plan_rows_last")
    if kept is not None:
        return kept
    plan = model.plan
    assert plan is not None

    def last(subs: str) -> str:
        return subs.replace("b", "") + "b" if "b" in subs else subs

    def expr(text: str) -> str:
        inputs, output = text.split("->")
        return ",".join(last(t) for t in inputs.split(",")) + "->" + last(output)

    moved = _Plan(
        forward=tuple((ids, expr(e), new) for ids, e, new in plan.forward),
        backward=tuple((g, expr(e), others, last(have), last(want)) for g, e, others, have, want in plan.backward),
        final=plan.final,
        final_expr=expr(plan.final_expr),
        final_subs=last(plan.final_subs),
    )
    made: _Plan = model._cache.setdefault("plan_rows_last", moved)
    return made


def _contract(plan: _Plan, operands: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Contract along ``plan``; return the result and its gradient with respect to each operand.

    The result is linear in each operand, so the gradient times an operand is
    the unnormalised marginal of everything over that operand's axes.
    """
    tensors = dict(enumerate(operands))
    for ids, expr, new in plan.forward:
        tensors[new] = np.einsum(expr, *(tensors[j] for j in ids))
    result = np.einsum(plan.final_expr, tensors[plan.final])
    grads: dict[int, np.ndarray] = {
        plan.final: _expand(np.ones_like(result), "b", plan.final_subs, tensors[plan.final].shape)
    }
    for (new, expr, others, have, want), j in zip(plan.backward, _targets(plan), strict=True):
        gj = np.einsum(expr, grads[new], *(tensors[o] for o in others))
        grads[j] = _expand(gj, have, want, tensors[j].shape)
    return result, [grads[i] for i in range(len(operands))]


def _targets(plan: _Plan) -> list[int]:
    """The operand id whose gradient each backward step computes."""
    return [j for ids, _, _ in reversed(plan.forward) for j in ids]


def _expand(array: np.ndarray, have: str, want: str, shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast ``array`` (indices ``have``) to indices ``want`` and ``shape``."""
    if have == want:
        return array
    order = [have.index(ch) for ch in want if ch in have]
    if order != sorted(order):
        array = array.transpose(order)
    index = tuple(slice(None) if ch in have else None for ch in want)
    return np.broadcast_to(array[index], shape)
