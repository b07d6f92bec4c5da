"""Batch scoring: a CSV or a DataFrame of cases in, the same rows scored out, with metrics.

The public API of batch scoring is :func:`score_frame` and :func:`score_file`:
:mod:`~ddx.batch.read` reads the header and the cells, :mod:`~ddx.batch.score`
scores a frame, :mod:`~ddx.batch.write` writes the rows, :mod:`~ddx.batch.file`
runs a whole file in chunks, :mod:`~ddx.batch.metrics` scores against gold labels;
:func:`output_meta` is the output's schema (for Dask and other distributed engines).
"""

from .file import DEFAULT_CHUNK_SIZE, score_file
from .read import check_columns
from .score import output_meta, score_frame
from .write import FORMULA_STARTS, escape_formula_cells

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "FORMULA_STARTS",
    "check_columns",
    "escape_formula_cells",
    "output_meta",
    "score_file",
    "score_frame",
]
