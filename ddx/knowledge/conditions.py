"""The rule layer: which rules the answers meet. Pure functions, no probabilities.

A rule's condition is data (``model/rules.yaml``): an id (met when answered
yes), or ``{any: [...]}`` / ``{all: [...]}`` of conditions. A rule never looks
at the network, so nothing the network says can switch a rule off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Condition", "Rule", "condition_ids", "fired", "is_met"]

#: A condition: an evidence id, or ("any" | "all", sub-conditions).
Condition = str | tuple[str, tuple["Condition", ...]]


@dataclass(frozen=True)
class Rule:
    """A rule of ``model/rules.yaml``."""

    id: str
    when: Condition
    level: str
    message: str
    source: str


def is_met(condition: Condition, answers: Mapping[str, bool]) -> bool:
    """True when the answers meet ``condition`` (an unanswered id is not met)."""
    if isinstance(condition, str):
        return answers.get(condition) is True
    op, items = condition
    results = (is_met(item, answers) for item in items)
    return any(results) if op == "any" else all(results)


def condition_ids(condition: Condition) -> tuple[str, ...]:
    """Every evidence id a condition reads, in order."""
    if isinstance(condition, str):
        return (condition,)
    return tuple(i for item in condition[1] for i in condition_ids(item))


def fired(rules: tuple[Rule, ...], answers: Mapping[str, bool], levels: tuple[str, ...]) -> tuple[Rule, ...]:
    """The rules the answers meet, most urgent first (file order within a level)."""
    met = [rule for rule in rules if is_met(rule.when, answers)]
    return tuple(sorted(met, key=lambda rule: levels.index(rule.level)))
