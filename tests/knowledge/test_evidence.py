"""Bad evidence gets an error a person can act on; merged ids map to their node."""

from __future__ import annotations

import pytest

from ddx.errors import EvidenceError


@pytest.mark.parametrize(
    ("evidence", "kwargs", "message"),
    [
        ({"f11": True}, {}, r"unknown evidence id 'f11' \(did you mean 'f1'\?\)"),
        ({"f1": "maybe"}, {}, r"evidence 'f1': 'maybe' is not an answer; use yes or no \(also y/n"),
        ({"f1": 2}, {}, r"evidence 'f1': 2 is not an answer"),
        ({"f1": [True]}, {}, r"evidence 'f1': \[True\] is not an answer"),
        ({"cause_a": True}, {}, r"'cause_a' is a cause, not evidence"),
        ({}, {"age": 130}, r"age must be between 0 and 120 years; got 130"),
        ({}, {"age": -1}, r"age must be between 0 and 120 years; got -1"),
        ({}, {"age": "old"}, r"age: 'old' is not a number of years"),
        ({}, {"age": True}, r"age: True is not a number of years"),
        ({}, {"age": "inf"}, r"age: 'inf' is not a number of years"),
        ({}, {"sex": "x"}, r"sex: 'x' is not a sex; use male or female \(also m/f, any case\)"),
        ({}, {"sex": "fe"}, r"sex: 'fe' is not a sex"),
        ({"age": 40}, {}, r"pass age as its own argument"),
        ({"sex": True}, {}, r"pass sex as its own argument"),
        ({"f1": True, "f4": True}, {}, r"contradictory evidence: 'f1' and 'f4' cannot both be yes \(test exclusion\)"),
        ({"older_age": False}, {"age": 70}, r"contradictory evidence: age 70 means 'older_age' is True"),
        ({"f1": True, "f1_alias": False}, {}, r"'f1' and 'f1_alias' both map to 'f1' but disagree"),
    ],
)
def test_bad_evidence_is_refused(tiny_engine, evidence, kwargs, message):
    with pytest.raises(EvidenceError, match=message):
        tiny_engine.diagnose(evidence, **kwargs)


def test_evidence_error_is_a_value_error(tiny_engine):
    with pytest.raises(ValueError):
        tiny_engine.diagnose({"nope": True})


def test_merged_evidence_id_maps_to_its_node(tiny_engine):
    via_alias = tiny_engine.diagnose({"f1_alias": True}).probabilities
    direct = tiny_engine.diagnose({"f1": True}).probabilities
    assert via_alias == direct


def test_none_means_unknown(tiny_engine):
    assert tiny_engine.diagnose({"f1": None}).probabilities == tiny_engine.diagnose({}).probabilities


def test_age_sets_the_age_node(tiny_engine):
    by_age = tiny_engine.diagnose({}, age=75).probabilities
    by_node = tiny_engine.diagnose({"older_age": True}).probabilities
    assert by_age == pytest.approx(by_node, abs=1e-15)
    assert tiny_engine.diagnose({}, age=30).evidence.answers["older_age"] is False


def test_sex_is_case_insensitive(tiny_engine):
    assert tiny_engine.diagnose({}, sex="Female").evidence.sex == "female"


def test_agreeing_answers_are_fine(tiny_engine):
    result = tiny_engine.diagnose({"older_age": True, "f1": True, "f4": False}, age=61)
    assert result.evidence.answers == {"older_age": True, "f1": True, "f4": False}


# --------------------------------------------------------------------------- one answer, one meaning


def test_a_yes_answers_no_to_its_exclusive_partner(tiny_engine):
    ev = tiny_engine.normalise({"f1": True})
    assert ev.answers == {"f1": True, "f4": False} and ev.implied_ids == {"f4"}
    assert tiny_engine.normalise({"f1": False}).answers == {"f1": False}  # not exhaustive: nothing implied


def test_exhaustive_group_all_no_is_refused(bundled_engine):
    with pytest.raises(EvidenceError, match=r"'one_leg_only' and 'both_legs' cannot all be no"):
        bundled_engine.diagnose({"one_leg_only": False, "both_legs": False})


LEG_ANSWERS = [
    {"one_leg_only": True},
    {"one_leg_only": False},
    {"both_legs": True},
    {"both_legs": False},
    {"one_leg_only": True, "radiates_from_lower_back_down_leg": True},
    {"both_legs": False, "burning_sensation": True, "diabetes": True},
]


@pytest.mark.parametrize("answers", LEG_ANSWERS, ids=str)
def test_one_leg_or_both_means_the_same_on_every_path(bundled_engine, answers):
    import pandas as pd

    from ddx.batch.score import score_frame
    from ddx.interview.session import Interview

    engine = bundled_engine
    implied = {"one_leg_only", "both_legs"} - set(answers)
    direct = engine.diagnose(answers)
    assert direct.evidence.answers.keys() >= implied  # the partner is answered by implication
    (many,) = engine.diagnose_many([engine.normalise(answers)])
    frame = pd.DataFrame([{"case_id": "c1", **{k: "yes" if v else "no" for k, v in answers.items()}}])
    row = score_frame(engine, frame).iloc[0]
    interview = Interview(engine)
    for node_id, value in answers.items():
        interview.answer(node_id, value)
    spelled = engine.diagnose({**answers, **{i: direct.evidence.answers[i] for i in implied}})
    for result in (many, interview.result, spelled):
        assert result.probabilities == pytest.approx(direct.probabilities, abs=1e-12)
        assert result.triage == direct.triage
    assert row["triage"] == direct.triage
    for cause in engine.kb.causes:
        assert row[f"p_{cause}"] == pytest.approx(direct.probabilities[cause], abs=1e-9)


# --------------------------------------------------------------------------- the value grammar at the API


@pytest.mark.parametrize(
    ("given", "answer"),
    [("yes", True), ("No", False), ("1", True), ("0", False), (" y ", True), ("TRUE", True), (1, True), (0.0, False)],
)
def test_the_api_reads_the_value_grammar(tiny_engine, given, answer):
    assert tiny_engine.normalise({"f2": given}).answers["f2"] is answer
    assert tiny_engine.diagnose({"f2": given}).probabilities == tiny_engine.diagnose({"f2": answer}).probabilities


@pytest.mark.parametrize(("given", "sex"), [("female", "female"), ("M", "male"), ("f", "female"), (" Male ", "male")])
def test_the_api_reads_sex_spellings(bundled_engine, given, sex):
    assert bundled_engine.diagnose({}, sex=given).evidence.sex == sex


def test_the_api_reads_a_numeric_age_string(tiny_engine):
    assert tiny_engine.normalise({}, age="70").age == 70.0
    assert tiny_engine.normalise({}, age=" 30 ").answers["older_age"] is False


def test_blank_string_answers_are_unknown(tiny_engine):
    assert tiny_engine.normalise({"f1": "", "f2": " "}).answers == {}


def test_two_spellings_of_one_node_that_disagree_are_refused(tiny_engine):
    with pytest.raises(EvidenceError, match=r"'f1' and 'f1_alias' both map to 'f1' but disagree"):
        tiny_engine.diagnose({"f1": "yes", "f1_alias": "0"})


def test_a_merged_test_result_is_read_as_its_risk_factor(bundled_engine):
    """glucose_or_hba1c_high is how diabetes is diagnosed: yes and no answer diabetes."""
    for value in (True, False):
        result = bundled_engine.diagnose({"glucose_or_hba1c_high": value})
        assert result.evidence.answers["diabetes"] is value
    with pytest.raises(EvidenceError, match="'diabetes' and 'glucose_or_hba1c_high' both map to 'diabetes'"):
        bundled_engine.diagnose({"diabetes": True, "glucose_or_hba1c_high": False})


def test_merged_causes_are_not_evidence(bundled_engine):
    """model/merges.yaml: the five merged causes are gold labels, not evidence."""
    kb = bundled_engine.kb
    causes = [m.id for m in kb.merges.values() if kb.nodes[m.into].kind == "cause"]
    assert len(causes) == 5
    for merged in causes:
        with pytest.raises(EvidenceError, match=f"'{merged}' is a cause, not evidence"):
            bundled_engine.diagnose({merged: True})
