"""Metrics a study would report, from scored rows that carry gold labels.

Everything here is a pure function of the scored table that
:func:`ddx.batch.score_frame` returns (columns ``status``, ``triage``,
``p_top1``, ``gold_cause``, ``gold_triage``, ``gold_rank``).
:class:`MetricsAccumulator` keeps only counts and sums, so that a file scored
chunk by chunk gets its metrics in bounded memory; :func:`compute_metrics` is
the one-frame shortcut.

Which rows count: cause metrics use the rows with ``status == "ok"`` and a
``gold_cause``; triage metrics use the rows with ``status == "ok"`` and a
``gold_triage``. The result says how many rows each left out and why.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..knowledge.model import TRIAGE_LEVELS

__all__ = ["DEFINITIONS", "MetricsAccumulator", "compute_metrics", "format_metrics"]

#: What each metric means; written into the JSON so that a reader needs no code.
DEFINITIONS: dict[str, str] = {
    "n": "cases in the cause metrics: rows with status ok and a gold_cause",
    "gold_rank": "1-based rank of the gold cause (a merged id counts as its node) in the full "
    "differential, every cause of the model ranked by posterior",
    "topk_accuracy": "share of cases whose gold cause is among the k most probable causes (gold_rank <= k)",
    "mean_reciprocal_rank": "mean over cases of 1 / gold_rank",
    "brier_top1": "Brier score of the top cause: mean over cases of (p_top1 - y)^2, where p_top1 is "
    "the posterior of the most probable cause and y is 1 if that cause is the gold cause "
    "(gold_rank == 1), else 0; 0 is best, 1 worst. Posteriors of different causes need not sum "
    "to 1 (causes can co-occur), so this scores the confidence of the first answer, not a "
    "multi-class distribution",
    "per_cause": "for each gold cause: n cases, share ranked first (top1_recall) and within the "
    "first three (top3_recall)",
    "n_triage": "cases in the triage metrics: rows with status ok and a gold_triage",
    "triage_accuracy": "share of cases whose triage equals gold_triage",
    "triage_confusion": "counts of cases by gold level (outer keys) and predicted level (inner keys)",
    "emergency_sensitivity": "share of gold emergency cases triaged emergency (null without gold emergency cases)",
    "under_triage_rate": "share of cases triaged less urgent than gold_triage",
    "over_triage_rate": "share of cases triaged more urgent than gold_triage",
}

_TOP_K = (1, 3, 5)


def _ratio(count: int, total: int) -> float | None:
    return count / total if total else None


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped text, blank where missing."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    values = frame[column].astype(object).where(frame[column].notna(), "")
    return values.astype(str).str.strip()


@dataclass
class MetricsAccumulator:
    """Counts and sums for the metrics, fed one scored chunk at a time.

    Parameters
    ----------
    aliases
        Merged gold cause id -> the cause node it counts as (for the
        per-cause table); ids not in it are taken as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> acc = MetricsAccumulator()
    >>> acc.add(pd.DataFrame({"status": ["ok"], "triage": ["urgent"], "p_top1": [0.8],
    ...                       "gold_cause": ["a"], "gold_rank": [1], "gold_triage": ["urgent"]}))
    >>> m = acc.result()
    >>> m["top1_accuracy"], round(m["brier_top1"], 2), m["triage_accuracy"]
    (1.0, 0.04, 1.0)
    """

    aliases: Mapping[str, str] = field(default_factory=dict)
    rows: int = 0
    rows_ok: int = 0
    kb_versions: set[str] = field(default_factory=set)
    has_gold_cause: bool = False
    has_gold_triage: bool = False
    no_gold_cause: int = 0
    cases: int = 0
    hits: Counter[int] = field(default_factory=Counter)
    reciprocal_rank_sum: float = 0.0
    brier_sum: float = 0.0
    per_cause: dict[str, Counter[str]] = field(default_factory=dict)
    no_gold_triage: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    def merge(self, other: MetricsAccumulator) -> MetricsAccumulator:
        """Add the counts of ``other`` (another file's chunks, another worker's partitions); return self.

        Merging in any order gives the metrics of one accumulator fed every chunk.
        """
        self.rows += other.rows
        self.rows_ok += other.rows_ok
        self.kb_versions |= other.kb_versions
        self.has_gold_cause |= other.has_gold_cause
        self.has_gold_triage |= other.has_gold_triage
        self.no_gold_cause += other.no_gold_cause
        self.cases += other.cases
        self.hits.update(other.hits)
        self.reciprocal_rank_sum += other.reciprocal_rank_sum
        self.brier_sum += other.brier_sum
        for cause, counts in other.per_cause.items():
            self.per_cause.setdefault(cause, Counter()).update(counts)
        self.no_gold_triage += other.no_gold_triage
        self.confusion.update(other.confusion)
        return self

    def add(self, scored: pd.DataFrame) -> None:
        """Count one chunk of scored rows.

        Raises
        ------
        ValueError
            If an ok row with a gold cause has no ``gold_rank``, or a triage
            level is not one of ``emergency``, ``urgent``, ``routine``, ``self_care``.
        """
        ok = (_text(scored, "status") == "ok").to_numpy()
        self.rows += len(scored)
        self.rows_ok += int(ok.sum())
        self.kb_versions.update(v for v in _text(scored, "kb_version").unique() if v)
        self.has_gold_cause |= "gold_cause" in scored.columns
        self.has_gold_triage |= "gold_triage" in scored.columns
        self._add_causes(scored, ok)
        self._add_triage(scored, ok)

    def _add_causes(self, scored: pd.DataFrame, ok: np.ndarray) -> None:
        gold = _text(scored, "gold_cause").to_numpy()
        use = ok & (gold != "")
        self.no_gold_cause += int(ok.sum() - use.sum())
        if not use.any():
            return
        ranks = pd.to_numeric(scored["gold_rank"], errors="coerce").to_numpy(dtype=float)[use]
        if np.isnan(ranks).any():
            raise ValueError("gold_rank is missing in an ok row that has a gold_cause")
        p_top1 = pd.to_numeric(scored["p_top1"], errors="coerce").to_numpy(dtype=float)[use]
        self.cases += len(ranks)
        for k in _TOP_K:
            self.hits[k] += int((ranks <= k).sum())
        self.reciprocal_rank_sum += float((1.0 / ranks).sum())
        self.brier_sum += float(((p_top1 - (ranks == 1)) ** 2).sum())
        # counted by (cause, in the top 1, in the top 3): a cohort has far fewer of those than rows
        outcomes = Counter(zip(gold[use].tolist(), (ranks <= 1).tolist(), (ranks <= 3).tolist(), strict=True))
        for (cause, top1, top3), n in outcomes.items():
            counts = self.per_cause.setdefault(self.aliases.get(cause, cause), Counter())
            counts["n"] += n
            counts["top1"] += n * top1
            counts["top3"] += n * top3

    def _add_triage(self, scored: pd.DataFrame, ok: np.ndarray) -> None:
        gold = _text(scored, "gold_triage").str.lower().to_numpy()
        use = ok & (gold != "")
        self.no_gold_triage += int(ok.sum() - use.sum())
        predicted = _text(scored, "triage").to_numpy()[use]
        pairs = Counter(zip(gold[use].tolist(), predicted.tolist(), strict=True))  # in order of first row
        for g, p in pairs:
            if g not in TRIAGE_LEVELS or p not in TRIAGE_LEVELS:
                bad = g if g not in TRIAGE_LEVELS else p
                raise ValueError(f"unknown triage level {bad!r}; levels are {', '.join(TRIAGE_LEVELS)}")
        self.confusion.update(pairs)

    def result(self) -> dict[str, Any]:
        """The metrics as a JSON-ready dict (rates are None when their denominator is 0)."""
        return {
            "kb_version": _one_or_list(self.kb_versions),
            "rows": {"total": self.rows, "ok": self.rows_ok, "error": self.rows - self.rows_ok},
            **self._cause_metrics(),
            **self._triage_metrics(),
            "definitions": DEFINITIONS,
        }

    def _cause_metrics(self) -> dict[str, Any]:
        n = self.cases
        out: dict[str, Any] = {
            "n": n,
            "excluded": {"status_error": self.rows - self.rows_ok, "no_gold_cause": self.no_gold_cause},
        }
        for k in _TOP_K:
            out[f"top{k}_accuracy"] = _ratio(self.hits[k], n)
        out["mean_reciprocal_rank"] = self.reciprocal_rank_sum / n if n else None
        out["brier_top1"] = self.brier_sum / n if n else None
        out["per_cause"] = {
            cause: {
                "n": c["n"],
                "top1_recall": _ratio(c["top1"], c["n"]),
                "top3_recall": _ratio(c["top3"], c["n"]),
            }
            for cause, c in sorted(self.per_cause.items())
        }
        out["counts"] = {f"top{k}": self.hits[k] for k in _TOP_K}
        return out

    def _triage_metrics(self) -> dict[str, Any]:
        n = sum(self.confusion.values())
        rank = {level: i for i, level in enumerate(TRIAGE_LEVELS)}
        correct = sum(v for (g, p), v in self.confusion.items() if g == p)
        under = sum(v for (g, p), v in self.confusion.items() if rank[p] > rank[g])
        over = sum(v for (g, p), v in self.confusion.items() if rank[p] < rank[g])
        emergency = "emergency"
        emergency_n = sum(v for (g, _), v in self.confusion.items() if g == emergency)
        return {
            "n_triage": n,
            "excluded_triage": {
                "status_error": self.rows - self.rows_ok,
                "no_gold_triage": self.no_gold_triage,
            },
            "triage_accuracy": _ratio(correct, n),
            "triage_confusion": {
                "rows": "gold",
                "columns": "predicted",
                "counts": {g: {p: self.confusion[(g, p)] for p in TRIAGE_LEVELS} for g in TRIAGE_LEVELS},
            },
            "emergency_n": emergency_n,
            "emergency_sensitivity": _ratio(self.confusion[(emergency, emergency)], emergency_n),
            "under_triage_rate": _ratio(under, n),
            "over_triage_rate": _ratio(over, n),
            "triage_counts": {"correct": correct, "under": under, "over": over},
        }


def _one_or_list(values: set[str]) -> str | list[str] | None:
    if not values:
        return None
    return next(iter(values)) if len(values) == 1 else sorted(values)


def compute_metrics(scored: pd.DataFrame, aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The metrics of one scored table.

    Parameters
    ----------
    scored
        Rows as :func:`ddx.batch.score_frame` returns them.
    aliases
        Merged gold cause id -> cause node, for the per-cause table.

    Returns
    -------
    dict
        ``n``, ``top1_accuracy``, ``top3_accuracy``, ``top5_accuracy``,
        ``mean_reciprocal_rank``, ``brier_top1``, ``per_cause``, ``n_triage``,
        ``triage_accuracy``, ``triage_confusion``, ``emergency_sensitivity``,
        ``under_triage_rate``, ``over_triage_rate``, the rows left out and why
        (``excluded``, ``excluded_triage``), ``kb_version`` and ``definitions``.

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"status": ["ok", "ok", "error"], "p_top1": [0.9, 0.6, None],
    ...                        "gold_cause": ["a", "b", "a"], "gold_rank": [1, 2, None]})
    >>> m = compute_metrics(scored)
    >>> m["n"], m["top1_accuracy"], m["mean_reciprocal_rank"], m["excluded"]["status_error"]
    (2, 0.5, 0.75, 1)
    """
    accumulator = MetricsAccumulator(aliases=dict(aliases or {}))
    accumulator.add(scored)
    return accumulator.result()


def _fmt(value: float | None, count: int | None = None, total: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:.3f}"
    return f"{text}  ({count}/{total})" if count is not None else text


def format_metrics(metrics: Mapping[str, Any]) -> str:
    """A plain-text table of :func:`compute_metrics` output, for a terminal."""
    rows, n, n_triage = metrics["rows"], metrics["n"], metrics["n_triage"]
    excluded, excluded_triage = metrics["excluded"], metrics["excluded_triage"]
    lines = [
        f"metrics (kb_version {metrics['kb_version']}): {rows['total']} rows, "
        f"{rows['ok']} ok, {rows['error']} with errors"
        + (f", {rows['blank_lines_skipped']} blank lines skipped" if rows.get("blank_lines_skipped") else ""),
        f"causes: n={n} (left out: {excluded['status_error']} error rows, "
        f"{excluded['no_gold_cause']} without gold_cause)",
    ]
    counts = metrics["counts"]
    for k in _TOP_K:
        lines.append(f"  top-{k} accuracy          {_fmt(metrics[f'top{k}_accuracy'], counts[f'top{k}'], n)}")
    lines.append(f"  mean reciprocal rank    {_fmt(metrics['mean_reciprocal_rank'])}")
    lines.append(f"  Brier score, top cause  {_fmt(metrics['brier_top1'])}")
    lines.append(
        f"triage: n={n_triage} (left out: {excluded_triage['status_error']} error rows, "
        f"{excluded_triage['no_gold_triage']} without gold_triage)"
    )
    tc = metrics["triage_counts"]
    emergency_hits = metrics["triage_confusion"]["counts"]["emergency"]["emergency"]
    lines += [
        f"  triage accuracy         {_fmt(metrics['triage_accuracy'], tc['correct'], n_triage)}",
        f"  emergency sensitivity   {_fmt(metrics['emergency_sensitivity'], emergency_hits, metrics['emergency_n'])}",
        f"  under-triage rate       {_fmt(metrics['under_triage_rate'], tc['under'], n_triage)}",
        f"  over-triage rate        {_fmt(metrics['over_triage_rate'], tc['over'], n_triage)}",
    ]
    lines += _confusion_lines(metrics["triage_confusion"]["counts"])
    lines += _per_cause_lines(metrics["per_cause"])
    return "\n".join(lines)


def _confusion_lines(counts: Mapping[str, Mapping[str, int]]) -> list[str]:
    width = max(len(level) for level in TRIAGE_LEVELS) + 2
    head = "gold \\ predicted".ljust(width + 2) + "".join(level.rjust(width) for level in TRIAGE_LEVELS)
    lines = ["  triage confusion (rows: gold, columns: predicted)", f"  {head}"]
    for gold in TRIAGE_LEVELS:
        cells = "".join(str(counts[gold][p]).rjust(width) for p in TRIAGE_LEVELS)
        lines.append(f"  {gold.ljust(width + 2)}{cells}")
    return lines


def _per_cause_lines(per_cause: Mapping[str, Mapping[str, Any]]) -> list[str]:
    if not per_cause:
        return []
    width = max(len("cause"), *(len(c) for c in per_cause)) + 2
    lines = ["recall by gold cause", f"  {'cause'.ljust(width)}{'n':>6}{'top-1':>8}{'top-3':>8}"]
    for cause, c in per_cause.items():
        lines.append(f"  {cause.ljust(width)}{c['n']:>6}{_fmt(c['top1_recall']):>8}{_fmt(c['top3_recall']):>8}")
    return lines
