"""Terminology codes of the nodes (``model/codes.yaml``): what an EHR calls each cause, finding and risk factor.

The codes are data, each with the page it was confirmed on; a node whose code
could not be confirmed says so (``unverified``, with the reason) rather than
carrying a guess. This module holds the typed form, the format checks of the
three code systems (the SNOMED CT check digit, the ICD-10-CM pattern, the LOINC
check digit) and the look-up a chart reader needs: which node a coded entry is.

An ICD-10-CM code matches its descendants (a chart's ``E11.9`` is the node's
``E11``); SNOMED CT and LOINC codes match exactly, since their hierarchies need
a terminology server that ddx does not call.

``map`` says what a chart entry with the code tells about the node
(:meth:`Code.implies`): an ``equivalent`` code answers it yes or no; a
``narrower`` one (diarrhoea, for "vomiting or diarrhoea") only yes, since its
absence leaves the rest open; a ``broader`` one (any paraesthesia, for
"numbness in the hands") only no, since its presence may lie elsewhere.

Examples
--------
>>> snomed_ok("40956001"), snomed_ok("40956002")
(True, False)
>>> icd10cm_ok("G57.10"), icd10cm_ok("G5710")
(True, False)
>>> loinc_ok("2132-9"), loinc_ok("2132-8")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CODES_FILE",
    "DERIVED",
    "FORMATS",
    "MAPS",
    "Code",
    "CodeBook",
    "NodeCodes",
    "build_codes",
    "icd10cm_ok",
    "loinc_ok",
    "snomed_ok",
]

CODES_FILE = "model/codes.yaml"
#: How a code's meaning relates to its node's.
MAPS: tuple[str, ...] = ("equivalent", "narrower", "broader")
#: Evidence a chart reader takes from the Patient resource instead of a code.
DERIVED: tuple[str, ...] = ("Patient.gender", "Patient.birthDate")

# Verhoeff's dihedral-group tables: SNOMED CT identifiers end in this check digit.
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
# The position permutations: _P[i] is the permutation _P[1] applied i times (Verhoeff's F^i).
_P1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_P: tuple[tuple[int, ...], ...] = ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9),)
for _ in range(7):
    _P = (*_P, tuple(_P[-1][_P1[j]] for j in range(10)))
_SNOMED = re.compile(r"^[1-9][0-9]{5,17}$")
#: SNOMED CT partition of a concept id (the two digits before the check digit): core or extension concept.
_CONCEPT_PARTITIONS = ("00", "10")
_ICD10CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_LOINC = re.compile(r"^[0-9]{1,7}-[0-9]$")


def snomed_ok(code: str) -> bool:
    """A SNOMED CT concept id: 6-18 digits, a concept partition and a valid Verhoeff check digit."""
    if not _SNOMED.match(code) or code[-3:-1] not in _CONCEPT_PARTITIONS:
        return False
    check = 0
    for i, digit in enumerate(reversed(code)):
        check = _D[check][_P[i % 8][int(digit)]]
    return check == 0


def icd10cm_ok(code: str) -> bool:
    """An ICD-10-CM code as written with its dot: a category (``E11``) or a subcategory or code (``G57.10``)."""
    return bool(_ICD10CM.match(code))


def loinc_ok(code: str) -> bool:
    """A LOINC code: digits, a hyphen and the mod-10 check digit LOINC defines."""
    if not _LOINC.match(code):
        return False
    digits, check = code.split("-")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)  # odd places from the right are doubled
        total += d // 10 + d % 10
    return (10 - total % 10) % 10 == int(check)


#: The format check of each code system, by its short name in ``model/codes.yaml``.
FORMATS: Mapping[str, Callable[[str], bool]] = {"snomed": snomed_ok, "icd10cm": icd10cm_ok, "loinc": loinc_ok}


@dataclass(frozen=True)
class Code:
    """One code of a node: its system (short name and URI), the code, its display, how it maps, where it was read."""

    system: str
    url: str
    code: str
    display: str
    map: str
    source: str
    yes_if: tuple[str, ...] = ()  # a test's code: the Observation.interpretation codes that mean the node is yes

    def implies(self, answer: bool) -> bool | None:
        """What a chart's yes or no to this code says of the node (None: nothing), by :attr:`map`."""
        if self.map == "narrower":
            return True if answer else None
        if self.map == "broader":
            return None if answer else False
        return answer

    def matches(self, url: str, code: str) -> bool:
        """Whether a chart's ``(system URI, code)`` is this code (or, in ICD-10-CM, a descendant of it)."""
        if url != self.url:
            return False
        if self.system == "icd10cm":
            return code.upper().startswith(self.code)
        return code == self.code


@dataclass(frozen=True)
class NodeCodes:
    """The codes of one node, what could not be confirmed, and how a chart gives its answer."""

    node: str
    codes: tuple[Code, ...] = ()
    unverified: tuple[tuple[str, str], ...] = ()  # (system, why no code was confirmed)
    derived: str | None = None  # read from the Patient resource (``Patient.gender``) instead of a code
    history: bool = False  # a resolved Condition still counts (a previous clot, past surgery)


@dataclass(frozen=True)
class CodeBook:
    """Every node's codes and the value codes a chart reader understands."""

    systems: Mapping[str, str]  # short name -> system URI
    nodes: Mapping[str, NodeCodes]
    answers: Mapping[str, tuple[Code, ...]] = field(default_factory=dict)  # "yes" / "no" -> value codes
    interpretation: tuple[str, ...] = ()  # code systems of Observation.interpretation read for ``yes_if``
    acute_kinds: tuple[str, ...] = ()  # kinds of node that are new signs (emergency signs): read only when recent
    acute_days: int | None = None  # how recent a chart entry answering one must be, in days

    def tally(self) -> dict[str, int]:
        """Counts for a summary: codes per system (by short name), and nodes ``coded``, ``derived``, ``unverified``."""
        codes = [c.system for entry in self.nodes.values() for c in entry.codes]
        return {
            **{system: codes.count(system) for system in self.systems},
            "coded": sum(1 for entry in self.nodes.values() if entry.codes),
            "derived": sum(1 for entry in self.nodes.values() if entry.derived),
            "unverified": sum(1 for entry in self.nodes.values() if entry.unverified),
        }

    def codes(self, node_id: str) -> tuple[Code, ...]:
        entry = self.nodes.get(node_id)
        return entry.codes if entry else ()

    def lookup(self, url: str, code: str) -> tuple[tuple[str, Code], ...]:
        """Every ``(node, code)`` whose code a chart's ``(system URI, code)`` is (or, in ICD-10-CM, falls under)."""
        return tuple((node, c) for node, entry in self.nodes.items() for c in entry.codes if c.matches(url, code))

    def answer(self, url: str, code: str) -> bool | None:
        """A coded value as yes (True) or no (False); None when it is neither."""
        for value, codes in self.answers.items():
            if any(c.matches(url, code) for c in codes):
                return value == "yes"
        return None


def _code(raw: Mapping[str, Any], systems: Mapping[str, str]) -> Code:
    return Code(
        system=raw["system"],
        url=systems[raw["system"]],
        code=str(raw["code"]),
        display=str(raw["display"]),
        map=raw.get("map", "equivalent"),
        source=str(raw["source"]),
        yes_if=tuple(str(x) for x in raw.get("yes_if") or ()),
    )


def build_codes(raw: Mapping[str, Any] | None) -> CodeBook:
    """The :class:`CodeBook` of a validated ``model/codes.yaml`` (an empty one when the model has none)."""
    if not raw:
        return CodeBook(systems={}, nodes={})
    systems = {k: str(v) for k, v in raw["systems"].items()}
    nodes = {}
    for node, entry in (raw.get("nodes") or {}).items():
        nodes[node] = NodeCodes(
            node=node,
            codes=tuple(_code(c, systems) for c in entry.get("codes") or ()),
            unverified=tuple((u["system"], u["reason"]) for u in entry.get("unverified") or ()),
            derived=entry.get("derived"),
            history=bool(entry.get("history", False)),
        )
    answers = {value: tuple(_code(c, systems) for c in codes) for value, codes in (raw.get("answers") or {}).items()}
    acute = raw.get("acute") or {}
    return CodeBook(
        systems=systems,
        nodes=nodes,
        answers=answers,
        interpretation=tuple(str(x) for x in raw.get("interpretation") or ()),
        acute_kinds=tuple(acute.get("kinds") or ()),
        acute_days=int(acute["within_days"]) if "within_days" in acute else None,
    )
