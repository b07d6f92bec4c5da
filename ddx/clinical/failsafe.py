"""The fail safe: the emergency rules met by the answers that can be read, whatever else is wrong.

:func:`ddx.knowledge.evidence.normalise` refuses a case as a whole when any answer is
bad (a value that is not yes or no, an age out of range, an unknown sex,
contradictory answers). Refusing must never hide an emergency, so this module
reads each answer on its own, skips what cannot be read, and returns the
rules at level ``emergency`` (``model/rules.yaml``, through
:func:`ddx.clinical.rules.fired`) that the readable answers meet. Every front end calls
it when a case is refused: :meth:`ddx.Engine.diagnose` raises
:class:`ddx.errors.EmergencyEvidenceError`, a batch row keeps
``status=error`` and still carries ``triage=emergency`` and its rules, and the
interview shows the advice as soon as the answer is given.

Each value is read by the one grammar (:mod:`ddx.knowledge.values`: ``True``,
``"yes"``, ``"y"``, ``"1"``, ``"true"``, any case), and reading is
deliberately lenient in one direction only: contradictory yes answers each
count, because a yes that might be an emergency sign must not be lost.
No answer is ever made up: anything unreadable is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import EmergencyEvidenceError, EvidenceError
from ..knowledge.conditions import Rule
from ..knowledge.model import TRIAGE_LEVELS, KnowledgeBase
from ..knowledge.values import parse_answer, read_age
from . import rules as rule_layer
from .rules import FiredRule

__all__ = ["EMERGENCY", "emergency_error", "emergency_rules", "readable_answers"]

#: The most urgent triage level: the one the fail safe keeps.
EMERGENCY = TRIAGE_LEVELS[0]


def _older(kb: KnowledgeBase, age: Any) -> bool | None:
    """The age node's answer for a readable age (a finite number in the model's valid range), else None."""
    try:
        value = read_age(age)
    except EvidenceError:
        return None
    if value is None or not kb.age.valid_low <= value <= kb.age.valid_high:
        return None
    return value >= kb.age.yes_at_or_above


def readable_answers(kb: KnowledgeBase, evidence: Any, age: Any = None) -> dict[str, bool]:
    """Every answer of a case that can be read on its own: node id -> answer.

    Unknown ids, causes, the sex node and unreadable values are skipped; a
    merged id answers its node; a yes wins over a no given for the same node
    under another id; a readable age answers the age node unless the evidence
    already says yes to it. Never raises.
    """
    answers: dict[str, bool] = {}
    if not isinstance(evidence, Mapping):
        return answers
    for key, raw in evidence.items():
        merge = kb.merges.get(key) if isinstance(key, str) else None
        node_id = merge.into if merge is not None else key
        node = kb.nodes.get(node_id) if isinstance(node_id, str) else None
        if node is None or node.kind == "cause" or node_id == kb.sex_node:
            continue
        value = parse_answer(raw)
        if value is not None:
            answers[node_id] = answers.get(node_id, False) or value
    older = _older(kb, age)
    if older is not None:
        answers[kb.age.node] = answers.get(kb.age.node, False) or older
    return answers


def emergency_rules(kb: KnowledgeBase, evidence: Any, age: Any = None, sex: Any = None) -> tuple[Rule, ...]:
    """The rules at level ``emergency`` that the readable answers of a case meet, in file order.

    Parameters
    ----------
    kb
        The knowledge base (``engine.kb``).
    evidence, age, sex
        The case as given, valid or not (``sex`` is accepted for symmetry
        with :meth:`ddx.Engine.diagnose`; no rule reads it).

    Examples
    --------
    >>> import ddx
    >>> kb = ddx.load().kb
    >>> [r.id for r in emergency_rules(kb, {"chest_pain": True, "back_pain": "maybe"}, age=-5)]
    ['chest_pain']
    """
    del sex  # rules read yes/no answers only
    fired = rule_layer.fired(kb.rules, readable_answers(kb, evidence, age), TRIAGE_LEVELS)
    return tuple(rule for rule in fired if rule.level == EMERGENCY)


def emergency_error(
    kb: KnowledgeBase, error: Exception, evidence: Any, age: Any = None, sex: Any = None
) -> EmergencyEvidenceError | None:
    """The error to raise for a refused case that meets an emergency rule, or None when it meets none."""
    found = emergency_rules(kb, evidence, age, sex)
    if not found:
        return None
    fired = tuple(FiredRule(r.id, r.level, r.message, r.source) for r in found)
    return EmergencyEvidenceError(fired, str(error))
