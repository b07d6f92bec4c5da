"""The exact fast path: posteriors of every cause by Quickscore, vectorised over cases.

The network has three layers, risk factors -> causes -> findings, with
noisy-OR links. For positive findings F+ and negative findings F- of a case,

    P(e) = sum over S subset of F+ of (-1)^|S| * prod_{f in S} (1 - leak_f)
           * E_u[ prod_c ( q_c(u) + (1 - q_c(u)) * w_c(S) ) ]

(Heckerman's Quickscore), where q_c(u) = P(cause c absent | risk factors u),
w_c(S) = prod_{f in F- and S} (1 - a_cf), and the expectation runs over the
risk factors. The cost is exponential only in |F+|.

Risk factors enter as evidence vectors lambda_p(u) (one-hot when answered,
the prior when not), so every case has the same structure:

- a risk factor linked to one cause only is summed into that cause in closed
  form (q_c is affine in each of its parents);
- the risk factors shared by several causes are summed by one einsum whose
  contraction order is fixed per model; its batch axis runs over (case,
  subset) rows, so any mix of cases is scored in one pass.

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
fail are reported so that the caller can use the pgmpy reference. No I/O
here: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .knowledge import KnowledgeBase

__all__ = [
    "CaseEvidence",
    "CompiledModel",
    "Evaluation",
    "PrecisionError",
    "compile_model",
    "evaluate_many",
    "posteriors",
    "posteriors_many",
]

_LETTERS = "acdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"  # "b" is the batch axis
#: Rows (case x subset of positive findings) contracted at once; bounds memory.
_ROWS = 4096
#: Error bound factor over kappa * eps: over 10 times the largest ratio measured (0.3).
_SAFETY = 4.0


class PrecisionError(ArithmeticError):
    """Quickscore cannot guarantee the requested accuracy for this case."""


@dataclass(frozen=True)
class CaseEvidence:
    """One case as indices into a :class:`CompiledModel`."""

    parents: Mapping[int, int]  # risk-factor index -> observed state index
    positive: Sequence[int]  # finding indices answered yes
    negative: Sequence[int]  # finding indices answered no


@dataclass(frozen=True)
class _Bucket:
    """Causes whose shared risk factors fit in one set of axes: one einsum operand.

    ``offs[i]`` is, for member cause ``causes[i]``, the product of (1 - r)
    over its active shared parents, shaped to broadcast over ``axes``.
    """

    axes: tuple[int, ...]  # shared risk-factor indices
    causes: tuple[int, ...]
    offs: tuple[np.ndarray, ...]
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
    """The knowledge base as dense arrays (``*_off`` are probabilities of "off")."""

    causes: tuple[str, ...]
    parents: tuple[str, ...]
    findings: tuple[str, ...]
    parent_prior: np.ndarray  # (P,) P(parent in state index 1)
    base_off: np.ndarray  # (C,) 1 - prior
    finding_off: np.ndarray  # (C, F) 1 - a, 1.0 where no link
    leak_off: np.ndarray  # (F,) 1 - leak
    private: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # cause, parent, state, r of private links
    buckets: tuple[_Bucket, ...]
    free: np.ndarray  # causes with no shared risk factor
    plan: _Plan | None
    parent_index: Mapping[str, int]
    finding_index: Mapping[str, int]


def _buckets(by_cause: Mapping[int, list[tuple[int, int, float]]]) -> list[_Bucket]:
    """Group causes by their shared risk factors: each group's axes contain every member's."""
    axes_of = {c: tuple(sorted(p for p, _, _ in links)) for c, links in by_cause.items()}
    maximal = sorted(
        {a for a in axes_of.values() if not any(set(a) < set(b) for b in axes_of.values())},
        key=lambda a: (-len(a), a),
    )
    members: dict[tuple[int, ...], list[int]] = {a: [] for a in maximal}
    for c in sorted(by_cause):
        home = next(a for a in maximal if set(axes_of[c]) <= set(a))
        members[home].append(c)
    buckets, owned = [], set()
    for axes in maximal:
        offs = []
        for c in members[axes]:
            off = np.ones((2,) * len(axes))
            for p, state, r in by_cause[c]:
                shape = [1] * len(axes)
                shape[axes.index(p)] = 2
                factor = np.ones(2)
                factor[state] = 1.0 - r
                off = off * factor.reshape(shape)
            offs.append(off)
        owns = tuple(p for p in axes if p not in owned)
        owned.update(owns)
        buckets.append(_Bucket(axes, tuple(members[axes]), tuple(offs), owns))
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


def compile_model(kb: KnowledgeBase) -> CompiledModel:
    """Lay out the knowledge base as the arrays the fast path works on."""
    causes, parents, findings = kb.causes, kb.risk_factors, kb.network_findings
    ci = {c: i for i, c in enumerate(causes)}
    pi = {p: i for i, p in enumerate(parents)}
    fi = {f: i for i, f in enumerate(findings)}
    children: dict[int, list[int]] = {}
    for link in kb.cause_links:
        children.setdefault(pi[link.parent], []).append(ci[link.child])
    shared = sorted(p for p, cs in children.items() if len(cs) > 1)
    if len(shared) > len(_LETTERS):
        raise ValueError(f"the fast path supports at most {len(_LETTERS)} shared risk factors")
    letter = {p: _LETTERS[i] for i, p in enumerate(shared)}

    private: list[tuple[int, int, int, float]] = []
    by_cause: dict[int, list[tuple[int, int, float]]] = {}
    for link in kb.cause_links:
        c, p = ci[link.child], pi[link.parent]
        state = kb.nodes[link.parent].states.index(link.active_state)
        if p in letter:
            by_cause.setdefault(c, []).append((p, state, link.number.value))
        else:
            private.append((c, p, state, link.number.value))
    buckets = _buckets(by_cause)
    plan = None
    if buckets:
        plan = _plan(
            ["b" + "".join(letter[p] for p in k.axes) for k in buckets], [(64,) + (2,) * len(k.axes) for k in buckets]
        )
    finding_off = np.ones((len(causes), len(findings)))
    for link in kb.finding_links:
        finding_off[ci[link.parent], fi[link.child]] = 1.0 - link.number.value
    columns = list(zip(*private, strict=True)) if private else [[], [], [], []]
    return CompiledModel(
        causes=causes,
        parents=parents,
        findings=findings,
        parent_prior=np.array([kb.parent_priors[p].value for p in parents]),
        base_off=np.array([1.0 - kb.priors[c].value for c in causes]),
        finding_off=finding_off,
        leak_off=np.array([1.0 - kb.leaks[f].value for f in findings]),
        private=(
            np.array(columns[0], dtype=np.intp),
            np.array(columns[1], dtype=np.intp),
            np.array(columns[2], dtype=np.intp),
            np.array(columns[3], dtype=float),
        ),
        buckets=tuple(buckets),
        free=np.array([c for c in range(len(causes)) if c not in by_cause], dtype=np.intp),
        plan=plan,
        parent_index=pi,
        finding_index=fi,
    )


def posteriors(model: CompiledModel, case: CaseEvidence, tolerance: float = 1e-10) -> np.ndarray:
    """P(cause present | evidence) for every cause of one case, exact to ``tolerance``.

    Raises
    ------
    PrecisionError
        When even extended precision cannot bound the error by ``tolerance``
        (many surprising positive findings); use the pgmpy reference then.
    """
    post, ok = posteriors_many(model, [case], tolerance)
    if not ok[0]:
        raise PrecisionError(
            f"{len(case.positive)} positive findings: Quickscore's cancellation exceeds the accuracy "
            "of extended precision"
        )
    return post[0]


@dataclass(frozen=True)
class Evaluation:
    """The fast path's answer for many cases.

    ``exact[i]`` is False where even extended precision could not bound the
    error by the tolerance; those rows are float64 estimates, to be replaced
    by the pgmpy reference.
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


def evaluate_many(model: CompiledModel, cases: Sequence[CaseEvidence], tolerance: float = 1e-10) -> Evaluation:
    """Posteriors and log P(evidence) of many cases, escalating precision where needed."""
    n = len(cases)
    post = np.empty((n, len(model.causes)))
    log_pe = np.empty(n)
    ok = np.zeros(n, dtype=bool)
    todo = np.arange(n)
    for dtype in (np.float64, np.longdouble):
        if not len(todo):
            break
        values, log_e, cond = _posteriors(model, [cases[i] for i in todo], dtype)
        met = _SAFETY * cond * float(np.finfo(dtype).eps) <= tolerance
        post[todo], log_pe[todo] = values, log_e
        ok[todo[met]] = True
        todo = todo[~met]
    return Evaluation(post, log_pe, ok)


def _posteriors(
    model: CompiledModel, cases: Sequence[CaseEvidence], dtype: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass in ``dtype``: posteriors ``(n, C)``, log P(evidence) and each case's condition number."""
    n, n_causes = len(cases), len(model.causes)
    lam = np.empty((n, len(model.parents), 2), dtype)  # evidence vector of each risk factor
    lam[:, :, 0] = 1.0 - model.parent_prior
    lam[:, :, 1] = model.parent_prior
    negative = np.zeros((n, len(model.findings)), dtype)
    for i, case in enumerate(cases):
        for p, state in case.parents.items():
            lam[i, p] = 0.0
            lam[i, p, state] = 1.0
        negative[i, list(case.negative)] = 1.0
    log_off = np.log(model.finding_off.astype(dtype))  # (C, F)
    neg_w = np.exp(negative @ log_off.T)  # (n, C)
    q0 = np.broadcast_to(model.base_off.astype(dtype), (n, n_causes)).copy()
    c_idx, p_idx, s_idx, r = model.private
    for c, p, s, rr in zip(c_idx, p_idx, s_idx, r, strict=True):
        q0[:, c] *= 1.0 - lam[:, p, s] * rr

    total = np.zeros((n, 1 + n_causes), dtype)
    magnitude = np.zeros((n, 1 + n_causes), dtype)
    counts = np.array([len(case.positive) for case in cases])
    log_leak = np.log(model.leak_off.astype(dtype))
    for k in np.unique(counts):
        members = np.flatnonzero(counts == k)
        subsets = np.arange(1 << k)
        bits = ((subsets[:, None] >> np.arange(k)) & 1).astype(dtype)  # (2^k, k)
        sign = np.where(bits.sum(axis=1) % 2 == 1, -1.0, 1.0).astype(dtype)
        per_chunk = max(1, _ROWS >> k)
        for start in range(0, len(members), per_chunk):
            chunk = members[start : start + per_chunk]
            pos = np.array([list(cases[i].positive) for i in chunk], dtype=np.intp).reshape(len(chunk), k)
            weight = sign * np.exp(np.einsum("sk,nk->ns", bits, log_leak[pos]))  # (m, 2^k)
            w = np.exp(np.einsum("sk,cnk->nsc", bits, log_off[:, pos])) * neg_w[chunk, None, :]  # (m, 2^k, C)
            z = _expectation(model, q0[chunk], lam[chunk], w.reshape(-1, n_causes), dtype)
            terms = weight.reshape(-1, 1) * z
            total[chunk] = terms.reshape(len(chunk), 1 << k, -1).sum(axis=1)
            magnitude[chunk] = np.abs(terms).reshape(len(chunk), 1 << k, -1).sum(axis=1)
    post = total[:, 1:] / total[:, :1]
    cond = np.max(magnitude / np.abs(total), axis=1)
    # Factors common to every term, left out above: leaks of the negative findings
    # and the priors of the observed risk factors.
    observed = np.zeros((n, len(model.parents), 2), dtype)
    for i, case in enumerate(cases):
        for p, state in case.parents.items():
            observed[i, p, state] = 1.0
    prior = np.stack([1.0 - model.parent_prior, model.parent_prior], axis=-1).astype(dtype)
    log_common = negative @ log_leak + np.einsum("npk,pk->n", observed, np.log(prior))
    log_evidence = np.log(np.abs(total[:, 0])) + log_common
    return np.clip(post.astype(np.float64), 0.0, 1.0), log_evidence.astype(np.float64), cond.astype(np.float64)


def _expectation(model: CompiledModel, q0: np.ndarray, lam: np.ndarray, w: np.ndarray, dtype: Any) -> np.ndarray:
    """Per row (case x subset): E_u[prod_c g_c] in column 0, and with cause c present in 1 + c."""
    rows, n_causes = w.shape
    repeat = rows // len(q0)  # rows of one case are consecutive
    out = np.empty((rows, 1 + n_causes), dtype)
    free = model.free
    q = np.repeat(q0[:, free], repeat, axis=0)
    g = q + (1.0 - q) * w[:, free]  # strictly positive: q > 0
    h = (1.0 - q) * w[:, free]
    z_free = np.prod(g, axis=1)
    if model.plan is None:
        out[:, 0] = z_free
        out[:, 1:][:, free] = z_free[:, None] * (h / g)
        return out
    operands, ratios = [], []
    for k in model.buckets:
        shape = (rows,) + (1,) * len(k.axes)
        operand = np.ones((rows,) + (2,) * len(k.axes), dtype)
        bucket_ratios = []
        for c, off in zip(k.causes, k.offs, strict=True):
            qc = np.repeat(q0[:, c], repeat).reshape(shape) * off.astype(dtype)
            present = (1.0 - qc) * w[:, c].reshape(shape)
            factor = qc + present
            operand = operand * factor
            bucket_ratios.append(present / factor)
        for p in k.owns:  # carry each shared risk factor's evidence vector exactly once
            vec_shape = [rows] + [1] * len(k.axes)
            vec_shape[1 + k.axes.index(p)] = 2
            operand = operand * np.repeat(lam[:, p], repeat, axis=0).reshape(vec_shape)
        operands.append(operand)
        ratios.append(bucket_ratios)
    z, grads = _contract(model.plan, operands)
    out[:, 0] = z * z_free
    out[:, 1:][:, free] = out[:, :1] * (h / g)
    for k, grad, operand, bucket_ratios in zip(model.buckets, grads, operands, ratios, strict=True):
        joint = (grad * operand).reshape(rows, -1)  # unnormalised marginal over the bucket's axes
        for c, ratio in zip(k.causes, bucket_ratios, strict=True):
            out[:, 1 + c] = np.einsum("ru,ru->r", joint, np.broadcast_to(ratio, operand.shape).reshape(rows, -1))
            out[:, 1 + c] *= z_free
    return out


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
