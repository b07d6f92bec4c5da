"""The ddx error hierarchy: every error a user can act on is a ``DdxError``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .clinical.rules import FiredRule

__all__ = [
    "DdxError",
    "EmergencyEvidenceError",
    "EvidenceError",
    "FhirError",
    "InputFileError",
    "KnowledgeBaseError",
    "did_you_mean",
    "excerpt",
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


class EmergencyEvidenceError(EvidenceError):
    """The case cannot be scored, but the answers that can be read meet an emergency rule.

    Raised by :meth:`ddx.Engine.diagnose` in place of a plain
    :class:`EvidenceError` (the fail safe, :mod:`ddx.clinical.failsafe`): the message
    starts with the emergency advice, so that a caller that prints any
    ``EvidenceError`` still shows it.

    Attributes
    ----------
    triage
        Always ``"emergency"``.
    rules_fired
        The emergency rules met, most urgent first (file order), as in
        :attr:`ddx.DiagnosisResult.rules_fired`.
    advice
        The first rule's message.
    problem
        What is wrong with the case (the plain error's message).
    """

    def __init__(self, rules_fired: tuple[FiredRule, ...], problem: str) -> None:
        self.triage = "emergency"
        self.rules_fired = rules_fired
        self.advice = rules_fired[0].message
        self.problem = problem
        ids = ", ".join(rule.id for rule in rules_fired)
        super().__init__(f"{self.advice} [emergency: {ids}] The case cannot be scored: {problem}")


class FhirError(DdxError):
    """A FHIR resource given to :mod:`ddx.fhir` is not valid FHIR R4 (or not the resource asked for)."""


class InputFileError(DdxError):
    """A batch file cannot be used as a whole (missing input, bad header, refused output path, ...)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest known id, or ``''``."""
    close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


#: The longest excerpt of a value an error message quotes.
EXCERPT_CHARS = 80


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` cut to at most ``limit`` characters (ending in ``...`` when cut).

    A message quotes a bad value so that its author can find it; a value read
    from a file can be huge, so only its start is shown. Large lists and
    mappings are not rendered whole before cutting (``reprlib`` stops early).
    """
    import reprlib

    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 4, limit, limit
    short.maxlist = short.maxtuple = short.maxset = short.maxdict = limit // 4
    # reprlib cuts a long string in the middle; a message shows its start
    text = repr(value[: limit + 1]) if isinstance(value, str) else short.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
