"""Library conventions: a pandas row as a case, plain mappings in diagnose_many, one tie order on every path."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import ddx
from ddx.batch import score_frame
from ddx.errors import EmergencyEvidenceError, EvidenceError
from ddx.inference.order import rank_order, ranked
from ddx.interview.session import Interview

# --------------------------------------------------------------------------- a pandas row


def test_a_dataframe_row_is_a_case(tiny_engine) -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["c1", "c2"],
            "f1": ["yes", ""],
            "f2": ["", "no"],
            "age": ["70", ""],
            "sex": ["F", ""],
            "gold_cause": ["cause_a", ""],
            "gold_triage": ["routine", ""],
        }
    )
    result = tiny_engine.diagnose(frame.iloc[0])
    assert result.probabilities == tiny_engine.diagnose({"f1": True}, age=70, sex="female").probabilities
    assert result.evidence.age == 70.0 and result.evidence.sex == "female"
    second = tiny_engine.diagnose(frame.iloc[1])
    assert dict(second.evidence.answers) == {"f2": False} and second.evidence.age is None


def test_a_row_read_by_pandas_with_nan_and_floats(tiny_engine, tmp_path) -> None:
    """pandas' own reading: blank cells are NaN, a 1/0 column is floats, age is a number."""
    source = tmp_path / "cases.csv"
    source.write_text("case_id,f1,f2,f3,age,sex\nc1,1,,0,45,m\nc2,0,1,,,\n")
    frame = pd.read_csv(source)
    assert frame["f1"].dtype.kind == "i" and frame["f2"].dtype.kind == "f"
    first = tiny_engine.diagnose(frame.iloc[0])
    assert dict(first.evidence.answers) == {"f1": True, "f3": False, "f4": False, "older_age": False}
    assert first.evidence.sex == "male"
    second = tiny_engine.diagnose(frame.iloc[1])
    assert dict(second.evidence.answers) == {"f1": False, "f2": True} and second.evidence.sex is None


def test_arguments_win_over_the_row(tiny_engine) -> None:
    row = pd.Series({"case_id": "c1", "f2": "yes", "age": "70", "sex": "female"})
    result = tiny_engine.diagnose(row, age=30, sex="male")
    assert result.evidence.age == 30.0 and result.evidence.sex == "male"


def test_a_bad_row_names_the_cell_and_keeps_its_emergency(tiny_engine) -> None:
    with pytest.raises(EvidenceError, match="evidence 'f1': 'maybe' is not an answer") as info:
        tiny_engine.diagnose(pd.Series({"case_id": "c1", "f1": "maybe"}))
    assert type(info.value) is EvidenceError
    with pytest.raises(EmergencyEvidenceError, match="Call now"):
        tiny_engine.diagnose(pd.Series({"case_id": "c1", "red_flag": "yes", "f1": "maybe"}))
    with pytest.raises(EvidenceError, match=r"unknown evidence id 'f11' \(did you mean 'f1'\?\)"):
        tiny_engine.diagnose(pd.Series({"case_id": "c1", "f11": "yes"}))


def test_a_mapping_keeps_the_strict_rule_for_age(tiny_engine) -> None:
    with pytest.raises(EvidenceError, match="pass age as its own argument"):
        tiny_engine.diagnose({"f1": True, "age": 40})


# --------------------------------------------------------------------------- diagnose_many


def test_diagnose_many_takes_plain_mappings(tiny_engine) -> None:
    cases = [{"f1": True}, {"f2": "no", "f3": "yes"}, pd.Series({"case_id": "x", "f4": "y", "age": 65})]
    many = tiny_engine.diagnose_many([cases[0], tiny_engine.normalise(cases[1]), cases[2]])
    one = [tiny_engine.diagnose(case) for case in cases]
    assert [r.probabilities for r in many] == [r.probabilities for r in one]
    assert [r.triage for r in many] == [r.triage for r in one]


def test_diagnose_many_names_the_bad_case(tiny_engine) -> None:
    with pytest.raises(EvidenceError, match=r"evidences\[1\]: evidence 'f1': 'maybe' is not an answer"):
        tiny_engine.diagnose_many([{"f2": True}, {"f1": "maybe"}])
    with pytest.raises(EmergencyEvidenceError, match=r"Call now.*evidences\[0\]: unknown evidence id 'f11'"):
        tiny_engine.diagnose_many([{"red_flag": True, "f11": True}])


# --------------------------------------------------------------------------- ties

#: Answers under which guillain_barre_syndrome, seizure and peripheral_nerve_tumor tie exactly (all 0.1%) in
#: the bundled model; the fast path's single and vectorised passes differ in the last bits of these numbers.
TIE_CASE = {"recent_vaccination": False, "recent_infection": False, "active_cancer": False, "vision_problems": False}
TIED = ("guillain_barre_syndrome", "seizure", "peripheral_nerve_tumor")


def test_rank_order_breaks_ties_by_model_order() -> None:
    post = np.array([0.0010000000000000007, 0.0010000000000000009, 0.5, 0.001, 0.2])
    assert rank_order(post).tolist() == [2, 4, 0, 1, 3]
    assert rank_order(np.stack([post, post[::-1]])).tolist() == [[2, 4, 0, 1, 3], [2, 0, 1, 3, 4]]
    assert ranked(["a", "b", "c"], {"a": 0.1, "b": 0.3, "c": 0.1 + 1e-16}) == ["b", "a", "c"]


def _order(result: ddx.DiagnosisResult) -> list[str]:
    return [c.id for c in result.differential]


def test_ties_break_the_same_way_on_every_path(bundled_engine) -> None:
    engine = bundled_engine
    causes = engine.kb.causes
    single = engine.diagnose(TIE_CASE)
    post = single.probabilities
    assert all(math.isclose(post[c], 0.001, rel_tol=1e-12) for c in TIED)  # the case has an exact tie
    expected = sorted(causes, key=lambda c: (-round(post[c], 9), causes.index(c)))
    assert _order(single) == expected

    many = engine.diagnose_many([{}, {"back_pain": True}, TIE_CASE])[2]
    assert _order(many) == expected

    frame = pd.DataFrame([{"case_id": "a"}, {"case_id": "b", "back_pain": "yes"}, {"case_id": "c", **TIE_CASE}])
    frame = frame.fillna("").replace({True: "yes", False: "no"})
    row = score_frame(engine, frame, top=len(causes)).iloc[2]
    assert [row[f"top{i}"] for i in range(1, len(causes) + 1)] == expected

    interview = Interview(engine, intake=())
    for node_id, value in TIE_CASE.items():
        interview.answer(node_id, value)
    assert _order(interview.result) == expected
