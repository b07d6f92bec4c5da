"""The interview of ``ddx interview``, replayed from the answers a client sends (no state kept between calls).

The service is stateless: each request carries everything answered so far,
in the order asked, as one mapping: an evidence id -> yes / no / None (don't
know), and a checklist id -> the items ticked (None: don't know). From them this module rebuilds what
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
from ..errors import EvidenceError, did_you_mean, excerpt
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


def _split(settings: Settings, answers: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The plain answers (evidence id -> value) and the checklist ids among the keys."""
    checklist_ids = {SCREEN_ID, *settings.intake}
    plain: dict[str, Any] = {}
    asked_lists = set()
    for key, value in answers.items():
        if key in checklist_ids:
            if value is not None and not isinstance(value, (list, tuple)):
                raise EvidenceError(
                    f"checklist '{key}' takes the list of the items ticked ([] for none) or null for don't know; "
                    f"got {excerpt(value)}"
                )
            asked_lists.add(key)
        elif isinstance(value, (list, tuple)):
            raise EvidenceError(
                f"evidence '{key}' takes yes, no or null (don't know); got a list{did_you_mean(key, checklist_ids)}"
            )
        else:
            plain[key] = value
    return plain, asked_lists


def _gather(engine: Engine, settings: Settings, answers: Mapping[str, Any]) -> dict[str, bool | None]:
    """Every answer, in the order given, as ``Interview.answer`` and ``Interview.answer_checklist`` record it.

    A checklist's value is the items ticked: those are yes and its other
    unanswered items no (None: don't know, nothing answered). A single
    answer is recorded with what it implies (a yes answers no to the rest of
    its exclusive group). None is don't know.
    """
    kb = engine.kb
    out: dict[str, bool | None] = {}
    for given, value in answers.items():
        if given == SCREEN_ID or given in settings.intake:
            items = _checklist_items(settings, given)
            if value is None:
                continue
            stray = sorted(set(value) - set(items))
            if stray:
                raise EvidenceError(
                    f"not an item of the checklist '{given}': {', '.join(stray)}"
                    f"{did_you_mean(stray[0], items)}; expected some of {', '.join(items)}"
                )
            for item in items:
                if item in value:
                    out[item] = True
                elif item not in out:
                    out[item] = False
            continue
        node = kb.merges[given].into if given in kb.merges else given
        answer = read_answer(value)
        if answer is not None:
            known = {k: v for k, v in out.items() if v is not None}
            for other, implied in _implied(kb, settings, known, node, answer).items():
                if out.get(other) is None:
                    out[other] = implied
        out[node] = answer
    return out


def _screen_pending(settings: Settings, checklists: set[str], answers: Mapping[str, bool | None]) -> bool:
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
    age: Any = None,
    sex: Any = None,
    intake: Sequence[str] | None = None,
    max_questions: int | None = None,
    known: Mapping[str, Any] | None = None,
) -> Step:
    """The interview after these answers: the next question, or why it stops (the order of ``ddx interview``).

    ``known`` holds answers known before the interview (a chart's): evidence
    like the others and never asked, but not counted as questions asked; an
    answer of the person's to the same id wins.

    Raises
    ------
    EvidenceError
        For an unknown id, value, checklist or item (an ``EmergencyEvidenceError``
        when the readable answers meet an emergency rule).
    """
    intake = settings.intake_ask if intake is None else tuple(intake)
    for checklist_id in intake:
        if checklist_id not in settings.intake:
            names = tuple(settings.intake)
            raise EvidenceError(f"unknown intake checklist '{checklist_id}'{did_you_mean(checklist_id, names)}")
    asked = len(answers)
    answers = {**(known or {}), **answers}
    plain, checklists = _split(settings, answers)
    checked(engine, plain, age, sex)  # every id and value named as the Python API names it
    everything = _gather(engine, settings, answers)
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
