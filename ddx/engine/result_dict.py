"""A result as plain JSON data: the one structured shape every front end and service prints.

The shape is versioned: ``schema_version`` names the JSON Schema shipped in
``ddx/engine/schema/result-<version>.json`` (see ``docs/result.md``). Keys are
only ever added within a version; renaming or removing one makes a new version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .result import DiagnosisResult

__all__ = ["SCHEMA_VERSION", "result_schema", "to_dict"]

#: The version of the shape :func:`to_dict` returns; the schema file of the same number describes it.
SCHEMA_VERSION = "1"


@lru_cache(maxsize=4)
def _schema_text(version: str) -> str:
    path = resources.files("ddx.engine").joinpath(f"schema/result-{version}.json")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(
            f"no result schema version {version!r}; the package ships version {SCHEMA_VERSION!r}"
        ) from None


def result_schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON Schema of a result dict (a fresh copy: callers may change it)."""
    schema: dict[str, Any] = json.loads(_schema_text(version))
    return schema


def _explain_ids(explain: str | Iterable[str] | None) -> list[str] | None:
    # A lone id is one cause, not its letters.
    if explain is None:
        return None
    return [explain] if isinstance(explain, str) else list(dict.fromkeys(explain))


def to_dict(result: DiagnosisResult, explain: str | Iterable[str] | None = None) -> dict[str, Any]:
    """``result`` as JSON-able data (see :meth:`ddx.engine.result.DiagnosisResult.to_dict`)."""
    ev = result.evidence
    causes = _explain_ids(explain)
    explanation = None
    if causes is not None:
        explanation = {
            cause: [
                {
                    "evidence_id": c.evidence_id,
                    "answer": c.answer,
                    "delta_log_odds": float(c.delta_log_odds),
                    "probability_without": float(c.probability_without),
                    "citation": c.citation,
                }
                for c in result.explain(cause)
            ]
            for cause in causes
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "kb_version": result.kb_version,
        "disclaimer": result.disclaimer,
        "evidence": {
            "answers": {node: bool(value) for node, value in ev.answers.items()},
            "age": None if ev.age is None else float(ev.age),
            "sex": ev.sex,
            "implied": sorted(ev.implied_ids),
        },
        "differential": [
            {
                "id": c.id,
                "label": c.label,
                "probability": float(c.probability),
                "prior": float(c.prior),
                "group": c.group,
                "acuity": c.acuity,
                "codes": [{"system": k.url, "code": k.code, "display": k.display, "map": k.map} for k in c.codes],
            }
            for c in result.differential
        ],
        "triage": result.triage,
        "network_triage": result.network_triage,
        "advice": result.advice,
        "rules_fired": [
            {"id": r.id, "level": r.level, "message": r.message, "source": r.source} for r in result.rules_fired
        ],
        "next_steps": [
            {"kind": s.kind, "name": s.name, "text": s.text, "citation": s.citation, "cause": s.cause}
            for s in result.next_steps
        ],
        "probabilities_secondary": result.probabilities_secondary,
        "explanation": explanation,
        "intervals": None
        if result.intervals is None
        else [
            {
                "cause": i.cause,
                "point": float(i.point),
                "low": float(i.low),
                "high": float(i.high),
                "top1": float(i.top1),
                "top3": float(i.top3),
            }
            for i in result.intervals
        ],
    }
