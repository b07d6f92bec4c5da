"""The terminal interview reads age, sex and answers by the one value grammar (ddx.knowledge.values)."""

from __future__ import annotations

import io

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
