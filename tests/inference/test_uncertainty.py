"""Posterior intervals from the documented ranges, and one-at-a-time sensitivity."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
from conftest import tiny_files, write_kb
from helpers import random_case

import ddx
from ddx.inference.uncertainty import _quantile_draws, number_slots

CASE = {"f2": True, "f3": True, "f1": False}


def _zero_width(files: dict) -> dict:
    """Every range collapsed onto its value."""
    files = copy.deepcopy(files)
    for rel, data in files.items():
        if rel.startswith("priors/") and rel != "priors/scale.yaml":
            stack = [data]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    if "value" in item and "range" in item:
                        item["range"] = [item["value"], item["value"]]
                    stack.extend(item.values())
    return files


def test_fixed_seed_gives_identical_output(tiny_engine):
    a = tiny_engine.diagnose(CASE, intervals=True, samples=300, seed=4)
    b = tiny_engine.diagnose(CASE, intervals=True, samples=300, seed=4)
    c = tiny_engine.diagnose(CASE, intervals=True, samples=300, seed=5)
    assert a.intervals == b.intervals
    assert a.intervals != c.intervals


def test_zero_width_ranges_give_point_intervals(tmp_path):
    engine = ddx.load(write_kb(tmp_path, _zero_width(tiny_files())))
    result = engine.diagnose(CASE, intervals=True, samples=200)
    for cause in result.differential:
        interval = result.interval(cause.id)
        assert interval.low == pytest.approx(cause.probability, abs=1e-12)
        assert interval.high == pytest.approx(cause.probability, abs=1e-12)


def test_interval_contains_the_point_posterior_on_random_cases():
    engine = ddx.load()
    rng = random.Random(11)
    for _ in range(15):
        evidence, age, sex = random_case(engine.kb, rng, max_items=10, max_positive=5)
        result = engine.diagnose(evidence, age=age, sex=sex, intervals=True, samples=400, seed=1)
        for cause in result.differential:
            interval = result.interval(cause.id)
            assert interval.low - 1e-12 <= cause.probability <= interval.high + 1e-12, (evidence, cause.id)


def test_widening_one_range_never_narrows_its_interval(tmp_path):
    files = _zero_width(tiny_files())
    files["priors/causes/cause_b.yaml"]["prior"]["range"] = [0.08, 0.13]
    narrow = ddx.load(write_kb(tmp_path / "narrow", files)).diagnose(CASE, intervals=True, samples=300)
    files["priors/causes/cause_b.yaml"]["prior"]["range"] = [0.02, 0.4]
    wide = ddx.load(write_kb(tmp_path / "wide", files)).diagnose(CASE, intervals=True, samples=300)
    n, w = narrow.interval("cause_b"), wide.interval("cause_b")
    assert w.low <= n.low < n.high <= w.high
    assert w.high - w.low > n.high - n.low


def test_draws_follow_the_documented_quantiles(tiny_engine):
    slots = number_slots(tiny_engine.kb)
    z = np.array([[-1.6448536269514722], [0.0], [1.6448536269514722]]) * np.ones((1, len(slots)))
    values = _quantile_draws(slots, z)
    assert values[0] == pytest.approx([s.number.low for s in slots], abs=1e-12)
    assert values[1] == pytest.approx([s.number.value for s in slots], abs=1e-12)
    assert values[2] == pytest.approx([s.number.high for s in slots], abs=1e-12)


def test_rules_are_unaffected_by_draws(tiny_engine):
    plain = tiny_engine.diagnose({"red_flag": True, **CASE})
    drawn = tiny_engine.diagnose({"red_flag": True, **CASE}, intervals=True, samples=50)
    assert drawn.triage == plain.triage == "emergency"
    assert drawn.rules_fired == plain.rules_fired


def test_top3_share_is_a_probability(tiny_engine):
    result = tiny_engine.diagnose(CASE, intervals=True, samples=100)
    assert all(i.top3 == 1.0 for i in result.intervals)  # only three causes


def test_sensitivity_lists_the_numbers_that_matter(tiny_engine):
    items = tiny_engine.sensitivity(CASE, cause="cause_b", top=None)
    assert len(items) == len(number_slots(tiny_engine.kb))
    swings = [i.swing for i in items]
    assert swings == sorted(swings, reverse=True)
    top_where = {i.where for i in items[:4]}
    assert any("cause_b.yaml" in w for w in top_where)
    unrelated = next(i for i in items if i.where.endswith("priors/leaks.yaml: f4"))
    assert unrelated.swing == pytest.approx(0.0, abs=1e-12)  # f4 is unanswered: its leak cannot matter


def test_sensitivity_unknown_cause(tiny_engine):
    with pytest.raises(ddx.EvidenceError, match=r"unknown cause 'cause_x'"):
        tiny_engine.sensitivity(CASE, cause="cause_x")


def test_intervals_need_two_samples(tiny_engine):
    with pytest.raises(ValueError, match="samples must be at least 2"):
        tiny_engine.diagnose(CASE, intervals=True, samples=1)


def test_batch_intervals_columns(tiny_engine):
    import pandas as pd

    from ddx.batch.score import score_frame

    frame = pd.DataFrame({"case_id": ["a", "b"], "f2": ["yes", "maybe"], "f3": ["yes", ""]})
    out = score_frame(tiny_engine, frame, intervals=100, seed=3)
    single = tiny_engine.diagnose({"f2": True, "f3": True}, intervals=True, samples=100, seed=3)
    for cause in tiny_engine.kb.causes:
        assert out.loc[0, f"p_low_{cause}"] == single.interval(cause).low
        assert out.loc[0, f"p_high_{cause}"] == single.interval(cause).high
    assert out.loc[0, "top1_stable"] == single.interval(single.top.id).top1
    assert out.loc[1, "status"] == "error"
    assert pd.isna(out.loc[1, "top1_stable"])
    assert "p_low_cause_a" not in score_frame(tiny_engine, frame).columns


def test_sensitivity_command_prints_table_and_draws_tornado(tiny_dir, tmp_path, capsys):
    import xml.etree.ElementTree as ET

    from ddx.cli.entry import main

    out = tmp_path / "tornado.svg"
    code = main(
        ["sensitivity", "--json", '{"f2": true, "f3": true}', "--model", str(tiny_dir), "--top", "4", "-o", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "hinges on" in printed and "not a diagnosis" in printed
    assert printed.count("priors/") >= 4
    root = ET.fromstring(out.read_text())
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "hinges on" in text


def test_sensitivity_command_bad_cause(tiny_dir, capsys):
    from ddx.cli.entry import main

    code = main(["sensitivity", "--json", '{"f2": true}', "--model", str(tiny_dir), "--cause", "cause_q"])
    assert code == 2
    assert "unknown cause 'cause_q'" in capsys.readouterr().err


def test_case_picture_shows_interval_bars(tiny_dir, tmp_path, capsys):
    from ddx.cli.entry import main

    out = tmp_path / "case.svg"
    assert (
        main(["explain", "--json", '{"f2": true}', "--model", str(tiny_dir), "--intervals", "50", "-o", str(out)]) == 0
    )
    assert "5th–95th percentile" in out.read_text()
    plain = tmp_path / "plain.svg"
    assert main(["explain", "--json", '{"f2": true}', "--model", str(tiny_dir), "-o", str(plain)]) == 0
    assert "5th–95th percentile" not in plain.read_text()
    capsys.readouterr()


def test_sensitivity_command_says_how_close_the_next_triage_level_is(bundled_engine, capsys):
    from ddx.cli.entry import main

    answers = '{"leg_pain": true, "one_leg_only": true}'
    assert main(["sensitivity", "--json", answers, "--top", "2"]) == 0
    printed = capsys.readouterr().out
    result = bundled_engine.diagnose({"leg_pain": True, "one_leg_only": True})
    found = bundled_engine.triage_margin(result)
    label = bundled_engine.kb.nodes[found.cause].label
    assert f"triage: {result.triage}" in printed
    assert f"nearest to {found.level}: {label} at {found.probability:.1%}" in printed
    assert found.probability < found.threshold and found.odds_factor > 1


def test_margin_is_none_at_emergency(bundled_engine):
    assert bundled_engine.triage_margin(bundled_engine.diagnose({"chest_pain": True})) is None
