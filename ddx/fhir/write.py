"""A result as a FHIR R4 RiskAssessment: one prediction per cause, coded, with its probability and why.

The resource is built as JSON data and validated by the FHIR model library
(``fhir.resources``, R4B models) before it is returned. Each prediction's
``outcome`` carries the cause's codes from ``model/codes.yaml`` and its label;
``rationale`` gives the prior and, for the leading causes, the answers that
moved it most. ``basis`` points to the chart entries read
(:attr:`ddx.fhir.read.BundleEvidence.basis`), ``method`` names ddx and its
``kb_version``, ``mitigation`` is the advice, and ``note`` holds the triage,
every fired rule and the disclaimer: a RiskAssessment read alone still says
that a rule, not the ranking, sets what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..knowledge.model import KnowledgeBase
from .library import bundled_knowledge, fhir_model

if TYPE_CHECKING:
    from ..engine.result import DiagnosisResult

__all__ = ["risk_assessment"]

#: How many leading causes get the answers that moved them in their rationale.
EXPLAINED = 3
#: How many answers each of those rationales names.
REASONS = 3


def _labels(result: DiagnosisResult, kb: KnowledgeBase | None) -> Mapping[str, str]:
    if kb is None:
        bundled = bundled_knowledge()
        kb = bundled if bundled.kb_version == result.kb_version else None
    return {n.id: n.label for n in kb.nodes.values()} if kb is not None else {}


def _rationale(result: DiagnosisResult, cause: Any, rank: int, labels: Mapping[str, str]) -> str:
    text = f"{cause.probability:.1%} against a prior of {cause.prior:.1%} (rank {rank})"
    if rank > EXPLAINED:
        return text
    try:
        contributions = result.explain(cause.id)
    except RuntimeError:  # an unpickled result holds no engine
        return text
    moved = [c for c in contributions if c.delta_log_odds][:REASONS]
    if moved:
        words = [
            f"{labels.get(c.evidence_id, c.evidence_id)} {c.answer_text} ({c.direction} it; {c.citation})"
            for c in moved
        ]
        text += "; most moved by: " + "; ".join(words)
    return text


def _outcome(cause: Any) -> dict[str, Any]:
    # Codings of one CodeableConcept should mean the same thing: the equivalent codes, else all (the text is exact).
    codes = [c for c in cause.codes if c.map == "equivalent"] or list(cause.codes)
    coding = [{"system": c.url, "code": c.code, "display": c.display} for c in codes]
    return {"coding": coding, "text": cause.label} if coding else {"text": cause.label}


def risk_assessment(
    result: DiagnosisResult,
    *,
    subject: str | None = None,
    basis: Iterable[str] = (),
    kb: KnowledgeBase | None = None,
    when: datetime | None = None,
) -> Any:
    """``result`` as a validated ``fhir.resources`` R4B ``RiskAssessment`` (``.model_dump_json()`` for JSON).

    Parameters
    ----------
    subject
        The reference of the person assessed (``"Patient/123"``); without one the
        subject is a display only, as the resource requires a subject.
    basis
        References of the resources the answers came from.
    kb
        The knowledge base for labels in the rationale (default: the bundled one,
        when its ``kb_version`` is the result's; otherwise ids are shown).
    when
        The time of the assessment (default: now, in UTC).
    """
    labels = _labels(result, kb)
    notes = [f"Triage: {result.triage}. {result.advice}"]
    if result.rules_fired:
        notes.append("A rule set the triage; the probabilities are secondary.")
        notes += [f"Rule {r.id} [{r.level}]: {r.message} (source: {r.source})" for r in result.rules_fired]
    notes.append(result.disclaimer)
    data = {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": {"reference": subject} if subject else {"display": "the person assessed"},
        "occurrenceDateTime": (when or datetime.now(timezone.utc)).isoformat(),
        "code": {"text": "Differential diagnosis of numbness or tingling in the leg"},
        "method": {"text": f"ddx {__version__}, knowledge base kb_version {result.kb_version}"},
        "basis": [{"reference": ref} for ref in basis],
        "prediction": [
            {
                "outcome": _outcome(cause),
                "probabilityDecimal": float(cause.probability),
                "rationale": _rationale(result, cause, rank, labels),
            }
            for rank, cause in enumerate(result.differential, start=1)
        ],
        "mitigation": result.advice,
        "note": [{"text": text} for text in notes],
    }
    if not data["basis"]:
        del data["basis"]
    return fhir_model("RiskAssessment").model_validate(data)
