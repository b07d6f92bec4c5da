"""The ddx error hierarchy: every error a user can act on is a ``DdxError``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "DdxError",
    "EvidenceError",
    "InputFileError",
    "KnowledgeBaseError",
    "did_you_mean",
]


class DdxError(ValueError):
    """Base class of every error ddx raises on bad knowledge files or bad input."""


class KnowledgeBaseError(DdxError):
    """The files in ``model/`` or ``priors/`` are inconsistent.

    ``problems`` lists every problem found, one ``file: entry.field: message``
    line each, so that a reviewer can fix them all in one pass.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the knowledge base:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class EvidenceError(DdxError):
    """Evidence passed to the engine names an unknown id or has a bad value."""


class InputFileError(DdxError):
    """A batch input file cannot be read as a whole (missing, bad header, ...)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest known id, or ``''``."""
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
