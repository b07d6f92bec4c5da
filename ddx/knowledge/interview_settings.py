"""The interview's settings (``model/interview.yaml``): read, checked, typed.

Every threshold of the interview lives in that file with its rationale; this
module reads it and refuses a bad file with messages that name the entry and
field, in the style of :mod:`ddx.knowledge.validate`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KnowledgeBaseError, did_you_mean
from .files import read_yaml
from .model import KnowledgeBase
from .problems import FileProblems, Problems

__all__ = ["SCREEN_ID", "SETTINGS_FILE", "Checklist", "RedFlag", "Settings", "load_settings"]

#: The interview's settings, relative to the model directory.
SETTINGS_FILE = "model/interview.yaml"
#: The id of the opening checklist of emergency signs (not an evidence id).
SCREEN_ID = "emergency_screen"


@dataclass(frozen=True)
class RedFlag:
    """An emergency sign and the causes it is a red flag for."""

    sign: str
    causes: tuple[str, ...]
    rationale: str


@dataclass(frozen=True)
class Checklist:
    """An intake checklist: several yes / no questions asked as one (tick those that apply)."""

    id: str
    question: str
    items: tuple[str, ...]
    rationale: str


@dataclass(frozen=True)
class Settings:
    """The interview's documented settings (``model/interview.yaml``)."""

    confidence: float
    max_questions: int
    min_change_probability: float
    list_top: int
    list_min_probability: float
    emergency_threshold: float
    emergency_ask: tuple[str, ...]
    emergency_answer_probability: float
    red_flags: Mapping[str, RedFlag]
    screen_question: str
    screen_signs: tuple[str, ...]
    exhaustive: tuple[tuple[str, ...], ...]
    intake: Mapping[str, Checklist] = field(default_factory=dict)  # every intake checklist, by id
    intake_ask: tuple[str, ...] = ()  # the ones an interview asks unless told otherwise, in order


def load_settings(kb: KnowledgeBase) -> Settings:
    """Read and check ``model/interview.yaml`` of the knowledge base's directory.

    Raises
    ------
    KnowledgeBaseError
        Listing every problem, each naming the file and the field.
    """
    path = kb.root / SETTINGS_FILE
    data, problems = _read(path)
    problems = [f"{SETTINGS_FILE}: {p}" for p in problems]
    if problems:
        if data is None and problems[0].endswith("file is missing"):
            problems[0] += f" (expected at {path}; see docs/interview.md for its format)"
        raise KnowledgeBaseError(problems)
    return _settings(kb, data)


_PARSED: dict[tuple[str, int, int], Any] = {}


def _read(path: Path) -> tuple[Any, list[str]]:
    """Parse the settings file, once per version of it (the ranking reads it on every call)."""
    try:
        stat = path.stat()
    except OSError:
        return read_yaml(path)
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED[key] = read_yaml(path)
    data, problems = _PARSED[key]
    return data, list(problems)


class _Checker(FileProblems):
    """Collects the problems of the settings file (:class:`~ddx.knowledge.problems.Problems`), with its checks."""

    def __init__(self) -> None:
        super().__init__(Problems(), SETTINGS_FILE)

    def mapping(self, data: Any, where: str, keys: Iterable[str], optional: Iterable[str] = ()) -> Mapping[str, Any]:
        keys, optional = tuple(keys), tuple(optional)
        if not isinstance(data, Mapping):
            self.add(where, f"expected a mapping with {', '.join(keys)}; got {type(data).__name__}")
            return {}
        for key in keys:
            if key not in data:
                self.add(f"{where}.{key}", "missing")
        for key in data:
            if key not in keys + optional:
                self.add(f"{where}.{key}", f"unknown field{did_you_mean(str(key), keys + optional)}")
        return data

    def number(self, data: Any, where: str, low: float, high: float, integer: bool = False) -> float:
        if data is None:  # reported as missing by its parent
            return math.nan
        entry = self.mapping(data, where, ("value", "rationale"))
        value = entry.get("value")
        if "value" in entry:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or (integer and not isinstance(value, int))
            ):
                self.add(f"{where}.value", f"expected {'an integer' if integer else 'a number'}; got {value!r}")
                value = None
            elif not low <= value <= high:
                self.add(f"{where}.value", f"must be between {low:g} and {high:g}; got {value!r}")
        if "rationale" in entry and not (isinstance(entry["rationale"], str) and entry["rationale"].strip()):
            self.add(f"{where}.rationale", "expected a one-line reason for the number")
        return float(value) if isinstance(value, (int, float)) else math.nan

    def ids(self, data: Any, where: str, known: tuple[str, ...], kind: str) -> tuple[str, ...]:
        if not isinstance(data, list) or not all(isinstance(i, str) for i in data):
            self.add(where, f"expected a list of {kind} ids; got {data!r}")
            return ()
        for item in data:
            if item not in known:
                self.add(where, f"unknown {kind} '{item}'{did_you_mean(item, known)}")
        return tuple(data)


def _settings(kb: KnowledgeBase, data: Any) -> Settings:
    check = _Checker()
    top = check.mapping(data, "(top level)", ("stop", "screen", "safety"), optional=("intake", "exhaustive"))
    if "exhaustive" in top:
        check.add(
            "exhaustive",
            "exhaustive groups are part of the model, so that every path reads answers the same way: "
            "mark the group in model/model.yaml (exclusive: - {ids: [...], reason: ..., exhaustive: true})",
        )
    exhaustive = list(kb.exhaustive)
    screen = check.mapping(top.get("screen", {}), "screen", ("question", "signs", "rationale"))
    screen_signs = check.ids(screen.get("signs", []), "screen.signs", kb.emergency_signs, "emergency sign")
    screen_question = screen.get("question")
    if "question" in screen and not (isinstance(screen_question, str) and screen_question.strip()):
        check.add("screen.question", f"expected the question text; got {screen_question!r}")
    stop = check.mapping(top.get("stop", {}), "stop", ("confidence", "max_questions", "min_change_probability"))
    safety = check.mapping(
        top.get("safety", {}), "safety", ("on_the_list", "emergency_causes", "emergency_answers", "red_flags")
    )
    answers = check.mapping(safety.get("emergency_answers", {}), "safety.emergency_answers", ("min_probability",))
    listed = check.mapping(safety.get("on_the_list", {}), "safety.on_the_list", ("top", "min_probability"))
    emerg = check.mapping(
        safety.get("emergency_causes", {}), "safety.emergency_causes", ("threshold", "ask", "rationale")
    )
    flags_raw = safety.get("red_flags", {})
    red_flags: dict[str, RedFlag] = {}
    if not isinstance(flags_raw, Mapping):
        check.add("safety.red_flags", f"expected a mapping of emergency sign -> causes; got {flags_raw!r}")
        flags_raw = {}
    for sign, entry in flags_raw.items():
        where = f"safety.red_flags.{sign}"
        if sign not in kb.emergency_signs:
            check.add(where, f"unknown emergency sign '{sign}'{did_you_mean(str(sign), kb.emergency_signs)}")
        fields = check.mapping(entry, where, ("causes", "rationale"))
        causes = check.ids(fields.get("causes", []), f"{where}.causes", kb.causes, "cause")
        red_flags[str(sign)] = RedFlag(str(sign), causes, str(fields.get("rationale", "")))
    numbers = {
        "confidence": check.number(stop.get("confidence"), "stop.confidence", 0.5, 1.0),
        "max_questions": check.number(stop.get("max_questions"), "stop.max_questions", 1, 1000, integer=True),
        "min_change": check.number(stop.get("min_change_probability"), "stop.min_change_probability", 0.0, 1.0),
        "top": check.number(listed.get("top"), "safety.on_the_list.top", 1, len(kb.causes), integer=True),
        "min_p": check.number(listed.get("min_probability"), "safety.on_the_list.min_probability", 0.0, 1.0),
        "threshold": check.number(emerg.get("threshold"), "safety.emergency_causes.threshold", 0.0, 1.0),
        "answer": check.number(answers.get("min_probability"), "safety.emergency_answers.min_probability", 0.0, 1.0),
    }
    ask = check.ids(emerg.get("ask", []), "safety.emergency_causes.ask", kb.emergency_signs, "emergency sign")
    intake, intake_ask = _intake(kb, check, top.get("intake"), exhaustive)
    check.raise_any()
    return Settings(
        confidence=numbers["confidence"],
        max_questions=int(numbers["max_questions"]),
        min_change_probability=numbers["min_change"],
        list_top=int(numbers["top"]),
        list_min_probability=numbers["min_p"],
        emergency_threshold=numbers["threshold"],
        emergency_ask=ask,
        emergency_answer_probability=numbers["answer"],
        red_flags=red_flags,
        screen_question=str(screen_question),
        screen_signs=screen_signs,
        exhaustive=tuple(exhaustive),
        intake=intake,
        intake_ask=intake_ask,
    )


def _intake(
    kb: KnowledgeBase, check: _Checker, data: Any, exhaustive: list[tuple[str, ...]]
) -> tuple[dict[str, Checklist], tuple[str, ...]]:
    """The intake checklists and the ones asked by default (``intake`` of the file; optional)."""
    if data is None:
        return {}, ()
    top = check.mapping(data, "intake", ("ask", "checklists", "rationale"))
    raw = top.get("checklists", {})
    if not isinstance(raw, Mapping):
        check.add("intake.checklists", f"expected a mapping of checklist id -> question, items, rationale; got {raw!r}")
        raw = {}
    # an item is asked as yes / no on its own: no age or sex, no member of a group whose answers imply each other
    askable = tuple(i for i in kb.evidence_ids if i not in (kb.age.node, kb.sex_node))
    grouped = {i for ids, _ in kb.exclusive for i in ids} | {i for ids in exhaustive for i in ids}
    out: dict[str, Checklist] = {}
    seen: dict[str, str] = {}
    for cid, entry in raw.items():
        where = f"intake.checklists.{cid}"
        if cid in kb.evidence_ids or cid == SCREEN_ID:
            check.add(where, f"'{cid}' is already the id of a question; give the checklist an id of its own")
        fields = check.mapping(entry, where, ("question", "items", "rationale"))
        question = fields.get("question")
        if "question" in fields and not (isinstance(question, str) and question.strip()):
            check.add(f"{where}.question", f"expected the question text; got {question!r}")
        items = check.ids(fields.get("items", []), f"{where}.items", askable, "finding or risk factor")
        if "items" in fields and not items:
            check.add(f"{where}.items", "expected at least one id")
        for item in items:
            if item in grouped:
                check.add(f"{where}.items", f"'{item}' belongs to an exclusive or exhaustive group: ask it on its own")
            if item in seen:
                check.add(f"{where}.items", f"'{item}' is already an item of intake checklist '{seen[item]}'")
            seen.setdefault(item, str(cid))
        out[str(cid)] = Checklist(str(cid), str(question), items, str(fields.get("rationale", "")))
    ask = check.ids(top.get("ask", []), "intake.ask", tuple(out), "intake checklist")
    return out, ask
