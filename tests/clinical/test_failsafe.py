"""The fail safe: an emergency answer survives every other bad answer of its case.

Whatever else is wrong with a case (a bad value, age or sex, contradictory
answers), an emergency sign answered yes still gives ``emergency`` with its
rule: ``Engine.diagnose`` raises an ``EvidenceError`` that carries it, and a
batch row keeps ``status=error`` with its message and carries it too.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import tiny_files, write_kb
from hypothesis import given, settings
from hypothesis import strategies as st

import ddx
from ddx.batch.score import score_frame
from ddx.errors import EvidenceError
from ddx.knowledge.values import parse_answer, read_sex


@pytest.fixture(scope="module")
def bundled() -> ddx.Engine:
    return ddx.load()


#: Bad answers of another kind than the emergency sign: (evidence, age, sex) added to the case.
BAD_OTHERS: dict[str, tuple[dict[str, Any], Any, Any]] = {
    "bad value": ({"back_pain": "maybe"}, None, None),
    "negative age": ({}, -5, None),
    "unknown sex": ({}, None, "other"),
    "contradictory legs": ({"one_leg_only": True, "both_legs": True}, None, None),
    "unknown id": ({"back_pian": True}, None, None),
}


def _emergency(engine: ddx.Engine, sign: str) -> tuple[str, ...]:
    """The ids of the emergency rules a yes to ``sign`` alone fires (read from the result, not hard-coded)."""
    return tuple(r.id for r in engine.diagnose({sign: True}).rules_fired if r.level == "emergency")


@pytest.mark.parametrize("bad", list(BAD_OTHERS))
def test_diagnose_raises_an_error_that_carries_the_emergency(bundled: ddx.Engine, bad: str) -> None:
    extra, age, sex = BAD_OTHERS[bad]
    with pytest.raises(EvidenceError) as info:
        bundled.diagnose({"chest_pain": True, **extra}, age=age, sex=sex)
    error = info.value
    expected = _emergency(bundled, "chest_pain")
    assert getattr(error, "triage", None) == "emergency"
    assert tuple(r.id for r in error.rules_fired) == expected
    assert all(isinstance(r, ddx.FiredRule) and r.level == "emergency" for r in error.rules_fired)
    advice = bundled.kb.rules[[r.id for r in bundled.kb.rules].index(expected[0])].message
    assert error.advice == advice
    assert str(error).startswith(advice)
    assert "\n" not in str(error)
    with pytest.raises(EvidenceError) as plain:  # the same case without the sign: the plain error
        bundled.diagnose(extra, age=age, sex=sex)
    assert str(plain.value) in str(error)


def test_emergency_evidence_error_is_exported_and_an_evidence_error() -> None:
    assert issubclass(ddx.EmergencyEvidenceError, ddx.EvidenceError)
    assert "EmergencyEvidenceError" in ddx.__all__


def test_without_an_emergency_answer_the_error_is_plain(bundled: ddx.Engine) -> None:
    with pytest.raises(EvidenceError) as info:
        bundled.diagnose({"chest_pain": False, "back_pain": "maybe"})
    assert type(info.value) is EvidenceError
    assert not hasattr(info.value, "triage")


@pytest.mark.parametrize("yes", ["yes", "Y", " TRUE ", "1", 1, 1.0])
def test_a_yes_spelt_as_text_counts_for_the_fail_safe(bundled: ddx.Engine, yes: object) -> None:
    """A yes in any spelling of the value grammar is read as yes by the fail safe of a refused case."""
    with pytest.raises(EvidenceError, match="evidence 'back_pain': 'maybe' is not an answer") as info:
        bundled.diagnose({"chest_pain": yes, "back_pain": "maybe"})
    assert getattr(info.value, "triage", None) == "emergency"


def test_unreadable_emergency_answer_is_not_read_as_yes(bundled: ddx.Engine) -> None:
    with pytest.raises(EvidenceError) as info:
        bundled.diagnose({"chest_pain": "perhaps", "back_pain": "maybe"})
    assert type(info.value) is EvidenceError


def test_emergency_rules_read_each_answer_on_its_own(tiny_engine: ddx.Engine) -> None:
    from ddx.clinical.failsafe import emergency_rules

    kb = tiny_engine.kb
    rules = emergency_rules(kb, {"red_flag": True, "f1": "maybe", "f4": True, "f9": True, "cause_a": True}, -5, "x")
    assert [r.id for r in rules] == ["red_flag_rule"]
    assert emergency_rules(kb, {"red_flag": False, "f3": True, "f4": True}) == ()  # an urgent rule only
    assert emergency_rules(kb, {"red_flag": "maybe"}) == ()
    assert emergency_rules(kb, ["red_flag"]) == ()  # not a mapping: nothing can be read
    assert emergency_rules(kb, None) == ()


def test_the_rules_come_from_the_model_files(tmp_path: Path) -> None:
    """A renamed rule and a rule over several answers: nothing about rules is written in the code."""
    files = copy.deepcopy(tiny_files())
    rules = files["model/rules.yaml"]["rules"]
    rules[0]["id"] = "call_now"
    rules.append({**copy.deepcopy(rules[1]), "id": "f2_and_rf1", "when": {"all": ["f2", "rf1"]}, "level": "emergency"})
    engine = ddx.load(write_kb(tmp_path / "kb", files))
    with pytest.raises(EvidenceError) as info:
        engine.diagnose({"f2": True, "rf1": True, "f1": "maybe"})
    assert [r.id for r in info.value.rules_fired] == ["f2_and_rf1"]  # type: ignore[attr-defined]
    with pytest.raises(EvidenceError) as info:
        engine.diagnose({"red_flag": True, "f2": True, "rf1": True}, age=500)
    assert [r.id for r in info.value.rules_fired] == ["call_now", "f2_and_rf1"]  # type: ignore[attr-defined]


def test_a_readable_age_still_answers_the_age_node(tmp_path: Path) -> None:
    files = copy.deepcopy(tiny_files())
    # a copy: objects shared by two rules would be written as YAML aliases, which a model file may not hold
    rule = copy.deepcopy(files["model/rules.yaml"]["rules"][0])
    files["model/rules.yaml"]["rules"].append({**rule, "id": "old_and_f2", "when": {"all": ["older_age", "f2"]}})
    engine = ddx.load(write_kb(tmp_path / "kb", files))
    with pytest.raises(EvidenceError) as info:
        engine.diagnose({"f2": True, "f1": "maybe"}, age=70)
    assert [r.id for r in info.value.rules_fired] == ["old_and_f2"]  # type: ignore[attr-defined]
    with pytest.raises(EvidenceError) as info:
        engine.diagnose({"f2": True, "f1": "maybe"}, age=30)
    assert type(info.value) is EvidenceError


# --------------------------------------------------------------------------- property: a bad cell never removes it

SIGNS = ddx.load().kb.emergency_signs


def _not_an_answer(text: str) -> bool:
    return bool(text.strip()) and parse_answer(text) is None


bad_answer = st.one_of(st.sampled_from(["maybe", "2", "yess", "-", "=1+1", "²"]), st.text(max_size=8)).filter(
    _not_an_answer
)
bad_age = st.one_of(
    st.sampled_from(["-5", "130", "old", "nan", "inf", "1e400"]),
    st.floats(max_value=-0.5, allow_nan=False, allow_infinity=False).map(str),
)


def _not_a_sex(text: str) -> bool:
    try:
        read_sex(text)  # a sex, or blank (unknown)
    except EvidenceError:
        return True
    return False


bad_sex = st.one_of(st.sampled_from(["other", "fem", "unknown", "0"]), st.text(max_size=6)).filter(_not_a_sex)


@st.composite
def bad_cell(draw: st.DrawFn, sign: str) -> tuple[dict[str, str], tuple[dict[str, Any], Any, Any]]:
    """One invalid cell beside ``sign``: the CSV cells, and the same case as API arguments."""
    kind = draw(st.sampled_from(["answer", "age", "sex", "contradiction"]))
    if kind == "answer":
        column = draw(st.sampled_from([i for i in ddx.load().kb.evidence_ids if i not in (sign, "sex")]))
        value = draw(bad_answer)
        return {column: value}, ({column: value}, None, None)
    if kind == "age":
        value = draw(bad_age)
        try:
            age: Any = float(value)
        except ValueError:
            age = value
        return {"age": value}, ({}, age if age == age else value, None)  # NaN is unknown to the API: pass the text
    if kind == "sex":
        value = draw(bad_sex)
        return {"sex": value}, ({}, None, value)
    return {"one_leg_only": "yes", "both_legs": "yes"}, ({"one_leg_only": True, "both_legs": True}, None, None)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_random_bad_cell_never_removes_an_emergency(bundled: ddx.Engine, data: st.DataObject) -> None:
    sign = data.draw(st.sampled_from(SIGNS))
    cells, (evidence, age, sex) = data.draw(bad_cell(sign))
    expected = _emergency(bundled, sign)
    assert expected  # every emergency sign of the model has an emergency rule of its own

    frame = pd.DataFrame([{"case_id": "c1", sign: "yes", **cells}])
    row = score_frame(bundled, frame).iloc[0]
    assert row["status"] == "error" and row["error"]
    assert row["triage"] == "emergency"
    assert row["rules_fired"] == ";".join(expected)

    with pytest.raises(EvidenceError) as info:
        bundled.diagnose({sign: True, **evidence}, age=age, sex=sex)
    assert getattr(info.value, "triage", None) == "emergency"
    assert tuple(r.id for r in info.value.rules_fired) == expected  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the command line


@pytest.mark.parametrize(
    "argv",
    [
        ["diagnose", "chest_pain=yes", "back_pain=maybe"],
        ["explain", "--json", '{"chest_pain": true, "back_pain": "maybe"}'],
        ["sensitivity", "--json", '{"chest_pain": "yes", "one_leg_only": true, "both_legs": true}'],
    ],
    ids=["diagnose", "explain", "sensitivity"],
)
def test_the_commands_show_the_emergency_of_a_refused_case(argv, capsys) -> None:
    from ddx.cli.entry import main

    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("triage: emergency\nadvice: Chest pain")
    assert "rules fired: chest_pain" in captured.out
    assert "call emergency services now" in captured.err and "cannot be scored" in captured.err


def test_explain_from_a_csv_row_keeps_its_emergency(tmp_path, capsys) -> None:
    from ddx.cli.entry import main

    source = tmp_path / "cases.csv"
    source.write_text("case_id,chest_pain,back_pain\nc1,yes,maybe\nc2,no,maybe\n")
    assert main(["explain", "--csv", str(source), "--case-id", "c1"]) == 2
    assert capsys.readouterr().out.startswith("triage: emergency")
    assert main(["explain", "--csv", str(source), "--case-id", "c2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "'maybe' is not an answer" in captured.err
