"""Triage: the network's disposition from the posteriors, and the final level.

The network's rule is the threshold approach: a cause of acuity A sets the
most urgent level L whose threshold ``thresholds[A][L]`` its posterior
reaches. Its own level needs the highest posterior and the level below a
lower one, so a less likely but dangerous cause still raises the level; the
own-level thresholds fall as the acuity grows more urgent. A self-care cause
sets ``self_care`` only when the answers support it (its posterior has risen
enough above its prior); when no cause sets a level, the disposition is the
policy's ``unsupported`` level. The numbers live in ``model/triage.yaml``.

The final level is the most urgent of the fired rules' levels and the
network's disposition, so nothing the network says can lower a rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..knowledge.model import TRIAGE_LEVELS, TriagePolicy

__all__ = ["Disposition", "Margin", "margin", "most_urgent", "network_disposition", "network_levels"]

SELF_CARE = TRIAGE_LEVELS[-1]


def most_urgent(levels: Iterable[str]) -> str:
    """The most urgent of ``levels`` (``self_care`` when there is none)."""
    return min(levels, key=TRIAGE_LEVELS.index, default=SELF_CARE)


@dataclass(frozen=True)
class Disposition:
    """The network's level, the cause that set it, and whether anything set it at all."""

    level: str
    cause: str | None  # the most probable cause that set ``level``; None when none did
    supported: bool  # False: no cause set a level, so ``level`` is the policy's unsupported level


def _level(p: float, prior: float, ladder: list[tuple[str, float]], policy: TriagePolicy) -> str | None:
    """The most urgent level a cause at posterior ``p`` sets, or None (``ladder``: its acuity's thresholds)."""
    for level, threshold in ladder:
        if p >= threshold and (level != SELF_CARE or p >= policy.support_ratio * prior):
            return level
    return None


def _ladders(policy: TriagePolicy) -> dict[str, list[tuple[str, float]]]:
    """Each acuity's thresholds, most urgent level first."""
    return {
        acuity: sorted(levels.items(), key=lambda item: TRIAGE_LEVELS.index(item[0]))
        for acuity, levels in policy.thresholds.items()
    }


def network_disposition(
    posteriors: Mapping[str, float],
    priors: Mapping[str, float],
    acuity: Mapping[str, str],
    policy: TriagePolicy,
) -> Disposition:
    """The level the differential calls for (see the module docstring).

    Examples
    --------
    >>> from ddx.knowledge.model import TriagePolicy
    >>> thresholds = {"emergency": {"emergency": 0.1, "urgent": 0.03}, "self_care": {"self_care": 0.3}}
    >>> policy = TriagePolicy(thresholds, 1.5, "routine", "")
    >>> acuity, priors = {"stroke": "emergency", "posture": "self_care"}, {"stroke": 0.01, "posture": 0.4}
    >>> network_disposition({"stroke": 0.12, "posture": 0.9}, priors, acuity, policy).level
    'emergency'
    >>> network_disposition({"stroke": 0.05, "posture": 0.9}, priors, acuity, policy).level
    'urgent'
    >>> network_disposition({"stroke": 0.01, "posture": 0.9}, priors, acuity, policy).level
    'self_care'
    >>> network_disposition({"stroke": 0.01, "posture": 0.4}, priors, acuity, policy).level
    'routine'
    """
    best: tuple[int, float, str] | None = None
    ladders = _ladders(policy)
    for cause, p in posteriors.items():
        level = _level(p, priors[cause], ladders[acuity[cause]], policy)
        if level is None:
            continue
        key = (TRIAGE_LEVELS.index(level), -p, cause)
        if best is None or key < best:
            best = key
    if best is None:
        return Disposition(policy.unsupported_level, None, False)
    return Disposition(TRIAGE_LEVELS[best[0]], best[2], True)


def network_levels(
    posteriors: np.ndarray, priors: Sequence[float], acuity: Sequence[str], policy: TriagePolicy
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`network_disposition` of many cases at once: each row's level (an index into ``TRIAGE_LEVELS``) and
    whether a cause set it.

    ``posteriors`` is ``(n, C)`` with the causes in the order of ``priors`` and
    ``acuity``. The comparisons are those of :func:`_level` on the same float64
    numbers, so each row's level is the one-case function's (tested).
    """
    rows = np.asarray(posteriors, dtype=float)
    none = len(TRIAGE_LEVELS)  # no level set
    best = np.full(len(rows), none, dtype=np.intp)
    ladders = _ladders(policy)
    for c, (prior, own) in enumerate(zip(priors, acuity, strict=True)):
        p = rows[:, c]
        level_of_cause = np.full(len(rows), none, dtype=np.intp)
        for level, threshold in reversed(ladders[own]):  # the least urgent first: a more urgent one overwrites it
            met = p >= threshold
            if level == SELF_CARE:
                met &= p >= policy.support_ratio * prior
            level_of_cause[met] = TRIAGE_LEVELS.index(level)
        np.minimum(best, level_of_cause, out=best)
    supported = best < none
    best[~supported] = TRIAGE_LEVELS.index(policy.unsupported_level)
    return best, supported


@dataclass(frozen=True)
class Margin:
    """How far a case is from the next more urgent level than its own."""

    level: str  # the next more urgent level
    cause: str  # the cause of that acuity closest to its threshold
    probability: float
    threshold: float

    @property
    def odds_factor(self) -> float:
        """By how much the cause's odds must grow to reach the threshold."""
        p, t = min(self.probability, 1 - 1e-15), self.threshold
        return (t / (1 - t)) / (p / (1 - p)) if p > 0 else float("inf")


def margin(
    posteriors: Mapping[str, float], acuity: Mapping[str, str], policy: TriagePolicy, current: str
) -> Margin | None:
    """The cause nearest to raising ``current`` by one level through the network (None when none can).

    "Nearest" is the smallest factor on the cause's odds that would reach its
    threshold for the next more urgent level. Only the network's side can be
    moved this way: rules fire on answers, not on numbers.
    """
    index = TRIAGE_LEVELS.index(current)
    for level in reversed(TRIAGE_LEVELS[:index]):
        found = [
            Margin(level, c, p, policy.thresholds[acuity[c]][level])
            for c, p in posteriors.items()
            if level in policy.thresholds.get(acuity[c], {})
        ]
        if found:
            return min(found, key=lambda m: (m.odds_factor, m.cause))
    return None
