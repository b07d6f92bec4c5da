"""The result columns of many scored patterns at once, from their posteriors: no result object per pattern.

:meth:`DiagnosisResult.to_row` is the contract of one output row. :func:`score_rows`
gives the same values for a batch of checked cases: one vectorised pass of the
engine (:meth:`Engine.evaluate`, the posteriors ``diagnose_many`` uses), then the
order of the differential, the network's triage, the rules the answers meet
and the ``next_steps`` column over the whole batch as arrays. A row is a plain
tuple in the order of :func:`row_columns`: small, picklable, cheap to send
back from a worker process. The tests hold every value equal to ``to_row``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..clinical.failsafe import EMERGENCY
from ..clinical.triage import most_urgent
from ..engine.core import Engine
from ..inference.uncertainty import Interval
from ..knowledge.evidence import Evidence
from ..knowledge.model import TRIAGE_LEVELS

__all__ = ["Row", "error_row", "outcome_rows", "row_columns", "score_rows"]

#: The result columns of one output row (``status`` to ``kb_version``), in :func:`row_columns` order.
Row = tuple[Any, ...]


def row_columns(causes: Sequence[str], top: int, intervals: bool = False) -> list[str]:
    """The names of a row's values: the columns of :meth:`DiagnosisResult.to_row`, in its order."""
    names = ["status", "error", "triage", "rules_fired"]
    for i in range(1, top + 1):
        names += [f"top{i}", f"p_top{i}"]
    names += ["next_steps", *(f"p_{c}" for c in causes)]
    if intervals:
        names.append("top1_stable")
        for c in causes:
            names += [f"p_low_{c}", f"p_high_{c}"]
    return [*names, "kb_version"]


def score_rows(
    engine: Engine, evidences: Sequence[Evidence], top: int, intervals: int | None = None, seed: int = 0
) -> list[Row]:
    """The rows of checked cases: their posteriors in one pass, and with ``intervals`` draws their intervals."""
    if not evidences:
        return []
    posteriors, _ = engine.evaluate(evidences, log_evidence=False)
    bands = None
    if intervals is not None:
        bands = [engine.intervals(ev, point, intervals, seed) for ev, point in zip(evidences, posteriors, strict=True)]
    return outcome_rows(engine, evidences, posteriors, top, bands)


def outcome_rows(
    engine: Engine,
    evidences: Sequence[Evidence],
    posteriors: np.ndarray,
    top: int,
    intervals: Sequence[Sequence[Interval]] | None = None,
) -> list[Row]:
    """The row of each case from its posteriors ``(n, C)``, causes in model order (and its intervals, if drawn)."""
    kb = engine.kb
    causes = kb.causes
    n = len(evidences)
    if n == 0:
        return []
    order, levels, _, fired = engine.verdicts(evidences, posteriors)
    ranked = np.take_along_axis(posteriors, order, axis=1)
    # the final level: the most urgent of the network's and the rules', as for one case
    triage = [
        most_urgent([TRIAGE_LEVELS[level], *(rule.level for rule in f)])
        for level, f in zip(levels.tolist(), fired, strict=True)
    ]
    columns: list[Sequence[Any]] = [
        ["ok"] * n,
        [""] * n,
        triage,
        [";".join(rule.id for rule in f) for f in fired],
    ]
    names = np.array(causes, dtype=object)[order[:, :top]].T.tolist()
    probabilities = ranked[:, :top].T.tolist()
    for i in range(top):
        if i < len(causes):
            columns += [names[i], probabilities[i]]
        else:  # fewer causes than asked for
            columns += [[""] * n, [float("nan")] * n]
    columns.append(_next_steps(engine, order, ranked))
    columns += posteriors.T.tolist()
    if intervals is not None:
        by_id = [{band.cause: band for band in bands} for bands in intervals]
        first = order[:, 0].tolist()
        columns.append([bands[causes[j]].top1 for bands, j in zip(by_id, first, strict=True)])
        for c in causes:
            columns += [[bands[c].low for bands in by_id], [bands[c].high for bands in by_id]]
    columns.append([kb.kb_version] * n)
    return list(zip(*columns, strict=True))


def _next_steps(engine: Engine, order: np.ndarray, ranked: np.ndarray) -> list[str]:
    """The ``next_steps`` column: the test names of each case's leading causes, made once per set of them."""
    guide, causes = engine.next_steps_guide, engine.kb.causes
    counts = guide.leading_counts(ranked).tolist()
    heads = order[:, : max(counts, default=0)].tolist()
    made: dict[tuple[int, ...], str] = {}
    out = []
    for head, count in zip(heads, counts, strict=True):
        key = tuple(head[:count])
        text = made.get(key)
        if text is None:
            text = made[key] = ";".join(guide.test_names(causes[j] for j in key))
        out.append(text)
    return out


def error_row(names: Sequence[str], message: str, emergency: Sequence[Any], kb_version: str) -> Row:
    """The row of a case that cannot be scored: its message, and the emergency rules its readable answers meet.

    Every other value is missing (NaN), as in a frame built from the row's few known cells.
    """
    known: dict[str, Any] = {"status": "error", "error": message, "kb_version": kb_version}
    if emergency:  # the fail safe: a bad row keeps the emergency its readable answers meet
        known.update(triage=EMERGENCY, rules_fired=";".join(rule.id for rule in emergency))
    nan = float("nan")
    return tuple(known.get(name, nan) for name in names)
