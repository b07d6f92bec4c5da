"""Triage: the network's disposition from the posteriors, and the final level.

The final level is the most urgent of the fired rules' levels and the
network's disposition, so nothing the network says can lower a rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .knowledge import TRIAGE_LEVELS

__all__ = ["most_urgent", "network_disposition"]


def most_urgent(levels: Iterable[str]) -> str:
    """The most urgent of ``levels`` (``self_care`` when there is none)."""
    return min(levels, key=TRIAGE_LEVELS.index, default=TRIAGE_LEVELS[-1])


def network_disposition(
    posteriors: Mapping[str, float], acuity: Mapping[str, str], thresholds: Mapping[str, float]
) -> str:
    """The level the differential calls for.

    A cause of acuity A sets level L (L no more urgent than A) when its
    posterior reaches the threshold of L: a likely stroke sets ``emergency``,
    a less likely one may still set ``urgent``.
    """
    levels = []
    for cause, p in posteriors.items():
        start = TRIAGE_LEVELS.index(acuity[cause])
        for level in TRIAGE_LEVELS[start:-1]:
            if p >= thresholds[level]:
                levels.append(level)
                break
    return most_urgent(levels)
