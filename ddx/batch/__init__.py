"""Batch scoring: a CSV or a DataFrame of cases in, the same rows scored out, with metrics.

The public API of batch scoring is :func:`score_frame` and :func:`score_file`.
"""

from .score import DEFAULT_CHUNK_SIZE, FORMULA_STARTS, check_columns, escape_formula_cells, score_file, score_frame

__all__ = ["DEFAULT_CHUNK_SIZE", "FORMULA_STARTS", "check_columns", "escape_formula_cells", "score_file", "score_frame"]
