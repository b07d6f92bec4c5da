"""The compiled kernel: hand-checked values, agreement with pgmpy and with the numpy methods to 1e-9."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import write_kb
from helpers import random_case
from hypothesis import given, settings
from hypothesis import strategies as st
from test_quickscore import two_cause_by_hand, two_cause_files

import ddx
from ddx.bench.cases import realistic_cases, replicate_kb
from ddx.bench.methods import _Prepared
from ddx.inference import compiled
from ddx.inference.compile import CaseEvidence
from ddx.inference.quickscore import evaluate_many

pytest.importorskip("numba")


@pytest.fixture
def kernel(monkeypatch):
    """Every call through the kernel."""
    monkeypatch.setenv("DDX_KERNEL", "numba")


@pytest.fixture(scope="module")
def bundled():
    return ddx.load()


@pytest.fixture(scope="module")
def realistic(bundled):
    """300 realistic cases with 1-10 positive findings, as the fast path reads them."""
    return [bundled._case(bundled.normalise(c.evidence, c.age, c.sex)) for c in realistic_cases(bundled.kb, 300)]


def test_the_kernels_cache_key_follows_the_factors_it_compiles_in() -> None:
    """numba keys kernel.py's cached machine code by kernel.py's text only: it names kernel_factors.py's digest."""
    from ddx.inference import kernel, kernel_factors

    text = Path(kernel_factors.__file__).read_bytes().replace(b"\r\n", b"\n")
    digest = hashlib.sha256(text).hexdigest()
    assert digest == kernel.FACTORS_SHA256, f"kernel_factors.py changed: set FACTORS_SHA256 = {digest!r} in kernel.py"


def test_two_cause_network_matches_hand_calculation(tmp_path, kernel):
    engine = ddx.load(write_kb(tmp_path, two_cause_files()))
    p = engine.diagnose({"f1": True, "f2": True, "f3": False}).probabilities
    expected_a, expected_b = two_cause_by_hand()
    assert p["cause_a"] == pytest.approx(expected_a, abs=1e-12)
    assert p["cause_b"] == pytest.approx(expected_b, abs=1e-12)


def test_kernel_agrees_with_pgmpy_on_tiny_model(tiny_engine, kernel):
    rng = random.Random(20261203)
    for evidence, age, sex in (random_case(tiny_engine.kb, rng) for _ in range(200)):
        fast = tiny_engine.diagnose(evidence, age=age, sex=sex).probabilities
        ref = tiny_engine.reference_posteriors(evidence, age=age, sex=sex)
        assert max(abs(fast[c] - ref[c]) for c in ref) < 1e-9, (evidence, age, sex)


def test_a_risk_factor_of_one_cause_is_summed_into_its_table(tiny_engine, kernel):
    """sex (cause_a only) and older_age (cause_c only) are no variables of the kernel; rf1 (two causes) is."""
    model = tiny_engine._model
    private = dict(zip(model.parents, compiled._private(model).tolist(), strict=True))
    assert private == {"rf1": False, "older_age": True, "sex": True}
    for evidence, age, sex in [
        ({"f1": True, "f3": True}, None, None),  # both private risk factors summed out
        ({"f1": True, "f3": True}, 70, "female"),  # both answered
        ({"f2": True, "f4": True, "rf1": True}, None, "male"),
        ({"f1": False, "f2": True, "f3": True, "f4": True}, 30, None),
    ]:
        fast = tiny_engine.diagnose(evidence, age=age, sex=sex).probabilities
        ref = tiny_engine.reference_posteriors(evidence, age=age, sex=sex)
        assert max(abs(fast[c] - ref[c]) for c in ref) < 1e-12, (evidence, age, sex)


@pytest.mark.slow
def test_kernel_agrees_with_pgmpy_on_bundled_model(kernel):
    engine = ddx.load()
    rng = random.Random(11)
    for evidence, age, sex in (random_case(engine.kb, rng, max_items=15, max_positive=10) for _ in range(150)):
        fast = engine.diagnose(evidence, age=age, sex=sex).probabilities
        ref = engine.reference_posteriors(evidence, age=age, sex=sex)
        assert max(abs(fast[c] - ref[c]) for c in ref) < 1e-9, (evidence, age, sex)


def test_kernel_agrees_with_the_numpy_methods_on_realistic_cases(bundled, realistic, monkeypatch):
    *_, done = compiled.score(bundled._model, realistic)
    assert done.all()
    monkeypatch.setenv("DDX_KERNEL", "numpy")
    ref = evaluate_many(bundled._model, realistic)
    monkeypatch.setenv("DDX_KERNEL", "numba")
    mine = evaluate_many(bundled._model, realistic)
    assert mine.exact.all() and ref.exact.all()
    assert np.abs(mine.posteriors - ref.posteriors).max() < 1e-9
    assert np.abs(mine.log_evidence - ref.log_evidence).max() < 1e-9


def test_chains_and_subset_variables_give_the_same_answer(bundled, realistic):
    many = [c for c in realistic if len(c.positive) >= 3][:40]
    signed = compiled.score(bundled._model, many, signed=True)
    chained = compiled.score(bundled._model, many, signed=False)
    both = signed[3] & chained[3]
    assert both.sum() >= 20
    assert np.abs(signed[0][both] - chained[0][both]).max() < 1e-9
    assert np.abs(signed[1][both] - chained[1][both]).max() < 1e-9
    assert (chained[2][chained[3]] == 1.0).all()  # nothing cancels in the chains
    assert (signed[2][both] >= 1.0).all()


def test_a_case_too_wide_for_the_kernel_goes_to_the_numpy_methods(bundled, realistic, monkeypatch, kernel):
    monkeypatch.setattr(compiled, "MAX_WIDTH", 4)
    _, _, _, done = compiled.score(bundled._model, realistic[:20])
    assert not done.any()
    result = evaluate_many(bundled._model, realistic[:20])
    monkeypatch.setenv("DDX_KERNEL", "numpy")
    ref = evaluate_many(bundled._model, realistic[:20])
    assert result.exact.all()
    assert np.array_equal(result.posteriors, ref.posteriors)  # the numpy methods answered every case


def test_a_case_the_kernel_cannot_certify_goes_to_the_numpy_methods(bundled, realistic, monkeypatch, kernel):
    import ddx.inference.quickscore as quickscore

    sent: list[int] = []
    real = quickscore._numpy

    def spy(model, cases, tolerance, params):
        sent.append(len(cases))
        return real(model, cases, tolerance, params)

    monkeypatch.setattr(quickscore, "_numpy", spy)
    evaluate_many(bundled._model, realistic[:10], tolerance=1e-10)
    assert sent == []  # certified in float64
    result = evaluate_many(bundled._model, realistic[:10], tolerance=1e-17)  # below float64's reach
    assert sent == [10]
    assert result.exact.any()  # extended precision certifies some of them


def test_a_case_that_cancels_with_small_tables_is_certified_again_with_larger_ones(
    bundled, realistic, monkeypatch, kernel
):
    """Findings of more than 2 parents as subset variables cancel past float64's reach on some cases: the
    kernel takes them again with tables of up to RETRY_TABLE_PARENTS parents, before any numpy method."""
    import ddx.inference.quickscore as quickscore

    monkeypatch.setattr(compiled, "TABLE_PARENTS", 2)
    model, bound = bundled._model, 1e-10 / quickscore._SAFETY
    *_, cond, done = compiled.score(model, realistic, table_parents=2)
    failing = np.flatnonzero(done & (cond * np.finfo(np.float64).eps > bound))
    assert len(failing) >= 3
    sent: list[int] = []
    real = quickscore._numpy
    monkeypatch.setattr(quickscore, "_numpy", lambda *a: sent.append(len(a[1])) or real(*a))
    cases = [realistic[int(i)] for i in failing]
    mine = evaluate_many(model, cases)
    assert sent == [] and mine.exact.all()
    monkeypatch.setattr(compiled, "RETRY_TABLE_PARENTS", 2)  # the same tables again: nothing gained
    evaluate_many(model, cases)
    assert sent == [len(cases)]
    monkeypatch.setenv("DDX_KERNEL", "numpy")
    ref = evaluate_many(model, cases)
    assert np.abs(mine.posteriors - ref.posteriors).max() < 1e-9
    assert np.abs(mine.log_evidence - ref.log_evidence).max() < 1e-9


def test_no_answer_gives_the_priors(bundled, kernel):
    post, _, cond, done = compiled.score(bundled._model, [CaseEvidence({}, [], [])])
    priors = bundled.priors
    assert done[0] and cond[0] == 1.0
    assert post[0] == pytest.approx([priors[c] for c in bundled.kb.causes], abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_probabilities_in_range_and_independent_of_answer_order(bundled, realistic, seed, data):
    case = realistic[seed % len(realistic)]
    rng = random.Random(seed)
    positive, negative, parents = list(case.positive), list(case.negative), list(case.parents.items())
    rng.shuffle(positive)
    rng.shuffle(negative)
    rng.shuffle(parents)
    shuffled = CaseEvidence(dict(parents), positive, negative)
    post, log_z, _, done = compiled.score(bundled._model, [case, shuffled])
    assert done.all()
    assert ((post >= 0.0) & (post <= 1.0)).all()
    assert np.abs(post[0] - post[1]).max() < 1e-12
    assert log_z[0] == pytest.approx(log_z[1], abs=1e-12)


def test_adding_a_yes_raises_its_causes_as_numpy_does(bundled, realistic, monkeypatch):
    """A positive answer to a finding moves each cause as the numpy methods move it."""
    model = bundled._model
    base = realistic[0]
    free = next(f for f in range(len(model.findings)) if f not in (*base.positive, *base.negative))
    cases = [base, CaseEvidence(base.parents, [*base.positive, free], base.negative)]
    monkeypatch.setenv("DDX_KERNEL", "numba")
    mine = evaluate_many(model, cases).posteriors
    monkeypatch.setenv("DDX_KERNEL", "numpy")
    ref = evaluate_many(model, cases).posteriors
    assert np.sign(mine[1] - mine[0]).tolist() == np.sign(ref[1] - ref[0]).tolist()


def test_a_model_with_more_variables_than_a_machine_word_agrees_with_the_numpy_methods(bundled, monkeypatch):
    """Three copies of the model: over 64 variables per case, so the ordering's bitsets span several words."""
    kb = replicate_kb(bundled.kb, 3)
    prep = _Prepared(kb, realistic_cases(kb, 60, seed=5))
    model, cases = prep.model, prep.case_evidence
    assert len(model.causes) > 64
    *_, done = compiled.score(model, cases)
    assert done.sum() >= 50
    monkeypatch.setenv("DDX_KERNEL", "numpy")
    ref = evaluate_many(model, cases)
    monkeypatch.setenv("DDX_KERNEL", "numba")
    mine = evaluate_many(model, cases)
    assert np.abs(mine.posteriors - ref.posteriors).max() < 1e-9
    assert np.abs(mine.log_evidence - ref.log_evidence).max() < 1e-9
