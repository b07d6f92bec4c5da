"""The rule layer: which rules the answers meet, most urgent first. Pure functions, no probabilities.

A rule's condition is data (``model/rules.yaml``, read into
:class:`ddx.knowledge.conditions.Rule`). A rule never looks at the network,
so nothing the network says can switch a rule off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..knowledge.conditions import Rule

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

    A condition reads only which ids are answered yes: each rule's condition is
    tested on the set of them (``Rule.test``, the same as ``is_met``). Without
    a yes to an id it reads, a condition is as met as with no answer at all,
    so such a rule is not tested (a cohort row has few yes answers).
    """
    yes = {node for node, value in answers.items() if value is True}
    met = [rule for rule in rules if (not rule.needs_yes or not rule.reads.isdisjoint(yes)) and rule.test(yes)]
    return tuple(sorted(met, key=lambda rule: levels.index(rule.level)))
