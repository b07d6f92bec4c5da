"""The exact fast path: posteriors of every cause by Quickscore, in pure numpy.

The network has three layers, risk factors -> causes -> findings, with
noisy-OR links. For positive findings F+ and negative findings F-,

    P(e) = sum over S subset of F+ of (-1)^|S| * prod_{f in S} (1 - leak_f)
           * E_u[ prod_c ( q0_c(u) + (1 - q0_c(u)) * w_c(S) ) ]

(Heckerman's Quickscore), where q0_c(u) = P(cause c absent | risk factors u),
w_c(S) = prod_{f in F- and S} (1 - a_cf), and the expectation runs over the
risk factors left unobserved. Its cost is exponential only in |F+|. Causes
whose risk factors are all observed factorise; those that share unobserved
risk factors are summed exactly with one einsum over those risk factors.
P(c present, e) is the same sum with the factor of cause c replaced by its
"present" part, so every cause comes out of one pass.

Inclusion-exclusion cancels: each sum is accompanied by its condition number
kappa = (sum of |terms|) / |sum|, and its rounding error is about
kappa * eps (measured against pgmpy on the bundled model: 0.02 to 0.3 times
kappa * eps). When ``_SAFETY * kappa * eps`` could exceed ``tolerance``, the
case is recomputed in extended precision (``np.longdouble``); if even that is
not enough, :class:`PrecisionError` is raised and the caller falls back to
the pgmpy reference. No I/O here: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .knowledge import KnowledgeBase

__all__ = ["CaseEvidence", "CompiledModel", "PrecisionError", "compile_model", "posteriors"]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Subsets of positive findings are processed in chunks of at most this many.
_CHUNK = 1024
#: Error bound factor over kappa * eps: over 10 times the largest ratio measured (0.3).
_SAFETY = 4.0


class PrecisionError(ArithmeticError):
    """Quickscore cannot guarantee the requested accuracy for this case."""


@dataclass(frozen=True)
class CompiledModel:
    """The knowledge base as dense arrays (``*_off`` are probabilities of "off")."""

    causes: tuple[str, ...]
    parents: tuple[str, ...]
    findings: tuple[str, ...]
    parent_prior: np.ndarray  # (P,) P(parent in state index 1)
    base_off: np.ndarray  # (C,) 1 - prior
    link_off: np.ndarray  # (C, P) 1 - r, 1.0 where no link
    link_state: np.ndarray  # (C, P) index of the activating parent state
    finding_off: np.ndarray  # (C, F) 1 - a, 1.0 where no link
    leak_off: np.ndarray  # (F,) 1 - leak
    parent_index: Mapping[str, int]
    finding_index: Mapping[str, int]
    _paths: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class CaseEvidence:
    """One case as indices into a :class:`CompiledModel`."""

    parents: Mapping[int, int]  # parent index -> observed state index
    positive: Sequence[int]  # finding indices answered yes
    negative: Sequence[int]  # finding indices answered no


def compile_model(kb: KnowledgeBase) -> CompiledModel:
    """Lay out the knowledge base as the arrays the fast path works on."""
    causes, parents, findings = kb.causes, kb.risk_factors, kb.network_findings
    ci = {c: i for i, c in enumerate(causes)}
    pi = {p: i for i, p in enumerate(parents)}
    fi = {f: i for i, f in enumerate(findings)}
    link_off = np.ones((len(causes), len(parents)))
    link_state = np.ones((len(causes), len(parents)), dtype=np.int64)
    for link in kb.cause_links:
        c, p = ci[link.child], pi[link.parent]
        link_off[c, p] = 1.0 - link.number.value
        link_state[c, p] = kb.nodes[link.parent].states.index(link.active_state)
    finding_off = np.ones((len(causes), len(findings)))
    for link in kb.finding_links:
        finding_off[ci[link.parent], fi[link.child]] = 1.0 - link.number.value
    if len(parents) > len(_LETTERS) - 2:
        raise ValueError(f"the fast path supports at most {len(_LETTERS) - 2} risk factors")
    return CompiledModel(
        causes=causes,
        parents=parents,
        findings=findings,
        parent_prior=np.array([kb.parent_priors[p].value for p in parents]),
        base_off=np.array([1.0 - kb.priors[c].value for c in causes]),
        link_off=link_off,
        link_state=link_state,
        finding_off=finding_off,
        leak_off=np.array([1.0 - kb.leaks[f].value for f in findings]),
        parent_index=pi,
        finding_index=fi,
    )


def posteriors(model: CompiledModel, case: CaseEvidence, tolerance: float = 1e-10) -> np.ndarray:
    """P(cause present | evidence) for every cause, exact to ``tolerance``.

    Raises
    ------
    PrecisionError
        When even extended precision cannot bound the error by ``tolerance``
        (very many positive findings); use the pgmpy reference then.
    """
    for dtype in (np.float64, np.longdouble):
        post, cond = _posteriors(model, case, dtype)
        if _SAFETY * cond * float(np.finfo(dtype).eps) <= tolerance:
            return np.asarray(post, dtype=np.float64)
    raise PrecisionError(
        f"{len(case.positive)} positive findings: Quickscore's cancellation (condition "
        f"number {cond:.3g}) exceeds the accuracy of extended precision"
    )


def _posteriors(model: CompiledModel, case: CaseEvidence, dtype: Any) -> tuple[np.ndarray, float]:
    """One pass in ``dtype``; returns posteriors and the worst condition number."""
    n_causes = len(model.causes)
    finding_off = model.finding_off.astype(dtype)
    # P(cause absent | observed risk factors), and which causes still have unobserved ones.
    observed_off = model.base_off.astype(dtype).copy()
    for p, state in case.parents.items():
        hit = model.link_state[:, p] == state
        observed_off[hit] *= model.link_off[hit, p].astype(dtype)
    observed = np.zeros(len(model.parents), dtype=bool)
    observed[list(case.parents)] = True
    linked = model.link_off < 1.0
    open_links = linked & ~observed[None, :]
    coupled = np.flatnonzero(open_links.any(axis=1))
    free = np.flatnonzero(~open_links.any(axis=1))

    neg_w = np.prod(finding_off[:, list(case.negative)], axis=1) if case.negative else np.ones(n_causes, dtype)
    pos = list(case.positive)
    k = len(pos)
    log_pos = np.log(finding_off[:, pos]) if k else np.zeros((n_causes, 0), dtype)
    log_leak = np.log(model.leak_off[pos].astype(dtype)) if k else np.zeros(0, dtype)

    total = np.zeros(1 + n_causes, dtype)  # [P(e), P(c1, e), ...] up to a common constant
    magnitude = np.zeros(1 + n_causes, dtype)
    for start in range(0, 1 << k, _CHUNK):
        subsets = np.arange(start, min(start + _CHUNK, 1 << k))
        bits = ((subsets[:, None] >> np.arange(k)) & 1).astype(dtype)  # (M, k)
        sign = np.where(bits.sum(axis=1) % 2 == 1, -1.0, 1.0).astype(dtype)
        weight = sign * np.exp(bits @ log_leak)  # (M,)
        w = np.exp(bits @ log_pos.T) * neg_w  # (M, C): P(S and F- off | cause alone present)
        z = _expectation(model, case, observed_off, w, coupled, free, observed, dtype)  # (M, 1+C)
        terms = weight[:, None] * z
        total += terms.sum(axis=0)
        magnitude += np.abs(terms).sum(axis=0)
    post = total[1:] / total[0]
    cond = float(np.max(magnitude / np.abs(total)))
    return np.clip(post, 0.0, 1.0), cond


def _expectation(
    model: CompiledModel,
    case: CaseEvidence,
    observed_off: np.ndarray,
    w: np.ndarray,
    coupled: np.ndarray,
    free: np.ndarray,
    observed: np.ndarray,
    dtype: Any,
) -> np.ndarray:
    """E_u[prod_c g_c] (column 0) and the same with cause c present (column 1 + c)."""
    n_sub, n_causes = w.shape
    out = np.empty((n_sub, 1 + n_causes), dtype)
    # Causes whose risk factors are all observed: closed form.
    q0 = observed_off[free]
    g = q0 + (1.0 - q0) * w[:, free]  # (M, n_free), strictly positive
    h = (1.0 - q0) * w[:, free]
    z_free = np.prod(g, axis=1)
    if len(coupled) == 0:
        out[:, 0] = z_free
        out[:, 1:][:, free] = z_free[:, None] * (h / g)
        return out
    # Causes sharing unobserved risk factors: one einsum, with a variant axis v
    # (0: plain; 1 + t: coupled cause t present).
    open_parents = [
        p for p in range(len(model.parents)) if not observed[p] and (model.link_off[coupled, p] < 1.0).any()
    ]
    letter = {p: _LETTERS[i + 2] for i, p in enumerate(open_parents)}
    n_var = 1 + len(coupled)
    operands: list[np.ndarray] = []
    subscripts: list[str] = []
    for t, c in enumerate(coupled):
        mine = [p for p in open_parents if model.link_off[c, p] < 1.0]
        q = np.full((2,) * len(mine), observed_off[c], dtype)
        for axis, p in enumerate(mine):
            shape = [1] * len(mine)
            shape[axis] = 2
            factor = np.ones(2, dtype)
            factor[model.link_state[c, p]] = model.link_off[c, p]
            q = q * factor.reshape(shape)
        wc = w[:, c].reshape((n_sub,) + (1,) * len(mine))
        present = (1.0 - q)[None, ...] * wc
        tensor = np.broadcast_to(q[None, ...] + present, (n_var, n_sub, *q.shape)).copy()
        tensor[1 + t] = present
        operands.append(tensor)
        subscripts.append("ab" + "".join(letter[p] for p in mine))
    for p in open_parents:
        prior = model.parent_prior[p]
        operands.append(np.array([1.0 - prior, prior], dtype))
        subscripts.append(letter[p])
    expr = ",".join(subscripts) + "->ab"
    path = model._paths.get(expr)
    if path is None:
        path = np.einsum_path(expr, *operands, optimize="greedy")[0]
        model._paths[expr] = path
    z = np.einsum(expr, *operands, optimize=path)  # (V, M)
    z_plain = z[0] * z_free
    out[:, 0] = z_plain
    out[:, 1:][:, free] = z_plain[:, None] * (h / g)
    out[:, 1:][:, coupled] = (z[1:] * z_free[None, :]).T
    return out
