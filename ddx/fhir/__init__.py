"""FHIR R4 in and out: a chart's resources as evidence, a result as a RiskAssessment (``docs/ehr.md``).

Both go through the node codes of ``model/codes.yaml`` and use the FHIR model
library ``fhir.resources`` (R4B models; the ``fhir`` extra), imported only here.
"""

from .read import BundleEvidence, Mapped, Unmapped, evidence_from_bundle, evidence_from_resources
from .write import risk_assessment

__all__ = [
    "BundleEvidence",
    "Mapped",
    "Unmapped",
    "evidence_from_bundle",
    "evidence_from_resources",
    "risk_assessment",
]
