"""The compiled kernel: variable elimination of one case at a time, planned and run in machine code.

Numba compiles this module (``cache=True``: once per install, then loaded
from ``__pycache__``); :mod:`ddx.inference.compiled` imports it only for
batch work, so that ``import ddx`` and a first ``diagnose`` never pay for it.

The factors are those of :mod:`ddx.inference.eliminate`'s **signed** form on
binary variables (causes, unanswered risk factors, one subset variable per
positive finding with more than ``table_max`` parents); a positive finding
with one parent is folded into its cause's factor. Per case the kernel

1. orders the variables by greedy minimum degree on the interaction graph
   (ties: the lowest variable), the order :mod:`ddx.inference.elimination_plan`
   finds by minimum union size;
2. runs bucket elimination: each bucket multiplies its factors over their
   union, with the eliminated variable as the lowest bit, so that the
   message's index is the union's index shifted right by one;
3. runs the same buckets backwards: each bucket's belief (the downward
   message times its factors) is the marginal over its union, so every
   cause's P(present, evidence) is read from the bucket that holds its
   factor, and each incoming message's downward message is the belief
   without it;
4. repeats the forward pass over absolute values, where the subset
   variables' signs reach, for the condition number that certifies the
   float64 result (the caller checks it, and sends what fails elsewhere).

Indices into a factor's table move with the union's index as an odometer:
when the union index steps from x to x + 1, bits 0..t-1 fall and bit t
rises (t: the trailing ones of x), and each factor's index moves by a
constant of t, looked up. No Python runs per case.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["score_cases"]

#: Status of a case: done, or its widest union exceeds the width the caller allows.
DONE, TOO_WIDE = 0, 1
#: A bucket's small factors are multiplied into one when their variables number at most this.
_MERGED_WIDTH = 12


@njit(cache=True)
def _order(
    n_vars: int, scope: np.ndarray, width: np.ndarray, n_factors: int, alive: np.ndarray
) -> tuple[np.ndarray, int]:
    """Greedy minimum-degree elimination order of the ``alive`` variables; returns it and the widest union."""
    adj = np.zeros((n_vars, n_vars), dtype=np.bool_)
    for f in range(n_factors):
        for i in range(width[f]):
            for j in range(width[f]):
                if i != j:
                    adj[scope[f, i], scope[f, j]] = True
    degree = np.zeros(n_vars, dtype=np.int64)
    for v in range(n_vars):
        degree[v] = adj[v].sum()
    n_live = alive.sum()
    order = np.empty(n_live, dtype=np.int64)
    nbrs = np.empty(n_vars, dtype=np.int64)
    widest = 0
    for t in range(n_live):
        best, best_degree = -1, n_vars + 1
        for v in range(n_vars):
            if alive[v] and degree[v] < best_degree:
                best, best_degree = v, degree[v]
        order[t] = best
        alive[best] = False
        k = 0
        for u in range(n_vars):
            if adj[best, u]:
                nbrs[k] = u
                k += 1
        widest = max(widest, k + 1)
        for i in range(k):
            a = nbrs[i]
            adj[a, best] = False
            degree[a] -= 1
            for j in range(i + 1, k):
                b = nbrs[j]
                if not adj[a, b]:
                    adj[a, b] = True
                    adj[b, a] = True
                    degree[a] += 1
                    degree[b] += 1
        adj[best, :] = False
    return order, widest


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
    n_open = 0
    for p in range(n_parents):
        if state[p] < 0:
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
            if state[p] < 0:
                already = False
                for i in range(1, w):
                    if scope[f_id, i] == C + p:
                        already = True
                if not already:
                    if w >= scope_cap:
                        return 0.0, 0.0, TOO_WIDE
                    scope[f_id, w] = C + p
                    w += 1
        width[f_id] = w
        is_cause[f_id] = c
        f_id += 1
    for p in range(n_parents):
        if state[p] < 0:
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
    alive = np.ones(n_vars, dtype=np.bool_)
    for p in range(n_parents):
        alive[C + p] = state[p] < 0  # an answered risk factor is no variable
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
    mark = np.zeros(n_vars, dtype=np.bool_)
    n_f = n_orig
    for t in range(n_live):
        v = order[t]
        mark[:] = False
        f = head[t]
        while f >= 0:
            for i in range(width[f]):
                mark[scope[f, i]] = True
            f = nxt[f]
        mark[v] = False
        w = 0
        for u in range(n_vars):
            if mark[u]:
                scope[n_f, w] = u
                w += 1
        width[n_f] = w
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
    for t in range(n_live):
        mark[:] = False
        n_small = 0
        f = head[t]
        while f >= 0:
            if f < n_orig and width[f] <= 2:
                n_small += 1
                for i in range(width[f]):
                    mark[scope[f, i]] = True
            f = nxt[f]
        w = 0
        for u in range(n_vars):
            if mark[u]:
                scope[n_f, w] = u
                w += 1
        if n_small < 2 or w > _MERGED_WIDTH:
            continue
        width[n_f] = w
        offset[n_f + 1] = offset[n_f] + (1 << w)
        f = head[t]
        while f >= 0:
            if f < n_orig and width[f] <= 2:
                merged_into[f] = n_f
            f = nxt[f]
        n_f += 1

    # the factors' tables (bit i of an index: the state of scope[i])
    buf = np.zeros(offset[n_f])
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
        for i in range(1, w):
            p = scope[f_id, i] - C
            on = 1.0  # the factor of the links this risk factor activates in its state 0, and in 1
            off = 1.0
            for k in range(link_ptr[c], link_ptr[c + 1]):
                if link_parent[k] == p:
                    if link_state[k] == 0:
                        off *= link_off[k]
                    else:
                        on *= link_off[k]
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
        if state[p] < 0:
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

    where = np.zeros(n_vars, dtype=np.int64)
    small_row = np.empty(1 << _MERGED_WIDTH, dtype=np.int32)
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
                _index(scope[f], width[f], where, w, small_row)
                _multiply(buf[o:], buf[offset[f] :], small_row, 1 << w)
                _multiply(absolute[o:], absolute[offset[f] :], small_row, 1 << w)

    # per bucket: its inputs (a merged factor for its members), the causes whose factor it holds,
    # and each input's index into its table at every point of the union, made once forwards
    in_off = np.zeros(n_live + 1, dtype=np.int64)
    row_off = np.zeros(n_live + 1, dtype=np.int64)
    in_ids = np.empty(n_max, dtype=np.int64)
    cause_off = np.zeros(n_live + 1, dtype=np.int64)
    cause_ids = np.empty(C, dtype=np.int64)
    for t in range(n_live):
        k = in_off[t]
        n_c = cause_off[t]
        f = head[t]
        while f >= 0:
            if is_cause[f] >= 0:
                cause_ids[n_c] = is_cause[f]
                n_c += 1
            g = merged_into[f] if f < n_orig else -1
            if g < 0:
                in_ids[k] = f
                k += 1
            else:
                seen = False
                for j in range(in_off[t], k):
                    seen = seen or in_ids[j] == g
                if not seen:
                    in_ids[k] = g
                    k += 1
            f = nxt[f]
        in_off[t + 1] = k
        cause_off[t + 1] = n_c
        row_off[t + 1] = row_off[t] + ((k - in_off[t]) << (width[message[t]] + 1))
    rows = np.empty(row_off[n_live], dtype=np.int32)
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
        acc[:points] = 1.0
        for k in range(in_off[t], in_off[t + 1]):
            f = in_ids[k]
            tainted = tainted or signs[f]
            row = rows[row_off[t] + ((k - in_off[t]) << d) : row_off[t] + ((k - in_off[t] + 1) << d)]
            _index(scope[f], width[f], where, d, row)
            _multiply(acc, buf[offset[f] :], row, points)
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
        g = 1.0
        for j in range(n_finals):
            if j != i:
                g *= buf[offset[finals[j]]]
        grad[offset[finals[i]]] = g
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
        rest[:points] = 1.0
        for i in range(n_in):
            if not n_orig <= inputs[i] < n_messages:
                _multiply(rest, buf[offset[inputs[i]] :], index[i << d : (i + 1) << d], points)
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
def _index(scope_row: np.ndarray, w: int, where: np.ndarray, d: int, out: np.ndarray) -> None:
    """A factor's index into its table at every point of a union of ``d`` variables (``where``: a variable's bit)."""
    weight = np.zeros(d, dtype=np.int64)
    for p in range(w):
        weight[where[scope_row[p]]] = 1 << p
    out[0] = 0
    for b in range(d):
        span = 1 << b
        step = weight[b]
        for x in range(span):
            out[span + x] = out[x] + step


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
            pos_idx[pos_ptr[i] : pos_ptr[i + 1]],
            neg_idx[neg_ptr[i] : neg_ptr[i + 1]],
            states[i],
            table_max,
            max_width,
            signed,
            post[i],
        )
    return post, log_z, cond, status
