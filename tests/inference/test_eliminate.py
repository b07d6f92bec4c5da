"""Variable elimination: both forms of the noisy-OR agree with pgmpy, and the nonnegative one never cancels."""

from __future__ import annotations

import random

import numpy as np
import pytest
from helpers import random_case

import ddx
from ddx.inference import eliminate, elimination_plan
from ddx.inference import quickscore as infer
from ddx.inference.compile import compile_model
from ddx.inference.eliminate import eliminate_many
from ddx.inference.network import reference_log_evidence
from ddx.inference.quickscore import evaluate_many


def _cases(engine, n, seed, max_positive=10):
    rng = random.Random(seed)
    raw = [random_case(engine.kb, rng, max_items=20, max_positive=max_positive) for _ in range(n)]
    return raw, [engine._case(engine.normalise(e, age=a, sex=s)) for e, a, s in raw]


@pytest.mark.parametrize("table", [1, 2, 3])
@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("pairwise", [False, True])
def test_both_forms_agree_with_pgmpy_on_tiny_model(tiny_engine, monkeypatch, table, signed, pairwise):
    # table=1 puts every positive finding with two or more parents through the chain or the subset variable;
    # pairwise: the plans of groups of cases (products two at a time), here for every case
    monkeypatch.setattr(elimination_plan, "_TABLE", table)
    monkeypatch.setattr(eliminate, "_PAIRWISE_CASES", 1 if pairwise else 10**9)
    model = compile_model(tiny_engine.kb)
    raw, cases = _cases(tiny_engine, 60, seed=table + 10 * signed)
    post, log_e, cond = eliminate_many(model, cases, model.params, signed)
    for (evidence, age, sex), row, le in zip(raw, post, log_e, strict=True):
        ref = tiny_engine.reference_posteriors(evidence, age=age, sex=sex)
        assert np.allclose(row, [ref[c] for c in model.causes], rtol=0, atol=1e-12), evidence
        ev = tiny_engine.normalise(evidence, age=age, sex=sex)
        states = {k: v for k, v in ev.states(tiny_engine.kb).items() if k in tiny_engine.network.nodes}
        assert le == pytest.approx(reference_log_evidence(tiny_engine.network, states), abs=1e-10)
    if signed:
        assert np.all(cond >= 1.0 - 1e-12)
    else:
        assert np.all(cond == 1.0)


def test_hand_checked_chain():
    """One cause, one finding with a leak, through the chain form: Bayes by hand."""
    engine = ddx.load()
    model = engine._model
    # a finding with one parent (shingles' band of rash), alone:
    # P(c | f) = p(1 - L(1 - a)) / (p(1 - L(1 - a)) + (1 - p)(1 - L))
    f = model.finding_index["band_like_rash_one_side"]
    parents = np.flatnonzero(model.params.finding_off[0][:, f] < 1)
    assert len(parents) == 1
    case = engine._case(engine.normalise({"band_like_rash_one_side": True}))
    post, _, _ = eliminate_many(model, [case], model.params, signed=False)
    reference = engine.reference_posteriors({"band_like_rash_one_side": True})
    c = int(parents[0])
    assert post[0, c] == pytest.approx(reference[model.causes[c]], abs=1e-12)


def test_forms_agree_with_each_other_and_quickscore_on_bundled_model():
    engine = ddx.load()
    model = engine._model
    _, cases = _cases(engine, 80, seed=3, max_positive=8)
    chain, log_chain, cond = eliminate_many(model, cases, model.params, signed=False)
    signed, log_signed, _ = eliminate_many(model, cases, model.params, signed=True, dtype=np.longdouble)
    assert np.all(cond == 1.0)
    assert np.abs(chain - signed).max() < 1e-12
    assert np.abs(log_chain - log_signed).max() < 1e-10
    quick = evaluate_many(model, cases)
    assert quick.exact.all()
    assert np.abs(chain - quick.posteriors).max() < 1e-10


def test_batch_composition_changes_answers_only_by_rounding():
    # a group of cases may take numpy's other einsum route than one case alone: last bits only
    engine = ddx.load()
    model = engine._model
    _, cases = _cases(engine, 12, seed=5)
    together, _, _ = eliminate_many(model, cases + cases[:3] * 40, model.params)
    for i, case in enumerate(cases):
        alone, _, _ = eliminate_many(model, [case], model.params)
        assert np.abs(alone[0] - together[i]).max() < 1e-13
    assert np.array_equal(together[:3], together[12:15])  # the same case in one group: the same answer


def test_rows_of_numbers_match_one_row():
    engine = ddx.load()
    model = engine._model
    _, cases = _cases(engine, 1, seed=9)
    params = model.params
    arrays = (params.parent_prior, params.base_off, params.finding_off, params.leak_off, params.link_off)
    rows = type(params)(*(np.repeat(a, 4, axis=0) for a in arrays))
    one, _, _ = eliminate_many(model, cases, params, signed=True)
    many, _, _ = eliminate_many(model, cases * 4, rows, signed=True)
    assert np.allclose(many, one[0], rtol=0, atol=1e-15)


@pytest.mark.slow
def test_many_positive_findings_are_exact_against_pgmpy():
    engine = ddx.load()
    rng = random.Random(11)
    findings = [f for f in engine.kb.network_findings if f not in ("one_leg_only", "both_legs")]
    for k in (11, 14, 16):
        evidence = {f: True for f in rng.sample(findings, k)}
        assert evaluate_many(engine._model, [engine._case(engine.normalise(evidence))]).exact[0]
        fast = engine.diagnose(evidence).probabilities
        ref = engine.reference_posteriors(evidence)
        assert max(abs(fast[c] - ref[c]) for c in ref) < 1e-10, k


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mixed_form_agrees_with_pgmpy_on_tiny_model(tiny_engine, monkeypatch, seed):
    monkeypatch.setattr(elimination_plan, "_TABLE", 1)
    model = compile_model(tiny_engine.kb)
    raw, cases = _cases(tiny_engine, 40, seed=seed)
    rng = random.Random(seed)
    for (evidence, age, sex), case in zip(raw, cases, strict=True):
        keep = frozenset(f for f in case.positive if rng.random() < 0.5)
        post, _, cond = eliminate_many(model, [case], model.params, keep)
        ref = tiny_engine.reference_posteriors(evidence, age=age, sex=sex)
        assert np.allclose(post[0], [ref[c] for c in model.causes], rtol=0, atol=1e-12), (evidence, keep)
        assert cond[0] >= 1.0 - 1e-12


def _ill_conditioned_case(engine):
    """A 9-positive case whose signed form cancels past what float64 can certify (condition number ~2e6)."""
    from ddx.bench import SEED, realistic_cases

    case = realistic_cases(engine.kb, 1, SEED + 19, positives=(9, 9))[0]
    return engine._case(engine.normalise(case.evidence, case.age, case.sex))


def test_mixed_form_search_reaches_its_target_by_unrolling_few_findings():
    engine = ddx.load()
    model = engine._model
    case = _ill_conditioned_case(engine)
    positive, answered = tuple(sorted(case.positive)), tuple(sorted(case.parents))
    many = elimination_plan._many_parents(model, positive)
    signed_cond, _ = eliminate._probe(model, case, model.params, positive, answered, many)
    assert signed_cond > 1e6
    kept = eliminate._choose_signed(model, case, model.params, positive, answered, 1e4)
    assert len(many) - len(kept) <= 3  # a few chains, not all
    cond, _ = eliminate._probe(model, case, model.params, positive, answered, kept)
    assert cond <= 1e4
    _, _, measured = eliminate_many(model, [case], model.params, kept)
    assert measured[0] == pytest.approx(cond)


def test_draws_of_an_ill_conditioned_case_take_the_mixed_form_and_stay_exact(monkeypatch):
    from ddx.inference import uncertainty

    engine = ddx.load()
    model = engine._model
    case = _ill_conditioned_case(engine)
    draws = uncertainty.draw_params(model, engine._slots, 20, seed=4)
    calls = []
    real = eliminate.eliminate_many

    def spy(*args, **kwargs):
        calls.append((len(args[1]), args[4] if len(args) > 4 else np.float64, kwargs.get("cond_target")))
        return real(*args, **kwargs)

    monkeypatch.setattr(eliminate, "eliminate_many", spy)
    monkeypatch.setattr(infer, "MIXED_FORM", 16)  # 1,000 draws in use; 20 here
    result = evaluate_many(model, [case] * 20, params=draws)
    assert result.exact.all()
    assert any(n == 20 and target is not None for n, _, target in calls)  # the group, in the mixed form
    assert not any(n == 20 and dtype is np.longdouble for n, dtype, _ in calls)
    reference, _, _ = real(model, [case] * 20, draws, True, np.longdouble)
    assert np.abs(result.posteriors - reference).max() < 1e-10


def test_condition_number_is_that_of_the_signed_pass():
    engine = ddx.load()
    model = engine._model
    case = _ill_conditioned_case(engine)
    _, _, measured = eliminate_many(model, [case], model.params, True)
    assert eliminate.condition_number(model, case, model.params) == pytest.approx(measured[0])


def test_a_group_whose_first_case_fails_float64_skips_that_pass_and_stays_exact(monkeypatch):
    # an interview's hypothetical answers: the case, and the case with each unanswered finding answered no
    monkeypatch.setenv("DDX_KERNEL", "numpy")  # the numpy methods' own cascade
    engine = ddx.load()
    model = engine._model
    case = _ill_conditioned_case(engine)
    answered = {*case.positive, *case.negative}
    rows = [case] + [
        infer.CaseEvidence(case.parents, case.positive, (*case.negative, f))
        for f in range(len(model.findings))
        if f not in answered
    ]
    assert len(rows) >= infer.SHARED_STRUCTURE
    calls = []
    real = eliminate.eliminate_many

    def spy(*args, **kwargs):
        calls.append((len(args[1]), args[3], args[4] if len(args) > 4 else np.float64))
        return real(*args, **kwargs)

    monkeypatch.setattr(eliminate, "eliminate_many", spy)
    result = evaluate_many(model, rows)
    assert result.exact.all()
    assert (len(rows), True, np.longdouble) in calls
    assert not any(signed is True and dtype is np.float64 for _, signed, dtype in calls)  # not even for one case
    reference, log_reference, _ = real(model, rows, model.params, False, np.float64)  # no cancellation
    assert np.abs(result.posteriors - reference).max() < 1e-10
    assert np.abs(result.log_evidence - log_reference).max() < 1e-10


def test_kept_cause_factors_give_the_answers_of_fresh_ones():
    # P(cause absent | risk factors) is kept per set of risk-factor answers (model numbers only)
    engine = ddx.load()
    model = engine._model
    _, cases = _cases(engine, 30, seed=21)
    first = [eliminate_many(model, [case], model.params, signed=False)[0][0] for case in cases]
    assert model._cache["cause_absent"]
    model._cache["cause_absent"].clear()
    again, _, _ = eliminate_many(model, cases, model.params, signed=False)  # fresh, all at once
    assert np.abs(np.array(first) - again).max() < 1e-13


def test_kept_plans_are_bounded(monkeypatch):
    # a cohort can bring a new structure in every row: the model keeps only the most recent plans
    monkeypatch.setattr(elimination_plan, "_KEPT", 3)
    engine = ddx.load()
    model = compile_model(engine.kb)
    _, cases = _cases(engine, 12, seed=22)
    assert len({(frozenset(c.positive), frozenset(c.parents)) for c in cases}) > 3
    one_by_one = np.array([eliminate_many(model, [case], model.params, signed=True)[0][0] for case in cases])
    assert len(model._cache["plans"]) == 3
    assert len(model._cache["cause_absent"]) <= 3
    fresh = compile_model(engine.kb)
    together, _, _ = eliminate_many(fresh, cases, fresh.params, signed=True)
    assert np.abs(one_by_one - together).max() < 1e-13


def test_kept_tables_drop_the_least_recently_used(monkeypatch):
    monkeypatch.setattr(elimination_plan, "_KEPT", 2)
    model = compile_model(ddx.load().kb)
    made = []

    def make(key):
        made.append(key)
        return key.upper()

    for key in "aba":  # the second "a" is a hit: "b" becomes the least recently used
        assert elimination_plan._kept(model, "t", key, lambda k=key: make(k)) == key.upper()
    elimination_plan._kept(model, "t", "c", lambda: make("c"))  # drops "b"
    assert elimination_plan._kept(model, "t", "a", lambda: make("a")) == "A"
    assert elimination_plan._kept(model, "t", "b", lambda: make("b")) == "B"
    assert made == ["a", "b", "c", "b"]
    assert len(model._cache["t"]) == 2


def test_a_value_made_twice_at_once_is_the_one_kept_first():
    # as when two threads miss the same key together: the later one gets the value kept first
    model = compile_model(ddx.load().kb)
    inner = object()

    def outer_make():
        assert elimination_plan._kept(model, "t", "k", lambda: inner) is inner  # made and kept meanwhile
        return object()

    assert elimination_plan._kept(model, "t", "k", outer_make) is inner
    assert elimination_plan._kept(model, "t", "k", object) is inner
