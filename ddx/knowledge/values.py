"""The one value grammar: how an answer, a sex and an age may be written, on every path.

The Python API (:func:`ddx.knowledge.evidence.normalise`), the batch reader,
JSON and command-line input and the interview all read values here, so the
same spelling means the same everywhere (docs/model.md, "Evidence"):

- **answer**: yes is ``True``, ``yes``, ``y``, ``true``, ``1``; no is
  ``False``, ``no``, ``n``, ``false``, ``0``; strings in any case and with
  surrounding blanks; numpy bools, the integers 1/0 and the floats
  ``1.0``/``0.0`` (what pandas makes of a 1/0 column) too. Unknown is
  ``None``, a blank string or NaN (a blank cell).
- **sex**: a state of the model's sex node (``female``, ``male``), or its
  first letter (``f``, ``m``), any case; blank or ``None`` is unknown.
- **age**: a finite number of years, or a string that is one in ASCII
  digits (``"45"``, ``" 45.5 "``); blank, ``None`` or NaN is unknown. The
  model's valid range is checked by :func:`~ddx.knowledge.evidence.normalise`.

Anything else raises :class:`~ddx.errors.EvidenceError` whose message says
what was given and what is accepted; callers put the id or column in front.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from numbers import Integral, Real

import numpy as np

from ..errors import EvidenceError, excerpt

__all__ = [
    "ANSWER_HELP",
    "ANSWER_SPELLINGS",
    "SEXES",
    "parse_answer",
    "parse_pairs",
    "read_age",
    "read_answer",
    "read_sex",
]

#: Spelling (lower case, stripped) -> answer.
ANSWER_SPELLINGS: dict[str, bool] = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "1.0": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "0.0": False,
}

#: What an answer may be, said once for every message.
ANSWER_HELP = "use yes or no (also y/n, true/false, 1/0, any case) or leave it blank for unknown"

#: The sex states of the bundled model (a model names its own in ``model/nodes.yaml``).
SEXES = ("female", "male")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _missing(value: object) -> bool:
    """None, NaN (any float type) or pandas' NA: a blank cell."""
    if value is None:
        return True
    if isinstance(value, Real) and not isinstance(value, Integral):
        return math.isnan(float(value))
    return type(value).__name__ in ("NAType", "NaTType")


def _blank(value: object) -> bool:
    return _missing(value) or (isinstance(value, str) and not value.strip())


def read_answer(value: object) -> bool | None:
    """An answer: True (yes), False (no) or None (unknown), in any spelling of the grammar.

    Raises
    ------
    EvidenceError
        For anything else: ``'maybe' is not an answer; use yes or no ...``.

    Examples
    --------
    >>> [read_answer(v) for v in ("Yes", " n ", "1", 0.0, True, None, "")]
    [True, False, True, False, True, None, None]
    """
    if value is True or value is False:  # the common case (a batch's cells are read already): no checks
        return value
    if _blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Integral) and int(value) in (0, 1):
        return bool(int(value))
    if isinstance(value, Real) and float(value) in (0.0, 1.0):
        return float(value) == 1.0
    if isinstance(value, str) and value.strip().lower() in ANSWER_SPELLINGS:
        return ANSWER_SPELLINGS[value.strip().lower()]
    raise EvidenceError(f"{excerpt(value)} is not an answer; {ANSWER_HELP}")


def parse_answer(value: object) -> bool | None:
    """Like :func:`read_answer`, but None for anything it cannot read (for callers that skip what is unreadable)."""
    try:
        return read_answer(value)
    except EvidenceError:
        return None


def read_sex(value: object, states: Sequence[str] = SEXES) -> str | None:
    """A sex: one of ``states``, given whole or by its first letter, any case; None when blank.

    Raises
    ------
    EvidenceError
        For anything else: ``'x' is not a sex; use female or male (also f/m, any case)``.

    Examples
    --------
    >>> [read_sex(v) for v in ("Female", "M", " f ", None)]
    ['female', 'male', 'female', None]
    """
    if _blank(value):
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in states:
            return text
        initial = [s for s in states if len(text) == 1 and s[:1] == text]
        if len(initial) == 1:
            return initial[0]
    letters = "/".join(s[:1] for s in states)
    raise EvidenceError(f"{excerpt(value)} is not a sex; use {' or '.join(states)} (also {letters}, any case)")


def read_age(value: object) -> float | None:
    """An age in years: a finite number, or a string that is one (ASCII digits); None when blank or NaN.

    Raises
    ------
    EvidenceError
        For anything else (``True``, ``'old'``, ``'inf'``, ``'٤٥'``): ``'old' is not a number of years``.

    Examples
    --------
    >>> [read_age(v) for v in (45, " 45.5 ", "", float("nan"))]
    [45.0, 45.5, None, None]
    """
    if _blank(value):
        return None
    number = math.nan
    if isinstance(value, Real) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        number = float(value.strip())
    if not math.isfinite(number):
        raise EvidenceError(f"{excerpt(value)} is not a number of years")
    return number


def _spelt(value: bool | None) -> str:
    return "blank" if value is None else "yes" if value else "no"


def parse_pairs(items: Iterable[str]) -> dict[str, bool]:
    """Answers written ``ID=yes`` / ``ID=no`` / ``ID=`` (unknown), as on the command line: id -> answer.

    An id given twice with the same answer counts once; with different
    answers it is an error naming the id. Unknown answers are left out.
    Whether each id is known is checked later, by the engine.

    Raises
    ------
    EvidenceError
        For an item without ``=`` or without an id, a value that is not an
        answer, or an id answered twice differently.

    Examples
    --------
    >>> parse_pairs(["back_pain=yes", "one_leg_only=N", "leg_pain="])
    {'back_pain': True, 'one_leg_only': False}
    """
    given: dict[str, bool | None] = {}
    for item in items:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise EvidenceError(f"answers are written ID=yes or ID=no; got {excerpt(item)}")
        try:
            value = read_answer(text)
        except EvidenceError as exc:
            raise EvidenceError(f"evidence {excerpt(key)}: {exc}") from None
        if key in given and given[key] != value:
            both = f"{_spelt(given[key])} and {_spelt(value)}"
            raise EvidenceError(f"evidence {excerpt(key)} is answered twice, {both}; give each id once")
        given[key] = value
    return {key: value for key, value in given.items() if value is not None}
