"""One interview: the answers so far, the next question, and when to stop.

Age and sex, then the opening checklist of emergency signs (one question),
the safety questions, the intake checklists (one question each: tick the
items that apply), then one question at a time, as ranked by
:func:`ddx.engine.questions.rank`. It stops at once when an emergency rule
fires; after the maximum number of questions; and, once no safety question
is pending, when the leading cause passes the confidence threshold or when no
remaining question is likely to change the triage or the top three. Every
threshold and list lives in ``model/interview.yaml``
(:mod:`ddx.knowledge.interview_settings`). In a terminal:
:func:`ddx.interview.terminal.run_interview`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine.questions import Question, Ranking, _implied, rank
from ..engine.result import DiagnosisResult
from ..errors import DdxError, did_you_mean
from ..knowledge.evidence import Evidence, normalise
from ..knowledge.interview_settings import SCREEN_ID, SETTINGS_FILE, Settings, load_settings

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.core import Engine

__all__ = ["Interview", "Stop", "parse_intake"]


def parse_intake(text: str) -> tuple[str, ...]:
    """The intake checklists of a command-line option: ids separated by commas, or ``none``."""
    if text.strip().lower() == "none":
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Stop:
    """Why an interview stopped: a short code and a sentence for the person."""

    code: str  # emergency | max_questions | confident | settled | exhausted | ended
    message: str


class Interview:
    """One interview: the answers so far, the next question, and whether to stop.

    Parameters
    ----------
    engine
        The engine.
    age, sex
        As for :meth:`Engine.diagnose` (None: not given).
    settings
        Default: ``model/interview.yaml`` of the engine's model.
    max_questions
        Overrides ``stop.max_questions`` of the settings.
    intake
        The intake checklists to ask, in order (ids of ``intake.checklists``);
        default: ``intake.ask`` of the settings.
    """

    def __init__(
        self,
        engine: Engine,
        age: float | None = None,
        sex: str | None = None,
        *,
        settings: Settings | None = None,
        max_questions: int | None = None,
        intake: Iterable[str] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = load_settings(engine.kb) if settings is None else settings
        self.max_questions = self.settings.max_questions if max_questions is None else max_questions
        self.intake = self.settings.intake_ask if intake is None else tuple(intake)
        for cid in self.intake:
            if cid not in self.settings.intake:
                known = tuple(self.settings.intake)
                raise DdxError(
                    f"unknown intake checklist '{cid}'{did_you_mean(cid, known)}; "
                    f"{SETTINGS_FILE} defines {', '.join(known) or 'none'}"
                )
        normalise(engine.kb, {}, age, sex)  # check age and sex now
        self.age, self.sex = age, sex
        self.answers: dict[str, bool | None] = {}  # every answer, implied ones included; None = don't know
        self.asked: list[str] = []  # the questions asked, in order
        self.ticked: dict[str, tuple[str, ...] | None] = {}  # each checklist asked: the items ticked; None = don't know
        self.ended: Stop | None = None
        self._ranking: Ranking | None = None

    @property
    def evidence(self) -> Evidence:
        known = {k: v for k, v in self.answers.items() if v is not None}
        return normalise(self.engine.kb, known, self.age, self.sex)

    @property
    def ranking(self) -> Ranking:
        if self._ranking is None:
            self._ranking = rank(self.engine, self.evidence, self.answers, self.settings)
        return self._ranking

    @property
    def result(self) -> DiagnosisResult:
        return self.ranking.result

    @property
    def screen_pending(self) -> bool:
        """True until the opening checklist of emergency signs is asked (when it has an unanswered sign)."""
        signs = self.settings.screen_signs
        return SCREEN_ID not in self.asked and any(s not in self.answers for s in signs)

    def screen_question(self) -> Question:
        """The opening checklist: every emergency sign of ``screen.signs`` in one question."""
        signs = tuple(s for s in self.settings.screen_signs if s not in self.answers)
        reason = "safety: every emergency sign at once, before anything else (a yes to any is an emergency)"
        return Question(SCREEN_ID, self.settings.screen_question, 0.0, None, 1.0, True, reason, signs)

    def checklist_question(self, checklist_id: str) -> Question:
        """A checklist (the emergency one or an intake one) as one question; its options: its unanswered items."""
        if checklist_id == SCREEN_ID:
            return self.screen_question()
        if checklist_id not in self.settings.intake:
            known = (SCREEN_ID, *self.settings.intake)
            raise DdxError(f"unknown checklist '{checklist_id}'{did_you_mean(checklist_id, known)}")
        checklist = self.settings.intake[checklist_id]
        items = tuple(i for i in checklist.items if i not in self.answers)
        reason = f"intake: several questions at once, tick those that apply ({SETTINGS_FILE}: {checklist_id})"
        return Question(checklist_id, checklist.question, 0.0, None, 1.0, False, reason, items)

    def _intake_pending(self) -> Question | None:
        """The next intake checklist not yet asked that still has an unanswered item."""
        for cid in self.intake:
            if cid not in self.asked and (question := self.checklist_question(cid)).options:
                return question
        return None

    def pending_question(self) -> Question | None:
        """The question to ask now, the stopping rules aside (None: nothing left to ask).

        The emergency checklist first; then the safety questions; then the
        intake checklists; then the rest by information gain.
        """
        if self.screen_pending:
            return self.screen_question()
        ranking = self.ranking
        if not ranking.pending_safety and (question := self._intake_pending()) is not None:
            return question
        return ranking.questions[0] if ranking.questions else None

    def answer_screen(self, present: Iterable[str] | None) -> None:
        """Answer the checklist: the signs present (the others are then no), or None for don't know."""
        self.answer_checklist(SCREEN_ID, present)

    def answer_checklist(self, checklist_id: str, present: Iterable[str] | None) -> None:
        """Answer a checklist (the emergency one or an intake one): the items present, the others then no.

        None is don't know: no item is answered, and each may still be asked on its own.
        """
        options = self.checklist_question(checklist_id).options
        if present is not None:
            present = tuple(present)
            unknown = set(present) - set(options)
            if unknown:
                raise DdxError(
                    f"not an item of the checklist '{checklist_id}': {', '.join(sorted(unknown))}; "
                    f"expected some of {options}"
                )
            for item in options:
                self.answers[item] = item in present
        self.ticked[checklist_id] = present
        self.asked.append(checklist_id)
        self._ranking = None

    def answer(self, evidence_id: str, value: bool | None) -> None:
        """Record an answer (None: don't know); a yes also answers no to the rest of its exclusive group.

        For a checklist (``SCREEN_ID`` or an intake checklist) False means
        none of its items and None don't know; which items are present is
        told by :meth:`answer_checklist`.
        """
        if evidence_id == SCREEN_ID or evidence_id in self.settings.intake:
            if value:
                raise DdxError(f"say which items are present: use answer_checklist({evidence_id!r}, [...])")
            self.answer_checklist(evidence_id, None if value is None else ())
            return
        if value is not None:
            known = {k: v for k, v in self.answers.items() if v is not None}
            for node_id, implied in _implied(self.engine.kb, self.settings, known, evidence_id, value).items():
                if self.answers.get(node_id) is None:
                    self.answers[node_id] = implied
        self.answers[evidence_id] = value
        self.asked.append(evidence_id)
        self._ranking = None

    def stop(self, max_questions: int | None = None, early: bool = True) -> Stop | None:
        """Why the interview should stop now, or None to go on (checked in the documented order).

        ``early=False`` keeps only the hard stops (an emergency rule, the
        maximum, no questions left): the simulation uses it to measure
        accuracy after a fixed number of questions.
        """
        if self.ended is not None:
            return self.ended
        limit = self.max_questions if max_questions is None else max_questions
        result = self.result
        emergency = [r for r in result.rules_fired if r.level == "emergency"]
        if emergency:
            return Stop("emergency", f"an emergency rule fired: {emergency[0].id}")
        if len(self.asked) >= limit:
            return Stop("max_questions", f"asked the maximum of {limit} questions")
        ranking = self.ranking
        if not ranking.questions:
            return Stop("exhausted", "no questions left to ask")
        if ranking.pending_safety or self.screen_pending or not early:
            return None
        top = result.top
        if top.probability >= self.settings.confidence:
            return Stop(
                "confident",
                f"{top.label} reached {top.probability:.0%} (confidence threshold {self.settings.confidence:.0%})",
            )
        if all(q.change_probability < self.settings.min_change_probability for q in ranking.questions):
            return Stop(
                "settled",
                "no remaining question is likely to change the triage or the top three "
                f"(each below {self.settings.min_change_probability:.0%})",
            )
        return None

    def next_question(self) -> Question | None:
        """The question to ask now, or None when the interview should stop."""
        if self.stop() is not None:
            return None
        return self.pending_question()
