"""A FHIR R4 chart read as evidence (``ddx.fhir.read``): what each resource gives, and what is reported unread."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import tiny_files, write_kb
from fhir_charts import CODES, ICD, LOINC, SNOMED, TODAY, bundle, condition, interpreted, obs, patient
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fhir.resources")

import ddx
from ddx.errors import FhirError
from ddx.fhir import evidence_from_bundle, evidence_from_resources


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Any:
    files = copy.deepcopy(tiny_files())
    files["model/codes.yaml"] = CODES
    return ddx.load(write_kb(tmp_path_factory.mktemp("fhir"), files)).kb


def test_patient_gives_age_on_the_day_and_administrative_sex(kb: Any) -> None:
    ev = evidence_from_bundle(bundle(patient(birth="1960-12-04")), kb, today=TODAY)
    assert (ev.age, ev.sex, ev.patient) == (65.0, "female", "Patient/p1")  # the birthday is tomorrow
    assert evidence_from_bundle(bundle(patient(birth="1960")), kb, today=TODAY).age == 66.0  # taken as 1 July
    assert evidence_from_bundle(bundle(patient(birth="1960-12")), kb, today=TODAY).age == 65.0  # taken as the 15th
    other = evidence_from_bundle(bundle(patient(gender="other")), kb, today=TODAY)
    assert other.sex is None
    assert "administrative gender 'other' does not set the sex node" in other.unmapped[0].reason


def test_observation_values_become_answers(kb: Any) -> None:
    chart = bundle(
        patient(),
        obs("o1", SNOMED, "29857009", valueBoolean=True),
        obs("o2", SNOMED, "267036007", valueCodeableConcept={"coding": [{"system": SNOMED, "code": "373067005"}]}),
        obs("o3", LOINC, "2132-9", valueQuantity={"value": 120, "unit": "pmol/L"}, **interpreted("L")),
    )
    ev = evidence_from_bundle(chart, kb, today=TODAY)
    assert ev.answers == {"f1": True, "red_flag": False, "f4": True}
    assert ev.unmapped == ()
    assert ev.basis == ("Patient/p1", "Observation/o1", "Observation/o2", "Observation/o3")
    assert ev.case == {"evidence": ev.answers, "age": 66.0, "sex": "female"}


def test_a_normal_result_is_a_no_and_a_quantity_alone_is_reported(kb: Any) -> None:
    normal = evidence_from_bundle(bundle(obs("o1", LOINC, "2132-9", **interpreted("N"))), kb)
    assert normal.answers == {"f4": False}
    bare = evidence_from_bundle(bundle(obs("o1", LOINC, "2132-9", valueQuantity={"value": 120})), kb)
    assert bare.answers == {} and "a quantity without an interpretation" in bare.unmapped[0].reason


def test_data_absent_is_an_unknown_answer(kb: Any) -> None:
    absent = {"dataAbsentReason": {"coding": [{"code": "unknown"}]}}
    ev = evidence_from_bundle(bundle(obs("o1", SNOMED, "29857009", **absent)), kb)
    assert ev.answers == {} and ev.unknown == ("f1",) and ev.unmapped == ()


def test_a_code_tells_only_what_its_map_allows(kb: Any) -> None:
    # f2's code is narrower than f2: a yes answers it, a no does not; f3's is broader: the other way round
    yes_narrow = evidence_from_bundle(bundle(obs("o1", ICD, "R20.2", valueBoolean=True)), kb)
    no_narrow = evidence_from_bundle(bundle(obs("o1", ICD, "R20.2", valueBoolean=False)), kb)
    yes_broad = evidence_from_bundle(bundle(obs("o1", SNOMED, "404684003", valueBoolean=True)), kb)
    no_broad = evidence_from_bundle(bundle(obs("o1", SNOMED, "404684003", valueBoolean=False)), kb)
    assert (yes_narrow.answers, no_narrow.answers) == ({"f2": True}, {})
    assert (yes_broad.answers, no_broad.answers) == ({}, {"f3": False})
    assert "a no to icd10cm R20.2 (narrower than f2) does not answer it" in no_narrow.unmapped[0].reason


def test_conditions_active_refuted_resolved_and_history(kb: Any) -> None:
    assert evidence_from_bundle(bundle(condition("c1", ICD, "E11.9")), kb).answers == {"rf1": True}  # under E11
    refuted = evidence_from_bundle(bundle(condition("c1", ICD, "E11", verification="refuted")), kb)
    assert refuted.answers == {"rf1": False}
    assert evidence_from_bundle(bundle(condition("c1", ICD, "E11", clinical="resolved")), kb).answers == {"rf1": True}
    red = evidence_from_bundle(bundle(condition("c1", SNOMED, "267036007", clinical="resolved")), kb)
    assert red.answers == {} and "only an active condition counts" in red.unmapped[0].reason
    unsure = evidence_from_bundle(bundle(condition("c1", ICD, "E11", verification="provisional")), kb)
    assert unsure.answers == {} and "verificationStatus provisional" in unsure.unmapped[0].reason


def test_what_cannot_be_read_is_reported_one_reason_each(kb: Any) -> None:
    chart = bundle(
        patient(),
        condition("c1", SNOMED, "195967001"),  # a diagnosis of a cause
        obs("o1", SNOMED, "22298006", valueBoolean=True),  # a code no node has
        obs("o2", SNOMED, "29857009", subject="Patient/p2", valueBoolean=True),  # another patient
        obs("o3", SNOMED, "29857009", status="entered-in-error", valueBoolean=True),
        obs("o4", SNOMED, "29857009"),  # no value
        {
            "resourceType": "MedicationStatement",
            "id": "m1",
            "status": "active",
            "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {"text": "x"},
        },
    )
    ev = evidence_from_bundle(chart, kb)
    assert ev.answers == {}
    reasons = {u.resource: u.reason for u in ev.unmapped}
    assert "a diagnosis of cause_a" in reasons["Condition/c1"]
    assert f"no ddx node has its code ({SNOMED}|22298006)" in reasons["Observation/o1"]
    assert reasons["Observation/o2"] == "about Patient/p2, not Patient/p1"
    assert reasons["Observation/o3"] == "status entered-in-error"
    assert reasons["Observation/o4"].startswith("no value")
    assert "a MedicationStatement is not read" in reasons["MedicationStatement/m1"]
    assert len(ev.unmapped) == 6


def test_the_later_of_two_conflicting_entries_wins_and_the_other_is_reported(kb: Any) -> None:
    old = obs("o1", SNOMED, "29857009", valueBoolean=True, effectiveDateTime="2026-01-01")
    new = obs("o2", SNOMED, "29857009", valueBoolean=False, effectiveDateTime="2026-11-01")
    for chart in (bundle(old, new), bundle(new, old)):
        ev = evidence_from_bundle(chart, kb)
        assert ev.answers == {"f1": False}
        assert [(u.resource, u.reason) for u in ev.unmapped] == [("Observation/o1", "Observation/o2 answers f1 later")]


def test_invalid_fhir_is_refused_with_the_library_message(kb: Any) -> None:
    with pytest.raises(FhirError, match="not a valid FHIR R4 Bundle"):
        evidence_from_bundle(
            {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Observation"}}]},
            kb,
        )
    with pytest.raises(FhirError, match="expected a Bundle, got a Patient"):
        evidence_from_bundle(patient(), kb)
    with pytest.raises(FhirError, match="not JSON"):
        evidence_from_bundle("{not json", kb)
    with pytest.raises(FhirError, match="unknown FHIR resource type 'Nonsense'"):
        evidence_from_resources([{"resourceType": "Nonsense"}], kb)


def test_json_text_and_library_models_are_read_alike(kb: Any) -> None:
    from fhir.resources.R4B.bundle import Bundle

    chart = bundle(patient(), obs("o1", SNOMED, "29857009", valueBoolean=True))
    as_dict = evidence_from_bundle(chart, kb, today=TODAY)
    assert evidence_from_bundle(json.dumps(chart), kb, today=TODAY) == as_dict
    assert evidence_from_bundle(Bundle.model_validate(chart), kb, today=TODAY) == as_dict


ENTRIES = [
    obs("o1", SNOMED, "29857009", valueBoolean=True),
    obs("o2", SNOMED, "267036007", valueBoolean=False),
    obs("o3", LOINC, "2132-9", **interpreted("LL")),
    condition("c1", ICD, "E11.65"),
    obs("o5", ICD, "R20.2", valueBoolean=True),
]


@settings(max_examples=30, deadline=None)
@given(st.permutations(ENTRIES))
def test_the_order_of_entries_does_not_change_the_answers(kb: Any, entries: list[dict[str, Any]]) -> None:
    ev = evidence_from_bundle(bundle(patient(), *entries), kb, today=TODAY)
    assert ev.answers == {"f1": True, "red_flag": False, "f4": True, "rf1": True, "f2": True}
    assert (ev.age, ev.sex) == (66.0, "female")


def test_the_answers_score_as_the_same_case(kb: Any, tmp_path: Path) -> None:
    files = copy.deepcopy(tiny_files())
    files["model/codes.yaml"] = CODES
    engine = ddx.load(write_kb(tmp_path / "kb", files))
    compatible = [e for e in ENTRIES if e["id"] != "o3"]  # f1 and f4 cannot both be yes in the tiny model
    ev = evidence_from_bundle(bundle(patient(), *compatible), engine.kb, today=TODAY)
    assert ev.answers == {"f1": True, "red_flag": False, "rf1": True, "f2": True}
    assert engine.diagnose(**ev.case).probabilities == engine.diagnose(ev.answers, 66, "female").probabilities


@pytest.fixture(scope="module")
def acute_kb(tmp_path_factory: pytest.TempPathFactory) -> Any:
    files = copy.deepcopy(tiny_files())
    files["model/codes.yaml"] = {**CODES, "acute": {"kinds": ["emergency_sign"], "within_days": 14, "rationale": "t"}}
    return ddx.load(write_kb(tmp_path_factory.mktemp("acute"), files)).kb


@pytest.mark.parametrize(
    ("dated", "read"),
    [({"effectiveDateTime": "2026-11-30"}, True), ({"effectiveDateTime": "2026-11-01"}, False), ({}, True)],
)
def test_an_emergency_sign_is_read_from_an_observation_only_when_new(acute_kb: Any, dated: dict, read: bool) -> None:
    chart = bundle(obs("o1", SNOMED, "267036007", valueBoolean=True, **dated))
    ev = evidence_from_bundle(chart, acute_kb, today=TODAY)
    assert ev.answers == ({"red_flag": True} if read else {})
    if not read:
        assert ev.unmapped[0].reason == "recorded 32 days ago: red_flag is read only when new (within 14 days)"


def test_a_partial_date_counts_as_its_latest_day(acute_kb: Any) -> None:
    this_month = evidence_from_bundle(
        bundle(obs("o1", SNOMED, "267036007", valueBoolean=True, effectiveDateTime="2026-11")), acute_kb, today=TODAY
    )
    assert this_month.answers == {"red_flag": True}  # 30 November is within the window
    last_year = evidence_from_bundle(
        bundle(obs("o1", SNOMED, "267036007", valueBoolean=True, effectiveDateTime="2025")), acute_kb, today=TODAY
    )
    assert last_year.answers == {} and "recorded 337 days ago" in last_year.unmapped[0].reason


def test_a_standing_condition_is_not_read_as_a_new_emergency_sign(acute_kb: Any) -> None:
    standing = condition("c1", SNOMED, "267036007")
    ev = evidence_from_bundle(bundle(standing), acute_kb, today=TODAY)
    assert ev.answers == {}
    assert (
        "an undated condition is not read as a new red_flag: if it is new, it is an emergency" in ev.unmapped[0].reason
    )
    recent = {**standing, "recordedDate": "2026-12-01"}
    assert evidence_from_bundle(bundle(recent), acute_kb, today=TODAY).answers == {"red_flag": True}
    # findings and risk factors are not new signs: an undated condition still answers them
    assert evidence_from_bundle(bundle(condition("c2", ICD, "E11")), acute_kb, today=TODAY).answers == {"rf1": True}


def test_the_acute_window_is_checked(tmp_path: Path) -> None:
    files = copy.deepcopy(tiny_files())
    files["model/codes.yaml"] = {**CODES, "acute": {"kinds": ["cause"], "within_days": 0}}
    with pytest.raises(ddx.errors.KnowledgeBaseError) as raised:
        ddx.load(write_kb(tmp_path / "kb", files))
    problems = "\n".join(raised.value.problems)
    assert "acute.kinds: expected a list of node kinds" in problems
    assert "acute.within_days: expected a whole number of days, at least 1; got 0" in problems
    assert "acute.rationale: say why" in problems
