"""The terminal interview reads age, sex and answers by the one value grammar (ddx.knowledge.values)."""

from __future__ import annotations

import io
import re

import pytest

import ddx
from ddx.interview.terminal import run_interview


@pytest.fixture(scope="module")
def bundled() -> ddx.Engine:
    return ddx.load()


def _run(engine: ddx.Engine, script: str, **kwargs) -> tuple[object, str]:
    out = io.StringIO()
    interview = run_interview(engine, io.StringIO(script), out, intake=(), **kwargs)
    return interview, out.getvalue()


@pytest.mark.parametrize(("given", "sex"), [("F", "female"), ("f", "female"), ("m", "male"), (" Male ", "male")])
def test_sex_spellings(bundled: ddx.Engine, given: str, sex: str) -> None:
    interview, _ = _run(bundled, f"40\n{given}\n", max_questions=0)
    assert interview.sex == sex  # type: ignore[attr-defined]


@pytest.mark.parametrize("given", ["fem", "ma", "x", "1"])
def test_other_sex_spellings_are_asked_again(bundled: ddx.Engine, given: str) -> None:
    interview, text = _run(bundled, f"40\n{given}\nfemale\n", max_questions=0)
    assert "please answer male or female" in text and interview.sex == "female"  # type: ignore[attr-defined]


@pytest.mark.parametrize("given", ["٤٥", "４５", "1_0", "inf", "nan"])
def test_an_age_in_other_digits_is_asked_again(bundled: ddx.Engine, given: str) -> None:
    interview, text = _run(bundled, f"{given}\n45\n\n", max_questions=0)
    assert "please give a number of years" in text and interview.age == 45  # type: ignore[attr-defined]


@pytest.mark.parametrize(("given", "answer"), [("Yes", True), ("TRUE", True), ("1", True), ("0", False), ("N", False)])
def test_answers_in_the_grammar(bundled: ddx.Engine, given: str, answer: bool) -> None:
    interview, text = _run(bundled, f"\n\nn\n{given}\n", max_questions=2)
    asked = interview.asked  # type: ignore[attr-defined]
    assert len(asked) == 2 and interview.answers[asked[1]] is answer  # type: ignore[attr-defined]
    assert "please answer y (yes)" not in text


@pytest.mark.parametrize("given", ["d", "?", "", "dont know", "unknown"])
def test_dont_know(bundled: ddx.Engine, given: str) -> None:
    interview, _ = _run(bundled, f"\n\nn\n{given}\n", max_questions=2)
    asked = interview.asked  # type: ignore[attr-defined]
    assert len(asked) == 2 and interview.answers.get(asked[1]) is None  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the end, in plain words


def _screen_yes(engine: ddx.Engine, sign: str) -> str:
    from ddx.knowledge.interview_settings import load_settings

    return str(load_settings(engine.kb).screen_signs.index(sign) + 1)


def _end(text: str) -> str:
    return text[text.index("\nStopped: ") :]


def test_the_person_reads_plain_words_without_internals(bundled: ddx.Engine) -> None:
    script = "48\nmale\nn\n" + "y\n" * 6
    interview, text = _run(bundled, script)
    result = interview.result  # type: ignore[attr-defined]
    assert "log-odds" not in text and "model/" not in text and "priors/" not in text
    assert not re.search(r"\b\w+\.(md|txt|yaml)\b", text)  # no file names, in the hints either
    end = _end(text)
    assert f"{result.top.probability:4.0%}  {result.top.label}" in end
    assert result.advice in end and end.rstrip().endswith(result.disclaimer)
    for step in result.next_steps:
        if step.cause is not None:
            assert step.text in end
    titles = [title for title in bundled.kb.articles.values() if f'"{title}", section "' in end]
    assert titles, end
    assert not any(cause in end for cause in bundled.kb.causes if cause not in {"sciatica"})  # labels, not ids


def test_the_emergency_is_written_once(bundled: ddx.Engine) -> None:
    interview, text = _run(bundled, f"48\nmale\n{_screen_yes(bundled, 'loss_of_bladder_or_bowel_control')}\n")
    result = interview.result  # type: ignore[attr-defined]
    assert result.triage == "emergency"
    assert text.count("*** EMERGENCY") == 1
    assert text.count(bundled.kb.advice["emergency"]) == 1
    assert text.count(result.rules_fired[0].message) == 1
    assert text.index("*** EMERGENCY") < text.index("\nStopped: ")  # written when answered, before the result
    assert "follow the emergency advice above" in _end(text) and "Next steps:" in _end(text)


def test_the_clinician_view_keeps_the_log_odds(bundled: ddx.Engine) -> None:
    _, text = _run(bundled, "48\nmale\nn\ny\ny\n", clinician=True)
    end = _end(text)
    assert "log-odds" in end and "Why " in end and ".txt § " in end
    assert "model/interview.yaml" not in text or "(why: " in text  # hints as they are
