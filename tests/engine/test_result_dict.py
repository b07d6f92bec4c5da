"""DiagnosisResult.to_dict: real outputs of the bundled model valid against the shipped schema, values kept."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest

from ddx.engine.result_dict import SCHEMA_VERSION, result_schema

SCIATICA = {"back_pain": True, "radiates_from_lower_back_down_leg": True, "one_leg_only": True}
EMERGENCY = {"loss_of_bladder_or_bowel_control": True, "back_pain": True}
TOP_KEYS = {
    "schema_version",
    "kb_version",
    "disclaimer",
    "evidence",
    "differential",
    "triage",
    "network_triage",
    "advice",
    "rules_fired",
    "next_steps",
    "probabilities_secondary",
    "explanation",
    "intervals",
}


@pytest.fixture(scope="module")
def validator():
    schema = result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _cases(engine):
    sciatica = engine.diagnose(SCIATICA, age=48, sex="male")
    return {
        "no answers": (engine.diagnose(), None),
        "sciatica": (sciatica, None),
        "emergency": (engine.diagnose(EMERGENCY), None),
        "intervals": (engine.diagnose(SCIATICA, intervals=True, samples=30), None),
        "explanation": (sciatica, ["sciatica", "muscle_strain"]),
    }


@pytest.mark.parametrize("name", ["no answers", "sciatica", "emergency", "intervals", "explanation"])
def test_real_outputs_are_valid_and_survive_json(bundled_engine, validator, name):
    result, explain = _cases(bundled_engine)[name]
    out = result.to_dict(explain=explain)
    validator.validate(out)
    assert set(out) == TOP_KEYS
    back = json.loads(json.dumps(out, allow_nan=False))
    assert back == out
    assert {c["id"]: c["probability"] for c in back["differential"]} == result.probabilities
    assert [c["id"] for c in back["differential"]] == [c.id for c in result.differential]
    assert back["schema_version"] == SCHEMA_VERSION == "1"
    assert back["kb_version"] == result.kb_version
    assert back["triage"] == result.triage and back["advice"] == result.advice


def test_evidence_keeps_answers_age_sex_and_what_was_implied(bundled_engine):
    result = bundled_engine.diagnose(SCIATICA, age=48, sex="male")
    evidence = result.to_dict()["evidence"]
    assert evidence["answers"]["radiates_from_lower_back_down_leg"] is True
    assert evidence["answers"]["both_legs"] is False
    assert evidence["implied"] == ["both_legs"]
    assert (evidence["age"], evidence["sex"]) == (48, "male")


def test_a_fired_rule_appears_with_its_source(bundled_engine):
    result = bundled_engine.diagnose(EMERGENCY)
    out = result.to_dict()
    assert out["triage"] == "emergency"
    assert out["probabilities_secondary"] is True
    fired = {r["id"]: r for r in out["rules_fired"]}
    assert "loss_of_bladder_or_bowel_control" in fired
    assert fired["loss_of_bladder_or_bowel_control"]["level"] == "emergency"
    assert fired["loss_of_bladder_or_bowel_control"]["source"]
    assert [s["kind"] for s in out["next_steps"]][:2] == ["advice", "rule"]


def test_no_rule_means_probabilities_lead(bundled_engine):
    out = bundled_engine.diagnose({"radiates_from_lower_back_down_leg": True, "one_leg_only": True}).to_dict()
    assert out["rules_fired"] == [] and out["probabilities_secondary"] is False
    assert out["explanation"] is None and out["intervals"] is None
    assert out["differential"][0]["id"] == "sciatica"
    assert any(s["kind"] == "test" and s["cause"] == "sciatica" for s in out["next_steps"])


def test_explanation_matches_result_explain(bundled_engine):
    result = bundled_engine.diagnose(SCIATICA, sex="male")
    out = result.to_dict(explain="sciatica")  # one id, not its letters
    assert list(out["explanation"]) == ["sciatica"]
    rows = out["explanation"]["sciatica"]
    expected = result.explain("sciatica")
    assert [r["evidence_id"] for r in rows] == [c.evidence_id for c in expected]
    assert [r["delta_log_odds"] for r in rows] == pytest.approx([c.delta_log_odds for c in expected])
    assert {"evidence_id": "sex", "answer": "male"}.items() <= next(
        r for r in rows if r["evidence_id"] == "sex"
    ).items()


def test_intervals_carry_every_cause(bundled_engine):
    result = bundled_engine.diagnose(SCIATICA, intervals=True, samples=30)
    intervals = result.to_dict()["intervals"]
    assert [i["cause"] for i in intervals] == [i.cause for i in result.intervals]
    top = next(i for i in intervals if i["cause"] == "sciatica")
    assert top["low"] <= top["point"] <= top["high"]
    assert math.isclose(top["point"], result.probabilities["sciatica"], rel_tol=1e-9)


def test_schema_rejects_a_broken_result(bundled_engine, validator):
    out = bundled_engine.diagnose(SCIATICA).to_dict()
    out["differential"][0]["probability"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(out)
    del out["triage"]
    with pytest.raises(jsonschema.ValidationError, match="'triage' is a required property"):
        jsonschema.validate(out, result_schema())


def test_unknown_schema_version_is_named():
    with pytest.raises(ValueError, match="no result schema version '9'"):
        result_schema("9")
