"""The rule layer: conditions, and that nothing lowers a level a rule set."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_cited_verbatim, needs_seeds
from hypothesis import given, settings
from hypothesis import strategies as st

from ddx.clinical.rules import fired, fired_many
from ddx.clinical.triage import margin, most_urgent, network_disposition, network_levels
from ddx.knowledge.conditions import Rule, condition_ids, is_met
from ddx.knowledge.model import TRIAGE_LEVELS, TriagePolicy

ALL_OF = ("all", ("a", ("any", ("b", "c"))))


def test_conditions():
    assert is_met("a", {"a": True})
    assert not is_met("a", {"a": False})
    assert not is_met("a", {})  # unanswered is not met
    assert is_met(ALL_OF, {"a": True, "c": True})
    assert not is_met(ALL_OF, {"a": True, "b": False})
    assert not is_met(ALL_OF, {"b": True, "c": True})
    assert condition_ids(ALL_OF) == ("a", "b", "c")


IDS = ("a", "b", "c", "d")
conditions = st.recursive(
    st.sampled_from(IDS),
    lambda inner: st.tuples(st.sampled_from(["any", "all"]), st.lists(inner, max_size=3).map(tuple)),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(when=conditions, answers=st.dictionaries(st.sampled_from(IDS), st.booleans()))
def test_a_compiled_condition_meets_what_is_met_meets(when, answers):
    rule = Rule("r", when, "urgent", "m", "s")
    assert rule.test({k for k, v in answers.items() if v}) == is_met(when, answers)
    assert bool(fired((rule,), answers, TRIAGE_LEVELS)) == is_met(when, answers)  # the shortcut skips none


@settings(max_examples=200, deadline=None)
@given(
    whens=st.lists(conditions, min_size=1, max_size=5),
    levels=st.lists(st.sampled_from(TRIAGE_LEVELS), min_size=5, max_size=5),
    cases=st.lists(st.dictionaries(st.sampled_from(IDS), st.booleans()), max_size=12),
)
def test_rules_fired_over_a_batch_are_those_of_each_case(whens, levels, cases):
    rules = tuple(Rule(f"r{k}", when, levels[k], "m", "s") for k, when in enumerate(whens))
    assert fired_many(rules, cases, TRIAGE_LEVELS) == [fired(rules, answers, TRIAGE_LEVELS) for answers in cases]


def test_fired_rules_are_most_urgent_first():
    rules = (
        Rule("r1", "a", "routine", "m", "s"),
        Rule("r2", "b", "emergency", "m", "s"),
        Rule("r3", "c", "urgent", "m", "s"),
    )
    assert [r.id for r in fired(rules, {"a": True, "b": True, "c": True}, TRIAGE_LEVELS)] == ["r2", "r3", "r1"]


def test_most_urgent():
    assert most_urgent(["routine", "urgent", "self_care"]) == "urgent"
    assert most_urgent([]) == "self_care"


POLICY = TriagePolicy(
    thresholds={
        "emergency": {"emergency": 0.10, "urgent": 0.03},
        "urgent": {"urgent": 0.15, "routine": 0.05},
        "routine": {"routine": 0.30},
        "self_care": {"self_care": 0.30},
    },
    support_ratio=1.5,
    unsupported_level="routine",
    unsupported_advice="Answer more.",
)
ACUITY = {"stroke": "emergency", "clot": "urgent", "disc": "routine", "posture": "self_care"}
PRIORS = {"stroke": 0.01, "clot": 0.02, "disc": 0.1, "posture": 0.4}


def _level(**posteriors: float) -> str:
    return network_disposition({**PRIORS, **posteriors}, PRIORS, ACUITY, POLICY).level


def test_a_less_likely_dangerous_cause_still_raises_the_level():
    assert _level(stroke=0.12, posture=0.9) == "emergency"
    assert _level(stroke=0.08, posture=0.9) == "urgent"  # the old cascade set nothing here
    assert _level(stroke=0.02, posture=0.9) == "self_care"
    assert _level(clot=0.196, posture=0.9) == "urgent"  # the old cascade gave self_care
    assert _level(clot=0.07, posture=0.9) == "routine"
    assert _level(disc=0.35, posture=0.9) == "routine"


def test_self_care_needs_support_and_nothing_known_is_not_self_care():
    assert _level() == "routine"  # every cause at its prior: no answer supports home care
    assert _level(posture=0.59) == "routine"  # 1.48 x its prior: not supported
    assert _level(posture=0.61) == "self_care"
    result = network_disposition(PRIORS, PRIORS, ACUITY, POLICY)
    assert (result.supported, result.cause) == (False, None)


def test_disposition_names_the_most_probable_cause_at_the_winning_level():
    both = {**PRIORS, "stroke": 0.2, "clot": 0.5}
    result = network_disposition(both, PRIORS, ACUITY, POLICY)
    assert (result.level, result.cause, result.supported) == ("emergency", "stroke", True)


# posteriors on and around every threshold and support bound of POLICY, and anywhere between
_NEAR = sorted(
    {t for levels in POLICY.thresholds.values() for t in levels.values()} | {1.5 * p for p in PRIORS.values()}
)
posterior = st.one_of(
    st.floats(0, 1),
    st.sampled_from(_NEAR),
    st.sampled_from(_NEAR).map(lambda t: float(np.nextafter(t, 0))),
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(*[posterior] * len(PRIORS)), min_size=1, max_size=20))
def test_network_levels_of_many_rows_are_the_disposition_of_each(rows):
    causes = list(PRIORS)
    levels, supported = network_levels(np.array(rows), [PRIORS[c] for c in causes], [ACUITY[c] for c in causes], POLICY)
    for row, level, is_supported in zip(rows, levels.tolist(), supported.tolist(), strict=True):
        one = network_disposition(dict(zip(causes, row, strict=True)), PRIORS, ACUITY, POLICY)
        assert (TRIAGE_LEVELS[level], is_supported) == (one.level, one.supported)


def test_margin_is_the_cause_nearest_the_next_level():
    post = {**PRIORS, "stroke": 0.02, "clot": 0.12, "posture": 0.9}
    found = margin(post, ACUITY, POLICY, "routine")
    assert (found.level, found.cause, found.threshold) == ("urgent", "clot", 0.15)
    assert found.odds_factor == pytest.approx((0.15 / 0.85) / (0.12 / 0.88))
    assert margin(post, ACUITY, POLICY, "emergency") is None
    assert margin({**post, "clot": 0.0}, ACUITY, POLICY, "routine").cause == "stroke"


def test_rule_fires_on_the_engine(tiny_engine):
    result = tiny_engine.diagnose({"red_flag": True, "f1": True})
    assert result.triage == "emergency"
    assert [r.id for r in result.rules_fired] == ["red_flag_rule"]
    assert result.advice == "Call now."
    assert result.probabilities_secondary
    assert "probabilities are secondary" in str(result)


def test_benign_picture_is_self_care(tiny_engine):
    result = tiny_engine.diagnose({"f1": True, "f3": False, "f4": False, "f2": False})
    assert result.top.id == "cause_a"
    assert result.triage == "self_care"
    assert result.rules_fired == ()


def test_network_alone_can_raise_triage(tiny_engine):
    result = tiny_engine.diagnose({"f4": True, "f3": True}, age=80)
    assert result.rules_fired[0].id == "f3_and_f4"
    assert result.network_triage == "emergency"  # cause_c (acuity emergency) is likely
    assert result.triage == "emergency"


EVIDENCE = ["f1", "f2", "f3", "f4", "rf1", "older_age", "red_flag"]
answers = st.dictionaries(st.sampled_from(EVIDENCE), st.booleans()).filter(lambda e: not (e.get("f1") and e.get("f4")))


@settings(max_examples=500, deadline=None)
@given(evidence=answers, more=answers)
def test_nothing_lowers_a_fired_rule(tiny_engine_module, evidence, more):
    result = tiny_engine_module.diagnose(evidence)
    for rule in result.rules_fired:
        assert TRIAGE_LEVELS.index(result.triage) <= TRIAGE_LEVELS.index(rule.level)
    combined = {**more, **evidence}
    if combined.get("f1") and combined.get("f4"):
        return
    later = tiny_engine_module.diagnose(combined)
    fired_before = {r.id for r in result.rules_fired if r.level == "emergency"}
    assert fired_before <= {r.id for r in later.rules_fired}


@pytest.fixture(scope="module")
def bundled():
    import ddx

    return ddx.load()


def _bundled_answers():
    import ddx

    kb = ddx.load().kb
    ids = [i for i in kb.evidence_ids if i not in (kb.sex_node, "one_leg_only", "both_legs")]
    return st.dictionaries(st.sampled_from(ids), st.booleans(), max_size=12)


@settings(max_examples=500, deadline=None)
@given(evidence=_bundled_answers(), more=_bundled_answers())
def test_bundled_model_never_lowers_a_fired_rule(bundled, evidence, more):
    result = bundled.diagnose(evidence)
    assert all(TRIAGE_LEVELS.index(result.triage) <= TRIAGE_LEVELS.index(r.level) for r in result.rules_fired)
    later = bundled.diagnose({**more, **evidence})
    emergency = {r.id for r in result.rules_fired if r.level == "emergency"}
    assert emergency <= {r.id for r in later.rules_fired}
    if emergency:
        assert later.triage == "emergency"


def test_every_emergency_sign_alone_sets_emergency(bundled):
    for sign in bundled.kb.emergency_signs:
        result = bundled.diagnose({sign: True, "after_sitting_or_lying_still": True, "resolves_on_moving": True})
        assert result.triage == "emergency", sign
        assert sign in {r.id for r in result.rules_fired} or any(sign in r.id for r in result.rules_fired)


def test_issue_examples_on_the_bundled_model(bundled):
    red = bundled.diagnose({"loss_of_bladder_or_bowel_control": True, "resolves_on_moving": True})
    assert red.triage == "emergency"
    assert red.rules_fired[0].id == "loss_of_bladder_or_bowel_control"
    assert "secondary" in str(red)
    benign = bundled.diagnose({"after_sitting_or_lying_still": True, "resolves_on_moving": True})
    assert benign.triage == "self_care"
    assert benign.top.id == "positional_compression"


def _rule_sources():
    import ddx

    raw = ddx.load().kb.raw["model/rules.yaml"]["rules"]
    return [pytest.param(rule["source"], id=rule["id"]) for rule in raw if rule["source"]["basis"] == "article"]


@needs_seeds
@pytest.mark.parametrize("source", _rule_sources())
def test_rule_citations_appear_verbatim_in_the_article(source):
    assert_cited_verbatim(source["file"], source["section"], source["phrase"])
