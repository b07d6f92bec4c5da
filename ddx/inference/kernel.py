"""The compiled kernel: variable elimination of one case at a time, planned and run in machine code.

Numba compiles this module (``cache=True``: once per install, then loaded
from ``__pycache__``); :mod:`ddx.inference.compiled` imports it only for
batch work, so that ``import ddx`` and a first ``diagnose`` never pay for it.

The factors (:mod:`ddx.inference.kernel_factors`) are those of
:mod:`ddx.inference.eliminate` on binary variables: causes, unanswered risk
factors, and for each positive finding with more than ``table_max``
parents a subset variable (the signed form) or a chain (nonnegative); fewer
parents make one table, one parent folds into its cause's factor. Per case
the kernel

1. orders the variables greedily on the interaction graph (a bitset of
   neighbours per variable): the smallest degree, steered by the fewest
   edges added (:func:`~ddx.inference.kernel_factors._order`);
2. runs bucket elimination: each bucket multiplies its factors over their
   union, the eliminated variable as the lowest bit, so that the message's
   index is the union's index shifted right by one; a bucket's small
   initial factors are multiplied into one first, and each factor's index
   at every point of the union is built once (doubling over the bits) and
   kept for the backward pass;
3. runs the same buckets backwards: a bucket's belief (the downward message
   times its factors) is the marginal over its union, so every cause's
   P(present, evidence) is read from the bucket that holds its factor, and
   each incoming message's downward message is the belief without it;
4. runs the forward pass over absolute values too where the subset
   variables' signs reach, for the condition number that certifies the
   float64 result (the caller checks it, and sends what fails elsewhere).

No Python runs per case.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .kernel_factors import _gather, _index, _multiply, _order, _scopes, _tables, _upper_sum

__all__ = ["score_cases"]

#: sha256 of kernel_factors.py (its text, lines ending in \n). Its functions are compiled into this
#: module's, and numba keys this module's cache by this file's text alone, so a change there must
#: change this line too, or a checkout would go on running the old machine code from __pycache__
#: (tests/inference/test_kernel.py checks it and prints the new value).
FACTORS_SHA256 = "776aa608e57dcc28b0955fc6a28cde468a5e34dee6c56fe41263e04f9741f742"
#: Status of a case: done, or its widest union exceeds the width the caller allows.
DONE, TOO_WIDE = 0, 1
#: A bucket's small factors are multiplied into one when their variables number at most this.
_MERGED_WIDTH = 12
#: Initial factors of at most this many variables count as small.
_SMALL = 2


@njit(cache=True)
def _case(
    n_causes: int,
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
    negative: np.ndarray,
    state: np.ndarray,
    table_max: int,
    max_width: int,
    signed: bool,
    post: np.ndarray,
) -> tuple[float, float, int]:
    """One case: fills ``post`` (P(cause present | evidence)); returns (log Z, condition number, status).

    Z leaves out the factors common to every term (``ddx.inference.compile.log_common``).
    """
    C = n_causes
    absent, present, scope, width, is_cause, signs, n_orig, n_vars, n_max, fits = _scopes(
        C,
        n_parents,
        finding_off,
        leak_off,
        link_ptr,
        link_parent,
        parent_ptr,
        parent_idx,
        private,
        positive,
        negative,
        state,
        table_max,
        max_width,
        signed,
    )
    if not fits:
        return 0.0, 0.0, TOO_WIDE
    alive = np.ones(n_vars, dtype=np.bool_)
    for p in range(n_parents):
        alive[C + p] = state[p] < 0 and not private[p]  # an answered or a private risk factor is no variable
    order, widest = _order(n_vars, scope, width, n_orig, alive)
    if widest > max_width:
        return 0.0, 0.0, TOO_WIDE
    n_live = len(order)
    rank = np.empty(n_vars, dtype=np.int64)
    for t in range(n_live):
        rank[order[t]] = t

    # the buckets: each factor goes to the bucket of its variable eliminated first
    head = np.full(n_vars, -1, dtype=np.int64)
    nxt = np.full(n_max, -1, dtype=np.int64)
    message = np.full(n_vars, -1, dtype=np.int64)  # each bucket's output factor

    def first_bucket(f: int) -> int:
        b = n_vars
        for i in range(width[f]):
            b = min(b, rank[scope[f, i]])
        return b

    finals = np.full(n_vars, -1, dtype=np.int64)
    n_finals = 0
    for f in range(n_orig):
        b = first_bucket(f)
        nxt[f] = head[b]
        head[b] = f
    offset = np.zeros(n_max + 1, dtype=np.int64)
    for f in range(n_orig):
        offset[f + 1] = offset[f] + (1 << width[f])
    n_f = n_orig
    for t in range(n_live):  # bucket t's message: the variables _order found beside order[t]
        w = width[n_f]
        offset[n_f + 1] = offset[n_f] + (1 << w)
        message[t] = n_f
        if w == 0:
            finals[n_finals] = n_f
            n_finals += 1
        else:
            b = first_bucket(n_f)
            nxt[n_f] = head[b]
            head[b] = n_f
        n_f += 1

    # per bucket, its small initial factors (one or two variables: risk factors' priors, subset
    # variables and their links) multiplied into one, so that a pass over the union reads one table
    merged_into = np.full(n_max, -1, dtype=np.int64)
    n_messages = n_f
    taken = np.full(n_vars, -1, dtype=np.int64)  # the last bucket that took each variable
    for t in range(n_live):
        n_small = 0
        w = 0
        f = head[t]
        while f >= 0:
            if f < n_orig and width[f] <= _SMALL:
                n_small += 1
                for i in range(width[f]):
                    u = scope[f, i]
                    if taken[u] != t and w < scope.shape[1]:
                        taken[u] = t
                        scope[n_f, w] = u
                        w += 1
            f = nxt[f]
        if n_small < 2 or w > _MERGED_WIDTH:
            continue
        width[n_f] = w
        offset[n_f + 1] = offset[n_f] + (1 << w)
        f = head[t]
        while f >= 0:
            if f < n_orig and width[f] <= _SMALL:
                merged_into[f] = n_f
            f = nxt[f]
        n_f += 1

    # the factors' tables (bit i of an index: the state of scope[i])
    buf = np.zeros(offset[n_f])
    _tables(
        buf,
        offset,
        scope,
        width,
        C,
        n_parents,
        base_off,
        finding_off,
        leak_off,
        prior,
        link_ptr,
        link_parent,
        link_state,
        link_off,
        parent_ptr,
        parent_idx,
        private,
        positive,
        state,
        table_max,
        signed,
        absent,
        present,
    )
    where = np.zeros(n_vars, dtype=np.int64)
    small_row = np.empty(1 << _MERGED_WIDTH, dtype=np.int32)
    weight = np.empty(scope.shape[1] + 1, dtype=np.int64)  # _index's scratch: a bit per variable of a union
    absolute = buf.copy()  # the subset variables' factors without their signs
    for f in range(n_orig):
        if signs[f]:
            absolute[offset[f] + 1] = -absolute[offset[f] + 1]
    for g in range(n_messages, n_f):  # the merged factors: the product of their members, in both
        o, w = offset[g], width[g]
        for i in range(w):
            where[scope[g, i]] = i
        buf[o : o + (1 << w)] = 1.0
        absolute[o : o + (1 << w)] = 1.0
        for f in range(n_orig):
            if merged_into[f] == g:
                signs[g] = signs[g] or signs[f]
                _index(scope[f], width[f], where, w, small_row, weight)
                _multiply(buf[o:], buf[offset[f] :], small_row, 1 << w)
                _multiply(absolute[o:], absolute[offset[f] :], small_row, 1 << w)

    # per bucket: its inputs (a merged factor for its members), the causes whose factor it holds,
    # and each input's index into its table at every point of the union, made once forwards
    in_off = np.zeros(n_live + 1, dtype=np.int64)
    row_off = np.zeros(n_live + 1, dtype=np.int64)
    in_ids = np.empty(n_max, dtype=np.int64)
    cause_off = np.zeros(n_live + 1, dtype=np.int64)
    cause_ids = np.empty(C, dtype=np.int64)
    n_own = np.zeros(n_live, dtype=np.int64)
    own_off = np.zeros(n_live + 1, dtype=np.int64)
    for t in range(n_live):
        k = in_off[t]
        n_c = cause_off[t]
        f = head[t]
        while f >= 0:
            if is_cause[f] >= 0:
                cause_ids[n_c] = is_cause[f]
                n_c += 1
            g = merged_into[f] if f < n_orig else -1
            if g < 0 and f < n_orig:
                in_ids[k] = f
                k += 1
            elif g >= 0:
                seen = False
                for j in range(in_off[t], k):
                    seen = seen or in_ids[j] == g
                if not seen:
                    in_ids[k] = g
                    k += 1
            f = nxt[f]
        n_own[t] = k - in_off[t]  # the bucket's own factors first, then the messages it receives
        f = head[t]
        while f >= 0:
            if f >= n_orig:
                in_ids[k] = f
                k += 1
            f = nxt[f]
        in_off[t + 1] = k
        cause_off[t + 1] = n_c
        row_off[t + 1] = row_off[t] + ((k - in_off[t]) << (width[message[t]] + 1))
        own_off[t + 1] = own_off[t] + ((1 << (width[message[t]] + 1)) if n_own[t] >= 2 else 0)
    rows = np.empty(row_off[n_live], dtype=np.int32)
    own = np.empty(own_off[n_live])  # the product of a bucket's own factors (two or more), kept from forwards
    acc = np.empty(1 << widest)
    rest = np.empty(1 << widest)
    kept = np.empty(n_max, dtype=np.int64)

    def place(t: int) -> int:
        """Sets ``where`` to the bits of bucket t's union (the summed variable: bit 0); returns its size."""
        out = message[t]
        where[order[t]] = 0
        for i in range(width[out]):
            where[scope[out, i]] = i + 1
        return width[out] + 1

    for t in range(n_live):
        d = place(t)
        points = 1 << d
        out = message[t]
        o = offset[out]
        tainted = False
        for k in range(in_off[t], in_off[t + 1]):
            f = in_ids[k]
            tainted = tainted or signs[f]
            row = rows[row_off[t] + ((k - in_off[t]) << d) : row_off[t] + ((k - in_off[t] + 1) << d)]
            _index(scope[f], width[f], where, d, row, weight)
            if k == in_off[t]:
                _gather(acc, buf[offset[f] :], row, points)
            else:
                _multiply(acc, buf[offset[f] :], row, points)
            if k - in_off[t] == n_own[t] - 1 and n_own[t] >= 2:
                own[own_off[t] : own_off[t] + points] = acc[:points]
        signs[out] = tainted
        for y in range(points >> 1):
            buf[o + y] = acc[2 * y] + acc[2 * y + 1]
        if tainted:
            acc[:points] = 1.0
            for k in range(in_off[t], in_off[t + 1]):
                row = rows[row_off[t] + ((k - in_off[t]) << d) : row_off[t] + ((k - in_off[t] + 1) << d)]
                _multiply(acc, absolute[offset[in_ids[k]] :], row, points)
            for y in range(points >> 1):
                absolute[o + y] = acc[2 * y] + acc[2 * y + 1]
        else:
            for y in range(points >> 1):
                absolute[o + y] = buf[o + y]
    z = 1.0
    z_abs = 1.0
    for i in range(n_finals):
        z *= buf[offset[finals[i]]]
        z_abs *= absolute[offset[finals[i]]]
    cond = z_abs / abs(z) if z != 0.0 else np.inf

    # backwards: each message's downward message (the gradient of Z with respect to it)
    grad = np.zeros(offset[n_f])
    for i in range(n_finals):
        others = 1.0
        for j in range(n_finals):
            if j != i:
                others *= buf[offset[finals[j]]]
        grad[offset[finals[i]]] = others
    numer = np.zeros(C)
    for t in range(n_live - 1, -1, -1):
        d = place(t)
        points = 1 << d
        go = offset[message[t]]
        n_in = in_off[t + 1] - in_off[t]
        inputs = in_ids[in_off[t] : in_off[t + 1]]
        index = rows[row_off[t] : row_off[t + 1]]
        has_cause = cause_off[t + 1] > cause_off[t]
        n_kept = 0
        for i in range(n_in):
            if n_orig <= inputs[i] < n_messages:  # a message from an earlier bucket: its downward message is wanted
                kept[n_kept] = i
                n_kept += 1
        if n_kept == 0 and not has_cause:
            continue  # nothing below this bucket needs it
        # rest: the downward message times the bucket's own factors
        if n_own[t] >= 2:
            rest[:points] = own[own_off[t] : own_off[t] + points]
        elif n_own[t] == 1:
            _gather(rest, buf[offset[inputs[0]] :], index[:points], points)
        else:
            rest[:points] = 1.0
        for x in range(points):
            rest[x] *= grad[go + (x >> 1)]
        for j in range(n_kept):
            acc[:points] = rest[:points]
            for k in range(n_kept):
                if k != j:
                    i = kept[k]
                    _multiply(acc, buf[offset[inputs[i]] :], index[i << d : (i + 1) << d], points)
            i = kept[j]
            gi = offset[inputs[i]]
            row = index[i << d : (i + 1) << d]
            for x in range(points):
                grad[gi + row[x]] += acc[x]
        if has_cause:  # the bucket's belief: the marginal over its union
            if n_kept:
                i = kept[n_kept - 1]
                _multiply(acc, buf[offset[inputs[i]] :], index[i << d : (i + 1) << d], points)
            else:
                acc[:points] = rest[:points]
            for j in range(cause_off[t], cause_off[t + 1]):
                c = cause_ids[j]
                numer[c] += _upper_sum(acc, where[c], points)
    for c in range(C):
        post[c] = min(1.0, max(0.0, numer[c] / z))
    return np.log(abs(z)), cond, DONE


@njit(cache=True)
def score_cases(
    n_causes: int,
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
    pos_ptr: np.ndarray,
    pos_idx: np.ndarray,
    neg_ptr: np.ndarray,
    neg_idx: np.ndarray,
    states: np.ndarray,
    table_max: int,
    max_width: int,
    signed: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every case: posteriors ``(n, C)``, log Z, condition numbers and status (``DONE`` or ``TOO_WIDE``)."""
    n = len(states)
    post = np.full((n, n_causes), np.nan)
    log_z = np.full(n, np.nan)
    cond = np.full(n, np.inf)
    status = np.zeros(n, dtype=np.int64)
    for i in range(n):
        log_z[i], cond[i], status[i] = _case(
            n_causes,
            n_parents,
            base_off,
            finding_off,
            leak_off,
            prior,
            link_ptr,
            link_parent,
            link_state,
            link_off,
            parent_ptr,
            parent_idx,
            private,
            pos_idx[pos_ptr[i] : pos_ptr[i + 1]],
            neg_idx[neg_ptr[i] : neg_ptr[i + 1]],
            states[i],
            table_max,
            max_width,
            signed,
            post[i],
        )
    return post, log_z, cond, status
