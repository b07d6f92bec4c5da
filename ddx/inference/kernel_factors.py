"""The compiled kernel's factors for one case: their variables, an elimination order, their tables.

The factors are those of :mod:`ddx.inference.eliminate` on binary variables:
each cause's P(absent | its unanswered risk factors), weighed by the findings
answered no and the one-parent findings answered yes; each unanswered risk
factor's prior, except that a risk factor linked to one cause only (private)
is summed out into that cause's table (P(absent) is a product over the risk
factors, so the sum is the expectation of its term under the prior: exact,
one variable fewer); each positive finding with two to ``table_max`` parents as one
table; with more, a subset variable (signed) or a chain (not). Bit i of a
table's index is the state of the factor's i-th variable. Compiled by numba
with :mod:`ddx.inference.kernel`, which eliminates them; the table
operations both use are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__: list[str] = []

#: The elimination order weighs the fill of variables up to this much above the smallest degree.
_DEGREE_SLACK = 1


@njit(cache=True)
def _scopes(
    C: int,
    n_parents: int,
    finding_off: np.ndarray,
    leak_off: np.ndarray,
    link_ptr: np.ndarray,
    link_parent: np.ndarray,
    parent_ptr: np.ndarray,
    parent_idx: np.ndarray,
    private: np.ndarray,
    positive: np.ndarray,
    negative: np.ndarray,
    state: np.ndarray,
    table_max: int,
    max_width: int,
    signed: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int, int, bool]:
    """The causes' weights, every initial factor's variables, and room for the messages.

    Returns (absent, present, scope, width, is_cause, signs, initial factors,
    variables, rows, fits): ``fits`` is False when a cause's factor has more
    than ``max_width`` variables.
    """
    # the causes' own weights: "no" findings on the present state, one-parent "yes" findings on both
    absent = np.ones(C)
    present = np.ones(C)
    for f in negative:
        for k in range(parent_ptr[f], parent_ptr[f + 1]):
            c = parent_idx[k]
            present[c] *= finding_off[c, f]
    n_signed = 0  # subset variables (signed) or chain variables (not)
    n_tables = 0
    n_pairs = 0  # the factors that link them to the causes
    for f in positive:
        m = parent_ptr[f + 1] - parent_ptr[f]
        if m == 1:
            c = parent_idx[parent_ptr[f]]
            absent[c] *= 1.0 - leak_off[f]
            present[c] *= 1.0 - leak_off[f] * finding_off[c, f]
        elif m <= table_max:
            n_tables += 1
        elif signed:
            n_signed += 1
            n_pairs += m + 1
        else:
            n_signed += m - 1
            n_pairs += m
    # variables: causes 0..C-1, risk factors C + p (the unanswered ones occur), subset or chain variables after
    n_vars = C + n_parents + n_signed
    n_open = 0  # the unanswered risk factors that are variables (a private one is summed into its cause's table)
    for p in range(n_parents):
        if state[p] < 0 and not private[p]:
            n_open += 1
    n_orig = C + n_open + n_tables + n_pairs
    n_max = n_orig + 2 * n_vars  # the initial factors, one message per bucket, one merged factor per bucket
    scope_cap = max_width + 1
    scope = np.zeros((n_max, scope_cap), dtype=np.int64)
    width = np.zeros(n_max, dtype=np.int64)
    is_cause = np.full(n_max, -1, dtype=np.int64)
    signs = np.zeros(n_max, dtype=np.bool_)
    f_id = 0
    for c in range(C):
        scope[f_id, 0] = c
        w = 1
        for k in range(link_ptr[c], link_ptr[c + 1]):
            p = link_parent[k]
            if state[p] < 0 and not private[p]:
                already = False
                for i in range(1, w):
                    if scope[f_id, i] == C + p:
                        already = True
                if not already:
                    if w >= scope_cap:
                        return absent, present, scope, width, is_cause, signs, n_orig, n_vars, n_max, False
                    scope[f_id, w] = C + p
                    w += 1
        width[f_id] = w
        is_cause[f_id] = c
        f_id += 1
    for p in range(n_parents):
        if state[p] < 0 and not private[p]:
            scope[f_id, 0] = C + p
            width[f_id] = 1
            f_id += 1
    s_var = C + n_parents
    for f in positive:
        m = parent_ptr[f + 1] - parent_ptr[f]
        if m == 1:
            continue
        if m <= table_max:
            for i in range(m):
                scope[f_id, i] = parent_idx[parent_ptr[f] + i]
            width[f_id] = m
            f_id += 1
        elif signed:
            scope[f_id, 0] = s_var
            width[f_id] = 1
            signs[f_id] = True
            f_id += 1
            for i in range(m):
                scope[f_id, 0] = parent_idx[parent_ptr[f] + i]
                scope[f_id, 1] = s_var
                width[f_id] = 2
                f_id += 1
            s_var += 1
        else:  # the chain: (x_1, y_1), (y_1, x_2, y_2), ..., (y_m-1, x_m)
            for i in range(m):
                w = 0
                if i > 0:
                    scope[f_id, w] = s_var + i - 1
                    w += 1
                scope[f_id, w] = parent_idx[parent_ptr[f] + i]
                w += 1
                if i < m - 1:
                    scope[f_id, w] = s_var + i
                    w += 1
                width[f_id] = w
                f_id += 1
            s_var += m - 1
    return absent, present, scope, width, is_cause, signs, n_orig, n_vars, n_max, True


def _ctpop(typingctx: Any, x: Any) -> tuple[Any, Callable[..., Any]]:
    """The typing and code of :data:`_popcount` for numba."""
    sig = types.int64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        fn = builder.module.declare_intrinsic("llvm.ctpop", [args[0].type])
        return builder.call(fn, args)

    return sig, codegen


#: The number of set bits of a uint64 in compiled code (LLVM's ctpop: one instruction where the machine has it).
#: Compiled code calls it with the value alone (numba's types name the typing context too).
_popcount = cast("Callable[[Any], int]", intrinsic(_ctpop))


@njit(cache=True)
def _fill(nb: np.ndarray, u: int, words: int) -> int:
    """The edges that eliminating ``u`` would add: the pairs of its neighbours not adjacent yet."""
    one = np.uint64(1)
    missing = 0  # over u's neighbours a, u's other neighbours that a lacks (twice each pair)
    degree = 0
    for w in range(words):
        word = nb[u, w]
        degree += _popcount(word)
        while word:
            low = word & (~word + one)
            a = (w << 6) + _popcount(low - one)
            for z in range(words):
                missing += _popcount(nb[u, z] & ~nb[a, z])
            word ^= low
    return (missing - degree) >> 1


@njit(cache=True)
def _order(
    n_vars: int, scope: np.ndarray, width: np.ndarray, n_factors: int, alive: np.ndarray
) -> tuple[np.ndarray, int]:
    """Greedy elimination order of the ``alive`` variables; returns it and the widest union.

    Each step takes, among the variables of the smallest degree or up to
    ``_DEGREE_SLACK`` more, the one whose elimination adds the fewest edges
    (then the smaller degree, then the lowest variable): minimum degree
    steered by minimum fill, at a fraction of minimum fill's cost. The
    neighbours of the t-th variable when it goes are the variables of the
    message its bucket sends: they are written, ascending, as factor
    ``n_factors + t`` of ``scope`` and ``width``. The graph is held as one
    bitset of neighbours per live variable.
    """
    ids = np.empty(n_vars, dtype=np.int64)  # the live variables, ascending: bit i of a bitset is ids[i]
    pos = np.full(n_vars, -1, dtype=np.int64)
    n = 0
    for v in range(n_vars):
        if alive[v]:
            pos[v] = n
            ids[n] = v
            n += 1
    words = (n + 63) >> 6
    one = np.uint64(1)
    nb = np.zeros((max(n, 1), words), dtype=np.uint64)
    for f in range(n_factors):
        for i in range(width[f]):
            a = pos[scope[f, i]]
            for j in range(width[f]):
                b = pos[scope[f, j]]
                if a >= 0 and b >= 0 and a != b:
                    nb[a, b >> 6] |= one << np.uint64(b & 63)
    done = np.iinfo(np.int64).max
    key = np.empty(max(n, 1), dtype=np.int64)  # degree, then variable: the smallest goes next
    for u in range(n):
        degree = 0
        for w in range(words):
            degree += _popcount(nb[u, w])
        key[u] = (degree << 32) | u
    order = np.empty(n, dtype=np.int64)
    clique = np.zeros(words, dtype=np.uint64)
    nbrs = np.empty(max(n, 1), dtype=np.int64)
    widest = 0
    for t in range(n):
        best = 0
        for u in range(1, n):
            if key[u] < key[best]:
                best = u
        least = key[best] >> 32
        if least >= 2:  # a variable of degree 0 or 1 adds no edge
            best_fill = _fill(nb, best, words)
            for u in range(n):
                if best_fill == 0:
                    break
                if u != best and key[u] >> 32 <= least + _DEGREE_SLACK:
                    fill = _fill(nb, u, words)
                    if fill < best_fill or (fill == best_fill and key[u] < key[best]):
                        best, best_fill = u, fill
        key[best] = done
        order[t] = ids[best]
        k = 0
        for w in range(words):
            word = nb[best, w]
            clique[w] = word
            while word:
                low = word & (~word + one)
                nbrs[k] = (w << 6) + _popcount(low - one)
                k += 1
                word ^= low
        widest = max(widest, k + 1)
        if k <= scope.shape[1]:
            for i in range(k):
                scope[n_factors + t, i] = ids[nbrs[i]]
        width[n_factors + t] = k
        for i in range(k):  # the neighbours lose the variable and become a clique
            a = nbrs[i]
            degree = 0
            for w in range(words):
                word = nb[a, w] | clique[w]
                if w == best >> 6:
                    word &= ~(one << np.uint64(best & 63))
                if w == a >> 6:
                    word &= ~(one << np.uint64(a & 63))
                nb[a, w] = word
                degree += _popcount(word)
            key[a] = (degree << 32) | a
    return order, widest


@njit(cache=True)
def _tables(
    buf: np.ndarray,
    offset: np.ndarray,
    scope: np.ndarray,
    width: np.ndarray,
    C: int,
    n_parents: int,
    base_off: np.ndarray,
    finding_off: np.ndarray,
    leak_off: np.ndarray,
    prior: np.ndarray,
    link_ptr: np.ndarray,
    link_parent: np.ndarray,
    link_state: np.ndarray,
    link_off: np.ndarray,
    parent_ptr: np.ndarray,
    parent_idx: np.ndarray,
    private: np.ndarray,
    positive: np.ndarray,
    state: np.ndarray,
    table_max: int,
    signed: bool,
    absent: np.ndarray,
    present: np.ndarray,
) -> None:
    """Fill every initial factor's table in ``buf`` (the factors in the order :func:`_scopes` made them)."""
    f_id = 0
    for c in range(C):
        # q(u) = P(cause absent | its risk factors' states u), built one risk factor (one bit) at a time
        o = offset[f_id]
        w = width[f_id]
        table = buf[o : o + (1 << w)]
        table[0] = base_off[c]
        for k in range(link_ptr[c], link_ptr[c + 1]):
            if state[link_parent[k]] == link_state[k]:
                table[0] *= link_off[k]
        for k in range(link_ptr[c], link_ptr[c + 1]):  # each unanswered private risk factor, summed out here
            p = link_parent[k]
            first = True
            for j in range(link_ptr[c], k):
                first = first and link_parent[j] != p
            if state[p] < 0 and private[p] and first:
                off, on = _link_terms(c, p, link_ptr, link_parent, link_state, link_off)
                table[0] *= (1.0 - prior[p]) * off + prior[p] * on
        for i in range(1, w):
            p = scope[f_id, i] - C
            off, on = _link_terms(c, p, link_ptr, link_parent, link_state, link_off)
            span = 1 << (i - 1)
            for x in range(span):
                table[span + x] = table[x] * on
                table[x] *= off
        for x in range((1 << (w - 1)) - 1, -1, -1):  # spread out: the cause is bit 0
            q = table[x]
            table[2 * x] = q * absent[c]
            table[2 * x + 1] = (1.0 - q) * present[c]
        f_id += 1
    for p in range(n_parents):
        if state[p] < 0 and not private[p]:
            buf[offset[f_id]] = 1.0 - prior[p]
            buf[offset[f_id] + 1] = prior[p]
            f_id += 1
    for f in positive:
        m = parent_ptr[f + 1] - parent_ptr[f]
        if m == 1:
            continue
        if m <= table_max:
            o = offset[f_id]
            for x in range(1 << m):
                off = leak_off[f]
                for i in range(m):
                    if (x >> i) & 1:
                        off *= finding_off[parent_idx[parent_ptr[f] + i], f]
                buf[o + x] = 1.0 - off
            f_id += 1
        elif signed:
            buf[offset[f_id]] = 1.0
            buf[offset[f_id] + 1] = -leak_off[f]
            f_id += 1
            for i in range(m):
                o = offset[f_id]
                buf[o] = 1.0
                buf[o + 1] = 1.0
                buf[o + 2] = 1.0
                buf[o + 3] = finding_off[parent_idx[parent_ptr[f] + i], f]
                f_id += 1
        else:  # y_i = 0: absent so far (the leak and the first i parents); the last factor: present
            for i in range(m):
                off = finding_off[parent_idx[parent_ptr[f] + i], f]
                o = offset[f_id]
                if i == 0:  # (x_1, y_1)
                    buf[o] = leak_off[f]
                    buf[o + 1] = leak_off[f] * off
                    buf[o + 2] = 1.0 - buf[o]
                    buf[o + 3] = 1.0 - buf[o + 1]
                elif i < m - 1:  # (y_prev, x_i, y_i): index y_prev + 2 x_i + 4 y_i
                    for x in range(8):
                        buf[o + x] = 0.0
                    buf[o + 0] = 1.0
                    buf[o + 2] = off
                    buf[o + 6] = 1.0 - off
                    buf[o + 5] = 1.0
                    buf[o + 7] = 1.0
                else:  # (y_prev, x_m): index y_prev + 2 x_m
                    buf[o + 0] = 0.0
                    buf[o + 1] = 1.0
                    buf[o + 2] = 1.0 - off
                    buf[o + 3] = 1.0
                f_id += 1


@njit(cache=True)
def _link_terms(
    c: int, p: int, link_ptr: np.ndarray, link_parent: np.ndarray, link_state: np.ndarray, link_off: np.ndarray
) -> tuple[float, float]:
    """The factor of P(cause c absent) from the links risk factor p activates in its state 0, and in its state 1."""
    off = 1.0
    on = 1.0
    for k in range(link_ptr[c], link_ptr[c + 1]):
        if link_parent[k] == p:
            if link_state[k] == 0:
                off *= link_off[k]
            else:
                on *= link_off[k]
    return off, on


@njit(cache=True)
def _index(scope_row: np.ndarray, w: int, where: np.ndarray, d: int, out: np.ndarray, weight: np.ndarray) -> None:
    """A factor's index into its table at every point of a union of ``d`` variables (``where``: a variable's bit).

    ``weight`` is scratch room for ``d`` numbers (the caller's, made once per case, not once per factor).
    """
    weight[:d] = 0
    for p in range(w):
        weight[where[scope_row[p]]] = 1 << p
    out[0] = 0
    for b in range(d):
        span = 1 << b
        step = weight[b]
        for x in range(span):
            out[span + x] = out[x] + step


@njit(cache=True)
def _gather(out: np.ndarray, table: np.ndarray, row: np.ndarray, points: int) -> None:
    """``out[x] = table[row[x]]`` for the first ``points`` points."""
    for x in range(points):
        out[x] = table[row[x]]


@njit(cache=True)
def _multiply(out: np.ndarray, table: np.ndarray, row: np.ndarray, points: int) -> None:
    """``out[x] *= table[row[x]]`` for the first ``points`` points."""
    for x in range(points):
        out[x] *= table[row[x]]


@njit(cache=True)
def _upper_sum(values: np.ndarray, b: int, points: int) -> float:
    """The sum of ``values`` over the points whose bit ``b`` is set."""
    span = 1 << b
    total = 0.0
    for start in range(span, points, 2 * span):
        for x in range(start, start + span):
            total += values[x]
    return total
