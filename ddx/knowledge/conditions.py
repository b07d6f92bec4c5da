"""A rule of ``model/rules.yaml`` and its condition, and whether answers meet a condition.

A rule's condition is data: an id (met when answered yes), or
``{any: [...]}`` / ``{all: [...]}`` of conditions. The knowledge layer reads
and checks them here; :mod:`ddx.clinical.rules` applies them to a case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

__all__ = ["Condition", "Rule", "condition_ids", "is_met"]

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

    @cached_property
    def reads(self) -> frozenset[str]:
        """Every evidence id the condition reads."""
        return frozenset(condition_ids(self.when))


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
