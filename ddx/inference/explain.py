"""Why a cause scored as it did: each answer's effect, measured by leaving it out.

The effect of an answer on a cause is the change in the cause's log-odds
between the full evidence and the evidence without that answer. It is exact
(no independence assumption): an answer can move a cause without a direct
link, by raising or lowering a rival cause that explains the same findings.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import EvidenceError, did_you_mean
from ..knowledge.evidence import Evidence, implied
from ..knowledge.model import KnowledgeBase, Number

__all__ = ["Contribution", "contributions"]


@dataclass(frozen=True)
class Contribution:
    """How much one answer moved one cause: the change in log-odds when it is removed."""

    evidence_id: str
    answer: bool | str
    delta_log_odds: float
    probability_without: float
    citation: str

    @property
    def answer_text(self) -> str:
        """The answer as a word: yes, no, or the state given (``male``)."""
        return self.answer if isinstance(self.answer, str) else "yes" if self.answer else "no"

    @property
    def direction(self) -> str:
        return "raises" if self.delta_log_odds > 0 else "lowers" if self.delta_log_odds < 0 else "no effect"


#: Changes smaller than this are rounding, not evidence: reported as zero.
_ROUNDING = 1e-12


def _delta(full: float, without: float) -> float:
    delta = _logit(full) - _logit(without)
    return 0.0 if abs(delta) < _ROUNDING else delta


def _logit(p: float) -> float:
    p = min(max(p, 1e-300), 1.0 - 1e-16)
    return math.log(p) - math.log1p(-p)


def _citation(kb: KnowledgeBase, cause: str, evidence_id: str) -> str:
    number: Number | None = None
    for link in kb.finding_links if kb.nodes[evidence_id].kind != "risk_factor" else kb.cause_links:
        if {link.parent, link.child} == {cause, evidence_id}:
            number = link.number
    if number is None:
        return "no direct link: acts through other causes (explaining away)"
    return number.citation()


def contributions(
    kb: KnowledgeBase,
    evidence: Evidence,
    cause: str,
    posterior: Callable[[Evidence], dict[str, float]],
) -> tuple[Contribution, ...]:
    """Each answer of ``evidence`` with its effect on ``cause``, largest first.

    An answer is left out together with what it implied (one leg only implies
    not both legs): the answers filled in from others have no entry of their own.
    """
    if kb.nodes.get(cause) is None or kb.nodes[cause].kind != "cause":
        raise EvidenceError(f"unknown cause '{cause}'{did_you_mean(cause, kb.causes)}")
    full = posterior(evidence)[cause]
    items: list[Contribution] = []
    given = {k: v for k, v in evidence.answers.items() if k not in evidence.implied_ids}
    for node_id, value in given.items():
        rest = implied(kb, {k: v for k, v in given.items() if k != node_id})
        without = posterior(Evidence(rest, evidence.age, evidence.sex))[cause]
        answer: bool | str = value
        items.append(Contribution(node_id, answer, _delta(full, without), without, _citation(kb, cause, node_id)))
    if evidence.sex is not None:
        without = posterior(Evidence(evidence.answers, evidence.age, None))[cause]
        items.append(
            Contribution(kb.sex_node, evidence.sex, _delta(full, without), without, _citation(kb, cause, kb.sex_node))
        )
    return tuple(sorted(items, key=lambda c: (-abs(c.delta_log_odds), c.evidence_id)))
