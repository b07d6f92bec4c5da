"""Terminology codes (``ddx.knowledge.codes``, ``model/codes.yaml``): formats, maps, look-up, validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from conftest import tiny_files, write_kb
from hypothesis import given
from hypothesis import strategies as st

import ddx
from ddx.errors import KnowledgeBaseError
from ddx.knowledge.codes import Code, icd10cm_ok, loinc_ok, snomed_ok

# SNOMED CT ids as HL7 and SNOMED publish them (the root concept, "Clinical finding", Asthma, Yes, No, ...).
REAL_SNOMED = ["138875005", "404684003", "195967001", "373066001", "373067005", "260385009", "2667000", "40956001"]
REAL_LOINC = ["2132-9", "2093-3", "3016-3", "787-2", "718-7"]


@pytest.mark.parametrize("code", REAL_SNOMED)
def test_published_snomed_ids_pass_the_check_digit(code: str) -> None:
    assert snomed_ok(code)


@given(st.sampled_from(REAL_SNOMED), st.data())
def test_any_single_digit_change_of_a_snomed_id_is_caught(code: str, data: st.DataObject) -> None:
    # Verhoeff's check catches every single substitution (a wrong table row would let some through).
    i = data.draw(st.integers(0, len(code) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != code[i] and not (i == 0 and d == "0")]))
    assert not snomed_ok(code[:i] + digit + code[i + 1 :])


def test_snomed_refuses_descriptions_and_short_ids() -> None:
    # the partition digits "01" mark a description id, not a concept; five digits are too few
    assert not snomed_ok("2619770012") and not snomed_ok("12345") and not snomed_ok("04095600")


@pytest.mark.parametrize("code", REAL_LOINC)
def test_loinc_check_digit(code: str) -> None:
    assert loinc_ok(code)
    digits, check = code.split("-")
    assert not loinc_ok(f"{digits}-{(int(check) + 1) % 10}")


@pytest.mark.parametrize(("code", "ok"), [("E11", True), ("G57.10", True), ("M1A.0", True), ("T63.441A", True)])
def test_icd10cm_pattern_accepts(code: str, ok: bool) -> None:
    assert icd10cm_ok(code) is ok


@pytest.mark.parametrize("code", ["E1", "G5710", "g57.1", "E11.", "E11.12345", "123"])
def test_icd10cm_pattern_refuses(code: str) -> None:
    assert not icd10cm_ok(code)


def _code(map_: str, system: str = "snomed", code: str = "40956001") -> Code:
    url = {"snomed": "http://snomed.info/sct", "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm"}[system]
    return Code(system, url, code, "x", map_, "https://example.org")


def test_map_says_what_a_yes_or_a_no_tells() -> None:
    assert (_code("equivalent").implies(True), _code("equivalent").implies(False)) == (True, False)
    assert (_code("narrower").implies(True), _code("narrower").implies(False)) == (True, None)
    assert (_code("broader").implies(True), _code("broader").implies(False)) == (None, False)


def test_icd10cm_codes_match_their_descendants_only() -> None:
    e11 = _code("equivalent", "icd10cm", "E11")
    assert e11.matches("http://hl7.org/fhir/sid/icd-10-cm", "E11.9")
    assert e11.matches("http://hl7.org/fhir/sid/icd-10-cm", "e11.65")
    assert not e11.matches("http://hl7.org/fhir/sid/icd-10-cm", "E10.9")
    assert not e11.matches("http://snomed.info/sct", "E11")
    snomed = _code("equivalent")
    assert snomed.matches("http://snomed.info/sct", "40956001") and not snomed.matches(
        "http://snomed.info/sct", "4095600"
    )


def _codes_file(nodes: dict[str, Any]) -> dict[str, Any]:
    return {
        "systems": {
            "snomed": "http://snomed.info/sct",
            "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
            "loinc": "http://loinc.org",
        },
        "interpretation": ["http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"],
        "answers": {
            "yes": [{"system": "snomed", "code": "373066001", "display": "Yes", "source": "https://example.org/yes"}]
        },
        "nodes": nodes,
    }


def _all_unverified(files: dict[str, Any]) -> dict[str, Any]:
    nodes = [n for section in files["model/nodes.yaml"].values() for n in section]
    return {n: {"unverified": [{"system": "snomed", "reason": "not looked up in this test"}]} for n in nodes}


def _tiny_with(tmp_path: Path, **entries: Any) -> Path:
    files = copy.deepcopy(tiny_files())
    nodes = _all_unverified(files)
    nodes.update(entries)
    files["model/codes.yaml"] = _codes_file(nodes)
    return write_kb(tmp_path / "kb", files)


GOOD = {
    "system": "snomed",
    "code": "40956001",
    "display": "Guillain-Barre syndrome",
    "source": "https://example.org/gbs",
}


def test_a_valid_codes_file_is_loaded(tmp_path: Path) -> None:
    engine = ddx.load(_tiny_with(tmp_path, cause_a={"codes": [GOOD]}, sex={"derived": "Patient.gender"}))
    assert engine.kb.codes.codes("cause_a")[0].code == "40956001"
    assert engine.kb.codes.nodes["sex"].derived == "Patient.gender"
    result = engine.diagnose({"f1": True})
    a = next(c for c in result.differential if c.id == "cause_a")
    assert [c["code"] for c in next(d for d in result.to_dict()["differential"] if d["id"] == "cause_a")["codes"]] == [
        "40956001"
    ]
    assert a.codes[0].display == "Guillain-Barre syndrome"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"codes": [{**GOOD, "code": "40956002"}]}, "'40956002' is not a valid snomed code"),
        ({"codes": [{**GOOD, "system": "snowmed"}]}, "did you mean 'snomed'"),
        ({"codes": [{**GOOD, "code": 40956001}]}, "code must be a quoted string"),
        ({"codes": [{**GOOD, "display": ""}]}, "display is missing"),
        ({"codes": [{**GOOD, "source": "a page I read"}]}, "source must be the address"),
        ({"codes": [{**GOOD, "map": "same"}]}, "map must be one of equivalent, narrower, broader"),
        ({"codes": [{**GOOD, "yes_if": "L"}]}, "yes_if: expected a list"),
        ({"unverified": [{"system": "snomed", "reason": ""}]}, "unverified[0]: expected"),
        ({"codes": []}, "no codes: give codes, or an 'unverified' entry"),
        ({"derived": "Patient.age"}, "derived: must be one of Patient.gender, Patient.birthDate"),
        ({"codez": [GOOD]}, "did you mean 'codes'"),
    ],
)
def test_a_bad_entry_is_reported_with_where_and_why(tmp_path: Path, entry: dict[str, Any], message: str) -> None:
    with pytest.raises(KnowledgeBaseError) as raised:
        ddx.load(_tiny_with(tmp_path, cause_a=entry))
    assert any("model/codes.yaml: nodes.cause_a" in p and message in p for p in raised.value.problems), raised.value


def test_every_node_must_be_listed_and_unknown_ids_are_named(tmp_path: Path) -> None:
    files = copy.deepcopy(tiny_files())
    nodes = _all_unverified(files)
    del nodes["f2"]
    nodes["cause_aa"] = nodes.pop("cause_a")
    files["model/codes.yaml"] = _codes_file(nodes)
    with pytest.raises(KnowledgeBaseError) as raised:
        ddx.load(write_kb(tmp_path / "kb", files))
    problems = "\n".join(raised.value.problems)
    assert "nodes.f2: missing" in problems
    assert "nodes.cause_a: missing" in problems
    assert "nodes.cause_aa: not a node of model/nodes.yaml (did you mean 'cause_a'?)" in problems


def test_a_model_without_codes_loads_with_an_empty_book(tiny_engine: ddx.Engine) -> None:
    assert tiny_engine.kb.codes.nodes == {}
    assert all(d["codes"] == [] for d in tiny_engine.diagnose({}).to_dict()["differential"])


def test_the_bundled_model_codes_every_node_or_says_why(bundled_engine: ddx.Engine) -> None:
    kb = bundled_engine.kb
    book = kb.codes
    assert set(book.nodes) == set(kb.nodes)
    for node, entry in book.nodes.items():
        assert entry.codes or entry.derived or all(reason.strip() for _s, reason in entry.unverified), node
    assert book.nodes[kb.sex_node].derived == "Patient.gender"
    assert book.nodes[kb.age.node].derived == "Patient.birthDate"
    # every code names the page it was read on
    assert all(c.source.startswith("http") for e in book.nodes.values() for c in e.codes)
