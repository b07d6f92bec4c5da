"""A rule of ``model/rules.yaml`` and its condition, and whether answers meet a condition.

A rule's condition is data: an id (met when answered yes), or
``{any: [...]}`` / ``{all: [...]}`` of conditions. The knowledge layer reads
and checks them here; :mod:`ddx.clinical.rules` applies them to a case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
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

    @cached_property
    def needs_yes(self) -> bool:
        """True when the condition cannot be met without a yes to one of the ids it reads."""
        return not is_met(self.when, {})

    @cached_property
    def test(self) -> Callable[[AbstractSet[str]], bool]:
        """The condition as a function of the ids answered yes: ``is_met(when, answers)``, made once."""
        return _compiled(self.when)


def is_met(condition: Condition, answers: Mapping[str, bool]) -> bool:
    """True when the answers meet ``condition`` (an unanswered id is not met)."""
    if isinstance(condition, str):
        return answers.get(condition) is True
    op, items = condition
    results = (is_met(item, answers) for item in items)
    return any(results) if op == "any" else all(results)


def _compiled(condition: Condition) -> Callable[[AbstractSet[str]], bool]:
    """``condition`` as a function of the set of ids answered yes (an id is met when it is in the set)."""
    if isinstance(condition, str):
        return lambda yes: condition in yes
    op, items = condition
    if all(isinstance(item, str) for item in items):
        ids = frozenset(str(item) for item in items)
        return (lambda yes: not ids.isdisjoint(yes)) if op == "any" else (lambda yes: ids <= yes)
    parts = tuple(_compiled(item) for item in items)
    if op == "any":
        return lambda yes: any(part(yes) for part in parts)
    return lambda yes: all(part(yes) for part in parts)


def condition_ids(condition: Condition) -> tuple[str, ...]:
    """Every evidence id a condition reads, in order."""
    if isinstance(condition, str):
        return (condition,)
    return tuple(i for item in condition[1] for i in condition_ids(item))
