"""Small checks every validator of a model file shares: ids, sections, mappings, finite numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from .problems import Problems

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SECTIONS = {
    "causes": "cause",
    "findings": "finding",
    "risk_factors": "risk_factor",
    "emergency_signs": "emergency_sign",
}
#: Fields of a number entry; ``ref``, ``says`` and ``derivation`` belong to basis ``literature``.
_NUMBER_FIELDS = {
    "value",
    "range",
    "basis",
    "file",
    "section",
    "phrase",
    "term",
    "rationale",
    "note",
    "ref",
    "says",
    "derivation",
}
_LINK_FIELDS = _NUMBER_FIELDS | {"when"}


def _of_kind(kinds: Mapping[str, str], *wanted: str) -> list[str]:
    return [k for k, v in kinds.items() if v in wanted]


def _mapping(problems: Problems, file: str, value: Any, entry: str = "") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(file, entry, f"expected a mapping, got {type(value).__name__}")
        return {}
    return dict(value)


def _finite(value: Any) -> TypeGuard[float]:
    """A real number (not a bool, not NaN or infinite)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _excerpt(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
