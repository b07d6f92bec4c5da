"""Scoring batches of distinct answer patterns in this process or in forked worker processes.

``ddx score --jobs N`` splits the work, not the file: the parent reads each
chunk, finds the patterns it has not scored yet and cuts them into batches
whose make-up depends only on the file (never on N); the batches are scored
here or by N forked workers, and the parent writes every row in order. While
the workers score a chunk the parent writes the one before and reads the one
after (:mod:`ddx.batch.cases`). So the output of ``--jobs N`` is byte for byte
that of ``--jobs 1``.

Workers are forked after the engine is loaded, so they share it without
loading or pickling it; each batch comes back as its output rows, plain
tuples (:mod:`ddx.batch.rows`). Where ``fork`` is not available the work
runs in this process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial

from ..engine.core import Engine
from ..errors import DdxError
from ..inference import compiled
from ..knowledge.evidence import Evidence
from .rows import Row, score_rows

__all__ = ["available_cores", "score_batches", "worker_pool"]

#: The engine of the parent, seen by forked workers (set only while a pool is open).
_ENGINE: Engine | None = None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _score(
    engine: Engine, batch: Sequence[Evidence], top: int, intervals: int | None, seed: int, kernel: bool
) -> list[Row]:
    with compiled.choice(kernel):  # the chunk's choice, in whichever process scores the batch
        return score_rows(engine, batch, top, intervals, seed)


def _score_in_worker(batch: Sequence[Evidence], top: int, intervals: int | None, seed: int, kernel: bool) -> list[Row]:
    assert _ENGINE is not None, "a worker runs only inside worker_pool"
    return _score(_ENGINE, batch, top, intervals, seed, kernel)


def score_batches(
    engine: Engine,
    batches: Sequence[Sequence[Evidence]],
    top: int = 5,
    intervals: int | None = None,
    seed: int = 0,
    pool: Executor | None = None,
    kernel: bool = False,
) -> Iterator[list[Row]]:
    """The output rows of each batch (``top`` ranked causes each), in order.

    Without ``pool`` each batch is scored in this process as its rows are
    asked for; with one, every batch is handed to the workers now, so that
    this process can go on while they score. ``kernel``: every batch through
    the compiled kernel (:func:`ddx.inference.compiled.for_chunk`).
    """
    if pool is None or not batches:
        return (_score(engine, batch, top, intervals, seed, kernel) for batch in batches)
    return pool.map(partial(_score_in_worker, top=top, intervals=intervals, seed=seed, kernel=kernel), batches)


@contextlib.contextmanager
def worker_pool(engine: Engine, jobs: int) -> Iterator[Executor | None]:
    """``jobs`` forked workers sharing ``engine`` (None, the work in this process, for one job or without fork)."""
    global _ENGINE
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise DdxError(f"jobs must be a whole number of processes, at least 1; got {jobs!r}")
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    _ENGINE = engine
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            yield pool
    finally:
        _ENGINE = None
