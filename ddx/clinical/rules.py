"""The rule layer: which rules the answers meet, most urgent first. Pure functions, no probabilities.

A rule's condition is data (``model/rules.yaml``, read into
:class:`ddx.knowledge.conditions.Rule`). A rule never looks at the network,
so nothing the network says can switch a rule off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..knowledge.conditions import Condition, Rule

__all__ = ["FiredRule", "fired", "fired_many"]


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


def fired_many(
    rules: tuple[Rule, ...], answers: Sequence[Mapping[str, bool]], levels: tuple[str, ...]
) -> list[tuple[Rule, ...]]:
    """:func:`fired` of many cases at once: each condition evaluated over the whole batch as boolean arrays.

    The cases' yes answers to the ids the rules read form one matrix, each
    condition is an and/or of its columns, and only the cases that meet some
    rule are looked at one by one. The same rules in the same order as
    :func:`fired` for every case (tested).
    """
    columns = {node: k for k, node in enumerate(sorted({node for rule in rules for node in rule.reads}))}
    yes = np.zeros((len(answers), len(columns)), dtype=bool)
    for row, given in enumerate(answers):
        for node, value in given.items():
            if value is True and node in columns:
                yes[row, columns[node]] = True
    by_urgency = sorted(rules, key=lambda rule: levels.index(rule.level))  # stable: file order within a level
    met = np.zeros((len(answers), len(rules)), dtype=bool)
    for k, rule in enumerate(by_urgency):
        met[:, k] = _met(rule.when, yes, columns)
    out: list[tuple[Rule, ...]] = [()] * len(answers)
    for row in np.flatnonzero(met.any(axis=1)).tolist():
        out[row] = tuple(by_urgency[k] for k in np.flatnonzero(met[row]).tolist())
    return out


def _met(condition: Condition, yes: np.ndarray, columns: Mapping[str, int]) -> np.ndarray:
    """Which rows of ``yes`` (cases x ids) meet ``condition``."""
    if isinstance(condition, str):
        return yes[:, columns[condition]]
    op, items = condition
    parts = [_met(item, yes, columns) for item in items]
    if not parts:  # any() of nothing is False, all() of nothing True
        return np.full(len(yes), op != "any")
    return np.logical_or.reduce(parts) if op == "any" else np.logical_and.reduce(parts)
