"""The interview of ``ddx interview``, replayed from the answers a client sends (no state kept between calls).

The service is stateless: each request carries everything answered so far,
as ``checklists`` (each checklist asked, in order, with the items ticked, or
None for don't know) and ``answers`` (the questions asked one at a time, in
order, None for don't know). From them this module rebuilds what
:class:`ddx.interview.session.Interview` holds after the same answers, and
asks what it would ask next: the emergency checklist first, then any safety
question, then the intake checklists, then one question at a time by
information gain, stopping as it stops. The front ends may not import each
other, so the order is written again here from the same parts
(:mod:`ddx.engine.questions`, ``model/interview.yaml``); a test holds the two
to the same questions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..clinical.failsafe import emergency_error
from ..engine.questions import Question, Ranking, _implied, rank
from ..errors import EvidenceError, did_you_mean
from ..knowledge.evidence import Evidence, normalise
from ..knowledge.interview_settings import SCREEN_ID, SETTINGS_FILE, Settings
from ..knowledge.values import read_answer

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.core import Engine

__all__ = ["Step", "checked", "replay"]


@dataclass(frozen=True)
class Step:
    """Where an interview stands: its ranking, the question to ask now, and whether (and why) to stop."""

    ranking: Ranking
    question: Question | None  # None when the interview stops (or nothing is left to ask)
    checklist: bool  # the question is a checklist (tick the items that apply)
    stop_code: str | None  # emergency | max_questions | confident | settled | exhausted
    stop_message: str | None
    asked: int  # questions asked so far (a checklist counts as one)
    max_questions: int


def checked(engine: Engine, answers: Mapping[str, Any], age: Any, sex: Any) -> Evidence:
    """``normalise`` with the engine's fail safe: refused answers that meet an emergency rule keep it."""
    try:
        return normalise(engine.kb, answers, age, sex)
    except EvidenceError as exc:
        emergency = emergency_error(engine.kb, exc, answers, age, sex)
        if emergency is not None:
            raise emergency from exc
        raise


def _checklist_items(settings: Settings, checklist_id: str) -> tuple[str, ...]:
    if checklist_id == SCREEN_ID:
        return settings.screen_signs
    if checklist_id not in settings.intake:
        known = (SCREEN_ID, *settings.intake)
        raise EvidenceError(f"unknown checklist '{checklist_id}'{did_you_mean(checklist_id, known)}")
    return settings.intake[checklist_id].items


def _gather(
    engine: Engine, settings: Settings, checklists: Mapping[str, Sequence[str] | None], answers: Mapping[str, Any]
) -> tuple[dict[str, bool | None], int]:
    """Every answer (implied ones included, None for don't know) and the number of questions asked.

    Checklists come first, in order: a ticked item is yes, an unticked item not
    answered before is no, don't know answers none. The single answers follow
    in order, each with what it implies (a yes answers no to the rest of its
    exclusive group), as ``Interview.answer`` does.
    """
    kb = engine.kb
    out: dict[str, bool | None] = {}
    for checklist_id, ticked in checklists.items():
        items = _checklist_items(settings, checklist_id)
        if ticked is None:
            continue
        stray = sorted(set(ticked) - set(items))
        if stray:
            raise EvidenceError(
                f"not an item of the checklist '{checklist_id}': {', '.join(stray)}"
                f"{did_you_mean(stray[0], items)}; expected some of {', '.join(items)}"
            )
        for item in items:
            if item not in out and item not in answers:
                out[item] = item in ticked
            elif item in ticked:
                out[item] = True
    asked = len(checklists)
    for given, value in answers.items():
        node = kb.merges[given].into if given in kb.merges else given
        answer = read_answer(value) if node in kb.nodes else None
        asked += 1
        if answer is not None:
            known = {k: v for k, v in out.items() if v is not None}
            for other, implied in _implied(kb, settings, known, node, answer).items():
                if out.get(other) is None:
                    out[other] = implied
        out[node] = answer
    return out, asked


def _screen_pending(settings: Settings, checklists: Mapping[str, Any], answers: Mapping[str, bool | None]) -> bool:
    return SCREEN_ID not in checklists and any(s not in answers for s in settings.screen_signs)


def _checklist_question(settings: Settings, checklist_id: str, answers: Mapping[str, bool | None]) -> Question:
    """A checklist as one question whose options are its unanswered items (the texts of ``model/interview.yaml``)."""
    items = tuple(i for i in _checklist_items(settings, checklist_id) if i not in answers)
    if checklist_id == SCREEN_ID:
        reason = "safety: every emergency sign at once, before anything else (a yes to any is an emergency)"
        return Question(SCREEN_ID, settings.screen_question, 0.0, None, 1.0, True, reason, items)
    reason = f"intake: several questions at once, tick those that apply ({SETTINGS_FILE}: {checklist_id})"
    return Question(checklist_id, settings.intake[checklist_id].question, 0.0, None, 1.0, False, reason, items)


def replay(
    engine: Engine,
    settings: Settings,
    answers: Mapping[str, Any],
    checklists: Mapping[str, Sequence[str] | None],
    age: Any = None,
    sex: Any = None,
    intake: Sequence[str] | None = None,
    max_questions: int | None = None,
) -> Step:
    """The interview after these answers: the next question, or why it stops (the order of ``ddx interview``).

    Raises
    ------
    EvidenceError
        For an unknown id, value, checklist or item (an ``EmergencyEvidenceError``
        when the readable answers meet an emergency rule).
    """
    intake = settings.intake_ask if intake is None else tuple(intake)
    for checklist_id in intake:
        if checklist_id not in settings.intake:
            known = tuple(settings.intake)
            raise EvidenceError(f"unknown intake checklist '{checklist_id}'{did_you_mean(checklist_id, known)}")
    checked(engine, answers, age, sex)  # every id and value named as the Python API names it
    everything, asked = _gather(engine, settings, checklists, answers)
    evidence = checked(engine, {k: v for k, v in everything.items() if v is not None}, age, sex)
    ranking = rank(engine, evidence, everything, settings)
    limit = settings.max_questions if max_questions is None else max_questions
    result = ranking.result
    screen = _screen_pending(settings, checklists, everything)

    def stopped(code: str, message: str) -> Step:
        return Step(ranking, None, False, code, message, asked, limit)

    emergency = [r for r in result.rules_fired if r.level == "emergency"]
    if emergency:
        return stopped("emergency", f"an emergency rule fired: {emergency[0].id}")
    if asked >= limit:
        return stopped("max_questions", f"asked the maximum of {limit} questions")
    if not ranking.questions:
        return stopped("exhausted", "no questions left to ask")
    if not (ranking.pending_safety or screen):
        top = result.top
        if top.probability >= settings.confidence:
            return stopped(
                "confident",
                f"{top.label} reached {top.probability:.0%} (confidence threshold {settings.confidence:.0%})",
            )
        if all(q.change_probability < settings.min_change_probability for q in ranking.questions):
            return stopped(
                "settled",
                "no remaining question is likely to change the triage or the top three "
                f"(each below {settings.min_change_probability:.0%})",
            )
    if screen:
        return Step(ranking, _checklist_question(settings, SCREEN_ID, everything), True, None, None, asked, limit)
    if not ranking.pending_safety:
        for checklist_id in intake:
            if checklist_id not in checklists:
                question = _checklist_question(settings, checklist_id, everything)
                if question.options:
                    return Step(ranking, question, True, None, None, asked, limit)
    return Step(ranking, ranking.questions[0], False, None, None, asked, limit)
