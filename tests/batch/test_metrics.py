"""Study metrics on hand-made scored frames with hand-computed answers (``ddx.batch.metrics``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ddx.batch.metrics import MetricsAccumulator, compute_metrics, format_metrics

#    gold_rank, p_top1, triage, gold_triage
# a: 1, 0.9, emergency, emergency  -> top-1 hit, triage right
# b: 2, 0.6, urgent,    emergency  -> top-3 hit, under-triage
# c: 4, 0.5, routine,   routine    -> top-5 hit only, triage right
# d: 1, 0.7, emergency, urgent     -> top-1 hit, over-triage
# e: error row                     -> left out of both
# f: no gold_cause, self_care right
SCORED = pd.DataFrame(
    {
        "case_id": ["a", "b", "c", "d", "e", "f"],
        "status": ["ok", "ok", "ok", "ok", "error", "ok"],
        "triage": ["emergency", "urgent", "routine", "emergency", "", "self_care"],
        "p_top1": [0.9, 0.6, 0.5, 0.7, float("nan"), 0.4],
        "gold_cause": ["x", "y", "old_x", "z", "x", ""],
        "gold_triage": ["emergency", "Emergency", "routine", "urgent", "urgent", "self_care"],
        "gold_rank": pd.array([1, 2, 4, 1, None, None], dtype="Int64"),
        "kb_version": ["v1"] * 6,
    }
)


@pytest.fixture
def metrics() -> dict:
    return compute_metrics(SCORED, aliases={"old_x": "x"})


def test_cause_metrics(metrics) -> None:
    assert metrics["n"] == 4
    assert metrics["excluded"] == {"status_error": 1, "no_gold_cause": 1}
    assert metrics["top1_accuracy"] == 0.5
    assert metrics["top3_accuracy"] == 0.75
    assert metrics["top5_accuracy"] == 1.0
    assert metrics["mean_reciprocal_rank"] == pytest.approx((1 + 1 / 2 + 1 / 4 + 1) / 4)
    # (0.9 - 1)^2 + (0.6 - 0)^2 + (0.5 - 0)^2 + (0.7 - 1)^2 = 0.01 + 0.36 + 0.25 + 0.09
    assert metrics["brier_top1"] == pytest.approx(0.71 / 4)
    assert metrics["counts"] == {"top1": 2, "top3": 3, "top5": 4}


def test_per_cause_recall_counts_merged_ids_as_their_node(metrics) -> None:
    assert metrics["per_cause"] == {
        "x": {"n": 2, "top1_recall": 0.5, "top3_recall": 0.5},
        "y": {"n": 1, "top1_recall": 0.0, "top3_recall": 1.0},
        "z": {"n": 1, "top1_recall": 1.0, "top3_recall": 1.0},
    }


def test_triage_metrics(metrics) -> None:
    assert metrics["n_triage"] == 5
    assert metrics["excluded_triage"] == {"status_error": 1, "no_gold_triage": 0}
    assert metrics["triage_accuracy"] == 0.6
    assert metrics["emergency_n"] == 2
    assert metrics["emergency_sensitivity"] == 0.5
    assert metrics["under_triage_rate"] == 0.2
    assert metrics["over_triage_rate"] == 0.2
    confusion = metrics["triage_confusion"]["counts"]
    assert list(confusion) == ["emergency", "urgent", "routine", "self_care"]
    assert [list(row.values()) for row in confusion.values()] == [
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
    ]
    assert all(list(row) == list(confusion) for row in confusion.values())


def test_rows_and_version(metrics) -> None:
    assert metrics["rows"] == {"total": 6, "ok": 5, "error": 1}
    assert metrics["kb_version"] == "v1"
    json.dumps(metrics)  # JSON-ready


@pytest.mark.parametrize("size", [1, 2, 4])
def test_streaming_equals_one_pass(metrics, size: int) -> None:
    accumulator = MetricsAccumulator(aliases={"old_x": "x"})
    for start in range(0, len(SCORED), size):
        accumulator.add(SCORED.iloc[start : start + size])
    streamed = accumulator.result()
    assert streamed.pop("brier_top1") == pytest.approx(metrics.pop("brier_top1"))
    assert streamed.pop("mean_reciprocal_rank") == pytest.approx(metrics.pop("mean_reciprocal_rank"))
    assert streamed == metrics


def test_without_gold_columns_everything_is_left_out() -> None:
    m = compute_metrics(pd.DataFrame({"status": ["ok", "error"], "triage": ["urgent", ""]}))
    assert m["n"] == m["n_triage"] == 0
    assert m["excluded"] == {"status_error": 1, "no_gold_cause": 1}
    assert m["top1_accuracy"] is m["brier_top1"] is m["triage_accuracy"] is None
    assert m["emergency_sensitivity"] is None
    assert m["kb_version"] is None


def test_text_read_back_from_csv_gives_the_same_numbers(metrics) -> None:
    as_text = SCORED.astype(object).where(SCORED.notna(), "").astype(str)
    again = compute_metrics(as_text, aliases={"old_x": "x"})
    assert again["n"] == 4 and again["brier_top1"] == pytest.approx(metrics["brier_top1"])


def test_missing_rank_and_unknown_level_are_refused() -> None:
    bad_rank = SCORED.assign(gold_rank=pd.array([None] * 6, dtype="Int64"))
    with pytest.raises(ValueError, match="gold_rank is missing"):
        compute_metrics(bad_rank)
    bad_level = SCORED.assign(gold_triage=["soon"] * 6)
    with pytest.raises(ValueError, match="unknown triage level 'soon'"):
        compute_metrics(bad_level)


def test_format_metrics_table(metrics) -> None:
    text = format_metrics(metrics)
    assert "causes: n=4 (left out: 1 error rows, 1 without gold_cause)" in text
    assert "top-1 accuracy          0.500  (2/4)" in text
    assert "Brier score, top cause  0.177" in text
    assert "emergency sensitivity   0.500  (1/2)" in text
    assert "under-triage rate       0.200  (1/5)" in text
    assert "  emergency              1          1          0          0" in text
    empty = format_metrics(compute_metrics(pd.DataFrame({"status": []})))
    assert "top-1 accuracy          -" in empty
