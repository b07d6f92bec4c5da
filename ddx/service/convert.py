"""Results as JSON-ready dicts: ``DiagnosisResult.to_dict()`` where it exists, the same keys otherwise."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..engine.result import DiagnosisResult

__all__ = ["result_dict"]


def result_dict(result: DiagnosisResult) -> dict[str, Any]:
    """The result's documented JSON shape (see ``DiagnosisResult.to_dict``)."""
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict):
        out: dict[str, Any] = to_dict()
        return out
    ev = result.evidence
    return {
        "schema_version": "1",
        "kb_version": result.kb_version,
        "disclaimer": result.disclaimer,
        "evidence": {
            "answers": dict(ev.answers),
            "age": ev.age,
            "sex": ev.sex,
            "implied": sorted(ev.implied_ids),
        },
        "differential": [asdict(c) for c in result.differential],
        "triage": result.triage,
        "network_triage": result.network_triage,
        "advice": result.advice,
        "rules_fired": [asdict(r) for r in result.rules_fired],
        "next_steps": [asdict(s) for s in result.next_steps],
        "probabilities_secondary": result.probabilities_secondary,
        "explanation": None,
        "intervals": None if result.intervals is None else [asdict(i) for i in result.intervals],
    }
