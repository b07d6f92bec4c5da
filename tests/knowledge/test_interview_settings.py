"""Interview settings (``model/interview.yaml``, ``ddx.knowledge.interview_settings``): errors name file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from helpers import settings_number as _number
from helpers import tiny_interview, tiny_with_interview

import ddx
import ddx.cli
from ddx.engine.questions import next_questions
from ddx.errors import KnowledgeBaseError
from ddx.interview.session import Interview
from ddx.knowledge.interview_settings import load_settings


def _tiny(tmp_path: Path, settings: dict[str, Any] | None = None, **changes: Any) -> ddx.Engine:
    return tiny_with_interview(tmp_path, settings, **changes)


@pytest.fixture
def tiny(tmp_path: Path) -> ddx.Engine:
    return _tiny(tmp_path)


@pytest.fixture(scope="module")
def bundled() -> ddx.Engine:
    return ddx.load()


def _intake(lists: dict[str, list[str]], ask: list[str] | None = None) -> dict[str, Any]:
    checklists = {cid: {"question": f"{cid}?", "items": items, "rationale": "test"} for cid, items in lists.items()}
    return {"ask": list(lists) if ask is None else ask, "checklists": checklists, "rationale": "test"}


def test_tiny_intake_checklist_is_asked_after_the_screen(tmp_path: Path) -> None:
    settings = tiny_interview()
    settings["intake"] = _intake({"more": ["f2", "rf1"]})
    interview = Interview(_tiny(tmp_path, settings))
    interview.answer_screen([])
    assert interview.pending_question().options == ("f2", "rf1")
    interview.answer_checklist("more", ["rf1"])
    assert interview.answers == {"red_flag": False, "f2": False, "rf1": True}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["stop"].pop("confidence"), r"stop\.confidence: missing"),
        (lambda s: s["stop"].update(max_questions=_number(2.5)), r"stop\.max_questions\.value: expected an integer"),
        (lambda s: s["stop"].update(confidence=_number(1.5)), r"stop\.confidence\.value: must be between 0.5 and 1"),
        (lambda s: s["stop"]["confidence"].pop("rationale"), r"stop\.confidence\.rationale: missing"),
        (
            lambda s: s["stop"].update(confidnce=_number(1)),
            r"stop\.confidnce: unknown field \(did you mean 'confidence'",
        ),
        (
            lambda s: s["safety"]["red_flags"]["red_flag"].update(causes=["cause_x"]),
            r"safety\.red_flags\.red_flag\.causes: unknown cause 'cause_x' \(did you mean 'cause_c'",
        ),
        (
            lambda s: s["safety"]["red_flags"].update(red_flg={"causes": [], "rationale": "x"}),
            r"safety\.red_flags\.red_flg: unknown emergency sign 'red_flg' \(did you mean 'red_flag'",
        ),
        (lambda s: s["screen"].update(signs=["f1"]), r"screen\.signs: unknown emergency sign 'f1'"),
        (
            lambda s: s.update(exhaustive=[{"ids": ["f1", "f4"], "rationale": "x"}]),
            r"exhaustive: exhaustive groups are part of the model.*model/model\.yaml",
        ),
        (
            lambda s: s.update(intake=_intake({"a": ["f2", "rf_1"]})),
            r"intake\.checklists\.a\.items: unknown finding or risk factor 'rf_1' \(did you mean 'rf1'",
        ),
        (
            lambda s: s.update(intake=_intake({"a": ["f2", "f1"]})),
            r"intake\.checklists\.a\.items: 'f1' belongs to an exclusive or exhaustive group",
        ),
        (
            lambda s: s.update(intake=_intake({"a": ["f2"], "b": ["f3", "f2"]})),
            r"intake\.checklists\.b\.items: 'f2' is already an item of intake checklist 'a'",
        ),
        (
            lambda s: s.update(intake=_intake({"f3": ["f2"]})),
            r"intake\.checklists\.f3: 'f3' is already the id of a question",
        ),
        (
            lambda s: s.update(intake=_intake({"a": ["older_age"]})),
            r"intake\.checklists\.a\.items: unknown finding or risk factor 'older_age'",
        ),
        (lambda s: s.update(intake=_intake({"a": ["f2"]}, ask=["b"])), r"intake\.ask: unknown intake checklist 'b'"),
        (lambda s: s.update(intake={"ask": []}), r"intake\.checklists: missing"),
    ],
)
def test_settings_errors_name_file_and_field(tmp_path: Path, change, message) -> None:
    settings = tiny_interview()
    change(settings)
    with pytest.raises(KnowledgeBaseError, match=r"model/interview\.yaml: " + message):
        next_questions(_tiny(tmp_path, settings))


def test_missing_settings_file_says_where(tiny_engine: ddx.Engine) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"model/interview\.yaml: file is missing .*docs/interview\.md"):
        next_questions(tiny_engine)


def test_bundled_settings_name_known_ids(bundled: ddx.Engine) -> None:
    settings = load_settings(bundled.kb)
    assert set(settings.screen_signs) == set(bundled.kb.emergency_signs)
    assert set(settings.red_flags) == set(bundled.kb.emergency_signs)  # every sign is a red flag for some cause
    raw = yaml.safe_load((REPO / "model/interview.yaml").read_text())
    numbers = [raw["stop"][k] for k in raw["stop"]] + [
        raw["safety"]["on_the_list"][k] for k in ("top", "min_probability")
    ]
    numbers += [raw["safety"]["emergency_causes"]["threshold"], raw["safety"]["emergency_answers"]["min_probability"]]
    assert all(n["rationale"].strip() for n in numbers)
