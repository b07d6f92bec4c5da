"""Checks of model/codes.yaml: every node coded or marked, every code well formed and sourced.

A code is checked for its system's format (:data:`ddx.knowledge.codes.FORMATS`),
a display, a ``map`` and the page it was confirmed on; ``yes_if`` (which
interpretations of a test mean yes) belongs to a test's code. A node without
a confirmed code must say why (``unverified``) or where its answer comes from
instead (``derived``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import did_you_mean, excerpt
from .checks import _mapping
from .codes import CODES_FILE, DERIVED, FORMATS, MAPS
from .problems import FileProblems, Problems

_TOP = ("systems", "interpretation", "answers", "acute", "nodes")
_KINDS = ("finding", "risk_factor", "emergency_sign")
_NODE_FIELDS = ("codes", "unverified", "derived", "history")
_CODE_FIELDS = ("system", "code", "display", "map", "source", "yes_if")
_URL_PREFIXES = ("https://", "http://")


def _check_code(out: FileProblems, where: str, raw: Any, systems: Mapping[str, Any]) -> None:
    """Problems of one code entry."""
    if not isinstance(raw, Mapping):
        out.add(where, f"expected a mapping with {', '.join(_CODE_FIELDS)}")
        return
    for key in raw:
        if key not in _CODE_FIELDS:
            out.add(where, f"unknown field '{key}'{did_you_mean(str(key), _CODE_FIELDS)}")
    system, code = str(raw.get("system")), raw.get("code")
    if system not in systems:
        out.add(where, f"unknown system {excerpt(system)}{did_you_mean(str(system), systems)}")
        return
    if not isinstance(code, str):
        out.add(where, f"code must be a quoted string, got {excerpt(code)}")
        return
    check = FORMATS.get(system)
    if check is not None and not check(code):
        out.add(where, f"{code!r} is not a valid {system} code (format or check digit)")
    if not isinstance(raw.get("display"), str) or not raw["display"].strip():
        out.add(where, "display is missing: the code's name as its source shows it")
    if raw.get("map", "equivalent") not in MAPS:
        out.add(where, f"map must be one of {', '.join(MAPS)}, got {excerpt(raw.get('map'))}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.startswith(_URL_PREFIXES):
        out.add(where, "source must be the address of the page the code was confirmed on")
    yes_if = raw.get("yes_if")
    if yes_if is not None and (
        not isinstance(yes_if, list) or not yes_if or not all(isinstance(x, str) for x in yes_if)
    ):
        out.add(f"{where}.yes_if", "expected a list of Observation.interpretation codes (H, L, POS, ...)")


def _check_entry(out: FileProblems, node: str, raw: Any, systems: Mapping[str, Any]) -> None:
    where = f"nodes.{node}"
    entry = _mapping(out.problems, out.file, raw, where)
    for key in entry:
        if key not in _NODE_FIELDS:
            out.add(where, f"unknown field '{key}'{did_you_mean(str(key), _NODE_FIELDS)}")
    codes = entry.get("codes") or []
    unverified = entry.get("unverified") or []
    derived = entry.get("derived")
    if not isinstance(codes, list) or not isinstance(unverified, list):
        out.add(where, "codes and unverified must be lists")
        return
    if not codes and not unverified and derived is None:
        out.add(where, "no codes: give codes, or an 'unverified' entry with the reason, or 'derived'")
    if derived is not None and derived not in DERIVED:
        out.add(f"{where}.derived", f"must be one of {', '.join(DERIVED)}, got {excerpt(derived)}")
    for i, u in enumerate(unverified):
        if not isinstance(u, Mapping) or u.get("system") not in systems or not str(u.get("reason") or "").strip():
            out.add(f"{where}.unverified[{i}]", "expected {system: <a system of 'systems'>, reason: <why>}")
    for i, code in enumerate(codes):
        _check_code(out, f"{where}.codes[{i}]", code, systems)


def check_codes(problems: Problems, raw: Any, kinds: Mapping[str, str]) -> None:
    """Check ``model/codes.yaml`` against the nodes (``kinds``: id -> kind); nothing when the model has none."""
    if raw is None:
        return
    out = problems.of(CODES_FILE)
    data = _mapping(problems, CODES_FILE, raw)
    for key in data:
        if key not in _TOP:
            out.add(str(key), f"unknown section{did_you_mean(str(key), _TOP)}; expected {', '.join(_TOP)}")
    systems = _mapping(problems, CODES_FILE, data.get("systems"), "systems")
    for name in FORMATS:
        if name not in systems:
            out.add("systems", f"'{name}' is missing: the URI of its code system")
    interpretation = data.get("interpretation", [])
    if not isinstance(interpretation, list) or not all(isinstance(x, str) for x in interpretation):
        out.add("interpretation", "expected a list of code-system URIs (of Observation.interpretation)")
    acute = _mapping(problems, CODES_FILE, data.get("acute"), "acute")
    if acute:
        acute_kinds = acute.get("kinds")
        if not isinstance(acute_kinds, list) or not acute_kinds or any(k not in _KINDS for k in acute_kinds):
            out.add("acute.kinds", f"expected a list of node kinds ({', '.join(_KINDS)})")
        days = acute.get("within_days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            out.add("acute.within_days", f"expected a whole number of days, at least 1; got {excerpt(days)}")
        if not str(acute.get("rationale") or "").strip():
            out.add("acute.rationale", "say why these signs must be recent, and how recent (a judgement and its range)")
    for value, codes in _mapping(problems, CODES_FILE, data.get("answers"), "answers").items():
        if value not in ("yes", "no") or not isinstance(codes, list):
            out.add(f"answers.{value}", "expected answers: {yes: [codes], no: [codes]}")
            continue
        for i, code in enumerate(codes):
            _check_code(out, f"answers.{value}[{i}]", code, systems)
    nodes = _mapping(problems, CODES_FILE, data.get("nodes"), "nodes")
    for node, entry in nodes.items():
        if node not in kinds:
            out.add(f"nodes.{node}", f"not a node of model/nodes.yaml{did_you_mean(str(node), kinds)}")
            continue
        _check_entry(out, node, entry, systems)
    for node in kinds:
        if node not in nodes:
            out.add(f"nodes.{node}", "missing: every node needs codes, an 'unverified' reason, or 'derived'")
