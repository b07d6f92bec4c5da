"""The rule layer: which rules the answers meet, most urgent first. Pure functions, no probabilities.

A rule's condition is data (``model/rules.yaml``, read into
:class:`ddx.knowledge.conditions.Rule`). A rule never looks at the network,
so nothing the network says can switch a rule off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..knowledge.conditions import Rule, is_met

__all__ = ["FiredRule", "fired"]


@dataclass(frozen=True)
class FiredRule:
    """A rule of the rule layer whose condition the evidence meets."""

    id: str
    level: str
    message: str
    source: str


def fired(rules: tuple[Rule, ...], answers: Mapping[str, bool], levels: tuple[str, ...]) -> tuple[Rule, ...]:
    """The rules the answers meet, most urgent first (file order within a level).

    A condition is met only through some id answered yes, so a rule that reads
    none of the yes answers is not evaluated (a cohort row has few of them).
    """
    yes = {node for node, value in answers.items() if value is True}
    met = [rule for rule in rules if not rule.reads.isdisjoint(yes) and is_met(rule.when, answers)]
    return tuple(sorted(met, key=lambda rule: levels.index(rule.level)))
