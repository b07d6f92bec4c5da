"""The bundled example vignettes (examples/vignettes.csv) and the model's accuracy on them.

The vignettes are short presentations written from the article text, each with a gold
cause (a cause id or a merged inventory id) and a gold triage level. The bundled model
must rank the gold cause in its top three for at least 90 % of them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import ddx
from ddx.knowledge.model import TRIAGE_LEVELS

REPO_ROOT = Path(__file__).resolve().parents[2]
VIGNETTES = REPO_ROOT / "examples" / "vignettes.csv"
META = {"case_id", "age", "sex", "gold_cause", "gold_triage"}
MIN_TOP3 = 0.90


@pytest.fixture(scope="module")
def engine() -> ddx.Engine:
    return ddx.load(REPO_ROOT)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with VIGNETTES.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _evidence(row: dict[str, str]) -> dict[str, bool]:
    return {k: v.strip().lower() == "yes" for k, v in row.items() if k not in META and v.strip()}


def _gold(engine: ddx.Engine, row: dict[str, str]) -> str:
    merges = engine.kb.merges
    gold = row["gold_cause"]
    return merges[gold].into if gold in merges else gold


def test_vignettes_are_well_formed(engine: ddx.Engine, rows: list[dict[str, str]]) -> None:
    kb = engine.kb
    assert len(rows) >= 60
    assert len({r["case_id"] for r in rows}) == len(rows), "case_id must be unique"
    for row in rows:
        answered = _evidence(row)
        assert 3 <= len(answered) <= 10, f"{row['case_id']}: {len(answered)} answered items"
        assert any(answered.values()) and not all(answered.values()), f"{row['case_id']}: mix yes and no"
        assert _gold(engine, row) in kb.causes, f"{row['case_id']}: unknown gold cause {row['gold_cause']}"
        assert row["gold_triage"] in TRIAGE_LEVELS, f"{row['case_id']}: bad gold triage"
        if any(answered.get(sign) for sign in kb.emergency_signs):
            assert row["gold_triage"] == "emergency", f"{row['case_id']}: emergency sign but not emergency"


def test_every_cause_has_a_vignette(engine: ddx.Engine, rows: list[dict[str, str]]) -> None:
    covered = {_gold(engine, r) for r in rows}
    missing = [c for c in engine.kb.causes if c not in covered]
    assert not missing, f"causes without a vignette: {missing}"
    assert any(r["gold_cause"] in engine.kb.merges for r in rows), "no vignette uses a merged id"


def test_gold_cause_is_in_the_top_three_for_at_least_90_percent(engine: ddx.Engine, rows: list[dict[str, str]]) -> None:
    misses = []
    for row in rows:
        age = float(row["age"]) if row.get("age") else None
        result = engine.diagnose(_evidence(row), age=age, sex=row.get("sex") or None)
        top3 = [item.id for item in result.differential[:3]]
        if _gold(engine, row) not in top3:
            misses.append(f"{row['case_id']} ({row['gold_cause']}): top 3 {top3}")
    share = 1 - len(misses) / len(rows)
    assert share >= MIN_TOP3, f"top-3 accuracy {share:.1%} < {MIN_TOP3:.0%}; misses: {misses}"


def test_emergency_vignettes_are_triaged_emergency(engine: ddx.Engine, rows: list[dict[str, str]]) -> None:
    under = []
    for row in rows:
        if row["gold_triage"] != "emergency":
            continue
        age = float(row["age"]) if row.get("age") else None
        result = engine.diagnose(_evidence(row), age=age, sex=row.get("sex") or None)
        if result.triage != "emergency":
            under.append(f"{row['case_id']}: {result.triage}")
    assert not under, f"emergency vignettes under-triaged: {under}"
