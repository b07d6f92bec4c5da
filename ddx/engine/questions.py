"""The questions worth asking next: safety questions first, then by expected information gain.

Ranking (:func:`next_questions`, :func:`rank`; :meth:`ddx.Engine.next_questions`)
    Every unasked evidence id is scored by its **expected information gain**:
    the expected drop in the summed binary entropy of the causes, in bits,

        gain(q) = sum_c [ h(p_c) - P(yes) h(p_c | yes) - P(no) h(p_c | no) ]

    where h is the binary entropy, p_c the posterior of cause c, and
    P(yes) = P(q = yes | answers) comes from the network's log P(answers).
    Causes are not mutually exclusive, so each cause's own uncertainty counts;
    every term is >= 0 (h is concave and p_c is the mixture of its two
    outcomes), so the gain is 0 exactly when neither answer moves any
    posterior, and positive otherwise. Every candidate, answered yes and no,
    is scored in one vectorised pass of the exact fast path.

    **Safety first** (``model/interview.yaml``: ``safety``): before anything
    ranked by gain come the emergency signs that are red flags for a cause on
    the list (the leading few causes, and any emergency-acuity cause past its
    threshold), the signs asked whenever an emergency-acuity cause is
    possible, and any question whose yes alone would make the triage
    emergency with a real chance. Red flags of the leading cause come first,
    then the rest by their chance of a yes.

The interview that asks them one at a time is :class:`ddx.interview.session.Interview`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..clinical import rules as rule_layer
from ..clinical.triage import most_urgent, network_disposition
from ..inference import quickscore as infer
from ..inference.order import rank_order, ranked
from ..knowledge.conditions import condition_ids
from ..knowledge.evidence import Evidence, normalise
from ..knowledge.interview_settings import Settings, load_settings
from ..knowledge.model import TRIAGE_LEVELS, KnowledgeBase
from .result import DiagnosisResult

if TYPE_CHECKING:  # pragma: no cover
    from .core import Engine

__all__ = ["Question", "Ranking", "next_questions", "rank"]


@dataclass(frozen=True)
class Question:
    """One candidate question with its score and the reason it would be asked.

    ``gain`` is the expected information (bits) its answer gives about the
    causes and the triage (see the module docstring); ``p_yes`` the predicted
    chance of a yes (None where the network has no model of the answer);
    ``change_probability`` the chance that its answer changes the triage or
    the set of the top three causes; ``safety`` whether it is asked first for
    safety (``reason`` says why).
    """

    id: str
    text: str
    gain: float
    p_yes: float | None
    change_probability: float
    safety: bool
    reason: str
    options: tuple[str, ...] = ()  # a checklist's items (the emergency signs for ``id == SCREEN_ID``)


@dataclass(frozen=True)
class Ranking:
    """The current result and every unasked question, safety questions first, then by gain."""

    result: DiagnosisResult
    questions: tuple[Question, ...]

    @property
    def pending_safety(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.safety)


def _binary_entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-300, 1.0)
    q = np.clip(1.0 - p, 1e-300, 1.0)
    return -(p * np.log2(p) + q * np.log2(q))


#: Below this predicted chance of a yes, a yes row is computed directly rather than
#: derived (the derivation divides by P(yes)); a numerical-precision guard, not a clinical setting.
_DERIVE_FLOOR = 1e-3


def _gains(
    base: np.ndarray, post_yes: np.ndarray, post_no: np.ndarray, p_yes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Expected drop in the summed binary entropy of the causes, ``(Q,)``, and its share per cause, ``(Q, C)``."""
    h0 = _binary_entropy(base)
    weight = p_yes[:, None]
    per_cause = weight * (h0 - _binary_entropy(post_yes)) + (1.0 - weight) * (h0 - _binary_entropy(post_no))
    return np.maximum(per_cause.sum(axis=1), 0.0), per_cause


def _candidates(kb: KnowledgeBase, evidence: Evidence, asked: Iterable[str]) -> list[str]:
    """Unasked ids a person can answer (not a clinician's) and answer yes without contradicting a group."""
    skip = {kb.sex_node, kb.age.node, *asked, *evidence.answers, *kb.clinician_ids}
    for ids, _ in kb.exclusive:
        if any(evidence.answers.get(i) for i in ids):
            skip.update(ids)
    return [i for i in kb.evidence_ids if i not in skip]


def _implied(
    kb: KnowledgeBase, settings: Settings, answers: Mapping[str, bool | None], node_id: str, value: bool
) -> dict[str, bool]:
    """The answers one answer gives: itself, and what the groups of answers imply.

    A yes answers no to the other ids of its exclusive groups (``model/model.yaml``);
    a no to all but one id of an exhaustive group answers yes to the last (as :func:`ddx.knowledge.evidence.implied`).
    """
    out = {node_id: value}
    if value:
        for ids, _ in kb.exclusive:
            if node_id in ids:
                out.update({i: False for i in ids if i != node_id and i not in answers})
        return out
    for ids in settings.exhaustive:
        if node_id in ids and not any(answers.get(i) for i in ids):
            left = [i for i in ids if i != node_id and answers.get(i) is not False]
            if len(left) == 1 and left[0] not in answers:
                out[left[0]] = True
    return out


def _outcomes(
    engine: Engine, evidence: Evidence, candidates: list[str], settings: Settings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Posteriors now ``(C,)``, if yes ``(Q, C)``, if no ``(Q, C)``, and P(yes) ``(Q,)`` (NaN: not modelled).

    One fast-path pass scores the current answers and every candidate
    answered no (a risk factor's answer through its prior, see
    :func:`_evaluate_fixed`). A yes row follows exactly from the others by
    the law of total probability,

        P(f+ | e) = 1 - P(f- | e),   P(c | e, f+) = (P(c | e) - P(f- | e) P(c | e, f-)) / P(f+ | e),

    which halves the work. The yes rows are scored directly instead where
    P(f+ | e) is tiny (the division would lose digits) and where a yes also
    answers other ids (an exclusive group: one leg only means not both legs);
    there P(yes) is normalised over the two answers. An id the network does not hold (a
    rule-only sign) moves nothing: both its rows are the current posteriors.
    """
    kb = engine.kb
    findings, risks = set(kb.network_findings), set(kb.risk_factors)
    grouped = {i for ids, _ in kb.exclusive for i in ids} | {i for ids in settings.exhaustive for i in ids}
    rows = [evidence]
    where: dict[tuple[str, bool], int] = {}
    fixed: dict[int, tuple[int, bool]] = {}  # row -> (risk factor, answer) entered through its prior

    def add(node_id: str, answers: Mapping[str, bool], value: bool) -> None:
        where[(node_id, value)] = len(rows)
        if node_id in risks and dict(answers) == {node_id: value}:
            fixed[len(rows)] = (engine._model.parent_index[node_id], value)
            rows.append(evidence)
        else:
            rows.append(Evidence({**evidence.answers, **answers}, evidence.age, evidence.sex))

    for node_id in candidates:
        if node_id in findings or node_id in risks:
            add(node_id, _implied(kb, settings, evidence.answers, node_id, False), False)
        if node_id in grouped:
            add(node_id, _implied(kb, settings, evidence.answers, node_id, True), True)
    if fixed:
        post, log_e = _evaluate_fixed(engine, rows, fixed)
    else:
        post, log_e = engine.evaluate(rows)
    base, n = post[0], len(candidates)
    post_yes, post_no = np.tile(base, (n, 1)), np.tile(base, (n, 1))
    p_yes = np.full(n, np.nan)
    direct = []
    for i, node_id in enumerate(candidates):
        if (node_id, False) not in where:
            continue
        j = where[(node_id, False)]
        post_no[i] = post[j]
        if (node_id, True) in where:  # scored directly: P(yes) normalised over the two answers
            k = where[(node_id, True)]
            post_yes[i] = post[k]
            p_yes[i] = math.exp(log_e[k] - np.logaddexp(log_e[k], log_e[j]))
            continue
        p = -math.expm1(log_e[j] - log_e[0])
        p_yes[i] = p
        if p < _DERIVE_FLOOR:
            direct.append(i)
        else:
            post_yes[i] = np.clip((base - (1.0 - p) * post[j]) / p, 0.0, 1.0)
    if direct:
        extra = [Evidence({**evidence.answers, candidates[i]: True}, evidence.age, evidence.sex) for i in direct]
        post_direct, log_direct = engine.evaluate(extra)
        for row, i in enumerate(direct):
            post_yes[i] = post_direct[row]
            p_yes[i] = math.exp(log_direct[row] - log_e[0])
    return base, post_yes, post_no, p_yes


def _evaluate_fixed(
    engine: Engine, rows: list[Evidence], fixed: Mapping[int, tuple[int, bool]]
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`Engine.evaluate` of ``rows``, the risk factors of ``fixed`` rows answered through their priors.

    An answered risk factor leaves variable elimination's graph, so each risk
    factor's hypothetical answer would be a structure, and a plan, of its own
    (and a Quickscore pass of its own). Entered instead as a prior of 1 (yes)
    or 0 (no), it keeps the case's structure, and every hypothetical runs in
    one batch. That gives P(e | answer); log P(e, answer) adds the log of the
    prior's own probability of that answer.
    """
    model = engine._model
    params = model.params
    n = len(rows)
    prior = np.repeat(params.parent_prior, n, axis=0)
    for row, (p, value) in fixed.items():
        prior[row, p] = 1.0 if value else 0.0
    arrays = (params.base_off, params.finding_off, params.leak_off, params.link_off)
    per_row = infer.Params(prior, *(np.repeat(a, n, axis=0) for a in arrays))
    post, log_e = engine.evaluate(rows, params=per_row)
    for row, (p, value) in fixed.items():
        chance = float(params.parent_prior[0, p])
        log_e[row] += math.log(chance if value else 1.0 - chance)
    return post, log_e


class _Triage:
    """The final triage of hypothetical cases, as :meth:`Engine.diagnose` computes it.

    Rules are met only by yes answers, so a no, or a yes to an id that no
    rule reads, leaves the fired rules as they are now.
    """

    def __init__(self, kb: KnowledgeBase, answers: Mapping[str, bool], priors: Mapping[str, float]) -> None:
        self.kb, self.answers, self.priors = kb, answers, priors
        self.causes = kb.causes
        self.acuity = {c: kb.nodes[c].acuity or TRIAGE_LEVELS[-1] for c in self.causes}
        self.read = {i for rule in kb.rules for i in condition_ids(rule.when)}
        self.levels_now = self._rule_levels(answers)

    def _rule_levels(self, answers: Mapping[str, bool]) -> list[str]:
        return [r.level for r in rule_layer.fired(self.kb.rules, answers, TRIAGE_LEVELS)]

    def __call__(self, changed: Mapping[str, bool], post: np.ndarray) -> str:
        """The triage after the answers ``changed`` (added to the current ones), given the posteriors."""
        disposition = network_disposition(
            dict(zip(self.causes, post.tolist(), strict=True)), self.priors, self.acuity, self.kb.triage
        )
        levels = self.levels_now
        if any(value and node_id in self.read for node_id, value in changed.items()):
            levels = self._rule_levels({**self.answers, **changed})
        return most_urgent([disposition.level, *levels])


def _top3(post: np.ndarray) -> list[frozenset[int]]:
    """The set of the three most probable causes of each row (ties by model order, as the differential)."""
    return [frozenset(row) for row in rank_order(post)[:, :3].tolist()]


def _on_the_list(kb: KnowledgeBase, settings: Settings, post: Mapping[str, float]) -> list[str]:
    """The causes whose danger signs matter now: the leading few, and any likely emergency-acuity cause."""
    causes = kb.causes
    order = ranked(causes, post)
    listed = [c for c in order[: settings.list_top] if post[c] >= settings.list_min_probability]
    listed += [
        c
        for c in order
        if c not in listed and kb.nodes[c].acuity == "emergency" and post[c] >= settings.emergency_threshold
    ]
    return listed


def _safety_reasons(kb: KnowledgeBase, settings: Settings, post: Mapping[str, float]) -> dict[str, str]:
    """Emergency signs that matter for the causes on the list: sign -> why."""
    listed = _on_the_list(kb, settings, post)
    reasons: dict[str, str] = {}
    for sign, flag in settings.red_flags.items():
        hits = [c for c in listed if c in flag.causes]
        if hits:
            reasons[sign] = "safety: a red flag for " + ", ".join(f"{c} ({post[c]:.0%})" for c in hits)
    emergency = [c for c in listed if kb.nodes[c].acuity == "emergency" and post[c] >= settings.emergency_threshold]
    if emergency:
        names = ", ".join(f"{c} ({post[c]:.0%})" for c in emergency)
        for sign in settings.emergency_ask:
            reasons.setdefault(sign, f"safety: an emergency-acuity cause is possible: {names}")
    return reasons


def _information_reason(
    labels: list[str], gain: float, per_cause: np.ndarray, base: np.ndarray, yes: np.ndarray, no: np.ndarray
) -> str:
    """Why a question is asked for its information: the cause whose uncertainty it resolves most."""
    if gain <= 0.0:
        return "no answer moves any cause"
    c = int(np.argmax(per_cause))
    label = labels[c]
    return f"would move {label} most: {base[c]:.0%} now, {yes[c]:.0%} if yes, {no[c]:.0%} if no"


def rank(engine: Engine, evidence: Evidence, asked: Iterable[str] = (), settings: Settings | None = None) -> Ranking:
    """The current result and every unasked question, ranked (see the module docstring).

    Parameters
    ----------
    engine
        The engine of the knowledge base.
    evidence
        The answers so far, checked by :meth:`Engine.normalise`.
    asked
        Ids already asked and answered "don't know" (never asked again).
    settings
        Default: ``model/interview.yaml`` of the engine's model.
    """
    kb = engine.kb
    settings = load_settings(kb) if settings is None else settings
    causes = kb.causes
    candidates = _candidates(kb, evidence, asked)
    base, post_yes, post_no, p_yes = _outcomes(engine, evidence, candidates, settings)
    result = engine._result(evidence, dict(zip(causes, base.tolist(), strict=True)))
    if not candidates:
        return Ranking(result, ())

    known = ~np.isnan(p_yes)
    gains, per_cause = _gains(base, post_yes, post_no, np.where(known, p_yes, 0.5))

    triage = _Triage(kb, evidence.answers, engine.priors)
    labels = [kb.nodes[c].label for c in causes]
    triage0, top0 = result.triage, _top3(base[None])[0]
    top_yes, top_no = _top3(post_yes), _top3(post_no)
    current = result.probabilities
    reasons = _safety_reasons(kb, settings, current)
    leading_flags = {sign for sign, flag in settings.red_flags.items() if result.top.id in flag.causes}
    questions = []
    for i, node_id in enumerate(candidates):
        level_yes = triage(_implied(kb, settings, evidence.answers, node_id, True), post_yes[i])
        level_no = triage(_implied(kb, settings, evidence.answers, node_id, False), post_no[i])
        changes = (level_yes != triage0 or top_yes[i] != top0, level_no != triage0 or top_no[i] != top0)
        py = float(p_yes[i]) if known[i] else None
        change = py * changes[0] + (1 - py) * changes[1] if py is not None else float(any(changes))
        gain = float(gains[i])
        reason = reasons.get(node_id)
        if (
            reason is None
            and level_yes == TRIAGE_LEVELS[0] != triage0
            and py is not None
            and py >= settings.emergency_answer_probability
        ):
            reason = f"safety: a yes ({py:.0%} likely) would make this an emergency"
        safety = reason is not None
        if reason is None:
            reason = _information_reason(labels, gain, per_cause[i], base, post_yes[i], post_no[i])
            if TRIAGE_LEVELS.index(level_yes) < TRIAGE_LEVELS.index(triage0):
                reason += f"; yes would raise the triage to {level_yes}"
        question = kb.nodes[node_id].question or kb.nodes[node_id].label
        questions.append(Question(node_id, question, gain, py, float(change), safety, reason))
    index = {c: i for i, c in enumerate(kb.evidence_ids)}
    questions.sort(
        key=lambda q: (
            not q.safety,
            q.id not in leading_flags if q.safety else False,
            -(q.p_yes or 0.0) if q.safety else -q.gain,
            index[q.id],
        )
    )
    return Ranking(result, tuple(questions))


def _split(kb: KnowledgeBase, evidence: Mapping[str, Any] | None) -> tuple[dict[str, Any], set[str]]:
    """Answers, and the ids given as None ("asked, don't know"), merged ids mapped onto their node."""
    answers = dict(evidence or {})
    unknown = {kb.merges[k].into if k in kb.merges else k for k, v in answers.items() if v is None}
    return answers, unknown


def next_questions(
    engine: Engine,
    evidence: Mapping[str, Any] | None = None,
    age: float | None = None,
    sex: str | None = None,
    k: int | None = 5,
    *,
    settings: Settings | None = None,
) -> tuple[Question, ...]:
    """The ``k`` unasked questions that would most change the differential, safety questions first.

    Parameters
    ----------
    engine
        The engine (``ddx.load()``).
    evidence
        Answers so far: id -> True / False; an id given as None was asked and
        answered "don't know", so it is not asked again.
    age, sex
        As for :meth:`Engine.diagnose`. Age and sex are asked by the interview
        itself and never ranked.
    k
        How many questions to return (None: all).

    Returns
    -------
    tuple of Question
        Each with its id, question text, gain (bits), predicted chance of a
        yes, and the reason it is asked.

    Raises
    ------
    EvidenceError
        For bad evidence, as :meth:`Engine.diagnose`.
    KnowledgeBaseError
        When ``model/interview.yaml`` is missing or wrong.

    Examples
    --------
    >>> import ddx
    >>> q = ddx.load().next_questions({"radiates_from_lower_back_down_leg": True, "back_pain": True}, k=1)
    >>> q[0].id, q[0].safety  # a cauda equina red flag of the leading cause comes first
    ('new_difficulty_passing_urine', True)
    """
    kb = engine.kb
    settings = load_settings(kb) if settings is None else settings
    answers, unknown = _split(kb, evidence)
    checked = normalise(kb, answers, age, sex)
    implied: dict[str, bool] = dict(checked.answers)
    for node_id, value in checked.answers.items():
        for other, answer in _implied(kb, settings, implied, node_id, value).items():
            implied.setdefault(other, answer)
    checked = Evidence(implied, checked.age, checked.sex)
    ranking = rank(engine, checked, unknown, settings)
    return ranking.questions if k is None else ranking.questions[:k]
