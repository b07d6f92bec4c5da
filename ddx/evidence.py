"""Check a person's answers against the model and put them in canonical form.

This is the public boundary: everything past it (inference, rules) trusts
the evidence it is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import EvidenceError, did_you_mean
from .knowledge import KnowledgeBase

__all__ = ["Evidence", "normalise"]


@dataclass(frozen=True)
class Evidence:
    """Canonical evidence: node id -> True/False (unknown ids are absent), plus age and sex."""

    answers: Mapping[str, bool]
    age: float | None = None
    sex: str | None = None

    def states(self, kb: KnowledgeBase) -> dict[str, str]:
        """The answers as node states (``yes``/``no``, ``female``/``male``), sex included."""
        out = {}
        for node_id, value in self.answers.items():
            states = kb.nodes[node_id].states
            out[node_id] = states[1] if value else states[0]
        if self.sex is not None:
            out[kb.sex_node] = self.sex
        return out


def _as_bool(node_id: str, value: Any) -> bool | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    raise EvidenceError(f"evidence '{node_id}' must be True, False or None; got {value!r}")


def normalise(
    kb: KnowledgeBase,
    evidence: Mapping[str, Any] | None,
    age: float | None = None,
    sex: str | None = None,
) -> Evidence:
    """Validate ``evidence`` (id -> True/False/None), ``age`` and ``sex``.

    Merged inventory ids are mapped onto their node; ``age`` sets the node
    named in ``model/model.yaml``.

    Raises
    ------
    EvidenceError
        For an unknown id (with the closest known id), a value other than
        True/False/None, an age outside the model's valid range, an unknown
        sex, or answers that contradict each other.
    """
    if evidence is None:
        evidence = {}
    if not isinstance(evidence, Mapping):
        raise EvidenceError(f"evidence must be a mapping of id -> True/False; got {type(evidence).__name__}")
    known = kb.evidence_ids
    answers: dict[str, bool] = {}
    given_as: dict[str, str] = {}
    for key, raw in evidence.items():
        if key in ("age", "sex"):
            raise EvidenceError(
                f"pass {key} as its own argument: diagnose(evidence, {key}=...), not inside the evidence"
            )
        node_id: str = kb.merges[key].into if key in kb.merges else str(key)
        node = kb.nodes.get(node_id)
        if node is None:
            raise EvidenceError(f"unknown evidence id '{key}'{did_you_mean(str(key), [*known, *kb.merges])}")
        if node.kind == "cause":
            raise EvidenceError(f"'{key}' is a cause, not evidence; ddx infers causes from findings and risk factors")
        if node_id == kb.sex_node:
            raise EvidenceError(
                f"pass sex as its own argument: diagnose(evidence, sex='female' or 'male'); got evidence '{key}'"
            )
        value = _as_bool(str(key), raw)
        if value is None:
            continue
        if node_id in answers and answers[node_id] != value:
            raise EvidenceError(
                f"contradictory evidence: '{given_as[node_id]}' and '{key}' both map to '{node_id}' but disagree"
            )
        answers[node_id] = value
        given_as[node_id] = str(key)

    age_value = _check_age(kb, age)
    if age_value is not None:
        older = age_value >= kb.age.yes_at_or_above
        age_node = kb.age.node
        if age_node in answers and answers[age_node] != older:
            raise EvidenceError(
                f"contradictory evidence: age {age_value:g} means '{age_node}' is {older}, "
                f"but the evidence says {answers[age_node]}"
            )
        answers[age_node] = older
    sex_state = _check_sex(kb, sex)

    for ids, reason in kb.exclusive:
        both = [i for i in ids if answers.get(i)]
        if len(both) > 1:
            raise EvidenceError(
                f"contradictory evidence: {' and '.join(repr(i) for i in both)} cannot both be yes ({reason})"
            )
    return Evidence(answers=answers, age=age_value, sex=sex_state)


def _check_age(kb: KnowledgeBase, age: Any) -> float | None:
    if age is None:
        return None
    if isinstance(age, (bool, np.bool_)) or not isinstance(age, (int, float, np.integer, np.floating)):
        raise EvidenceError(f"age must be a number of years; got {age!r}")
    value = float(age)
    if math.isnan(value):
        return None
    if not kb.age.valid_low <= value <= kb.age.valid_high:
        raise EvidenceError(f"age must be between {kb.age.valid_low:g} and {kb.age.valid_high:g} years; got {value:g}")
    return value


def _check_sex(kb: KnowledgeBase, sex: Any) -> str | None:
    if sex is None:
        return None
    states = kb.nodes[kb.sex_node].states
    text = str(sex).strip().lower()
    if text not in states:
        raise EvidenceError(f"sex must be one of {', '.join(repr(s) for s in states)}; got {sex!r}")
    return text
