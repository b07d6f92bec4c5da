"""ddx: a transparent Bayesian differential-diagnosis engine for leg numbness and tingling.

Decision support, not a diagnosis.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .engine.core import Engine, load
from .engine.result import DISCLAIMER, CauseScore, DiagnosisResult, FiredRule
from .errors import DdxError, EmergencyEvidenceError, EvidenceError, InputFileError, KnowledgeBaseError
from .inference.explain import Contribution

__all__ = [
    "DISCLAIMER",
    "CauseScore",
    "Contribution",
    "DdxError",
    "DiagnosisResult",
    "EmergencyEvidenceError",
    "Engine",
    "EvidenceError",
    "FiredRule",
    "InputFileError",
    "KnowledgeBaseError",
    "__version__",
    "load",
]
