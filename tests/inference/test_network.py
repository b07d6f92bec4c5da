"""The pgmpy network: structure, CPDs and checks."""

from __future__ import annotations

import numpy as np
import pytest

from ddx.inference.network import noisy_or_table
from ddx.knowledge.model import Link, Number


def _link(parent: str, value: float, state: str = "yes") -> Link:
    return Link(parent, "child", Number(value, value, value, "judgement", "test", rationale="x"), state)


def test_noisy_or_table_by_hand():
    table = noisy_or_table(0.1, [_link("a", 0.5), _link("b", 0.8)], {"a": ["no", "yes"], "b": ["no", "yes"]})
    # Columns: (a, b) = (no, no), (no, yes), (yes, no), (yes, yes): last parent fastest.
    off = [0.9, 0.9 * 0.2, 0.9 * 0.5, 0.9 * 0.5 * 0.2]
    np.testing.assert_allclose(table[0], off)
    np.testing.assert_allclose(table.sum(axis=0), 1.0)


def test_noisy_or_table_respects_active_state():
    table = noisy_or_table(0.2, [_link("sex", 0.5, state="female")], {"sex": ["male", "female"]})
    np.testing.assert_allclose(table[1], [0.2, 1 - 0.8 * 0.5])


def test_network_structure_and_check(tiny_engine):
    net = tiny_engine.network
    assert net.check_model()
    assert set(net.get_parents("cause_c")) == {"older_age", "rf1"}
    assert set(net.get_parents("f3")) == {"cause_b", "cause_c"}
    assert "red_flag" not in net.nodes  # rule-only emergency sign
    cpd = net.get_cpds("cause_a")
    assert cpd.state_names["cause_a"] == ["absent", "present"]
    assert cpd.state_names["sex"] == ["male", "female"]


def test_network_is_built_lazily(tiny_engine):
    assert "network" not in vars(tiny_engine)
    tiny_engine.diagnose({"f1": True})
    assert "network" not in vars(tiny_engine)
    assert tiny_engine.network is tiny_engine.network


def test_reference_ignores_rule_only_signs(tiny_engine):
    with_sign = tiny_engine.reference_posteriors({"f1": True, "red_flag": True})
    without = tiny_engine.reference_posteriors({"f1": True})
    assert with_sign == pytest.approx(without, abs=1e-15)
