"""When and how the compiled kernel (:mod:`ddx.inference.kernel`) scores cases.

The kernel needs numba (the ``fast`` extra). Importing numba and loading the
compiled code costs about 0.4 s, more than a few cases take in numpy, so
the kernel is loaded only for batch work: a call with at least
``BATCH_CASES`` cases, and the service at start (``preload()``); once loaded,
every call of the process uses it. Batch scoring decides so per chunk in
the process that splits the file (``for_chunk``) and scores the whole chunk
in that one way (``choice``), in its workers too, so that a file's output
never depends on how many processes scored it. ``DDX_KERNEL=numpy`` turns it off,
``DDX_KERNEL=numba`` asks for it on every call (an error when numba is
missing). Its answers are certified like Quickscore's: a case whose
condition number float64 cannot bound by the tolerance, or whose
elimination is wider than ``MAX_WIDTH`` variables, is left to the numpy
methods of :func:`ddx.inference.quickscore.evaluate_many`.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType

import numpy as np

from .compile import CaseEvidence, CompiledModel, evidence_arrays, log_common
from .elimination_plan import _finding_parents, _links_by_cause, _once

__all__ = [
    "BATCH_CASES",
    "MAX_WIDTH",
    "RETRY_TABLE_PARENTS",
    "TABLE_PARENTS",
    "available",
    "certified",
    "choice",
    "for_chunk",
    "load",
    "preload",
    "score",
]

#: Calls with at least this many cases load the kernel (about 0.4 s, once per process).
BATCH_CASES = 256
#: Cases whose widest union has more variables than this are left to the numpy methods.
MAX_WIDTH = 22
#: Positive findings with at most this many parents enter as one table, more as a subset
#: variable. Tables do not cancel: on 2,000 realistic cases (1-10 positive findings) 3 parents
#: certified 94.6 % of the cases in float64, 6 all of them, at the same speed (docs/performance.md).
TABLE_PARENTS = 6
#: A case the kernel cannot certify so goes through it once more with positive findings of up to
#: this many parents as tables: fewer subset variables, less cancellation. On 4,000 realistic cases
#: (1-10 positive findings) 3 failed at 6; at 8 their condition numbers fell from 1.6e5-7.9e5 to
#: 150-400, in 7 ms each, where the numpy methods take 44 ms (docs/performance.md).
RETRY_TABLE_PARENTS = 8
#: The kernel module once loaded in this process.
_loaded: ModuleType | None = None
#: Set by :func:`choice`: every call in the block takes the kernel (True) or the numpy methods (False).
_chosen: ContextVar[bool | None] = ContextVar("ddx_kernel_choice", default=None)


def available() -> bool:
    """True when numba is installed (the ``fast`` extra)."""
    return importlib.util.find_spec("numba") is not None


def _setting() -> str:
    setting = os.environ.get("DDX_KERNEL", "auto").strip().lower() or "auto"
    if setting not in ("auto", "numba", "numpy"):
        raise ValueError(f"DDX_KERNEL={setting!r}: expected auto, numba or numpy")
    return setting


def wanted(n_cases: int) -> bool:
    """Whether a call with ``n_cases`` cases goes through the kernel."""
    setting = _setting()
    if _chosen.get() is not None:
        return bool(_chosen.get())
    if setting == "numpy":
        return False
    if setting == "numba":
        return True
    return available() and (_loaded is not None or n_cases >= BATCH_CASES)


def preload() -> None:
    """Load the kernel now (a service at start), unless ``DDX_KERNEL=numpy`` or numba is missing."""
    if _setting() == "numba" or (_setting() == "auto" and available()):
        load()


def for_chunk(new_patterns: int) -> bool:
    """Whether batch scoring scores a chunk with this many new patterns through the kernel.

    As :func:`wanted` decides for a call in this process (a chunk of at least
    ``BATCH_CASES`` new patterns, or the kernel loaded), and a yes loads it
    here: the process that splits a file decides for its workers, and its own
    state moves the same way whether it or they score the batches.
    """
    if not wanted(new_patterns):
        return False
    load()
    return True


@contextmanager
def choice(kernel: bool) -> Iterator[None]:
    """Every call inside takes the kernel (``True``; its numpy fallbacks aside) or the numpy methods."""
    token = _chosen.set(kernel)
    try:
        yield
    finally:
        _chosen.reset(token)


def load() -> ModuleType:
    """The kernel module, compiled or loaded from its cache; ImportError names the extra when numba is missing."""
    if not available():
        raise ImportError('the compiled kernel needs numba: pip install "ddx-paresthesia[fast]"')
    global _loaded
    if _loaded is None:
        from . import kernel

        _warm(kernel)
        _loaded = kernel
    return _loaded


def _warm(kernel: ModuleType) -> None:
    """Run the kernel once on a one-cause network: numba loads (or compiles) its machine code at a first call."""
    i64, f64 = np.int64, np.float64
    model = (
        np.full(1, 0.9), np.full((1, 1), 0.5), np.full(1, 0.9), np.zeros(0, f64), np.zeros(2, i64),
        np.zeros(0, i64), np.zeros(0, i64), np.zeros(0, f64), np.array([0, 1], i64), np.zeros(1, i64),
        np.zeros(0, np.bool_),
    )  # fmt: skip
    for a in model:
        a.flags.writeable = False  # read-only, as the model's arrays are (another type to numba)
    case = (np.array([0, 1], i64), np.zeros(1, i64), np.zeros(2, i64), np.zeros(0, i64), np.zeros((1, 0), i64))
    for signed in (True, False):
        kernel.score_cases(1, 0, *model, *case, TABLE_PARENTS, MAX_WIDTH, signed)


def score(
    model: CompiledModel, cases: Sequence[CaseEvidence], signed: bool = True, table_parents: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Posteriors ``(n, C)``, log Z (without :func:`~ddx.inference.compile.log_common`), condition numbers, done mask.

    ``signed``: the positive findings of more than ``table_parents`` parents (default
    ``TABLE_PARENTS``) as subset variables (narrow; the sums cancel, so the condition
    number is to be checked) or as chains (condition number 1). The model's own numbers
    only (``model.params``).
    """
    kernel = load()
    table = TABLE_PARENTS if table_parents is None else table_parents
    arrays = _once(model, ("kernel_arrays",), _model_arrays, model)
    n = len(cases)
    pos_ptr = np.zeros(n + 1, dtype=np.int64)
    neg_ptr = np.zeros(n + 1, dtype=np.int64)
    pos_ptr[1:] = np.cumsum([len(c.positive) for c in cases])
    neg_ptr[1:] = np.cumsum([len(c.negative) for c in cases])
    pos_idx = np.fromiter((f for c in cases for f in c.positive), dtype=np.int64, count=int(pos_ptr[-1]))
    neg_idx = np.fromiter((f for c in cases for f in c.negative), dtype=np.int64, count=int(neg_ptr[-1]))
    states = np.full((n, len(model.parents)), -1, dtype=np.int64)
    for i, case in enumerate(cases):
        for p, s in case.parents.items():
            states[i, p] = s
    post, log_z, cond, status = kernel.score_cases(
        *arrays, pos_ptr, pos_idx, neg_ptr, neg_idx, states, table, MAX_WIDTH, signed
    )
    return post, log_z, cond, status == kernel.DONE


def certified(
    model: CompiledModel, cases: Sequence[CaseEvidence], bound: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posteriors ``(n, C)``, log P(evidence) and a mask of the cases whose error float64 bounds by ``bound``.

    ``bound`` is the tolerance over the caller's safety factor: a case passes when
    its condition number times float64's eps is below it. A case that fails goes
    through once more with larger tables (``RETRY_TABLE_PARENTS``).
    """
    eps = float(np.finfo(np.float64).eps)
    post, log_z, cond, done = score(model, cases)
    ok = done & (cond * eps <= bound)
    again = np.flatnonzero(done & ~ok)
    if len(again):
        post2, log_z2, cond2, done2 = score(model, [cases[int(i)] for i in again], table_parents=RETRY_TABLE_PARENTS)
        met = done2 & (cond2 * eps <= bound)
        post[again[met]], log_z[again[met]], ok[again[met]] = post2[met], log_z2[met], True
    observed, negative = evidence_arrays(model, cases, np.float64)
    return post, log_z + log_common(observed, negative, model.params, np.float64), ok


def _model_arrays(model: CompiledModel) -> tuple[object, ...]:
    """The model's numbers and links as the flat arrays the kernel reads (made once per model)."""
    p = model.params
    links = _links_by_cause(model)
    link_ptr = np.zeros(len(model.causes) + 1, dtype=np.int64)
    link_ptr[1:] = np.cumsum([len(x) for x in links])
    flat = [link for cause in links for link in cause]
    parents = _finding_parents(model)
    parent_ptr = np.zeros(len(model.findings) + 1, dtype=np.int64)
    parent_ptr[1:] = np.cumsum([len(x) for x in parents])
    arrays = (
        len(model.causes),
        len(model.parents),
        np.ascontiguousarray(p.base_off[0], dtype=np.float64),
        np.ascontiguousarray(p.finding_off[0], dtype=np.float64),
        np.ascontiguousarray(p.leak_off[0], dtype=np.float64),
        np.ascontiguousarray(p.parent_prior[0], dtype=np.float64),
        link_ptr,
        np.array([x[0] for x in flat], dtype=np.int64),
        np.array([x[1] for x in flat], dtype=np.int64),
        np.array([p.link_off[0, x[2]] for x in flat], dtype=np.float64),
        parent_ptr,
        np.concatenate(parents).astype(np.int64),
        _private(model),
    )
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    return arrays


def _private(model: CompiledModel) -> np.ndarray:
    """Per risk factor, whether one cause alone is linked to it (``model.private``): the kernel sums it into that
    cause's table."""
    private = np.zeros(len(model.parents), dtype=np.bool_)
    private[model.private[1]] = True
    return private
