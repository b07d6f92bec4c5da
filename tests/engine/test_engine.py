"""Properties of the engine's answers, over random evidence (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ddx

EVIDENCE_IDS = ["f1", "f2", "f3", "f4", "rf1", "older_age", "red_flag"]
answers = st.dictionaries(st.sampled_from(EVIDENCE_IDS), st.booleans()).filter(
    lambda e: not (e.get("f1") and e.get("f4"))
)
sexes = st.sampled_from([None, "female", "male"])
settings.register_profile("ddx", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("ddx")


@given(evidence=answers, sex=sexes)
def test_posteriors_are_probabilities(tiny_engine, evidence, sex):
    result = tiny_engine.diagnose(evidence, sex=sex)
    assert all(0.0 <= c.probability <= 1.0 for c in result.differential)
    assert [c.probability for c in result.differential] == sorted(
        (c.probability for c in result.differential), reverse=True
    )


@given(evidence=answers, data=st.data())
def test_evidence_order_does_not_matter(tiny_engine, evidence, data):
    shuffled = dict(data.draw(st.permutations(list(evidence.items()))))
    a = tiny_engine.diagnose(evidence).probabilities
    b = tiny_engine.diagnose(shuffled).probabilities
    assert a == pytest.approx(b, abs=1e-12)


@given(evidence=answers, sex=sexes)
def test_positive_finding_never_lowers_its_only_parent(tiny_engine, evidence, sex):
    # f1's only parent is cause_a; f4's only parent is cause_c.
    for finding, cause in (("f1", "cause_a"), ("f4", "cause_c")):
        other = "f4" if finding == "f1" else "f1"
        base = {k: v for k, v in evidence.items() if k not in (finding, other)}
        before = tiny_engine.diagnose(base, sex=sex).probabilities[cause]
        after = tiny_engine.diagnose({**base, finding: True}, sex=sex).probabilities[cause]
        assert after >= before - 1e-12


@given(evidence=answers)
def test_explanation_contributions_are_exact_leave_one_out(tiny_engine, evidence):
    result = tiny_engine.diagnose(evidence)
    for item in result.explain("cause_b"):
        without = {k: v for k, v in evidence.items() if k != item.evidence_id}
        p = tiny_engine.diagnose(without).probabilities["cause_b"]
        assert item.probability_without == pytest.approx(p, abs=1e-12)


def test_explanation_signs_by_hand(tiny_engine):
    result = tiny_engine.diagnose({"f3": True, "f2": False, "red_flag": True})
    by_id = {c.evidence_id: c for c in result.explain("cause_b")}
    assert by_id["f3"].delta_log_odds > 0  # f3 is a child of cause_b
    assert by_id["f2"].delta_log_odds < 0  # a missing f2 argues against cause_b
    assert by_id["red_flag"].delta_log_odds == 0  # rule-only sign: no effect on the network
    assert "judgement" in by_id["f3"].citation
    ranked = [abs(c.delta_log_odds) for c in result.explain("cause_b")]
    assert ranked == sorted(ranked, reverse=True)


def test_explain_unknown_cause(tiny_engine):
    with pytest.raises(ddx.EvidenceError, match=r"unknown cause 'cause_bb' \(did you mean 'cause_b'\?\)"):
        tiny_engine.diagnose({}).explain("cause_bb")


def test_result_carries_kb_version_and_disclaimer(tiny_engine):
    result = tiny_engine.diagnose({"f1": True})
    assert result.kb_version == "test-1"
    assert "not a diagnosis" in result.disclaimer
    assert "not a diagnosis" in str(result)
    assert math.isclose(sum(1 for _ in result.differential), 3)


def test_diagnose_many_scores_each_answer_pattern_once(tiny_engine, monkeypatch):
    cases = [({"f1": True}, None, None), ({"f2": True}, 70, "female"), ({"f1": True}, None, None)]
    cases += [({"f2": True}, 70, "female"), ({"f2": True}, 71, "female"), ({"f1": False}, None, None)]
    scored = []
    real = tiny_engine.evaluate
    monkeypatch.setattr(tiny_engine, "evaluate", lambda evs, **kw: scored.append(len(evs)) or real(evs, **kw))
    many = tiny_engine.diagnose_many([tiny_engine.normalise(*c) for c in cases])
    assert scored == [4]  # six rows, four patterns (age 71 differs)
    assert many[0] is many[2] and many[1] is many[3]
    for (evidence, age, sex), result in zip(cases, many, strict=True):
        assert result.probabilities == pytest.approx(tiny_engine.diagnose(evidence, age=age, sex=sex).probabilities)


def test_load_refuses_a_bad_path(tmp_path):
    with pytest.raises(ddx.KnowledgeBaseError, match="expected folders"):
        ddx.load(tmp_path / "missing")


def test_diagnose_many_equals_diagnose(tiny_engine):
    cases = [({"f1": True}, None, None), ({"f2": True, "f3": True}, 70, "female"), ({}, None, "male")]
    many = tiny_engine.diagnose_many([tiny_engine.normalise(*c) for c in cases])
    for (evidence, age, sex), result in zip(cases, many, strict=True):
        one = tiny_engine.diagnose(evidence, age=age, sex=sex)
        assert result.probabilities == pytest.approx(one.probabilities, abs=1e-12)
        assert result.triage == one.triage
        assert result.rules_fired == one.rules_fired


def _diagnose_in_a_worker(args: tuple[str, dict[str, bool]]) -> ddx.DiagnosisResult:
    root, evidence = args
    return ddx.load(root).diagnose(evidence)


def test_a_result_pickles_as_data_and_says_how_to_explain_it(tiny_engine):
    import pickle

    result = tiny_engine.diagnose({"f1": True, "f3": False}, age=70, intervals=True, samples=20)
    again = pickle.loads(pickle.dumps(result))
    assert again == result
    assert again.next_steps == result.next_steps and again.intervals == result.intervals
    assert result.explain("cause_a")  # the original keeps its engine
    with pytest.raises(RuntimeError, match=r"engine.explain\(result.evidence, 'cause_a'\)"):
        again.explain("cause_a")
    assert tiny_engine.explain(again.evidence, "cause_a") == result.explain("cause_a")


def test_results_come_back_from_worker_processes(tiny_engine, tiny_dir):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    cases = [{"f1": True}, {"f2": True, "f3": True}, {}]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_diagnose_in_a_worker, [(str(tiny_dir), c) for c in cases]))
    for case, result in zip(cases, results, strict=True):
        assert result.probabilities == pytest.approx(tiny_engine.diagnose(case).probabilities, abs=1e-12)
        assert result.triage == tiny_engine.diagnose(case).triage


def test_results_of_a_batch_are_those_made_one_case_at_a_time(bundled_engine):
    """diagnose_many finds the orders, network levels and rules of a whole batch at once: the same results."""
    from ddx.bench.cases import realistic_cases

    cases = realistic_cases(bundled_engine.kb, 600, 23, positives=(0, 10))
    evidences = [bundled_engine.normalise({})] + [bundled_engine.normalise(c.evidence, c.age, c.sex) for c in cases]
    posteriors, _ = bundled_engine.evaluate(evidences, log_evidence=False)
    batch = bundled_engine._results(evidences, posteriors)
    causes = bundled_engine.kb.causes
    one = [
        bundled_engine._result(ev, dict(zip(causes, row, strict=True)))
        for ev, row in zip(evidences, posteriors.tolist(), strict=True)
    ]
    assert batch == one
    assert batch[0].advice == bundled_engine.kb.triage.unsupported_advice  # no answer: nothing set a level
    assert {r.triage for r in batch} >= {"emergency", "urgent", "routine"}
    assert any(r.rules_fired for r in batch) and any(not r.rules_fired for r in batch)
