"""Next steps per cause (``model/next_steps.yaml``, ``ddx.clinical.next_steps``): the data, the answers, the checks.

The bundled file is checked against the articles (every cited phrase and
section verbatim) and for completeness (every cause has tests and notes);
answers are checked for order and safety (the triage advice first; no
self-care under emergency triage, self-care marked for after the visit under
urgent triage); and every validation rule of the file is broken once.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import tiny_files, write_kb
from helpers import assert_cited_verbatim, needs_seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import ddx
from ddx.batch.score import score_frame
from ddx.cli.case import explanation_text
from ddx.clinical.next_steps import FILE, Item, NextStep, NextStepsGuide, build_steps, names_of_tests
from ddx.clinical.next_steps_file import load_guide
from ddx.errors import KnowledgeBaseError
from ddx.knowledge.conditions import Condition
from ddx.knowledge.load import load_knowledge
from ddx.knowledge.model import TRIAGE_LEVELS, KnowledgeBase

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Wording that tells a person to manage at home or to wait; only self-care notes may use it.
WAITING = re.compile(r"\b(at home|wait\w*|rest|resting|stretch\w*|goes? away|settles?|fades?)\b", re.IGNORECASE)

DIABETIC = {"diabetes": True, "starts_in_toes_moves_up": True, "both_legs": True, "burning_sensation": True}
DVT = {"leg_swelling": True, "leg_pain": True, "recent_surgery": True, "one_leg_only": True}


def _bundled() -> tuple[KnowledgeBase, NextStepsGuide] | None:
    try:
        kb = load_knowledge(REPO_ROOT)
        return kb, load_guide(kb)
    except Exception:  # reported by test_bundled_next_steps_load
        return None


BUNDLED = _bundled()
ITEMS: list[Item] = [item for items in BUNDLED[1].items.values() for item in items] if BUNDLED else []
ARTICLE_ITEMS = [item for item in ITEMS if item.basis == "article"]


@pytest.fixture(scope="module")
def engine() -> ddx.Engine:
    return ddx.load()


# --------------------------------------------------------------------------- the bundled data


def test_bundled_next_steps_load() -> None:
    kb = load_knowledge(REPO_ROOT)
    guide = load_guide(kb)  # raises KnowledgeBaseError listing every problem
    assert set(guide.items) == set(kb.causes)
    assert 0 < guide.threshold < 1 and 1 <= guide.max_causes <= 5


@pytest.mark.parametrize("cause", BUNDLED[0].causes if BUNDLED else [])
def test_every_cause_has_tests_and_notes(cause: str) -> None:
    assert BUNDLED is not None
    kinds = [item.kind for item in BUNDLED[1].items.get(cause, ())]
    assert "test" in kinds, f"{cause} has no test that would confirm or rule it out"
    assert any(kind != "test" for kind in kinds), f"{cause} has no care, treatment or self-care note"


@needs_seeds
@pytest.mark.parametrize("item", ARTICLE_ITEMS, ids=lambda item: item.where)
def test_cited_phrase_and_section_appear_verbatim_in_the_article(item: Item) -> None:
    assert_cited_verbatim(item.file, item.section, item.phrase)


@pytest.mark.parametrize("item", [i for i in ITEMS if i.kind != "self_care"], ids=lambda item: item.where)
def test_only_self_care_notes_speak_of_waiting_or_home(item: Item) -> None:
    found = WAITING.search(item.text)
    assert found is None, f"{item.where}: {found.group(0)!r} suggests waiting; make it a self_care note or reword"


def test_threshold_and_self_care_policy_are_documented() -> None:
    raw = yaml.safe_load((REPO_ROOT / FILE).read_text(encoding="utf-8"))
    assert raw["leading"]["rationale"].strip() and raw["self_care_notes"]["rationale"].strip()
    assert raw["self_care_notes"]["by_triage"]["emergency"] == "omit"
    assert raw["self_care_notes"]["by_triage"]["urgent"] == "after_seen"
    readme = (REPO_ROOT / "model" / "README.md").read_text(encoding="utf-8")
    assert "next_steps.yaml" in readme and "after_seen" in readme


# --------------------------------------------------------------------------- answers of the bundled model


def _steps_of(result: ddx.DiagnosisResult, cause: str) -> list[NextStep]:
    return [s for s in result.next_steps if s.cause == cause]


def test_diabetic_neuropathy_case_lists_blood_sugar_vitamin_and_nerve_conduction_tests(engine) -> None:
    result = engine.diagnose(DIABETIC)
    assert result.top.id == "peripheral_neuropathy"
    tests = {s.name: s for s in _steps_of(result, "peripheral_neuropathy") if s.kind == "test"}
    expected = {
        "blood sugar test": '002_53e5b2c426439ede.txt § Common causes: "blood tests"',
        "vitamin level test": '002_53e5b2c426439ede.txt § Common causes: "vitamin level testing"',
        "nerve conduction study": '002_53e5b2c426439ede.txt § Common causes: "nerve conduction studies"',
    }
    for name, citation in expected.items():
        assert name in tests, f"{name} missing from {sorted(tests)}"
        assert tests[name].citation == citation
        assert tests[name].text.strip()
    column = result.to_row()["next_steps"].split(";")
    assert column[:3] == ["blood sugar test", "vitamin level test", "nerve conduction study"]


def test_deep_vein_thrombosis_case_puts_seeking_care_first(engine) -> None:
    result = engine.diagnose(DVT)
    assert result.triage == "urgent"
    first, second = result.next_steps[:2]
    assert (first.kind, first.text) == ("advice", engine.kb.advice["urgent"])
    assert (second.kind, second.name) == ("rule", "possible_deep_vein_thrombosis")
    dvt = _steps_of(result, "deep_vein_thrombosis")
    assert dvt, "deep vein thrombosis is not among the leading causes"
    assert dvt[0].kind == "care" and "today" in dvt[0].text
    assert dvt[0].citation.startswith("001_aa8d539350dab47e.txt § 2.1. Deep vein thrombosis (DVT)")
    prefix = engine.next_steps_guide.after_seen_prefix
    self_care = [s for s in result.next_steps if s.kind == "self_care"]
    assert self_care, "the case should show how self-care is marked under urgent triage"
    assert all(s.text.startswith(prefix) for s in self_care)


def _satisfy(condition: Condition) -> dict[str, bool]:
    """Evidence that meets a rule condition."""
    if isinstance(condition, str):
        return {condition: True}
    op, items = condition
    chosen = items if op == "all" else items[:1]
    return {k: v for item in chosen for k, v in _satisfy(item).items()}


def _emergency_rules() -> list[Any]:
    return [r for r in BUNDLED[0].rules if r.level == "emergency"] if BUNDLED else []


@pytest.mark.parametrize("rule", _emergency_rules(), ids=lambda r: r.id)
def test_emergency_result_never_carries_self_care_before_the_emergency_advice(engine, rule) -> None:
    # Add answers that make causes with self-care notes lead (posture, strain).
    evidence = {
        "after_sitting_or_lying_still": True,
        "resolves_on_moving": True,
        "recent_physical_activity": True,
        **_satisfy(rule.when),
    }
    evidence = {k: v for k, v in evidence.items() if k in engine.kb.nodes}
    result = engine.diagnose(evidence)
    assert result.triage == "emergency" and rule.id in [r.id for r in result.rules_fired]
    first = result.next_steps[0]
    assert (first.kind, first.text) == ("advice", engine.kb.advice["emergency"])
    self_care_texts = {i.text for i in ITEMS if i.kind == "self_care"}
    for step in result.next_steps:
        assert step.kind != "self_care", f"self-care note {step.name!r} under emergency triage"
        assert step.text not in self_care_texts
        assert not WAITING.search(step.text), f"{step.name!r} suggests waiting: {step.text!r}"
    leading_with_self_care = [
        s.cause for s in result.next_steps if s.cause in {"positional_compression", "muscle_strain"}
    ]
    assert leading_with_self_care, "the case should have a leading cause whose self-care notes were left out"


def test_every_bundled_answer_starts_with_its_triage_advice(engine) -> None:
    for evidence in ({}, DIABETIC, DVT, {"slurred_speech": True}, {"after_sitting_or_lying_still": True}):
        result = engine.diagnose(evidence)
        if evidence:
            advice = (engine.kb.advice[result.triage], f"model/triage.yaml: levels.{result.triage}.advice")
        else:  # nothing known: the advice says so instead of the level's own
            advice = (engine.kb.triage.unsupported_advice, "model/triage.yaml: unsupported.advice")
        assert result.next_steps[0] == NextStep("advice", result.triage, *advice)


def test_explain_prints_next_steps_with_sources(engine) -> None:
    text = explanation_text(engine.diagnose(DIABETIC))
    block = text[text.index("next steps") : text.index("why ")]
    assert "[advice: routine]" in block
    assert "blood sugar test: " in block and "nerve conduction study: " in block
    assert 'source: 002_53e5b2c426439ede.txt § Common causes: "vitamin level testing"' in block


def test_explain_emergency_prints_the_emergency_advice_before_any_cause(engine) -> None:
    text = explanation_text(engine.diagnose({"loss_of_bladder_or_bowel_control": True, "back_pain": True}))
    block = text[text.index("next steps") : text.index("why ")].splitlines()
    assert block[1].startswith("  [advice: emergency] Call emergency services now")
    assert not any(line.lstrip().startswith("self_care") for line in block)


# --------------------------------------------------------------------------- answers of the tiny model


def _load(tmp_path: Path, next_steps: dict[str, Any] | None = None) -> ddx.Engine:
    files = copy.deepcopy(tiny_files())
    if next_steps is not None:
        files[FILE] = next_steps
    return ddx.load(write_kb(tmp_path, files))


def test_self_care_policy_by_triage(tiny_engine) -> None:
    cases = {
        "emergency": {"red_flag": True, "f1": True, "f2": True},
        "urgent": {"f3": True, "rf1": True, "f4": False},
        "routine": {"f2": True, "f1": False},
        "self_care": {"f1": True},
    }
    for triage, evidence in cases.items():
        result = tiny_engine.diagnose(evidence)
        assert result.triage == triage
        assert result.next_steps[0].kind == "advice" and result.next_steps[0].name == triage
        self_care = [s for s in result.next_steps if s.kind == "self_care"]
        if triage == "emergency":
            assert not self_care
        elif triage == "urgent":
            assert self_care and all(s.text.startswith("After you have been seen: ") for s in self_care)
        else:
            assert sorted(s.text for s in self_care) == ["Rest at home for A.", "Stretch at home for B."]


def test_rule_messages_follow_the_advice_most_urgent_first(tiny_engine) -> None:
    result = tiny_engine.diagnose({"red_flag": True, "f3": True, "f4": True})
    assert [(s.kind, s.name) for s in result.next_steps[:3]] == [
        ("advice", "emergency"),
        ("rule", "red_flag_rule"),
        ("rule", "f3_and_f4"),
    ]
    assert result.next_steps[1].text == "Call now."


def test_leading_causes_top_always_then_threshold_then_at_most_max(tiny_engine, tmp_path) -> None:
    result = tiny_engine.diagnose({"f1": True, "f2": False, "f3": False, "f4": False})
    leading = list(dict.fromkeys(s.cause for s in result.next_steps if s.cause))
    expected = [c.id for i, c in enumerate(result.differential) if i == 0 or c.probability >= 0.1]
    assert leading == expected[:5]
    assert any(c.probability < 0.1 for c in result.differential), "the case should leave a cause out"
    steps = copy.deepcopy(tiny_files()[FILE])
    steps["leading"].update(threshold=0.99, max_causes=1)
    narrow = _load(tmp_path, steps).diagnose({"f2": True, "f3": True})
    assert {s.cause for s in narrow.next_steps if s.cause} == {narrow.top.id}  # below the threshold, still listed


def test_cause_steps_are_care_then_tests_then_treatment_then_self_care(tmp_path) -> None:
    steps = copy.deepcopy(tiny_files()[FILE])
    why = {"basis": "judgement", "rationale": "test"}
    steps["causes"]["cause_a"]["notes"].append({"kind": "care", "name": "see", "text": "See A.", "source": why})
    result = _load(tmp_path, steps).diagnose({"f1": True})
    assert [s.kind for s in result.next_steps if s.cause == "cause_a"] == ["care", "test", "treatment", "self_care"]


def test_batch_column_joins_distinct_test_names(tiny_engine) -> None:
    frame = pd.DataFrame({"case_id": ["a", "b"], "f1": ["yes", "bad"], "f2": ["yes", ""]})
    out = score_frame(tiny_engine, frame)
    result = tiny_engine.diagnose({"f1": True, "f2": True})
    assert out.loc[0, "next_steps"] == ";".join(names_of_tests(result.next_steps))
    assert out.loc[0, "next_steps"].split(";") == [
        s.name for s in result.next_steps if s.kind == "test"
    ]  # one test per cause in the tiny model: no duplicates to drop
    assert pd.isna(out.loc[1, "next_steps"]) or out.loc[1, "next_steps"] == ""


def test_names_of_tests_keeps_first_occurrence_order() -> None:
    steps = [
        NextStep("test", "MRI scan", "x", "c", "a"),
        NextStep("care", "see", "x", "c", "a"),
        NextStep("test", "blood tests", "x", "c", "b"),
        NextStep("test", "MRI scan", "x", "c", "b"),
    ]
    assert names_of_tests(steps) == ["MRI scan", "blood tests"]


def test_diagnose_many_gives_the_same_next_steps(tiny_engine) -> None:
    evidences = [{"f1": True}, {"red_flag": True}, {"f3": True, "f4": True}]
    many = tiny_engine.diagnose_many([tiny_engine.normalise(e) for e in evidences])
    assert [r.next_steps for r in many] == [tiny_engine.diagnose(e).next_steps for e in evidences]


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.floats(0, 1), min_size=3, max_size=3), min_size=1, max_size=10))
def test_leading_counts_and_test_names_of_many_cases_are_those_of_each(tiny_engine_module, rows) -> None:
    """The batch's vectorised leading causes and test names are those :func:`build_steps` gives one case."""
    guide, causes = tiny_engine_module.next_steps_guide, tiny_engine_module.kb.causes
    ranked = -np.sort(-np.array(rows), axis=1)  # each row most probable first
    counts = guide.leading_counts(ranked).tolist()
    for row, count in zip(ranked.tolist(), counts, strict=True):
        pairs = list(zip(causes, row, strict=True))
        assert count == len(guide.leading(pairs))
        for triage in TRIAGE_LEVELS:
            steps = build_steps(guide, pairs, triage, ())
            assert guide.test_names(causes[:count]) == names_of_tests(steps)


def test_result_without_next_steps_still_builds_a_row(tiny_engine) -> None:
    import dataclasses

    result = dataclasses.replace(tiny_engine.diagnose({"f1": True}), next_steps=())
    assert result.to_row()["next_steps"] == ""


# --------------------------------------------------------------------------- validation: every rule broken once


def test_model_without_next_steps_is_refused(tmp_path) -> None:
    files = copy.deepcopy(tiny_files())
    del files[FILE]
    with pytest.raises(KnowledgeBaseError, match=r"model/next_steps.yaml: file is missing: every model lists"):
        ddx.load(write_kb(tmp_path, files))


def test_invalid_yaml_is_refused(tmp_path) -> None:
    root = write_kb(tmp_path, copy.deepcopy(tiny_files()))
    (root / FILE).write_text("leading: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"model/next_steps.yaml: is not valid YAML"):
        ddx.load(root)


def test_duplicate_key_is_refused(tmp_path) -> None:
    root = write_kb(tmp_path, copy.deepcopy(tiny_files()))
    path = root / FILE
    path.write_text(path.read_text(encoding="utf-8") + "leading: {}\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"model/next_steps.yaml: line \d+: duplicate key 'leading'"):
        ddx.load(root)


def test_empty_file_is_refused(tmp_path) -> None:
    root = write_kb(tmp_path, copy.deepcopy(tiny_files()))
    (root / FILE).write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"model/next_steps.yaml: is missing or empty"):
        ddx.load(root)


def _at(data: Any, path: str) -> tuple[Any, Any]:
    """The container and key at a dotted path (``[i]`` for list items)."""
    keys: list[Any] = [int(k) if k.isdigit() else k for k in re.split(r"\.|\[|\]\.?", path) if k]
    for key in keys[:-1]:
        data = data[key]
    return data, keys[-1]


def _set(path: str, value: Any):
    def breaker(steps: dict[str, Any]) -> Any:
        if not path:
            return value
        container, key = _at(steps, path)
        container[key] = value
        return steps

    return breaker


def _delete(path: str):
    def breaker(steps: dict[str, Any]) -> Any:
        container, key = _at(steps, path)
        del container[key]
        return steps

    return breaker


A_TEST = "causes.cause_a.tests[0]"
A_NOTE = "causes.cause_a.notes[0]"
B_SOURCE = "causes.cause_b.tests[0].source"
RULES = [
    ("top level not a mapping", _set("", ["leading"]), r"next_steps.yaml: expected a mapping .*got list"),
    ("unknown section", _set("cuases", {}), r"next_steps.yaml: cuases: unknown field \(did you mean 'causes'\?\)"),
    ("missing section", _delete("leading"), r"next_steps.yaml: leading: section is missing"),
    ("leading not a mapping", _set("leading", 0.1), r"leading: expected a mapping .*got float"),
    ("leading unknown field", _set("leading.treshold", 0.1), r"leading.treshold: unknown field \(did you mean"),
    ("threshold above 1", _set("leading.threshold", 1.5), r"leading.threshold: expected a posterior probability"),
    ("threshold not a number", _set("leading.threshold", "high"), r"leading.threshold: .* got 'high'"),
    (
        "max_causes above five",
        _set("leading.max_causes", 6),
        r"leading.max_causes: expected a whole number from 1 to 5",
    ),
    ("max_causes not whole", _set("leading.max_causes", 2.5), r"leading.max_causes: .* got 2.5"),
    ("leading rationale missing", _delete("leading.rationale"), r"leading.rationale: say in one line why"),
    (
        "self_care_notes unknown field",
        _set("self_care_notes.prefix", "x"),
        r"self_care_notes.prefix: unknown field",
    ),
    ("by_triage missing", _delete("self_care_notes.by_triage"), r"self_care_notes.by_triage: is missing or empty"),
    (
        "unknown triage level",
        _set("self_care_notes.by_triage.urgnt", "omit"),
        r"by_triage.urgnt: unknown triage level \(did you mean 'urgent'\?\)",
    ),
    (
        "unknown policy",
        _set("self_care_notes.by_triage.routine", "hide"),
        r"by_triage.routine: must be one of omit, after_seen, show; got 'hide'",
    ),
    (
        "self-care shown under emergency",
        _set("self_care_notes.by_triage.emergency", "after_seen"),
        r"by_triage.emergency: must be omit: at emergency triage nothing may suggest",
    ),
    (
        "self-care shown under urgent",
        _set("self_care_notes.by_triage.urgent", "show"),
        r"by_triage.urgent: must be omit or after_seen",
    ),
    ("triage level missing", _delete("self_care_notes.by_triage.routine"), r"by_triage.routine: missing"),
    (
        "after_seen without prefix",
        _delete("self_care_notes.after_seen_prefix"),
        r"self_care_notes.after_seen_prefix: a level uses after_seen",
    ),
    ("policy rationale missing", _delete("self_care_notes.rationale"), r"self_care_notes.rationale: say in one line"),
    ("causes not a mapping", _set("causes", ["cause_a"]), r"causes: expected a mapping .*got list"),
    (
        "unknown cause",
        _set("causes.cause_aa", {"tests": [], "notes": []}),
        r"causes.cause_aa: unknown cause \(did you mean 'cause_a'\?\)",
    ),
    ("cause without next steps", _delete("causes.cause_b"), r"causes.cause_b: cause has no next steps"),
    ("cause entry not a mapping", _set("causes.cause_b", "scan"), r"causes.cause_b: expected a mapping"),
    (
        "cause entry unknown field",
        _set("causes.cause_b.test", []),
        r"causes.cause_b.test: unknown field \(did you mean 'tests'\?\)",
    ),
    ("cause without tests", _set("causes.cause_a.tests", []), r"causes.cause_a.tests: every cause needs a non-empty"),
    ("cause without notes", _delete("causes.cause_c.notes"), r"causes.cause_c.notes: every cause needs a non-empty"),
    ("item not a mapping", _set(A_TEST, "MRI"), r"cause_a.tests\[0\]: expected a mapping with name, text and source"),
    ("item unknown field", _set(f"{A_TEST}.txt", "x"), r"tests\[0\].txt: unknown field \(did you mean 'text'\?\)"),
    ("test with a kind", _set(f"{A_TEST}.kind", "care"), r"tests\[0\].kind: unknown field"),
    ("name missing", _delete(f"{A_TEST}.name"), r"tests\[0\].name: every item needs a short name"),
    ("name with ;", _set(f"{A_TEST}.name", "CT; MRI"), r"tests\[0\].name: a name is one line .* without ';'"),
    ("name too long", _set(f"{A_TEST}.name", "x" * 41), r"tests\[0\].name: a name is one line of at most 40"),
    (
        "duplicate name",
        _set("causes.cause_a.notes[1].name", "rest a"),
        r"cause_a.notes\[1\].name: duplicate name 'rest a'",
    ),
    ("text missing", _set(f"{A_TEST}.text", " "), r"tests\[0\].text: every item needs a text"),
    (
        "unknown note kind",
        _set(f"{A_NOTE}.kind", "selfcare"),
        r"notes\[0\].kind: must be one of care, treatment, self_care; got 'selfcare'",
    ),
    ("source missing", _delete(f"{A_TEST}.source"), r"tests\[0\].source: every item needs a source"),
    (
        "source unknown field",
        _set(f"{B_SOURCE}.phrse", "x"),
        r"source.phrse: unknown field \(did you mean 'phrase'\?\)",
    ),
    ("article without phrase", _delete(f"{B_SOURCE}.phrase"), r"source.phrase: an article source needs 'phrase'"),
    (
        "unknown article",
        _set(f"{B_SOURCE}.file", "003_f50762881c6da20.txt"),
        r"source.file: unknown article '003_f50762881c6da20.txt' \(did you mean '003_f50762881c6da201.txt'\?\)",
    ),
    (
        "phrase too long",
        _set(f"{B_SOURCE}.phrase", "one two three four five six seven eight nine"),
        r"source.phrase: key phrase has 9 words; at most 8",
    ),
    (
        "judgement without rationale",
        _delete(f"{A_TEST}.source.rationale"),
        r"tests\[0\].source.rationale: a judgement needs a one-line rationale",
    ),
    ("bad basis", _set(f"{A_TEST}.source.basis", "opinion"), r"source.basis: basis must be 'article' or 'judgement'"),
]


@pytest.mark.parametrize(("name", "breaker", "message"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_fires(tmp_path, name, breaker, message) -> None:
    steps = breaker(copy.deepcopy(tiny_files()[FILE]))
    with pytest.raises(KnowledgeBaseError) as info:
        _load(tmp_path, steps)
    assert info.match(message), str(info.value)
    assert all(p.startswith(f"{FILE}: ") for p in info.value.problems)


def test_all_problems_are_reported_at_once(tmp_path) -> None:
    steps = copy.deepcopy(tiny_files()[FILE])
    steps["leading"]["threshold"] = 2
    del steps["causes"]["cause_c"]
    with pytest.raises(KnowledgeBaseError) as info:
        _load(tmp_path, steps)
    assert len(info.value.problems) == 2
    assert str(info.value).startswith("2 problems in the knowledge base:")


def test_valid_tiny_next_steps_load(tiny_engine) -> None:
    guide = tiny_engine.next_steps_guide
    assert [i.kind for i in guide.items["cause_c"]] == ["care", "test"]
    assert guide.items["cause_b"][0].citation() == '003_f50762881c6da201.txt § Sciatica: "bone spurs"'
