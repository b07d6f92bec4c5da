"""The knowledge base as typed, immutable objects, and :func:`build`, which makes them from checked files.

:mod:`ddx.knowledge.load` reads a model directory, has
:mod:`ddx.knowledge.validate` check every file, then calls :func:`build`.
Nothing downstream re-checks what was validated there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .codes import CODES_FILE, CodeBook, build_codes
from .conditions import Condition, Rule

__all__ = [
    "ANSWERED_BY",
    "CAUSE_STATES",
    "EVIDENCE_STATES",
    "TRIAGE_LEVELS",
    "KnowledgeBase",
    "Link",
    "Merge",
    "Node",
    "Number",
    "Reference",
    "ScaleTerm",
    "Sources",
    "TriagePolicy",
    "UrgencyWords",
    "build",
]

#: Triage levels of the interface contract, most urgent first.
TRIAGE_LEVELS: tuple[str, ...] = ("emergency", "urgent", "routine", "self_care")
#: States of every cause node, in pgmpy state order.
CAUSE_STATES: tuple[str, str] = ("absent", "present")
#: Who can give an answer: the person, or only a clinician (an examination finding or a test result).
ANSWERED_BY: tuple[str, str] = ("person", "clinician")
#: Default states of findings, emergency signs and risk factors.
EVIDENCE_STATES: tuple[str, str] = ("no", "yes")

MODEL_FILES = (
    "model/model.yaml",
    "model/nodes.yaml",
    "model/merges.yaml",
    "model/rules.yaml",
    "model/triage.yaml",
)
PRIOR_FILES = ("priors/scale.yaml", "priors/risk_factors.yaml", "priors/leaks.yaml")
#: Files read when present: a model that cites no literature needs no reference list, nor codes when no EHR reads it.
OPTIONAL_FILES = ("priors/references.yaml", "model/codes.yaml")
CARDS_DIR = "priors/causes"


@dataclass(frozen=True)
class Sources:
    """The raw parsed files of one model directory, keyed by relative path."""

    root: Path
    data: Mapping[str, Any]
    read_problems: tuple[str, ...]


@dataclass(frozen=True)
class Number:
    """One probability with its provenance; ``where`` locates it for messages."""

    value: float
    low: float
    high: float
    basis: str
    where: str
    file: str | None = None
    section: str | None = None
    phrase: str | None = None
    term: str | None = None
    rationale: str | None = None
    note: str | None = None
    ref: str | None = None  # literature: a key of priors/references.yaml
    says: str | None = None  # literature: the figure as the source reports it
    derivation: str | None = None  # literature: how the value follows from that figure

    def citation(self) -> str:
        """A one-line citation: article, section and phrase; the reference and its figure; or the rationale."""
        if self.basis == "article":
            return f'{self.file} § {self.section}: "{self.phrase}" ({self.term})'
        if self.basis == "literature":
            return f'{self.ref}: "{self.phrase}" ({self.says}; {self.derivation})'
        return f"judgement: {self.rationale}"


@dataclass(frozen=True)
class Node:
    """A node of the network or an evidence id the rule layer reads."""

    id: str
    kind: str  # cause | finding | risk_factor | emergency_sign
    label: str
    states: tuple[str, ...]
    question: str | None = None
    group: str | None = None
    acuity: str | None = None
    added: str | None = None
    answered_by: str = "person"  # "clinician": an examination finding or a test result, never asked of a person


@dataclass(frozen=True)
class Link:
    """A noisy-OR edge ``parent -> child``, active when the parent is in ``active_state``."""

    parent: str
    child: str
    number: Number
    active_state: str


@dataclass(frozen=True)
class Merge:
    """An inventory id that maps onto another node."""

    id: str
    into: str
    reason: str


@dataclass(frozen=True)
class ScaleTerm:
    """A verbal probability term with its value and plausible range."""

    term: str
    value: float
    low: float
    high: float
    meaning: str = ""


@dataclass(frozen=True)
class AgeMapping:
    """How ``age`` in years sets a binary risk-factor node."""

    node: str
    yes_at_or_above: float
    valid_low: float
    valid_high: float


@dataclass(frozen=True)
class Reference:
    """A published source of ``priors/references.yaml``, cited by key where the basis is ``literature``."""

    key: str
    authors: str
    year: int
    title: str
    published_in: str
    locator: str  # DOI, PMID or URL: where to find it
    note: str = ""

    def citation(self) -> str:
        return f"{self.authors} ({self.year}). {self.title}. {self.published_in}. {self.locator}"


@dataclass(frozen=True)
class TriagePolicy:
    """The network's triage rule (``model/triage.yaml``): thresholds per acuity and the support rule."""

    thresholds: Mapping[str, Mapping[str, float]]  # acuity -> level -> posterior at which such a cause sets it
    support_ratio: float  # a self-care cause needs posterior >= this x its prior
    unsupported_level: str  # the level when no cause sets one
    unsupported_advice: str


@dataclass(frozen=True)
class UrgencyWords:
    """One entry of ``model/triage.yaml: urgency_words``: article words, their level, what they speak of."""

    file: str
    section: str
    phrases: tuple[str, ...]
    level: str
    causes: tuple[str, ...]
    rules: tuple[str, ...]
    exceptions: Mapping[str, str]  # cause or rule id -> the level it has instead


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything ddx knows, validated. Build with :func:`load_knowledge`."""

    root: Path
    kb_version: str
    title: str
    population: str
    articles: Mapping[str, str]
    groups: Mapping[str, str]
    nodes: Mapping[str, Node]
    merges: Mapping[str, Merge]
    scale: Mapping[str, ScaleTerm]
    priors: Mapping[str, Number]
    parent_priors: Mapping[str, Number]
    leaks: Mapping[str, Number]
    cause_links: tuple[Link, ...]
    finding_links: tuple[Link, ...]
    age: AgeMapping
    sex_node: str
    exclusive: tuple[tuple[tuple[str, ...], str], ...]
    exhaustive: tuple[tuple[str, ...], ...]  # exclusive groups one of whose ids is always yes
    rules: tuple[Rule, ...]
    advice: Mapping[str, str]
    thresholds: Mapping[str, Mapping[str, Number]]  # acuity -> level -> number (model/triage.yaml)
    triage: TriagePolicy
    urgency_words: tuple[UrgencyWords, ...] = ()
    references: Mapping[str, Reference] = field(default_factory=dict)
    codes: CodeBook = field(default_factory=lambda: build_codes(None))  # model/codes.yaml (ddx.knowledge.codes)
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    # The id lists below are read on every scoring call: kept once computed (the fields never change).
    def ids(self, kind: str) -> tuple[str, ...]:
        """The node ids of one kind, in file order."""
        return tuple(n.id for n in self.nodes.values() if n.kind == kind)

    @cached_property
    def causes(self) -> tuple[str, ...]:
        return self.ids("cause")

    @cached_property
    def risk_factors(self) -> tuple[str, ...]:
        return self.ids("risk_factor")

    @cached_property
    def emergency_signs(self) -> tuple[str, ...]:
        return self.ids("emergency_sign")

    @cached_property
    def network_findings(self) -> tuple[str, ...]:
        """Findings and emergency signs that have at least one parent cause."""
        linked = {link.child for link in self.finding_links}
        return tuple(n.id for n in self.nodes.values() if n.kind in ("finding", "emergency_sign") and n.id in linked)

    @cached_property
    def clinician_ids(self) -> frozenset[str]:
        """Evidence only a clinician can give (examination findings, test results): read, never asked of a person."""
        return frozenset(n.id for n in self.nodes.values() if n.answered_by == "clinician")

    @cached_property
    def evidence_ids(self) -> tuple[str, ...]:
        """Every evidence id: findings, risk factors, emergency signs (the clinician's answers among them)."""
        return tuple(n.id for n in self.nodes.values() if n.kind != "cause")

    def label(self, node_id: str) -> str:
        return self.nodes[node_id].label


def _number(raw: Mapping[str, Any], where: str) -> Number:
    low, high = raw["range"]
    return Number(
        value=float(raw["value"]),
        low=float(low),
        high=float(high),
        basis=raw["basis"],
        where=where,
        file=raw.get("file"),
        section=raw.get("section"),
        phrase=raw.get("phrase"),
        term=raw.get("term"),
        rationale=raw.get("rationale"),
        note=raw.get("note"),
        ref=raw.get("ref"),
        says=raw.get("says"),
        derivation=raw.get("derivation"),
    )


def source_text(raw: Mapping[str, Any], references: Mapping[str, Reference] | None = None) -> str:
    """A rule's source as one line: article, section and phrase; the reference and what it says; or the judgement."""
    if raw.get("basis") == "article":
        return f'{raw["file"]} § {raw["section"]}: "{raw["phrase"]}"'
    if raw.get("basis") == "literature":
        ref = (references or {}).get(raw["ref"])
        work = f"{ref.authors} {ref.year}, {ref.title}" if ref else raw["ref"]
        return f'{work}: "{raw["phrase"]}" ({raw["says"]})'
    return f"judgement: {raw['rationale']}"


def _references(raw: Any) -> dict[str, Reference]:
    out = {}
    for key, e in ((raw or {}).get("references") or {}).items():
        locator = next((f"{k}: {e[k]}" for k in ("doi", "pmid", "url") if e.get(k)), "")
        out[key] = Reference(
            key, e["authors"], int(e["year"]), e["title"], e["published_in"], locator, e.get("note", "")
        )
    return out


def _triage_policy(raw: Mapping[str, Any]) -> TriagePolicy:
    return TriagePolicy(
        thresholds={
            acuity: {level: float(e["value"]) for level, e in levels.items()}
            for acuity, levels in raw["thresholds"].items()
        },
        support_ratio=float(raw["support"]["min_ratio"]["value"]),
        unsupported_level=raw["unsupported"]["level"],
        unsupported_advice=raw["unsupported"]["advice"],
    )


def _urgency_words(raw: Mapping[str, Any]) -> tuple[UrgencyWords, ...]:
    return tuple(
        UrgencyWords(
            file=e["file"],
            section=e["section"],
            phrases=tuple(e["phrases"]),
            level=e["level"],
            causes=tuple(e.get("causes") or ()),
            rules=tuple(e.get("rules") or ()),
            exceptions={k: x["level"] for k, x in (e.get("exceptions") or {}).items()},
        )
        for e in raw.get("urgency_words") or ()
    )


def condition(raw: Any) -> Condition:
    """A rule condition from its YAML form (validated)."""
    if isinstance(raw, str):
        return raw
    ((op, items),) = raw.items()
    return (op, tuple(condition(item) for item in items))


def build(sources: Sources) -> KnowledgeBase:
    """Turn validated sources into a :class:`KnowledgeBase` (no checks here)."""
    d = sources.data
    model, nodes_raw = d["model/model.yaml"], d["model/nodes.yaml"]
    kinds = {
        "causes": "cause",
        "findings": "finding",
        "risk_factors": "risk_factor",
        "emergency_signs": "emergency_sign",
    }
    nodes: dict[str, Node] = {}
    for section, kind in kinds.items():
        for node_id, entry in (nodes_raw.get(section) or {}).items():
            states = CAUSE_STATES if kind == "cause" else tuple(entry.get("states", EVIDENCE_STATES))
            nodes[node_id] = Node(
                id=node_id,
                kind=kind,
                label=entry["label"],
                states=states,
                question=entry.get("question"),
                group=entry.get("group"),
                acuity=entry.get("acuity"),
                added=entry.get("added"),
                answered_by=entry.get("answered_by", "person"),
            )
    merges = {
        m_id: Merge(m_id, entry["into"], entry["reason"]) for m_id, entry in (d["model/merges.yaml"] or {}).items()
    }
    scale = {
        term: ScaleTerm(term, float(e["value"]), float(e["range"][0]), float(e["range"][1]), e.get("meaning", ""))
        for term, e in d["priors/scale.yaml"]["terms"].items()
    }
    priors: dict[str, Number] = {}
    cause_links: list[Link] = []
    finding_links: list[Link] = []
    for rel, card in d.items():
        if not rel.startswith(CARDS_DIR):
            continue
        cause = card["cause"]
        priors[cause] = _number(card["prior"], f"{rel}: prior")
        for rf, raw in (card.get("risk_factors") or {}).items():
            state = raw.get("when", nodes[rf].states[1])
            cause_links.append(Link(rf, cause, _number(raw, f"{rel}: risk_factors.{rf}"), state))
        for finding, raw in (card.get("findings") or {}).items():
            finding_links.append(Link(cause, finding, _number(raw, f"{rel}: findings.{finding}"), "present"))
    order = {node_id: i for i, node_id in enumerate(nodes)}
    cause_links.sort(key=lambda link: (order[link.child], order[link.parent]))
    finding_links.sort(key=lambda link: (order[link.child], order[link.parent]))
    parent_priors = {
        rf: _number(raw, f"priors/risk_factors.yaml: {rf}") for rf, raw in d["priors/risk_factors.yaml"].items()
    }
    leaks = {f: _number(raw, f"priors/leaks.yaml: {f}") for f, raw in d["priors/leaks.yaml"].items()}
    age = model["age"]
    references = _references(d.get("priors/references.yaml"))
    triage = d["model/triage.yaml"]
    return KnowledgeBase(
        root=sources.root,
        kb_version=str(model["kb_version"]),
        title=model["title"],
        population=model["population"],
        articles=dict(model["articles"]),
        groups=dict(model["groups"]),
        nodes=nodes,
        merges=merges,
        scale=scale,
        priors={c: priors[c] for c in nodes if c in priors},
        parent_priors={rf: parent_priors[rf] for rf in nodes if rf in parent_priors},
        leaks={f: leaks[f] for f in nodes if f in leaks},
        cause_links=tuple(cause_links),
        finding_links=tuple(finding_links),
        age=AgeMapping(age["node"], float(age["yes_at_or_above"]), *map(float, age["valid_range"])),
        sex_node=model["sex"]["node"],
        exclusive=tuple((tuple(g["ids"]), g["reason"]) for g in model.get("exclusive") or ()),
        exhaustive=tuple(tuple(g["ids"]) for g in model.get("exclusive") or () if g.get("exhaustive")),
        rules=tuple(
            Rule(r["id"], condition(r["when"]), r["level"], r["message"], source_text(r["source"], references))
            for r in d["model/rules.yaml"]["rules"]
        ),
        advice={level: e["advice"] for level, e in triage["levels"].items()},
        thresholds={
            acuity: {
                level: _number(e, f"model/triage.yaml: thresholds.{acuity}.{level}") for level, e in levels.items()
            }
            for acuity, levels in triage["thresholds"].items()
        },
        triage=_triage_policy(triage),
        urgency_words=_urgency_words(triage),
        references=references,
        codes=build_codes(d.get(CODES_FILE)),
        raw=d,
    )
