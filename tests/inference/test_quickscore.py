"""The exact fast path: hand-checked values, and agreement with pgmpy to 1e-9."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
from conftest import judged, tiny_files, write_kb
from helpers import random_case

import ddx
from ddx.inference.compile import CaseEvidence, PrecisionError, compile_model
from ddx.inference.quickscore import posteriors
from ddx.knowledge.evidence import Evidence


def two_cause_files() -> dict:
    """2 causes, 3 findings, no risk-factor links: small enough to work out by hand."""
    files = copy.deepcopy(tiny_files())
    nodes = files["model/nodes.yaml"]
    del nodes["causes"]["cause_c"]
    del nodes["findings"]["f4"]
    del files["priors/causes/cause_c.yaml"]
    del files["model/next_steps.yaml"]["causes"]["cause_c"]
    del files["priors/leaks.yaml"]["f4"]
    files["model/model.yaml"]["exclusive"] = []
    files["model/rules.yaml"]["rules"] = files["model/rules.yaml"]["rules"][:1]
    files["priors/causes/cause_a.yaml"] = {
        "cause": "cause_a",
        "prior": judged(0.2),
        "findings": {"f1": judged(0.9, 0.8, 0.95), "f2": judged(0.5)},
    }
    files["priors/causes/cause_b.yaml"] = {
        "cause": "cause_b",
        "prior": judged(0.1),
        "findings": {"f2": judged(0.8, 0.7, 0.9), "f3": judged(0.6)},
    }
    files["priors/leaks.yaml"].update(f1=judged(0.05), f2=judged(0.1), f3=judged(0.02))
    return files


def two_cause_by_hand() -> tuple[float, float]:
    """P(cause_a), P(cause_b) given f1 yes, f2 yes, f3 no on :func:`two_cause_files`, worked out by hand."""
    # Joint P(a, b, f1=yes, f2=yes, f3=no) for each (a, b):
    p_f1 = {0: 0.05, 1: 1 - 0.95 * 0.1}
    p_f2 = {(a, b): 1 - 0.9 * 0.5**a * 0.2**b for a in (0, 1) for b in (0, 1)}
    p_not_f3 = {0: 0.98, 1: 0.98 * 0.4}
    prior = {(a, b): (0.2 if a else 0.8) * (0.1 if b else 0.9) for a in (0, 1) for b in (0, 1)}
    joint = {ab: prior[ab] * p_f1[ab[0]] * p_f2[ab] * p_not_f3[ab[1]] for ab in prior}
    total = sum(joint.values())
    return (joint[1, 0] + joint[1, 1]) / total, (joint[0, 1] + joint[1, 1]) / total


def test_two_cause_network_matches_hand_calculation(tmp_path):
    engine = ddx.load(write_kb(tmp_path, two_cause_files()))
    result = engine.diagnose({"f1": True, "f2": True, "f3": False})
    expected_a, expected_b = two_cause_by_hand()
    assert expected_a == pytest.approx(0.951412, abs=1e-6)  # the worked figure
    assert result.probabilities["cause_a"] == pytest.approx(expected_a, abs=1e-12)
    assert result.probabilities["cause_b"] == pytest.approx(expected_b, abs=1e-12)
    assert [c.id for c in result.differential] == ["cause_a", "cause_b"]


def test_no_evidence_gives_marginal_priors(tiny_engine):
    p = tiny_engine.diagnose({}).probabilities
    # cause_b: noisy-OR of its prior 0.1 and rf1 (0.4, P(rf1) = 0.3), risk factor summed out.
    assert p["cause_b"] == pytest.approx(1 - 0.9 * (0.7 + 0.3 * 0.6), abs=1e-12)
    # cause_a: prior 0.3 and female (0.1, P(female) = 0.5).
    assert p["cause_a"] == pytest.approx(1 - 0.7 * (0.5 + 0.5 * 0.9), abs=1e-12)


def _assert_oracle(engine, cases, tol=1e-9):
    worst = 0.0
    for evidence, age, sex in cases:
        fast = engine.diagnose(evidence, age=age, sex=sex).probabilities
        ref = engine.reference_posteriors(evidence, age=age, sex=sex)
        diff = max(abs(fast[c] - ref[c]) for c in ref)
        worst = max(worst, diff)
        assert diff < tol, (evidence, age, sex, diff)
    return worst


def test_fast_path_agrees_with_pgmpy_on_tiny_model(tiny_engine):
    rng = random.Random(20261123)
    cases = [random_case(tiny_engine.kb, rng) for _ in range(200)]
    _assert_oracle(tiny_engine, cases)


@pytest.mark.slow
def test_fast_path_agrees_with_pgmpy_on_bundled_model():
    engine = ddx.load()
    rng = random.Random(7)
    cases = [random_case(engine.kb, rng, max_items=15, max_positive=10) for _ in range(200)]
    _assert_oracle(engine, cases)


def test_many_positive_findings_stay_exact_or_fall_back(tiny_engine):
    everything = {f: True for f in ("f2", "f3", "f4")}
    fast = tiny_engine.diagnose(everything).probabilities
    ref = tiny_engine.reference_posteriors(everything)
    assert max(abs(fast[c] - ref[c]) for c in ref) < 1e-9


def test_precision_error_when_tolerance_cannot_be_met(tiny_engine):
    model = compile_model(tiny_engine.kb)
    case = CaseEvidence(parents={}, positive=[0, 1, 2, 3], negative=[])
    with pytest.raises(PrecisionError, match="no exact method can bound"):
        posteriors(model, case, tolerance=0.0)


def test_posteriors_are_probabilities(tiny_engine):
    model = compile_model(tiny_engine.kb)
    values = posteriors(model, CaseEvidence(parents={0: 1}, positive=[1, 2], negative=[0]))
    assert values.shape == (3,)
    assert np.all((values >= 0) & (values <= 1))


def test_log_evidence_matches_pgmpy_chain_rule(tiny_engine):
    from ddx.inference.network import reference_log_evidence

    rng = random.Random(3)
    cases = [random_case(tiny_engine.kb, rng) for _ in range(40)]
    evidences = [tiny_engine.normalise(*c) for c in cases]
    fast = tiny_engine.log_evidence(evidences)
    for ev, value in zip(evidences, fast, strict=True):
        states = {k: v for k, v in ev.states(tiny_engine.kb).items() if k in tiny_engine.network.nodes}
        assert value == pytest.approx(reference_log_evidence(tiny_engine.network, states), abs=1e-9)


def test_predictive_probability_of_a_finding(tiny_engine):
    # P(f1 = yes) with no other evidence, worked out: cause_a is the only parent of f1.
    base = tiny_engine.normalise({})
    yes = Evidence({"f1": True})  # as answered: normalise would add f4 = no (f1 and f4 exclude each other)
    log_base, log_yes = tiny_engine.log_evidence([base, yes])
    p_a = 1 - 0.7 * (0.5 + 0.5 * 0.9)  # cause_a marginal (female raises it)
    expected = p_a * (1 - 0.99 * 0.2) + (1 - p_a) * 0.01
    assert np.exp(log_yes - log_base) == pytest.approx(expected, abs=1e-12)


def test_per_case_params_equal_separate_models(tmp_path):
    from ddx.inference.compile import Params
    from ddx.inference.quickscore import evaluate_many

    files = tiny_files()
    other = copy.deepcopy(files)
    other["priors/causes/cause_b.yaml"]["prior"] = judged(0.2)
    other["priors/causes/cause_c.yaml"]["risk_factors"]["older_age"] = judged(0.5)
    other["priors/causes/cause_a.yaml"]["findings"]["f2"] = judged(0.6)
    other["priors/leaks.yaml"]["f3"] = judged(0.1)
    other["priors/risk_factors.yaml"]["rf1"] = judged(0.6)
    first = ddx.load(write_kb(tmp_path / "a", files))
    second = ddx.load(write_kb(tmp_path / "b", other))
    evidence = first.normalise({"f2": True, "f3": True, "f1": False}, sex="female")
    case = first._case(evidence)
    p1, p2 = first._model.params, second._model.params
    stacked = Params(
        *(
            np.concatenate([a, b])
            for a, b in zip(
                (p1.parent_prior, p1.base_off, p1.finding_off, p1.leak_off, p1.link_off),
                (p2.parent_prior, p2.base_off, p2.finding_off, p2.leak_off, p2.link_off),
                strict=True,
            )
        )
    )
    both = evaluate_many(first._model, [case, case], params=stacked)
    for row, engine in zip(both.posteriors, (first, second), strict=True):
        expected = engine.diagnose({"f2": True, "f3": True, "f1": False}, sex="female").probabilities
        assert row == pytest.approx([expected[c] for c in engine.kb.causes], abs=1e-12)
    with pytest.raises(ValueError, match="params has 2 rows"):
        evaluate_many(first._model, [case, case, case], params=stacked)


@pytest.mark.slow
def test_cases_past_quickscore_go_to_variable_elimination_and_stay_exact():
    from ddx.inference.quickscore import QUICKSCORE_MAX, evaluate_many

    engine = ddx.load()
    findings = [f for f in engine.kb.network_findings if f not in ("one_leg_only", "both_legs")]
    evidence = {f: True for f in findings[: QUICKSCORE_MAX + 7]}
    ev = engine.normalise(evidence)
    result = evaluate_many(engine._model, [engine._case(ev)])
    assert result.exact[0]
    fast = engine.diagnose(evidence).probabilities
    ref = engine.reference_posteriors(evidence)
    assert max(abs(fast[c] - ref[c]) for c in ref) < 1e-10
    drawn = engine.diagnose(evidence, intervals=True, samples=10).intervals
    assert drawn is not None and len(drawn) == len(engine.kb.causes)


def test_single_parent_findings_are_factors_not_subsets(tmp_path, monkeypatch):
    """f1 (cause_a only) and f3 (cause_b only) need no subset sum: with one summed finding (f2) allowed,
    the case stays on Quickscore (variable elimination is never called) and matches the hand calculation."""
    import ddx.inference.eliminate as eliminate
    import ddx.inference.quickscore as quickscore

    monkeypatch.setenv("DDX_KERNEL", "numpy")  # Quickscore's own routing
    engine = ddx.load(write_kb(tmp_path, two_cause_files()))
    monkeypatch.setattr(quickscore, "QUICKSCORE_MAX", 1)

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("variable elimination was called")

    monkeypatch.setattr(eliminate, "eliminate_many", refuse)
    result = engine.diagnose({"f1": True, "f2": True, "f3": True})
    p_f1 = {0: 0.05, 1: 1 - 0.95 * 0.1}
    p_f2 = {(a, b): 1 - 0.9 * 0.5**a * 0.2**b for a in (0, 1) for b in (0, 1)}
    p_f3 = {0: 0.02, 1: 1 - 0.98 * 0.4}
    prior = {(a, b): (0.2 if a else 0.8) * (0.1 if b else 0.9) for a in (0, 1) for b in (0, 1)}
    joint = {ab: prior[ab] * p_f1[ab[0]] * p_f2[ab] * p_f3[ab[1]] for ab in prior}
    total = sum(joint.values())
    assert result.probabilities["cause_a"] == pytest.approx((joint[1, 0] + joint[1, 1]) / total, abs=1e-12)
    assert result.probabilities["cause_b"] == pytest.approx((joint[0, 1] + joint[1, 1]) / total, abs=1e-12)
    monkeypatch.setattr(quickscore, "QUICKSCORE_MAX", 0)  # now no summed finding is allowed
    assert engine.diagnose({"f1": True, "f3": True}).probabilities["cause_a"] > 0.5  # still Quickscore
    with pytest.raises(AssertionError, match="variable elimination"):
        engine.diagnose({"f2": True})  # f2 has two parents: it is summed, so past the limit
