"""Results as JSON-ready dicts: the one documented shape of ``DiagnosisResult.to_dict()``."""

from __future__ import annotations

from typing import Any

from ..engine.result import DiagnosisResult

__all__ = ["result_dict"]


def result_dict(result: DiagnosisResult) -> dict[str, Any]:
    """The result as every JSON output of ddx writes it (``ddx.engine.result_dict``; its JSON Schema ships too)."""
    return result.to_dict()
