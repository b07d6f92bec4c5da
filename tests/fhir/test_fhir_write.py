"""A result as a FHIR R4 RiskAssessment (``ddx.fhir.write``), validated by the library, and a Bundle round trip."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import tiny_files, write_kb
from fhir_charts import CODES, SNOMED, TODAY, bundle, obs, patient

pytest.importorskip("fhir.resources")

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.riskassessment import RiskAssessment

import ddx
from ddx.fhir import evidence_from_bundle

WHEN = datetime(2026, 12, 3, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> ddx.Engine:
    files = copy.deepcopy(tiny_files())
    files["model/codes.yaml"] = CODES
    return ddx.load(write_kb(tmp_path_factory.mktemp("fhir"), files))


def _data(resource: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resource.model_dump_json())
    return data


def test_one_prediction_per_cause_with_its_codes_and_probability(engine: ddx.Engine) -> None:
    result = engine.diagnose({"f1": True, "f2": True})
    ra = result.to_fhir(subject="Patient/p1")
    assert isinstance(ra, RiskAssessment)
    data = _data(ra)
    assert data["status"] == "final" and data["subject"] == {"reference": "Patient/p1"}
    outcomes = [p["outcome"]["text"] for p in data["prediction"]]
    assert outcomes == [c.label for c in result.differential]
    assert [p["probabilityDecimal"] for p in data["prediction"]] == [c.probability for c in result.differential]
    cause_a = next(p for p in data["prediction"] if p["outcome"]["text"] == "Cause A")
    assert cause_a["outcome"]["coding"] == [{"system": SNOMED, "code": "195967001", "display": "code 195967001"}]
    assert all("against a prior of" in p["rationale"] for p in data["prediction"])
    assert "most moved by: " in data["prediction"][0]["rationale"]
    assert "test-1" in data["method"]["text"]
    notes = [n["text"] for n in data["note"]]
    assert notes[0].startswith(f"Triage: {result.triage}.") and notes[-1] == result.disclaimer
    assert data["mitigation"] == result.advice


def test_a_fired_rule_is_in_the_notes_and_says_the_ranking_is_secondary(engine: ddx.Engine) -> None:
    result = engine.diagnose({"red_flag": True})
    notes = [n["text"] for n in _data(result.to_fhir())["note"]]
    assert "A rule set the triage; the probabilities are secondary." in notes
    assert any(n.startswith("Rule red_flag_rule [emergency]: Call now.") for n in notes)
    assert notes[0].startswith("Triage: emergency.")


def test_an_unpickled_result_still_converts_without_reasons(engine: ddx.Engine) -> None:
    result = pickle.loads(pickle.dumps(engine.diagnose({"f1": True})))
    data = _data(result.to_fhir(kb=engine.kb))
    assert all("most moved by" not in p["rationale"] for p in data["prediction"])
    assert data["subject"] == {"display": "the person assessed"}


def test_bundle_round_trip(engine: ddx.Engine) -> None:
    chart = bundle(
        patient(),
        obs("o1", SNOMED, "29857009", valueBoolean=True),
        obs("o2", SNOMED, "267036007", valueBoolean=False),
    )
    ev = evidence_from_bundle(chart, engine.kb, today=TODAY)
    result = engine.diagnose(**ev.case)
    ra = _data(result.to_fhir(subject=ev.patient, basis=ev.basis))
    assert [b["reference"] for b in ra["basis"]] == ["Patient/p1", "Observation/o1", "Observation/o2"]
    ra["id"] = "ra1"
    back = {**chart, "entry": [*chart["entry"], {"resource": ra}]}
    parsed = Bundle.model_validate_json(json.dumps(back))  # the library validates the whole Bundle
    again = next(e.resource for e in parsed.entry if e.resource.get_resource_type() == "RiskAssessment")
    assert [float(p.probabilityDecimal) for p in again.prediction] == [c.probability for c in result.differential]
    # the RiskAssessment is not evidence: reading the Bundle again gives the same case, and says so
    ev2 = evidence_from_bundle(parsed, engine.kb, today=TODAY)
    assert ev2.answers == ev.answers
    assert [u.resource for u in ev2.unmapped] == ["RiskAssessment/ra1"]


def test_the_bundled_model_writes_coded_outcomes(bundled_engine: ddx.Engine) -> None:
    result = bundled_engine.diagnose({"radiates_from_lower_back_down_leg": True, "back_pain": True})
    data = _data(result.to_fhir())
    top = data["prediction"][0]
    assert top["outcome"]["text"].startswith("Sciatica")
    assert any(c["system"] == SNOMED for c in top["outcome"].get("coding", []))
    assert "knowledge base kb_version " + result.kb_version in data["method"]["text"]
