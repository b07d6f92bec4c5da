"""Shared fixtures: a tiny knowledge base written to a temporary folder.

``tiny_files()`` returns the files as Python data (relative path -> content)
so that a test can break one entry and check the error; ``write_kb`` writes
them out. The tiny model has 3 causes, 4 findings, 3 risk factors and one
rule-only emergency sign, and next steps for each cause.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def judged(value: float, low: float | None = None, high: float | None = None) -> dict[str, Any]:
    """A judgement number entry (the range defaults to value +- a little)."""
    low = value / 2 if low is None else low
    high = min(0.99, value * 1.5) if high is None else high
    return {"value": value, "range": [low, high], "basis": "judgement", "rationale": "test value"}


def tiny_next_steps() -> dict[str, Any]:
    """``model/next_steps.yaml`` of the tiny model: a test and notes per cause, one article source."""
    article = {"basis": "article", "file": "003_f50762881c6da201.txt", "section": "Sciatica", "phrase": "bone spurs"}

    def why() -> dict[str, str]:
        return {"basis": "judgement", "rationale": "test"}

    return {
        "leading": {"threshold": 0.1, "max_causes": 5, "rationale": "test"},
        "self_care_notes": {
            "by_triage": {"emergency": "omit", "urgent": "after_seen", "routine": "show", "self_care": "show"},
            "after_seen_prefix": "After you have been seen: ",
            "rationale": "test",
        },
        "causes": {
            "cause_a": {
                "tests": [{"name": "test a", "text": "Test for A.", "source": why()}],
                "notes": [
                    {"kind": "self_care", "name": "rest a", "text": "Rest at home for A.", "source": why()},
                    {"kind": "treatment", "name": "pill a", "text": "A pill for A.", "source": why()},
                ],
            },
            "cause_b": {
                "tests": [{"name": "scan b", "text": "A scan for B.", "source": article}],
                "notes": [
                    {"kind": "self_care", "name": "stretch b", "text": "Stretch at home for B.", "source": why()}
                ],
            },
            "cause_c": {
                "tests": [{"name": "test c", "text": "Test for C.", "source": why()}],
                "notes": [{"kind": "care", "name": "go now", "text": "Get care now for C.", "source": why()}],
            },
        },
    }


def tiny_files() -> dict[str, Any]:
    nodes = {
        "causes": {
            "cause_a": {"label": "Cause A", "group": "benign", "acuity": "self_care"},
            "cause_b": {"label": "Cause B", "group": "spinal", "acuity": "routine"},
            "cause_c": {"label": "Cause C", "group": "vascular", "acuity": "emergency"},
        },
        "findings": {
            "f1": {"label": "Finding 1", "question": "F1?"},
            "f2": {"label": "Finding 2", "question": "F2?"},
            "f3": {"label": "Finding 3", "question": "F3?"},
            "f4": {"label": "Finding 4", "question": "F4?"},
        },
        "risk_factors": {
            "rf1": {"label": "Risk 1", "question": "R1?"},
            "older_age": {"label": "Older age", "question": "Are you 60 or older?"},
            "sex": {"label": "Sex", "question": "Sex?", "states": ["male", "female"]},
        },
        "emergency_signs": {"red_flag": {"label": "Red flag", "question": "Red flag?"}},
    }
    article = {
        "basis": "article",
        "file": "003_f50762881c6da201.txt",
        "section": "Sciatica",
        "phrase": "radiates from the lower back",
        "term": "usually",
    }
    return {
        "model/model.yaml": {
            "kb_version": "test-1",
            "title": "tiny",
            "population": "test population",
            "articles": {"003_f50762881c6da201.txt": "Causes of Leg Numbness"},
            "groups": {"benign": "Benign", "spinal": "Spinal", "vascular": "Vascular"},
            "age": {"node": "older_age", "yes_at_or_above": 60, "valid_range": [0, 120]},
            "sex": {"node": "sex"},
            "exclusive": [{"ids": ["f1", "f4"], "reason": "test exclusion"}],
        },
        "model/nodes.yaml": nodes,
        "model/merges.yaml": {
            "old_a": {"into": "cause_a", "reason": "merged for the test"},
            "f1_alias": {"into": "f1", "reason": "same finding"},
        },
        "model/rules.yaml": {
            "rules": [
                {
                    "id": "red_flag_rule",
                    "when": "red_flag",
                    "level": "emergency",
                    "message": "Call now.",
                    "source": {"basis": "judgement", "rationale": "test"},
                },
                {
                    "id": "f3_and_f4",
                    "when": {"all": ["f3", {"any": ["f4", "rf1"]}]},
                    "level": "urgent",
                    "message": "See someone today.",
                    "source": {"basis": "judgement", "rationale": "test"},
                },
            ]
        },
        "model/triage.yaml": {
            "levels": {
                "emergency": {"advice": "Call emergency services."},
                "urgent": {"advice": "See a clinician today."},
                "routine": {"advice": "Book a visit."},
                "self_care": {"advice": "Manage at home."},
            },
            "thresholds": {
                "emergency": {"emergency": judged(0.2), "urgent": judged(0.18)},
                "urgent": {"urgent": judged(0.3)},
                "routine": {"routine": judged(0.4)},
                "self_care": {"self_care": judged(0.5)},
            },
            "support": {"min_ratio": {"value": 1.5, "range": [1.2, 3.0], "basis": "judgement", "rationale": "test"}},
            "unsupported": {"level": "routine", "advice": "Answer more questions.", "rationale": "test"},
        },
        "model/next_steps.yaml": tiny_next_steps(),
        "priors/scale.yaml": {
            "convention": "test",
            "citations": ["test"],
            "terms": {"usually": {"value": 0.8, "range": [0.6, 0.9], "meaning": "test"}},
        },
        "priors/risk_factors.yaml": {"rf1": judged(0.3), "older_age": judged(0.4), "sex": judged(0.5)},
        "priors/leaks.yaml": {"f1": judged(0.01), "f2": judged(0.02), "f3": judged(0.03), "f4": judged(0.01)},
        "priors/causes/cause_a.yaml": {
            "cause": "cause_a",
            "prior": judged(0.3),
            "risk_factors": {"sex": {**judged(0.1), "when": "female"}},
            "findings": {"f1": {**article, "value": 0.8, "range": [0.7, 0.9]}, "f2": judged(0.3)},
        },
        "priors/causes/cause_b.yaml": {
            "cause": "cause_b",
            "prior": judged(0.1),
            "risk_factors": {"rf1": judged(0.4)},
            "findings": {"f2": judged(0.7), "f3": judged(0.6)},
        },
        "priors/causes/cause_c.yaml": {
            "cause": "cause_c",
            "prior": judged(0.05),
            "risk_factors": {"older_age": judged(0.2), "rf1": judged(0.1)},
            "findings": {"f3": judged(0.5), "f4": judged(0.9)},
        },
    }


def write_kb(root: Path, files: dict[str, Any]) -> Path:
    """Write ``files`` (relative path -> data, or str for raw text) under ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
    return root


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "tiny", copy.deepcopy(tiny_files()))


@pytest.fixture
def tiny_engine(tiny_dir: Path):
    import ddx

    return ddx.load(tiny_dir)


@pytest.fixture(scope="module")
def tiny_engine_module(tmp_path_factory: pytest.TempPathFactory):
    """The tiny engine, shared by the tests of one module (for hypothesis)."""
    import ddx

    return ddx.load(write_kb(tmp_path_factory.mktemp("tiny"), copy.deepcopy(tiny_files())))


@pytest.fixture(scope="session")
def bundled_engine():
    """The bundled model's engine, shared by the whole run (it is immutable)."""
    import ddx

    return ddx.load()
