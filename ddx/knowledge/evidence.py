"""Check a person's answers against the model and put them in canonical form.

This is the public boundary: everything past it (inference, rules) trusts
the evidence it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import EvidenceError, did_you_mean, excerpt
from .model import KnowledgeBase
from .values import read_age, read_answer, read_sex

__all__ = ["ROW_LABELS", "Evidence", "implied", "normalise", "unpack_row"]

#: Columns of a table row that label the case and are not evidence (``gold_*`` too).
ROW_LABELS = ("case_id",)


@dataclass(frozen=True)
class Evidence:
    """Canonical evidence: node id -> True/False (unknown ids are absent), plus age and sex."""

    answers: Mapping[str, bool]
    age: float | None = None
    sex: str | None = None
    #: Ids in ``answers`` that no one answered: filled in from the others (see :func:`implied`).
    implied_ids: frozenset[str] = frozenset()

    def states(self, kb: KnowledgeBase) -> dict[str, str]:
        """The answers as node states (``yes``/``no``, ``female``/``male``), sex included."""
        out = {}
        for node_id, value in self.answers.items():
            states = kb.nodes[node_id].states
            out[node_id] = states[1] if value else states[0]
        if self.sex is not None:
            out[kb.sex_node] = self.sex
        return out


def unpack_row(evidence: Any, age: Any = None, sex: Any = None) -> tuple[Any, Any, Any]:
    """``(evidence, age, sex)`` of a case given as a table row (a pandas Series); other input unchanged.

    A row's ``age`` and ``sex`` cells are used when ``age``/``sex`` are not
    given as arguments; ``case_id`` and ``gold_*`` cells are left out; blank
    and NaN cells are unknown (as in :func:`ddx.knowledge.values.read_answer`).
    A mapping is taken as it is: its keys must all be evidence ids.
    """
    if evidence is None or isinstance(evidence, Mapping) or not callable(getattr(evidence, "items", None)):
        return evidence, age, sex
    try:
        row = dict(evidence.items())
    except (TypeError, ValueError):
        return evidence, age, sex
    row_age, row_sex = row.pop("age", None), row.pop("sex", None)
    age, sex = row_age if age is None else age, row_sex if sex is None else sex
    kept = {k: v for k, v in row.items() if k not in ROW_LABELS and not (isinstance(k, str) and k.startswith("gold_"))}
    return kept, age, sex


def normalise(
    kb: KnowledgeBase,
    evidence: Mapping[str, Any] | None,
    age: float | None = None,
    sex: str | None = None,
) -> Evidence:
    """Validate ``evidence`` (id -> answer), ``age`` and ``sex``.

    Values, age and sex are read by the one grammar of
    :mod:`ddx.knowledge.values` (``True``/``"yes"``/``"1"``, ``"female"``/``"F"``,
    ``45``/``"45"``); a table row (pandas Series) is unpacked by
    :func:`unpack_row`. Merged inventory ids are mapped onto their node
    (only merges of findings and risk factors are evidence; merged causes
    are gold labels); ``age`` sets the node named in ``model/model.yaml``.

    Raises
    ------
    EvidenceError
        For an unknown id (with the closest known id), a value that is not
        an answer, an age that is not a number or outside the model's valid
        range, an unknown sex, or answers that contradict each other.
    """
    evidence, age, sex = unpack_row(evidence, age, sex)
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
            known_ids = [*known, *kb.merges]
            raise EvidenceError(f"unknown evidence id {excerpt(str(key))}{did_you_mean(str(key), known_ids)}")
        if node.kind == "cause":
            raise EvidenceError(f"'{key}' is a cause, not evidence; ddx infers causes from findings and risk factors")
        if node_id == kb.sex_node:
            raise EvidenceError(
                f"pass sex as its own argument: diagnose(evidence, sex='female' or 'male'); got evidence '{key}'"
            )
        try:
            value = read_answer(raw)
        except EvidenceError as exc:
            raise EvidenceError(f"evidence '{key}': {exc}") from None
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
    for ids in kb.exhaustive:
        if all(answers.get(i) is False for i in ids):
            raise EvidenceError(
                f"contradictory evidence: {' and '.join(repr(i) for i in ids)} cannot all be no (one of them is yes)"
            )
    full = implied(kb, answers)
    return Evidence(answers=full, age=age_value, sex=sex_state, implied_ids=frozenset(full) - frozenset(answers))


def implied(kb: KnowledgeBase, answers: Mapping[str, bool]) -> dict[str, bool]:
    """``answers`` with what the groups of ``model/model.yaml: exclusive`` imply.

    A yes answers no to the other ids of its group; in an exhaustive group a
    no to all but one id answers yes to the last. Given answers are never
    changed, only unanswered ids filled in, so the same answers mean the same
    on every path (diagnose, batch, interview).

    Examples
    --------
    >>> import ddx
    >>> kb = ddx.load().kb
    >>> implied(kb, {"one_leg_only": True})
    {'one_leg_only': True, 'both_legs': False}
    >>> implied(kb, {"one_leg_only": False})
    {'one_leg_only': False, 'both_legs': True}
    """
    out = dict(answers)
    changed = True
    while changed:
        changed = False
        for ids, _ in kb.exclusive:
            if sum(out.get(i) is True for i in ids) == 1:
                for i in ids:
                    if i not in out:
                        out[i], changed = False, True
        for ids in kb.exhaustive:
            left = [i for i in ids if out.get(i) is not False]
            if len(left) == 1 and left[0] not in out:
                out[left[0]], changed = True, True
    return out


def _check_age(kb: KnowledgeBase, age: Any) -> float | None:
    try:
        value = read_age(age)
    except EvidenceError as exc:
        raise EvidenceError(f"age: {exc}") from None
    if value is None:
        return None
    if not kb.age.valid_low <= value <= kb.age.valid_high:
        raise EvidenceError(f"age must be between {kb.age.valid_low:g} and {kb.age.valid_high:g} years; got {value:g}")
    return value


def _check_sex(kb: KnowledgeBase, sex: Any) -> str | None:
    try:
        return read_sex(sex, kb.nodes[kb.sex_node].states)
    except EvidenceError as exc:
        raise EvidenceError(f"sex: {exc}") from None
