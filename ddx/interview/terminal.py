"""The interview in a terminal: ``ddx interview`` (works with piped input too).

Odd input never ends it with a traceback: an answer that cannot be read is
asked again with a short message. The emergency advice is written as soon as
an answer meets an emergency rule (read by :mod:`ddx.clinical.failsafe` from the
answers alone), before the case is scored, so that nothing that happens
afterwards can hide it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

from ..clinical.failsafe import EMERGENCY, emergency_rules
from ..engine.questions import Question
from ..engine.result import DiagnosisResult
from ..errors import DdxError
from ..knowledge.evidence import normalise
from ..knowledge.values import parse_answer, read_age, read_sex
from .session import Interview, Stop
from .summary import clinician_summary, person_summary, plain_reason, short_label

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.core import Engine
    from ..knowledge.model import KnowledgeBase

__all__ = ["run_interview"]


_NO = {"n", "no"}
#: Don't know, in the interview's words; yes and no are spelt as everywhere (:mod:`ddx.knowledge.values`).
_DONT_KNOW = {"", "d", "?", "dk", "don't know", "dont know", "unknown"}


_CHECKLIST_PROMPT = "    the numbers of those that apply (e.g. 1 3), n (none of these) or d (don't know): "
#: What a line that is not text (bad bytes on a piped input) reads as: no answer matches it.
_UNREADABLE = "\ufffd"


class _EndOfInput(Exception):
    """The input stream ended."""


def _ask(prompt: str, read: IO[str], write: IO[str]) -> str:
    write.write(prompt)
    write.flush()
    try:
        line = read.readline()
    except UnicodeDecodeError:  # asked again by the caller
        return _UNREADABLE
    if not line:
        write.write("\n")
        raise _EndOfInput
    text = line.strip()
    if not _interactive(read):
        write.write(text + "\n")
    return text


def _interactive(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _ask_age(engine: Engine, read: IO[str], write: IO[str]) -> float | None:
    while True:
        text = _ask("Age in years (blank to skip): ", read, write)
        if not text:
            return None
        try:
            age = read_age(text)
            normalise(engine.kb, {}, age, None)
        except DdxError as exc:
            write.write(f"  please give a number of years, or leave it blank ({exc})\n")
            continue
        return age


def _ask_sex(engine: Engine, read: IO[str], write: IO[str]) -> str | None:
    states = engine.kb.nodes[engine.kb.sex_node].states
    while True:
        text = _ask(f"Sex, {' or '.join(states)} (blank to skip): ", read, write)
        try:
            return read_sex(text, states)
        except DdxError:
            pass
        write.write(f"  please answer {' or '.join(states)}, or leave it blank\n")


def _ask_answer(number: int, question: Question, reason: str, read: IO[str], write: IO[str]) -> bool | None:
    write.write(f"\nQ{number}. {question.text}\n    (why: {reason})\n")
    while True:
        text = _ask("    yes / no / don't know [y/n/d]: ", read, write).lower()
        if text in _DONT_KNOW:
            return None
        answer = parse_answer(text)
        if answer is not None:
            return answer
        write.write("    please answer y (yes), n (no) or d (don't know)\n")


def _ask_checklist(
    number: int, question: Question, reason: str, kb: KnowledgeBase, read: IO[str], write: IO[str]
) -> list[str] | None:
    write.write(f"\nQ{number}. {question.text}\n")
    for i, sign in enumerate(question.options, 1):
        write.write(f"    {i:2d}. {kb.nodes[sign].label}\n")
    write.write(f"    (why: {reason})\n")
    while True:
        text = _ask(_CHECKLIST_PROMPT, read, write)
        text = text.lower()
        if text in _NO or text == "none":
            return []
        if text in _DONT_KNOW:
            return None
        numbers = _item_numbers(text, len(question.options))
        if numbers is not None:
            return [question.options[n - 1] for n in numbers]
        write.write(f"    please give numbers from 1 to {len(question.options)}, n or d\n")


def _item_numbers(text: str, count: int) -> list[int] | None:
    """The item numbers of a checklist answer (``1 3``, ``1,3``), or None unless each is a plain number 1..count.

    Only ASCII digits count: ``'²'`` or ``'①'`` pass ``str.isdigit()`` but are
    not numbers ``int()`` reads.
    """
    parts = text.replace(",", " ").split()
    width = len(str(count))
    if not all(p.isascii() and p.isdigit() and len(p.lstrip("0")) <= width for p in parts):
        return None
    numbers = [int(p) for p in parts]
    return numbers if all(1 <= n <= count for n in numbers) else None


def _warn_emergency(interview: Interview, shown: set[str], write: IO[str]) -> None:
    """Write the emergency advice at once when the answers so far meet an emergency rule not yet shown.

    The rules are read from the answers alone (:func:`ddx.clinical.failsafe.emergency_rules`),
    before anything scores the case.
    """
    kb = interview.engine.kb
    known = {k: v for k, v in interview.answers.items() if v is not None}
    new = [rule for rule in emergency_rules(kb, known, interview.age) if rule.id not in shown]
    if new:
        write.write(f"\n*** EMERGENCY: {new[0].message}\n*** {kb.advice[EMERGENCY]}\n")
        write.flush()
        shown.update(rule.id for rule in new)


def _status(result: DiagnosisResult) -> str:
    top = ", ".join(f"{c.probability:.0%} {short_label(c.label)}" for c in result.differential[:3])
    return f"    -> triage: {result.triage} | top: {top}\n"


def _final(interview: Interview, write: IO[str], emergency_shown: bool, clinician: bool) -> None:
    """The result: in plain words for the person (the emergency advice once), or in full for a clinician."""
    result = interview.result
    stop = interview.stop()
    said = stop.message if stop else "interview ended"
    if stop is not None and stop.code == "emergency" and not clinician:  # the rule's id is for a clinician
        said = "an answer is a sign of an emergency"
    write.write(f"\nStopped: {said}.\n")
    if clinician:
        if result.rules_fired and result.triage == EMERGENCY and not emergency_shown:
            message = f"*** EMERGENCY: {result.rules_fired[0].message}\n*** {interview.engine.kb.advice[EMERGENCY]}"
            write.write(f"\n{message}\n")
        write.write(clinician_summary(result))
    else:
        write.write(person_summary(interview.engine.kb, result, emergency_shown))


def run_interview(
    engine: Engine,
    input_stream: IO[str],
    output_stream: IO[str],
    max_questions: int | None = None,
    intake: Iterable[str] | None = None,
    clinician: bool = False,
) -> Interview:
    """Run an interview on text streams (the terminal, or a script): age, sex, then one question at a time.

    End of input or Ctrl-C ends it cleanly with the result so far. An answer
    that meets an emergency rule writes the emergency advice at once (and
    only then: the result at the end points to it). The result is in plain
    words for the person (:func:`ddx.interview.summary.person_summary`);
    ``clinician=True`` shows the full result with each answer's log-odds.

    Returns
    -------
    Interview
        The finished interview (``.result``, ``.answers``, ``.stop()``).
    """
    read, write = input_stream, output_stream
    write.write(
        "ddx interview: numbness, tingling or pins and needles in the leg.\n"
        "Decision support, not a diagnosis. Answer y (yes), n (no) or d / ? / blank (don't know).\n\n"
    )
    interview = Interview(engine, max_questions=max_questions, intake=intake)
    shown: set[str] = set()
    try:
        age = _ask_age(engine, read, write)
        sex = _ask_sex(engine, read, write)
        interview = Interview(
            engine, age, sex, settings=interview.settings, max_questions=max_questions, intake=interview.intake
        )
        write.write(_status(interview.result))
        while (question := interview.next_question()) is not None:
            number = len(interview.asked) + 1
            reason = question.reason if clinician else plain_reason(engine.kb, question.reason)
            if question.options:
                present = _ask_checklist(number, question, reason, engine.kb, read, write)
                interview.answer_checklist(question.id, present)
            else:
                interview.answer(question.id, _ask_answer(number, question, reason, read, write))
            _warn_emergency(interview, shown, write)  # before anything scores the case
            write.write(_status(interview.result))
    except _EndOfInput:
        interview.ended = Stop("ended", "the input ended; this is the result so far")
    except KeyboardInterrupt:
        interview.ended = Stop("ended", "interrupted; this is the result so far")
    _final(interview, write, bool(shown), clinician)
    write.flush()
    return interview
