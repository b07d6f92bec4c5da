"""FHIR test charts: a small codes file for the tiny model and builders of Patient, Observation, Condition, Bundle."""

from __future__ import annotations

from datetime import date
from typing import Any

SNOMED, ICD, LOINC = "http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm", "http://loinc.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
TODAY = date(2026, 12, 3)


def _c(system: str, code: str, map_: str = "equivalent", **more: Any) -> dict[str, Any]:
    return {
        "system": system,
        "code": code,
        "display": f"code {code}",
        "map": map_,
        "source": "https://example.org",
    } | more


CODES = {
    "systems": {"snomed": SNOMED, "icd10cm": ICD, "loinc": LOINC},
    "interpretation": [INTERPRETATION],
    "answers": {
        "yes": [_c("snomed", "373066001")],
        "no": [_c("snomed", "373067005")],
    },
    "nodes": {
        "cause_a": {"codes": [_c("snomed", "195967001")]},
        "cause_b": {"unverified": [{"system": "snomed", "reason": "test"}]},
        "cause_c": {"unverified": [{"system": "snomed", "reason": "test"}]},
        "f1": {"codes": [_c("snomed", "29857009")]},
        "f2": {"codes": [_c("icd10cm", "R20.2", "narrower")]},
        "f3": {"codes": [_c("snomed", "404684003", "broader")]},
        "f4": {"codes": [_c("loinc", "2132-9", yes_if=["L", "LL"])]},
        "rf1": {"codes": [_c("icd10cm", "E11")], "history": True},
        "older_age": {"derived": "Patient.birthDate"},
        "sex": {"derived": "Patient.gender"},
        "red_flag": {"codes": [_c("snomed", "267036007")]},
    },
}


def patient(pid: str = "p1", birth: str | None = "1960-06-15", gender: str | None = "female") -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    if birth:
        out["birthDate"] = birth
    if gender:
        out["gender"] = gender
    return out


def obs(oid: str, system: str, code: str, subject: str = "Patient/p1", **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": value.pop("status", "final"),
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": subject},
        **value,
    }


def condition(
    cid: str, system: str, code: str, clinical: str | None = "active", verification: str | None = None
) -> dict:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p1"},
    }
    if clinical:
        out["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if verification:
        out["verificationStatus"] = {"coding": [{"code": verification}]}
    return out


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def interpreted(code: str) -> dict[str, Any]:
    return {"interpretation": [{"coding": [{"system": INTERPRETATION, "code": code}]}]}
