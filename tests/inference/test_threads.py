"""One engine shared by threads: the same answers as one thread, and caches that hold under eviction."""

from __future__ import annotations

import random
import sys
from concurrent.futures import ThreadPoolExecutor
from itertools import count

import numpy as np
import pytest
from helpers import random_case

import ddx
from ddx.bench.cases import realistic_cases
from ddx.errors import EvidenceError
from ddx.inference import elimination_plan
from ddx.inference.compile import compile_model
from ddx.inference.eliminate import eliminate_many

THREADS = 8


@pytest.fixture
def switch_often():
    """Let threads switch every microsecond instead of every 5 ms, so that races show in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _in_threads(work, items):
    """``work(item)`` for every item, spread over ``THREADS`` threads; a thread's exception is raised here."""
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(work, items))


def _mixed_cases(engine, n_random=80, n_many=40):
    """Random evidence (up to 10 positive findings) and realistic cases with 6-10 (variable elimination)."""
    rng = random.Random(7)
    cases = []
    while len(cases) < n_random:
        case = random_case(engine.kb, rng, max_items=20, max_positive=10)
        try:
            engine.normalise(*case)
        except EvidenceError:  # a random draw can contradict the model's exclusive groups
            continue
        cases.append(case)
    cases += [(c.evidence, c.age, c.sex) for c in realistic_cases(engine.kb, n_many, seed=8, positives=(6, 10))]
    rng.shuffle(cases)
    return cases


def test_threads_give_the_answers_of_one_thread(monkeypatch, switch_often):
    # few kept plans, so that threads evict each other's while they score
    monkeypatch.setattr(elimination_plan, "_KEPT", 8)
    sequential_engine = ddx.load()
    cases = _mixed_cases(sequential_engine)
    many = [i for i, (ev, _, _) in enumerate(cases) if sum(v is True for v in ev.values()) >= 6]
    assert len(many) >= 40
    expected = [sequential_engine.diagnose(ev, a, s).probabilities for ev, a, s in cases]
    checked = [sequential_engine.normalise(ev, a, s) for ev, a, s in cases]
    batches = [checked[i : i + 10] for i in range(0, len(checked), 10)]
    expected_batches = [[r.probabilities for r in sequential_engine.diagnose_many(b)] for b in batches]
    expected_posteriors = [sequential_engine.evaluate(b)[0] for b in batches]

    shared = ddx.load()  # cold caches: the threads fill them together
    jobs = [("diagnose", i) for i in range(len(cases))]
    jobs += [("many", i) for i in range(len(batches))] + [("evaluate", i) for i in range(len(batches))]
    random.Random(9).shuffle(jobs)

    def work(job):
        kind, i = job
        if kind == "diagnose":
            ev, a, s = cases[i]
            return job, shared.diagnose(ev, a, s).probabilities
        if kind == "many":
            return job, [r.probabilities for r in shared.diagnose_many(batches[i])]
        return job, shared.evaluate(batches[i])[0]

    for (kind, i), got in _in_threads(work, jobs):
        if kind == "diagnose":
            assert got == expected[i], cases[i]  # one case per call: the same operations, bit for bit
        elif kind == "many":
            assert got == expected_batches[i]
        else:
            assert np.array_equal(got, expected_posteriors[i])


def test_threads_share_intervals_sensitivity_and_questions(switch_often):
    engine = ddx.load()
    cases = [(c.evidence, c.age, c.sex) for c in realistic_cases(engine.kb, 5, seed=10, positives=(4, 8))]
    base = [engine.diagnose(ev, a, s) for ev, a, s in cases]

    def run(i, eng):
        ev, a, s = cases[i]
        return (
            eng.with_intervals(base[i], samples=40, seed=i).intervals,
            [(x.where, x.posterior_at_low, x.posterior_at_high) for x in eng.sensitivity(ev, a, s, top=3)],
            [q.id for q in eng.next_questions(ev, a, s, k=3)],
        )

    expected = [run(i, engine) for i in range(len(cases))]
    shared = ddx.load()
    got = _in_threads(lambda i: run(i, shared), range(len(cases)))
    assert got == expected


def test_kept_values_hold_under_constant_eviction(monkeypatch, switch_often):
    # the least-recently-used tables directly: 4 kept, many keys, 8 threads
    monkeypatch.setattr(elimination_plan, "_KEPT", 4)
    model = compile_model(ddx.load().kb)
    made = count()

    def work(seed):
        rng = random.Random(seed)
        for _ in range(20_000):
            key = rng.randrange(64)
            value = elimination_plan._kept(model, "plans", key, lambda k=key: (k, next(made)))
            assert value[0] == key
        return True

    assert all(_in_threads(work, range(THREADS)))
    assert len(model._cache["plans"]) <= 4
    assert next(made) > 64  # evicted keys were made again


def test_kept_plans_under_eviction_give_fresh_answers(monkeypatch, switch_often):
    monkeypatch.setattr(elimination_plan, "_KEPT", 4)
    engine = ddx.load()
    cases = [
        engine._case(engine.normalise(c.evidence, c.age, c.sex))
        for c in realistic_cases(engine.kb, 12, seed=11, positives=(6, 9))
    ]
    model = compile_model(engine.kb)
    expected = [eliminate_many(model, [case], model.params)[0] for case in cases]
    shared = compile_model(engine.kb)
    got = _in_threads(
        lambda i: eliminate_many(shared, [cases[i % len(cases)]], shared.params)[0], range(8 * len(cases))
    )
    for i, post in enumerate(got):
        assert np.array_equal(post, expected[i % len(cases)])


def test_threads_that_ask_for_the_network_at_once_share_one_build(tiny_engine, monkeypatch):
    import ddx.engine.core as core

    builds = []
    real = core.build_network

    def counted(kb):
        builds.append(1)
        return real(kb)

    monkeypatch.setattr(core, "build_network", counted)
    networks = _in_threads(lambda _: tiny_engine.network, range(8))
    assert len(builds) == 1 and all(n is networks[0] for n in networks)
