"""The FHIR model library (``fhir.resources``, its R4B models), imported only when a FHIR path is used.

``import ddx`` never loads it: it is an optional dependency (the ``fhir`` extra),
and a caller without it gets the line that installs it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..knowledge.model import KnowledgeBase

__all__ = ["INSTALL_HINT", "bundled_knowledge", "fhir_model"]

INSTALL_HINT = "the FHIR paths need fhir.resources: pip install 'ddx-paresthesia[fhir]'"


@lru_cache(maxsize=64)
def fhir_model(resource_type: str) -> Any:
    """The R4B model class of one resource type; a LookupError names an unknown type."""
    try:
        from fhir.resources.R4B import get_fhir_model_class
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise ImportError(INSTALL_HINT) from exc
    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError):
        raise LookupError(f"unknown FHIR resource type {resource_type!r}") from None


@lru_cache(maxsize=1)
def bundled_knowledge() -> KnowledgeBase:
    """The bundled knowledge base, read once (what the FHIR functions use when given none)."""
    from ..knowledge.load import load_knowledge

    return load_knowledge()
