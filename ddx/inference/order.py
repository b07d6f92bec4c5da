"""The order of the differential, defined once: posterior descending, then model file order.

Two causes whose posteriors are equal to :data:`TIE_DECIMALS` decimal places
are a tie, and a tie keeps the order of the causes in ``model/nodes.yaml``.
Mathematically equal posteriors can differ in their last bits from one path
to another (one case, or many in one vectorised pass), so comparing the raw
floats would order the same tie differently on different paths; rounding
first makes :meth:`ddx.Engine.diagnose`, :meth:`ddx.Engine.diagnose_many`, the
batch ``top1..topK`` columns, the interview and the question ranking agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["TIE_DECIMALS", "rank_order", "ranked"]

#: Posteriors equal to this many decimal places are a tie (far below any shown digit, far above rounding noise).
TIE_DECIMALS = 12


def rank_order(posteriors: np.ndarray) -> np.ndarray:
    """Indices of the causes, most probable first, along the last axis (ties in model order).

    Examples
    --------
    >>> rank_order(np.array([0.2, 0.5, 0.2 + 1e-17, 0.1])).tolist()
    [1, 0, 2, 3]
    """
    return np.argsort(-np.round(np.asarray(posteriors, dtype=float), TIE_DECIMALS), axis=-1, kind="stable")


def ranked(causes: Sequence[str], posteriors: Mapping[str, float]) -> list[str]:
    """``causes`` (in model order) sorted as the differential: posterior descending, ties in model order."""
    return [causes[i] for i in rank_order(np.array([posteriors[c] for c in causes])).tolist()]
