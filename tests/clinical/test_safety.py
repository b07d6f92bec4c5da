"""Safety properties of the bundled model: emergencies always win, self-care needs support.

Hypothesis draws random answer sets over every evidence id; the properties
must hold for all of them. The safety set (examples/emergencies.csv) is
scored end to end: every must-escalate case is ``emergency``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ddx
from ddx.batch.score import score_frame
from ddx.knowledge.model import TRIAGE_LEVELS

REPO = Path(__file__).resolve().parents[2]
ENGINE = ddx.load()
KB = ENGINE.kb
ANSWERABLE = [i for i in KB.evidence_ids if i not in (KB.sex_node, KB.age.node)]
SIGNS = list(KB.emergency_signs)
SELF_CARE_CAUSES = [c for c in KB.causes if KB.nodes[c].acuity == "self_care"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rank(level: str) -> int:
    return TRIAGE_LEVELS.index(level)


@st.composite
def answer_sets(draw: st.DrawFn, max_size: int = 8) -> dict[str, bool]:
    """Answers to random ids that the model accepts together (no two yes in an exclusive group)."""
    ids = draw(st.lists(st.sampled_from(ANSWERABLE), max_size=max_size, unique=True))
    answers = {i: draw(st.booleans()) for i in ids}
    for group, _ in KB.exclusive:
        yes = [i for i in group if answers.get(i)]
        for i in yes[1:]:
            answers[i] = False
    for group in KB.exhaustive:
        if all(answers.get(i) is False for i in group):
            answers[group[0]] = True
    return answers


def _accepted(answers: dict[str, bool]) -> bool:
    try:
        ENGINE.normalise(answers)
    except ddx.EvidenceError:
        return False
    return True


def _diagnose(answers: dict[str, bool]) -> ddx.DiagnosisResult:
    return ENGINE.diagnose(answers)


@SETTINGS
@given(answers=answer_sets(), sign=st.sampled_from(SIGNS))
def test_any_emergency_sign_answered_yes_gives_emergency(answers: dict[str, bool], sign: str) -> None:
    result = _diagnose({**answers, sign: True})
    assert result.triage == "emergency"
    assert any(r.level == "emergency" for r in result.rules_fired)


@SETTINGS
@given(answers=answer_sets(), more=answer_sets(max_size=5))
def test_adding_answers_never_removes_a_fired_emergency_rule(answers: dict[str, bool], more: dict[str, bool]) -> None:
    before = _diagnose(answers)
    combined = dict(answers)
    for k, v in more.items():  # only answers the model accepts together (no yes/yes, no all-no in a group)
        if k not in combined and _accepted({**combined, k: v}):
            combined[k] = v
    after = _diagnose(combined)
    fired_before = {r.id for r in before.rules_fired if r.level == "emergency"}
    assert fired_before <= {r.id for r in after.rules_fired}


@SETTINGS
@given(answers=answer_sets())
def test_the_network_never_lowers_a_rule(answers: dict[str, bool]) -> None:
    result = _diagnose(answers)
    for rule in result.rules_fired:
        assert _rank(result.triage) <= _rank(rule.level)
    assert _rank(result.triage) <= _rank(result.network_triage)


@SETTINGS
@given(answers=answer_sets())
def test_self_care_only_with_support(answers: dict[str, bool]) -> None:
    result = _diagnose(answers)
    if result.triage != "self_care":
        return
    ratio = KB.triage.support_ratio
    supported = [c for c in SELF_CARE_CAUSES if result.probabilities[c] >= ratio * ENGINE.priors[c]]
    assert supported, "self_care although no answer raised a self-care cause above its prior"


@pytest.mark.parametrize("unknowns", [{}, dict.fromkeys(ANSWERABLE[:10]), dict.fromkeys(ANSWERABLE)])
def test_nothing_known_is_not_self_care(unknowns: dict[str, None]) -> None:
    result = ENGINE.diagnose(unknowns)
    assert result.triage != "self_care"
    assert result.advice == KB.triage.unsupported_advice
    assert "clinician" in result.advice


def test_answers_that_point_to_home_care_keep_self_care() -> None:
    result = ENGINE.diagnose({"after_sitting_or_lying_still": True, "resolves_on_moving": True})
    assert result.triage == "self_care" and result.top.id == "positional_compression"


# --------------------------------------------------------------------------- the pictures


PICTURES = {
    "acute limb ischaemia": {
        "sudden_severe_onset": True,
        "leg_pain": True,
        "leg_color_shape_or_temperature_change": True,
        "one_leg_only": True,
    },
    "cauda equina before incontinence": {
        "back_pain": True,
        "radiates_from_lower_back_down_leg": True,
        "both_legs": True,
        "leg_weakness": True,
    },
    "sensory stroke": {"sudden_one_sided_numbness": True},
    "early Guillain-Barre": {"starts_in_toes_moves_up": True, "both_legs": True, "leg_weakness": True},
    "transverse myelitis without bladder loss": {
        "both_legs": True,
        "leg_weakness": True,
        "progressive_over_days": True,
    },
    "saddle numbness": {"saddle_numbness": True, "back_pain": True},
    "new difficulty passing urine": {"new_difficulty_passing_urine": True},
}


@pytest.mark.parametrize("name", PICTURES)
def test_emergency_pictures_without_a_listed_sign_come_back_emergency(name: str) -> None:
    result = ENGINE.diagnose(PICTURES[name], age=55)
    assert result.triage == "emergency", f"{name}: {result.triage}"
    assert result.rules_fired[0].level == "emergency" and result.advice == result.rules_fired[0].message


def test_sciatica_with_foot_drop_is_not_a_stroke_emergency() -> None:
    result = ENGINE.diagnose(
        {"back_pain": True, "radiates_from_lower_back_down_leg": True, "one_leg_only": True, "leg_weakness": True},
        age=45,
    )
    assert result.triage == "urgent" and result.top.id == "sciatica"
    assert "A weak leg on its own is not a yes" in KB.nodes["weakness_one_side_of_body"].question


# --------------------------------------------------------------------------- the safety set


@pytest.fixture(scope="module")
def safety_set() -> pd.DataFrame:
    frame = pd.read_csv(REPO / "examples/emergencies.csv", dtype=str, keep_default_na=False)
    return frame.join(score_frame(ENGINE, frame)[["status", "triage"]].add_prefix("scored_"))


def test_every_must_escalate_case_is_emergency(safety_set: pd.DataFrame) -> None:
    must = safety_set[safety_set.gold_triage == "emergency"]
    assert len(must) >= 60
    assert (must.scored_status == "ok").all()
    missed = must[must.scored_triage != "emergency"].case_id.tolist()
    assert not missed, f"emergencies not triaged emergency: {missed}"


def test_look_alikes_rarely_escalate(safety_set: pd.DataFrame) -> None:
    alike = safety_set[safety_set.gold_triage != "emergency"]
    assert len(alike) >= 40
    escalated = alike[alike.scored_triage == "emergency"].case_id.tolist()
    assert len(escalated) <= 0.10 * len(alike), f"look-alikes triaged emergency: {escalated}"
