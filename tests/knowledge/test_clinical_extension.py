"""The clinical extension is read in full, and each of its test results moves its causes the right way.

Every id of ``shared/knowledge/clinical_extension.yaml`` (findings, examination
findings, risk factors, test results) must be accepted as evidence: a node of
its own, or a documented merge onto one. A test result is yes when the test was
done and abnormal, no when it was done and normal: so for each cause it names in
``tells_apart``, a yes must raise the cause above its value without the result
and a no must lower it.
"""

from __future__ import annotations

import pytest
from helpers import EXTENSION, extension, extension_ids

import ddx
from ddx.knowledge.conditions import condition_ids


def _ids(section: str) -> list[str]:
    return list(extension()[section])


def test_the_extension_file_is_found_and_not_empty() -> None:
    assert EXTENSION.is_file(), f"{EXTENSION} is missing: the tests read the clinical extension beside the project"
    assert len(extension_ids()) >= 50


@pytest.mark.parametrize("evidence_id", extension_ids())
def test_every_extension_id_is_accepted_as_evidence(bundled_engine: ddx.Engine, evidence_id: str) -> None:
    kb = bundled_engine.kb
    node_id = kb.merges[evidence_id].into if evidence_id in kb.merges else evidence_id
    assert node_id in kb.evidence_ids, f"{evidence_id!r} is neither a node nor merged onto one"
    for value in (True, False):
        result = bundled_engine.diagnose({evidence_id: value})
        assert result.evidence.answers[node_id] is value


@pytest.mark.parametrize("evidence_id", extension_ids())
def test_every_extension_id_bears_on_a_cause_or_a_rule(bundled_engine: ddx.Engine, evidence_id: str) -> None:
    """An accepted id that changed nothing would be accepted in name only."""
    kb = bundled_engine.kb
    node_id = kb.merges[evidence_id].into if evidence_id in kb.merges else evidence_id
    linked = {link.child for link in kb.finding_links} | {link.parent for link in kb.cause_links}
    read_by_rules = {i for rule in kb.rules for i in condition_ids(rule.when)}
    assert node_id in linked or node_id in read_by_rules, f"{evidence_id!r} is accepted but linked to nothing"


@pytest.mark.parametrize("test_id", _ids("test_results"))
def test_test_results_are_answered_by_a_clinician(bundled_engine: ddx.Engine, test_id: str) -> None:
    kb = bundled_engine.kb
    node_id = kb.merges[test_id].into if test_id in kb.merges else test_id
    assert node_id in kb.clinician_ids or kb.nodes[node_id].kind == "risk_factor"


def _distinguishing() -> list[tuple[str, str]]:
    return [(test, cause) for test, entry in extension()["test_results"].items() for cause in entry["tells_apart"]]


@pytest.mark.parametrize(("test_id", "cause"), _distinguishing())
def test_each_test_result_moves_its_cause_the_right_way(bundled_engine: ddx.Engine, test_id: str, cause: str) -> None:
    kb = bundled_engine.kb
    cause = kb.merges[cause].into if cause in kb.merges else cause
    without = bundled_engine.diagnose({}).probabilities[cause]
    abnormal = bundled_engine.diagnose({test_id: True}).probabilities[cause]
    normal = bundled_engine.diagnose({test_id: False}).probabilities[cause]
    assert abnormal > 1.5 * without, f"{test_id} = yes should raise {cause}: {without:.4g} -> {abnormal:.4g}"
    assert normal < without, f"{test_id} = no should lower {cause}: {without:.4g} -> {normal:.4g}"
