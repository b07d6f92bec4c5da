"""Read and check ``model/next_steps.yaml`` against a loaded knowledge base, then build its guide.

Every problem is collected (:class:`ddx.knowledge.problems.Problems`) and
raised once, with messages that name file, entry and field as
:mod:`ddx.knowledge.validate` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import did_you_mean
from ..knowledge.files import read_yaml
from ..knowledge.model import TRIAGE_LEVELS, KnowledgeBase
from ..knowledge.problems import FileProblems, Problems
from ..knowledge.validate_numbers import MAX_PHRASE_WORDS
from .next_steps import FILE, MAX_LEADING, MAX_NAME_CHARS, NOTE_KINDS, POLICIES, Item, NextStepsGuide

__all__ = ["load_guide"]


_TOP = {"leading", "self_care_notes", "causes"}


_LEADING_FIELDS = {"threshold", "max_causes", "rationale"}


_POLICY_FIELDS = {"by_triage", "after_seen_prefix", "rationale"}


_CAUSE_FIELDS = {"tests", "notes", "note"}


_TEST_FIELDS = {"name", "text", "source", "note"}


_NOTE_FIELDS = _TEST_FIELDS | {"kind"}


_SOURCE_FIELDS = {"basis", "file", "section", "phrase", "rationale", "note"}


#: Safety floor: the least a level may do with self-care notes.
_REQUIRED_POLICY = {"emergency": ("omit",), "urgent": ("omit", "after_seen")}


def load_guide(kb: KnowledgeBase) -> NextStepsGuide:
    """Read and check ``model/next_steps.yaml`` under ``kb.root``.

    Raises
    ------
    KnowledgeBaseError
        Listing every problem, each as ``model/next_steps.yaml: entry.field: message``.
    """
    data, found = read_yaml(kb.root / FILE)
    problems = Problems().of(FILE)
    for problem in found:
        if problem == "file is missing":
            problem += ": every model lists the tests and notes of each cause there (see model/README.md)"
        problems.add("", problem)
    if not found:
        _check(problems, data, kb)
    problems.raise_any()
    return _build(data, kb)


def _mapping(problems: FileProblems, value: Any, entry: str, what: str) -> dict[str, Any] | None:
    """``value`` as a dict, or None (with a problem) when it is not a mapping."""
    if value is None:
        problems.add(entry, f"is missing or empty: expected {what}")
        return None
    if not isinstance(value, Mapping):
        problems.add(entry, f"expected a mapping ({what}), got {type(value).__name__}")
        return None
    return dict(value)


def _fields(problems: FileProblems, raw: Mapping[str, Any], entry: str, allowed: set[str]) -> None:
    for key in raw:
        if key not in allowed:
            where = f"{entry}.{key}" if entry else str(key)
            problems.add(where, f"unknown field{did_you_mean(str(key), allowed)}")


def _text(problems: FileProblems, raw: Mapping[str, Any], entry: str, key: str, why: str) -> None:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.add(f"{entry}.{key}", why)


def _check(problems: FileProblems, data: Any, kb: KnowledgeBase) -> None:
    top = _mapping(problems, data, "", "a mapping with leading, self_care_notes and causes")
    if top is None:
        return
    _fields(problems, top, "", _TOP)
    for key in sorted(_TOP - set(top)):
        problems.add(key, "section is missing")
    if "leading" in top:
        _check_leading(problems, _mapping(problems, top["leading"], "leading", "threshold, max_causes, rationale"))
    if "self_care_notes" in top:
        raw = _mapping(problems, top["self_care_notes"], "self_care_notes", "by_triage, after_seen_prefix, rationale")
        _check_policy(problems, raw)
    causes = _mapping(problems, top["causes"], "causes", "cause id -> tests and notes") if "causes" in top else None
    if causes is not None:
        for cause, entry in causes.items():
            if cause not in kb.causes:
                problems.add(f"causes.{cause}", f"unknown cause{did_you_mean(str(cause), kb.causes)}")
                continue
            _check_cause(problems, entry, f"causes.{cause}", kb)
        for cause in kb.causes:
            if cause not in causes:
                problems.add(f"causes.{cause}", "cause has no next steps (give its tests and notes)")


def _check_leading(problems: FileProblems, raw: Mapping[str, Any] | None) -> None:
    if raw is None:
        return
    _fields(problems, raw, "leading", _LEADING_FIELDS)
    threshold = raw.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        problems.add("leading.threshold", f"expected a posterior probability in (0, 1); got {threshold!r}")
    count = raw.get("max_causes")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_LEADING:
        problems.add("leading.max_causes", f"expected a whole number from 1 to {MAX_LEADING}; got {count!r}")
    _text(problems, raw, "leading", "rationale", "say in one line why this threshold and this many causes")


def _check_policy(problems: FileProblems, raw: Mapping[str, Any] | None) -> None:
    if raw is None:
        return
    _fields(problems, raw, "self_care_notes", _POLICY_FIELDS)
    levels = _mapping(problems, raw.get("by_triage"), "self_care_notes.by_triage", "triage level -> policy") or {}
    for level, policy in levels.items():
        where = f"self_care_notes.by_triage.{level}"
        if level not in TRIAGE_LEVELS:
            problems.add(where, f"unknown triage level{did_you_mean(str(level), TRIAGE_LEVELS)}")
        elif policy not in POLICIES:
            problems.add(where, f"must be one of {', '.join(POLICIES)}; got {policy!r}")
        elif level in _REQUIRED_POLICY and policy not in _REQUIRED_POLICY[level]:
            allowed = " or ".join(_REQUIRED_POLICY[level])
            problems.add(
                where,
                f"must be {allowed}: at {level} triage nothing may suggest managing at home first; got {policy!r}",
            )
    if levels:
        for level in TRIAGE_LEVELS:
            if level not in levels:
                problems.add(f"self_care_notes.by_triage.{level}", "missing: say what happens to self-care notes")
    if "after_seen" in levels.values():
        _text(
            problems,
            raw,
            "self_care_notes",
            "after_seen_prefix",
            "a level uses after_seen, so give the words put before each self-care note",
        )
    _text(problems, raw, "self_care_notes", "rationale", "say in one line why self-care notes are treated so")


def _check_cause(problems: FileProblems, raw: Any, entry: str, kb: KnowledgeBase) -> None:
    cause = _mapping(problems, raw, entry, "tests and notes")
    if cause is None:
        return
    _fields(problems, cause, entry, _CAUSE_FIELDS)
    names: set[str] = set()
    for key, allowed in (("tests", _TEST_FIELDS), ("notes", _NOTE_FIELDS)):
        items = cause.get(key)
        if not isinstance(items, list) or not items:
            what = "the tests that confirm or rule it out" if key == "tests" else "what helps (care, treatment)"
            problems.add(f"{entry}.{key}", f"every cause needs a non-empty list: {what}")
            continue
        for i, item in enumerate(items):
            where = f"{entry}.{key}[{i}]"
            if not isinstance(item, Mapping):
                problems.add(where, "expected a mapping with name, text and source")
                continue
            _fields(problems, item, where, allowed)
            _check_name(problems, item.get("name"), where, names)
            _text(problems, item, where, "text", "every item needs a text worded for the reader")
            if key == "notes" and item.get("kind") not in NOTE_KINDS:
                problems.add(f"{where}.kind", f"must be one of {', '.join(NOTE_KINDS)}; got {item.get('kind')!r}")
            _check_source(problems, item.get("source"), f"{where}.source", kb)


def _check_name(problems: FileProblems, name: Any, where: str, seen: set[str]) -> None:
    if not isinstance(name, str) or not name.strip():
        problems.add(f"{where}.name", "every item needs a short name (it goes into the batch column)")
        return
    if len(name) > MAX_NAME_CHARS or ";" in name or "\n" in name:
        problems.add(
            f"{where}.name", f"a name is one line of at most {MAX_NAME_CHARS} characters without ';'; got {name!r}"
        )
    if name in seen:
        problems.add(f"{where}.name", f"duplicate name {name!r} under this cause")
    seen.add(name)


def _check_source(problems: FileProblems, raw: Any, where: str, kb: KnowledgeBase) -> None:
    if not isinstance(raw, Mapping):
        problems.add(
            where, "every item needs a source (basis article with file/section/phrase, or judgement with rationale)"
        )
        return
    _fields(problems, raw, where, _SOURCE_FIELDS)
    basis = raw.get("basis")
    if basis == "article":
        for key in ("file", "section", "phrase"):
            _text(problems, raw, where, key, f"an article source needs '{key}'")
        file = raw.get("file")
        if isinstance(file, str) and file not in kb.articles:
            problems.add(f"{where}.file", f"unknown article '{file}'{did_you_mean(file, kb.articles)}")
        phrase = raw.get("phrase")
        if isinstance(phrase, str) and len(phrase.split()) > MAX_PHRASE_WORDS:
            problems.add(
                f"{where}.phrase",
                f"key phrase has {len(phrase.split())} words; at most {MAX_PHRASE_WORDS} (cite, never quote)",
            )
    elif basis == "judgement":
        _text(problems, raw, where, "rationale", "a judgement needs a one-line rationale")
    else:
        problems.add(f"{where}.basis", f"basis must be 'article' or 'judgement', got {basis!r}")


def _build(data: Mapping[str, Any], kb: KnowledgeBase) -> NextStepsGuide:
    """The guide from checked data: each cause's items as care notes, tests, treatment, self-care."""
    order = {"care": 0, "test": 1, "treatment": 2, "self_care": 3}
    items: dict[str, tuple[Item, ...]] = {}
    for cause, entry in data["causes"].items():
        found = [_item("test", raw, f"{FILE}: causes.{cause}.tests[{i}]") for i, raw in enumerate(entry["tests"])] + [
            _item(raw["kind"], raw, f"{FILE}: causes.{cause}.notes[{i}]") for i, raw in enumerate(entry["notes"])
        ]
        items[cause] = tuple(sorted(found, key=lambda item: order[item.kind]))  # stable: file order within a kind
    policy = data["self_care_notes"]
    return NextStepsGuide(
        threshold=float(data["leading"]["threshold"]),
        max_causes=int(data["leading"]["max_causes"]),
        self_care=dict(policy["by_triage"]),
        after_seen_prefix=str(policy.get("after_seen_prefix") or ""),
        items=items,
        advice=dict(kb.advice),
    )


def _item(kind: str, raw: Mapping[str, Any], where: str) -> Item:
    source = raw["source"]
    return Item(
        kind=kind,
        name=raw["name"],
        text=raw["text"],
        where=where,
        basis=source["basis"],
        file=source.get("file"),
        section=source.get("section"),
        phrase=source.get("phrase"),
        rationale=source.get("rationale"),
        note=raw.get("note"),
    )
