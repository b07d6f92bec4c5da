"""Scoring a Dask DataFrame of cases: :func:`score_frame` mapped over its partitions.

The optional ``dask`` extra (``pip install "ddx-paresthesia[dask]"``). Every
partition is scored by :func:`ddx.batch.score_frame` in the worker that holds
it, with the model loaded once per worker process; the output has the schema
of :func:`ddx.batch.output_meta` (the same columns and dtypes for every
partition, empty or full), so Dask knows it before any row is read.

>>> import dask.dataframe as dd, pandas as pd
>>> from ddx.dask import score_dataframe, dataframe_metrics
>>> cases = pd.DataFrame({"case_id": ["a", "b"], "back_pain": ["yes", "no"], "gold_cause": ["sciatica"] * 2})
>>> scored = score_dataframe(dd.from_pandas(cases, npartitions=2))
>>> scored.compute()["status"].tolist()
['ok', 'ok']
>>> dataframe_metrics(scored)["n"]
2
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .batch import output_meta, score_frame
from .batch.metrics import MetricsAccumulator
from .batch.read import cause_aliases
from .engine.core import Engine, load
from .errors import InputFileError, excerpt

try:
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise ImportError('ddx.dask needs Dask: pip install "ddx-paresthesia[dask]"') from exc

__all__ = ["dataframe_metrics", "score_dataframe"]


@functools.lru_cache(maxsize=4)
def _engine(model: str | None) -> Engine:
    """The engine of ``model`` (None: the bundled one), loaded once per worker process."""
    return load(None if model is None else Path(model))


def _model_key(model: str | os.PathLike[str] | None) -> str | None:
    return None if model is None else str(Path(model).resolve())


def _score_partition(part: pd.DataFrame, model: str | None, top: int, intervals: int | None, seed: int) -> Any:
    return score_frame(_engine(model), part, top, intervals=intervals, seed=seed)


def score_dataframe(
    ddf: dd.DataFrame,
    model: str | os.PathLike[str] | None = None,
    top: int = 5,
    *,
    intervals: int | None = None,
    seed: int = 0,
    check_ids: bool = True,
) -> dd.DataFrame:
    """Score every row of ``ddf`` (columns as for :func:`~ddx.batch.score_frame`); lazy, one task per partition.

    Parameters
    ----------
    ddf
        A Dask DataFrame of cases: ``case_id``, evidence columns, optional
        ``age``, ``sex``, ``gold_cause``, ``gold_triage``.
    model
        A model directory, read by each worker (default: the bundled model).
    top, intervals, seed
        As for :func:`~ddx.batch.score_frame`.
    check_ids
        Check, before scoring, that no ``case_id`` appears twice in the whole
        frame (this reads the ``case_id`` column once); each partition also
        checks its own rows.

    Raises
    ------
    InputFileError
        For a bad header (named as for ``ddx score``) or a ``case_id`` that
        appears more than once across partitions.
    """
    key = _model_key(model)
    meta = output_meta(_engine(key), [str(c) for c in ddf.columns], top, intervals is not None)
    if check_ids:
        ids = ddf["case_id"].astype(str).str.strip()
        counts = ids.value_counts().compute()
        repeated = counts[counts > 1]
        if len(repeated):
            shown = ", ".join(excerpt(str(i)) for i in repeated.index[:5])
            raise InputFileError(f"case_id must be unique across the frame; repeated: {shown}")
    return ddf.map_partitions(_score_partition, key, top, intervals, seed, meta=meta)


def _partition_metrics(part: pd.DataFrame, aliases: dict[str, str]) -> MetricsAccumulator:
    accumulator = MetricsAccumulator(aliases=aliases)
    accumulator.add(part)
    return accumulator


def dataframe_metrics(scored: dd.DataFrame, model: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The metrics of ``ddx score --metrics`` for a scored frame: one accumulator per partition, merged."""
    aliases = cause_aliases(_engine(_model_key(model)).kb)
    parts = scored.to_delayed()
    import dask

    accumulators = dask.compute(*[dask.delayed(_partition_metrics)(p, aliases) for p in parts])
    total = MetricsAccumulator(aliases=aliases)
    for accumulator in accumulators:
        total.merge(accumulator)
    return total.result()
