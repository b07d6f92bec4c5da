"""Every rule a knowledge base must satisfy; all problems are collected, then raised once.

Messages read ``file: entry.field: what is wrong (did you mean 'x'?)`` so that a
reviewer can go straight to the line. Each rule here has a test that breaks it.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from ..errors import KnowledgeBaseError, did_you_mean, excerpt
from .conditions import Condition, is_met
from .load import CARDS_DIR, TRIAGE_LEVELS, Sources, condition

__all__ = ["MAX_PHRASE_WORDS", "validate"]

#: A key phrase locates a passage; it must never grow into a quotation.
MAX_PHRASE_WORDS = 8
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SECTIONS = {
    "causes": "cause",
    "findings": "finding",
    "risk_factors": "risk_factor",
    "emergency_signs": "emergency_sign",
}
_NUMBER_FIELDS = {"value", "range", "basis", "file", "section", "phrase", "term", "rationale", "note"}
_LINK_FIELDS = _NUMBER_FIELDS | {"when"}


def _of_kind(kinds: Mapping[str, str], *wanted: str) -> list[str]:
    return [k for k, v in kinds.items() if v in wanted]


#: The longest entry path and message of one problem line: values are quoted with
#: :func:`ddx.errors.excerpt`, and this cut catches what a message builds from keys.
_MAX_ENTRY, _MAX_MESSAGE = 160, 400


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Problems:
    """Collects problems as ``file: entry: message`` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, file: str, entry: str, message: str) -> None:
        entry, message = _cut(entry, _MAX_ENTRY), _cut(message, _MAX_MESSAGE)
        self.lines.append(f"{file}: {entry}: {message}" if entry else f"{file}: {message}")


def validate(sources: Sources) -> None:
    """Check the parsed files of a model directory.

    Raises
    ------
    KnowledgeBaseError
        Listing every problem found; nothing is raised when there is none.
    """
    problems = _Problems()
    problems.lines.extend(sources.read_problems)
    data = sources.data
    if not data:
        raise KnowledgeBaseError(problems.lines or [f"{sources.root}: no model files found"])
    model = _mapping(problems, "model/model.yaml", data.get("model/model.yaml"))
    kinds = _check_nodes(problems, data.get("model/nodes.yaml"), model)
    _check_model(problems, model, kinds)
    _check_merges(problems, data.get("model/merges.yaml"), kinds)
    scale = _check_scale(problems, data.get("priors/scale.yaml"))
    articles: Mapping[str, Any] = model["articles"] if isinstance(model.get("articles"), Mapping) else {}
    references = _check_references(problems, data.get("priors/references.yaml"))
    ctx = _NumberContext(problems, scale, articles, references)
    parents = _check_cards(problems, data, kinds, ctx)
    _check_risk_factor_priors(problems, data.get("priors/risk_factors.yaml"), kinds, ctx)
    _check_leaks(problems, data.get("priors/leaks.yaml"), kinds, parents, ctx)
    rules = _check_rules(problems, data.get("model/rules.yaml"), kinds, ctx)
    if rules is not None:
        _check_emergency_signs(problems, kinds, rules)
    _check_triage(problems, data.get("model/triage.yaml"), ctx, kinds, data)
    read_by_rules = _rule_ids(data.get("model/rules.yaml"))
    for node_id, kind in kinds.items():
        if kind == "finding" and not parents.get(node_id) and node_id not in read_by_rules:
            problems.add(
                "model/nodes.yaml",
                f"findings.{node_id}",
                "finding has no parent cause and no rule reads it (link it in a card under priors/causes/)",
            )
    if problems.lines:
        raise KnowledgeBaseError(problems.lines)


def _rule_ids(raw: Any) -> set[str]:
    """Every evidence id the rules' conditions read (a finding a rule reads may stay out of the network)."""
    out: set[str] = set()

    def walk(condition: Any) -> None:
        if isinstance(condition, str):
            out.add(condition)
        elif isinstance(condition, Mapping):
            for items in condition.values():
                for item in items if isinstance(items, list) else ():
                    walk(item)

    rules = raw.get("rules") if isinstance(raw, Mapping) else None
    for rule in rules if isinstance(rules, list) else ():
        if isinstance(rule, Mapping):
            walk(rule.get("when"))
    return out


def _mapping(problems: _Problems, file: str, value: Any, entry: str = "") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(file, entry, f"expected a mapping, got {type(value).__name__}")
        return {}
    return dict(value)


def _check_nodes(problems: _Problems, raw: Any, model: Mapping[str, Any]) -> dict[str, str]:
    """Return id -> kind for every well-formed node."""
    file = "model/nodes.yaml"
    nodes = _mapping(problems, file, raw)
    kinds: dict[str, str] = {}
    groups: Mapping[str, Any] = model["groups"] if isinstance(model.get("groups"), Mapping) else {}
    for section in nodes:
        if section not in _SECTIONS:
            problems.add(
                file,
                section,
                f"unknown section{did_you_mean(section, _SECTIONS)}; expected one of {', '.join(_SECTIONS)}",
            )
    for section, kind in _SECTIONS.items():
        if section not in nodes:
            problems.add(file, section, "section is missing")
        for node_id, entry in _mapping(problems, file, nodes.get(section), section).items():
            where = f"{section}.{node_id}"
            if not isinstance(node_id, str) or not _ID.match(node_id):
                problems.add(file, where, "id must be snake_case (lower-case letters, digits, underscores)")
                continue
            if node_id in kinds:
                problems.add(file, where, f"duplicate id: already declared as a {kinds[node_id].replace('_', ' ')}")
                continue
            kinds[node_id] = kind
            if not isinstance(entry, Mapping):
                problems.add(file, where, "expected a mapping with at least 'label'")
                continue
            allowed = {"label", "question", "added", "note"} | (
                {"group", "acuity"} if kind == "cause" else {"states"} if kind == "risk_factor" else set()
            )
            for key in entry:
                if key not in allowed:
                    problems.add(file, f"{where}.{key}", f"unknown field{did_you_mean(key, allowed)}")
            if not isinstance(entry.get("label"), str) or not entry.get("label"):
                problems.add(file, f"{where}.label", "every node needs a label in words")
            if kind != "cause" and not isinstance(entry.get("question"), str):
                problems.add(file, f"{where}.question", "every evidence id needs the question a clinician would ask")
            if kind == "cause":
                group = entry.get("group")
                if group not in groups:
                    hint = did_you_mean(str(group), groups) if isinstance(group, str) else ""
                    problems.add(
                        file,
                        f"{where}.group",
                        f"unknown group {excerpt(group)}{hint}; groups are declared in model.yaml",
                    )
                if entry.get("acuity") not in TRIAGE_LEVELS:
                    problems.add(
                        file,
                        f"{where}.acuity",
                        f"must be one of {', '.join(TRIAGE_LEVELS)}; got {excerpt(entry.get('acuity'))}",
                    )
            states = entry.get("states")
            if states is not None and (
                not isinstance(states, list)
                or len(states) != 2
                or not all(isinstance(s, str) for s in states)
                or len(set(states)) != 2
            ):
                problems.add(
                    file,
                    f"{where}.states",
                    f"a risk factor has exactly two distinct states, each a word; got {excerpt(states)}",
                )
    return kinds


def _states(data_nodes: Any, node_id: str) -> list[str] | None:
    """The states of an evidence node; None when they are malformed (reported at the node)."""
    for section in ("risk_factors", "findings", "emergency_signs"):
        entry = data_nodes.get(section) if isinstance(data_nodes, Mapping) else None
        if isinstance(entry, Mapping) and isinstance(entry.get(node_id), Mapping):
            states = entry[node_id].get("states", ["no", "yes"])
            well_formed = isinstance(states, list) and len(states) == 2 and all(isinstance(s, str) for s in states)
            return list(states) if well_formed else None
    return ["no", "yes"]


def _check_model(problems: _Problems, model: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
    file = "model/model.yaml"
    for key in ("kb_version", "title", "population", "articles", "groups", "age", "sex"):
        if key not in model:
            problems.add(file, key, "is missing")
    age = _mapping(problems, file, model.get("age"), "age")
    if age:
        _check_age(problems, file, age, kinds)
    sex = _mapping(problems, file, model.get("sex"), "sex")
    if sex and kinds.get(sex.get("node")) != "risk_factor":  # type: ignore[arg-type]
        problems.add(file, "sex.node", f"must name a risk-factor node; got {excerpt(sex.get('node'))}")
    _check_exclusive(problems, file, model.get("exclusive"), kinds)


def _finite(value: Any) -> TypeGuard[float]:
    """A real number (not a bool, not NaN or infinite)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_age(problems: _Problems, file: str, age: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
    """``age``: a risk-factor node, a finite threshold in years inside a finite, non-empty valid range."""
    node = age.get("node")
    if not isinstance(node, str) or kinds.get(node) != "risk_factor":
        hint = did_you_mean(node, kinds) if isinstance(node, str) else ""
        problems.add(file, "age.node", f"must name a risk-factor node; got {excerpt(node)}{hint}")
    valid = age.get("valid_range")
    low_high: tuple[float, float] | None = None
    if not (isinstance(valid, list) and len(valid) == 2 and all(_finite(v) for v in valid)):
        problems.add(
            file, "age.valid_range", f"expected [low, high], two finite numbers of years; got {excerpt(valid)}"
        )
    elif not 0 <= valid[0] < valid[1]:
        problems.add(file, "age.valid_range", f"expected 0 <= low < high (years); got [{valid[0]}, {valid[1]}]")
    else:
        low_high = (valid[0], valid[1])
    threshold = age.get("yes_at_or_above")
    if not _finite(threshold):
        problems.add(file, "age.yes_at_or_above", f"expected a finite number of years; got {excerpt(threshold)}")
    elif low_high is not None and not low_high[0] < threshold <= low_high[1]:
        problems.add(
            file,
            "age.yes_at_or_above",
            f"{threshold} years lies outside the valid range ({low_high[0]}, {low_high[1]}]: "
            f"every valid age would give the same answer",
        )


def _check_exclusive(problems: _Problems, file: str, raw: Any, kinds: Mapping[str, str]) -> None:
    """``exclusive``: a list of groups, each at least two distinct evidence ids and a reason."""
    if raw is None:
        return
    if not isinstance(raw, list):
        problems.add(file, "exclusive", f"expected a list of groups (ids and reason); got {excerpt(raw)}")
        return
    evidence = [k for k, v in kinds.items() if v != "cause"]
    for i, group in enumerate(raw):
        ids = group.get("ids") if isinstance(group, Mapping) else None
        if not isinstance(ids, list) or len(ids) < 2:
            problems.add(file, f"exclusive[{i}].ids", "expected a list of at least two evidence ids")
            continue
        for node_id in ids:
            if not isinstance(node_id, str):
                problems.add(file, f"exclusive[{i}].ids", f"expected an evidence id; got {excerpt(node_id)}")
            elif kinds.get(node_id) in (None, "cause"):
                hint = did_you_mean(node_id, evidence)
                problems.add(file, f"exclusive[{i}].ids", f"unknown evidence id {excerpt(node_id)}{hint}")
        if len({str(node_id) for node_id in ids}) != len(ids):
            problems.add(file, f"exclusive[{i}].ids", "an id is listed twice")
        reason = group.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.add(file, f"exclusive[{i}].reason", "say why these answers exclude each other")
        if not isinstance(group.get("exhaustive", False), bool):
            problems.add(
                file, f"exclusive[{i}].exhaustive", f"expected true or false; got {excerpt(group.get('exhaustive'))}"
            )


def _check_merges(problems: _Problems, raw: Any, kinds: Mapping[str, str]) -> None:
    file = "model/merges.yaml"
    for merged, entry in _mapping(problems, file, raw).items():
        if merged in kinds:
            problems.add(file, merged, "a merged id cannot also be a node")
        if not isinstance(entry, Mapping):
            problems.add(file, merged, "expected a mapping with 'into' and 'reason'")
            continue
        into = entry.get("into")
        if into not in kinds:
            problems.add(
                file,
                f"{merged}.into",
                f"merge points nowhere: unknown node {excerpt(into)}{did_you_mean(str(into), kinds)}",
            )
        if not isinstance(entry.get("reason"), str) or not entry["reason"].strip():
            problems.add(file, f"{merged}.reason", "every merge says why")


def _check_scale(problems: _Problems, raw: Any) -> dict[str, tuple[float, float]]:
    file = "priors/scale.yaml"
    scale = _mapping(problems, file, raw)
    terms: dict[str, tuple[float, float]] = {}
    for key in ("convention", "citations", "terms"):
        if key not in scale:
            problems.add(file, key, "is missing")
    for term, entry in _mapping(problems, file, scale.get("terms"), "terms").items():
        where = f"terms.{term}"
        if not isinstance(entry, Mapping):
            problems.add(file, where, "expected a mapping with 'value' and 'range'")
            continue
        rng = _range(problems, file, where, entry.get("value"), entry.get("range"))
        if rng:
            terms[str(term)] = rng
    return terms


def _range(problems: _Problems, file: str, where: str, value: Any, rng: Any) -> tuple[float, float] | None:
    """Check ``0 < low <= value <= high < 1``, all finite numbers; return (low, high) when well formed."""
    if not _finite(value):
        problems.add(file, f"{where}.value", f"expected a probability, a finite number; got {excerpt(value)}")
        return None
    if not 0 < value < 1:
        problems.add(file, f"{where}.value", f"probability {value} is outside (0, 1)")
    if not (isinstance(rng, list) and len(rng) == 2 and all(_finite(v) for v in rng)):
        problems.add(file, f"{where}.range", f"expected [low, high], two finite numbers; got {excerpt(rng)}")
        return None
    low, high = float(rng[0]), float(rng[1])
    if not 0 < low <= high < 1:
        problems.add(file, f"{where}.range", f"range [{low}, {high}] must satisfy 0 < low <= high < 1")
    elif not low <= value <= high:
        problems.add(file, f"{where}.value", f"value {value} lies outside its range [{low}, {high}]")
    return low, high


class _NumberContext:
    """What a number entry is checked against: the scale and the article list."""

    def __init__(
        self,
        problems: _Problems,
        scale: Mapping[str, tuple[float, float]],
        articles: Mapping[str, Any],
        references: Iterable[str] = (),
    ) -> None:
        self.problems, self.scale, self.articles = problems, scale, articles
        self.references = set(references)

    def literature(self, file: str, where: str, raw: Mapping[str, Any]) -> None:
        """A ``literature`` entry cites a key of priors/references.yaml, says what it reports, and a short phrase."""
        p = self.problems
        ref = raw.get("ref")
        if not isinstance(ref, str) or ref not in self.references:
            p.add(
                file,
                f"{where}.ref",
                f"a literature source needs 'ref', a key of priors/references.yaml; got {_excerpt(ref)}"
                f"{did_you_mean(str(ref), self.references)}",
            )
        for key in ("says", "phrase"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                p.add(file, f"{where}.{key}", f"a literature source needs '{key}'")
        phrase = raw.get("phrase")
        if isinstance(phrase, str) and len(phrase.split()) > MAX_PHRASE_WORDS:
            p.add(file, f"{where}.phrase", f"key phrase has {len(phrase.split())} words; at most {MAX_PHRASE_WORDS}")

    def provenance(self, file: str, where: str, raw: Mapping[str, Any], kind: str) -> bool:
        """Check ``basis`` and the fields it needs; True when the entry cites an article.

        A number (``kind == "number"``) also names the verbal ``term`` it reflects.
        """
        p = self.problems
        basis = raw.get("basis")
        if basis == "judgement":
            if not isinstance(raw.get("rationale"), str) or not raw["rationale"].strip():
                p.add(file, f"{where}.rationale", "a judgement needs a one-line rationale")
            return False
        if basis == "literature":
            self.literature(file, where, raw)
            return False
        if basis != "article":
            p.add(
                file,
                f"{where}.basis",
                f"{kind} without provenance: basis must be 'article', 'literature' or 'judgement', "
                f"got {excerpt(basis)}",
            )
            return False
        keys = ("file", "section", "phrase", "term") if kind == "number" else ("file", "section", "phrase")
        for key in keys:
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                p.add(file, f"{where}.{key}", f"an article-based {kind} needs '{key}' (its provenance)")
        if isinstance(raw.get("file"), str) and raw["file"] not in self.articles:
            p.add(
                file,
                f"{where}.file",
                f"unknown article {excerpt(raw['file'])}{did_you_mean(raw['file'], self.articles)}",
            )
        phrase = raw.get("phrase")
        if isinstance(phrase, str) and len(phrase.split()) > MAX_PHRASE_WORDS:
            words = len(phrase.split())
            p.add(
                file, f"{where}.phrase", f"key phrase has {words} words; at most {MAX_PHRASE_WORDS} (cite, never quote)"
            )
        return True

    def check(self, file: str, where: str, raw: Any, fields: Iterable[str] = _NUMBER_FIELDS) -> bool:
        p = self.problems
        if not isinstance(raw, Mapping):
            p.add(file, where, "expected a number entry (value, range, basis, and its provenance)")
            return False
        allowed = set(fields)
        for key in raw:
            if key not in allowed:
                p.add(file, f"{where}.{key}", f"unknown field{did_you_mean(str(key), allowed)}")
        _range(p, file, where, raw.get("value"), raw.get("range"))
        if self.provenance(file, where, raw, "number"):
            term = raw.get("term")
            if isinstance(term, str):
                if term not in self.scale:
                    p.add(
                        file,
                        f"{where}.term",
                        f"term {excerpt(term)} is not in priors/scale.yaml{did_you_mean(term, self.scale)}",
                    )
                elif _finite(raw.get("value")):
                    low, high = self.scale[term]
                    if not low <= raw["value"] <= high:
                        p.add(
                            file,
                            f"{where}.value",
                            f"value {raw['value']} is outside the range [{low}, {high}] the scale gives '{term}'",
                        )
        return True


def _check_cards(
    problems: _Problems, data: Mapping[str, Any], kinds: Mapping[str, str], ctx: _NumberContext
) -> dict[str, list[str]]:
    """Check every cause card; return child -> parent causes for the findings layer."""
    nodes_raw = data.get("model/nodes.yaml")
    parents: dict[str, list[str]] = {}
    seen: set[str] = set()
    for rel, raw in data.items():
        if not rel.startswith(CARDS_DIR):
            continue
        card = _mapping(problems, rel, raw)
        cause = str(card.get("cause"))
        stem = rel.rsplit("/", 1)[-1].removesuffix(".yaml")
        for key in card:
            if key not in ("cause", "prior", "risk_factors", "findings", "note"):
                problems.add(
                    rel,
                    str(key),
                    f"unknown field{did_you_mean(str(key), ['cause', 'prior', 'risk_factors', 'findings', 'note'])}",
                )
        if kinds.get(cause) != "cause":
            problems.add(
                rel,
                "cause",
                f"unknown cause {excerpt(cause)}{did_you_mean(cause, _of_kind(kinds, 'cause'))}",
            )
            continue
        if cause != stem:
            problems.add(rel, "cause", f"card for '{cause}' must be named {cause}.yaml")
        if cause in seen:
            problems.add(rel, "cause", f"duplicate card for '{cause}'")
        seen.add(cause)
        if "prior" not in card:
            problems.add(rel, "prior", "every cause needs a prior")
        else:
            ctx.check(rel, "prior", card["prior"])
        for rf, link in _mapping(problems, rel, card.get("risk_factors"), "risk_factors").items():
            where = f"risk_factors.{rf}"
            if kinds.get(rf) != "risk_factor":
                hint = _layer_hint(rf, kinds, "risk factor")
                problems.add(
                    rel,
                    where,
                    hint or f"unknown risk factor{did_you_mean(str(rf), _of_kind(kinds, 'risk_factor'))}",
                )
                continue
            if ctx.check(rel, where, link, _LINK_FIELDS) and "when" in link:
                states = _states(nodes_raw, rf)
                if states is not None and link["when"] not in states:
                    problems.add(
                        rel, f"{where}.when", f"{excerpt(link['when'])} is not a state of '{rf}' ({', '.join(states)})"
                    )
        for finding, link in _mapping(problems, rel, card.get("findings"), "findings").items():
            where = f"findings.{finding}"
            if kinds.get(finding) not in ("finding", "emergency_sign"):
                hint = _layer_hint(finding, kinds, "finding")
                known = [k for k, v in kinds.items() if v in ("finding", "emergency_sign")]
                problems.add(rel, where, hint or f"unknown finding{did_you_mean(str(finding), known)}")
                continue
            ctx.check(rel, where, link)
            parents.setdefault(str(finding), []).append(cause)
    for node_id, kind in kinds.items():
        if kind == "cause" and node_id not in seen:
            problems.add(f"{CARDS_DIR}/{node_id}.yaml", "", f"cause '{node_id}' has no card")
    return parents


def _layer_hint(node_id: Any, kinds: Mapping[str, str], wanted: str) -> str:
    """Explain a link that would break the risk factor -> cause -> finding layering."""
    kind = kinds.get(node_id)
    if kind is None:
        return ""
    return (
        f"'{node_id}' is a {kind.replace('_', ' ')}, not a {wanted}: links go only "
        "risk factor -> cause -> finding, so the network cannot form a cycle"
    )


def _check_risk_factor_priors(problems: _Problems, raw: Any, kinds: Mapping[str, str], ctx: _NumberContext) -> None:
    file = "priors/risk_factors.yaml"
    entries = _mapping(problems, file, raw)
    known = [k for k, v in kinds.items() if v == "risk_factor"]
    for rf, entry in entries.items():
        if kinds.get(rf) != "risk_factor":
            problems.add(file, str(rf), f"unknown risk factor{did_you_mean(str(rf), known)}")
            continue
        ctx.check(file, str(rf), entry)
    for rf in known:
        if rf not in entries:
            problems.add(file, rf, "risk factor has no prior (P(its second state) among people with the complaint)")


def _check_leaks(
    problems: _Problems, raw: Any, kinds: Mapping[str, str], parents: Mapping[str, list[str]], ctx: _NumberContext
) -> None:
    file = "priors/leaks.yaml"
    entries = _mapping(problems, file, raw)
    known = [k for k, v in kinds.items() if v in ("finding", "emergency_sign")]
    for node_id, entry in entries.items():
        if node_id not in known:
            problems.add(file, str(node_id), f"unknown finding{did_you_mean(str(node_id), known)}")
            continue
        if node_id not in parents:
            problems.add(
                file, str(node_id), "leak for a node no cause links to (remove it, or link the node in a card)"
            )
        ctx.check(file, str(node_id), entry)
    for node_id in parents:
        if node_id not in entries:
            problems.add(file, node_id, "finding has no leak (P(finding | complaint, none of its causes))")


def _check_source(problems: _Problems, file: str, where: str, raw: Any, ctx: _NumberContext) -> None:
    """A rule's source: an article passage, or a judgement with its rationale."""
    if not isinstance(raw, Mapping):
        problems.add(
            file,
            where,
            "every rule needs a source (basis article with file/section/phrase, or judgement with rationale)",
        )
        return
    fields = {"basis", "file", "section", "phrase", "rationale", "note", "ref", "says"}
    for key in raw:
        if key not in fields:
            problems.add(file, f"{where}.{key}", f"unknown field{did_you_mean(str(key), fields)}")
    ctx.provenance(file, where, raw, "source")


_REFERENCE_FIELDS = {"authors", "year", "title", "published_in", "doi", "pmid", "url", "read_at", "note"}


def _check_references(problems: _Problems, raw: Any) -> list[str]:
    """``priors/references.yaml`` (optional): each work with authors, year, title, venue and a DOI, PMID or URL."""
    file = "priors/references.yaml"
    if raw is None:
        return []
    refs = _mapping(problems, file, _mapping(problems, file, raw).get("references"), "references")
    for key, entry in refs.items():
        where = f"references.{key}"
        if not isinstance(key, str) or not _ID.match(key):
            problems.add(file, where, "a reference key is a snake_case id")
        if not isinstance(entry, Mapping):
            problems.add(file, where, "expected authors, year, title, published_in and a doi, pmid or url")
            continue
        for field in entry:
            if field not in _REFERENCE_FIELDS:
                problems.add(file, f"{where}.{field}", f"unknown field{did_you_mean(str(field), _REFERENCE_FIELDS)}")
        for field in ("authors", "title", "published_in"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                problems.add(file, f"{where}.{field}", "missing")
        year = entry.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2100:
            problems.add(file, f"{where}.year", f"expected a year; got {_excerpt(year)}")
        if not any(isinstance(entry.get(k), str) and entry[k].strip() for k in ("doi", "pmid", "url")):
            problems.add(file, where, "a reference needs a doi, pmid or url to be found by")
    return [str(k) for k in refs]


def _excerpt(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_condition(problems: _Problems, file: str, where: str, raw: Any, kinds: Mapping[str, str]) -> bool:
    """Check a rule condition; True when it is well formed (then :func:`ddx.knowledge.condition` reads it)."""
    evidence = [k for k, v in kinds.items() if v != "cause"]
    if isinstance(raw, str):
        if kinds.get(raw) in (None, "cause"):
            problems.add(file, where, f"unknown evidence id {excerpt(raw)}{did_you_mean(raw, evidence)}")
            return False
        return True
    if not (isinstance(raw, Mapping) and len(raw) == 1 and next(iter(raw)) in ("any", "all")):
        problems.add(
            file, where, f"a condition is an evidence id, {{any: [...]}} or {{all: [...]}}; got {excerpt(raw)}"
        )
        return False
    ((op, items),) = raw.items()
    if not isinstance(items, list) or not items:
        problems.add(file, f"{where}.{op}", "expected a non-empty list of conditions")
        return False
    checked = [_check_condition(problems, file, f"{where}.{op}[{i}]", item, kinds) for i, item in enumerate(items)]
    return all(checked)


def _check_rules(
    problems: _Problems, raw: Any, kinds: Mapping[str, str], ctx: _NumberContext
) -> list[tuple[str, Condition]] | None:
    """Check every rule; return (level, condition) of each well-formed rule, or None without a list of rules."""
    file = "model/rules.yaml"
    rules = _mapping(problems, file, raw).get("rules")
    if not isinstance(rules, list):
        problems.add(file, "rules", "expected a list of rules")
        return None
    read: list[tuple[str, Condition]] = []
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            problems.add(file, f"rules[{i}]", "expected a mapping with id, when, level, message, source")
            continue
        rule_id = rule.get("id")
        where = f"rules.{rule_id}" if isinstance(rule_id, str) else f"rules[{i}]"
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            problems.add(file, f"{where}.id", "every rule needs a snake_case id")
        elif rule_id in seen:
            problems.add(file, f"{where}.id", "duplicate rule id")
        seen.add(str(rule_id))
        for key in rule:
            if key not in ("id", "when", "level", "message", "source", "note"):
                problems.add(
                    file,
                    f"{where}.{key}",
                    f"unknown field{did_you_mean(str(key), ['id', 'when', 'level', 'message', 'source'])}",
                )
        well_formed = _check_condition(problems, file, f"{where}.when", rule.get("when"), kinds)
        level = rule.get("level")
        if level not in TRIAGE_LEVELS:
            problems.add(file, f"{where}.level", f"must be one of {', '.join(TRIAGE_LEVELS)}; got {excerpt(level)}")
        elif well_formed:
            read.append((level, condition(rule["when"])))
        if not isinstance(rule.get("message"), str) or not rule["message"].strip():
            problems.add(file, f"{where}.message", "every rule needs a message for the person")
        _check_source(problems, file, f"{where}.source", rule.get("source"), ctx)
    return read


def _check_emergency_signs(problems: _Problems, kinds: Mapping[str, str], rules: list[tuple[str, Condition]]) -> None:
    """Every emergency sign answered yes, and nothing else, meets a rule at level ``emergency``.

    The rule layer is what sends an emergency sign to ``emergency`` whatever the
    network says; a model that lost such a rule would let the sign through at
    the network's triage. The check is generic: a sign added to
    ``model/nodes.yaml`` needs its rule before the model loads.
    """
    emergency = [when for level, when in rules if level == "emergency"]
    for sign in _of_kind(kinds, "emergency_sign"):
        if not any(is_met(when, {sign: True}) for when in emergency):
            problems.add(
                "model/rules.yaml", "", f"emergency sign '{sign}' has no rule at level emergency that fires on it alone"
            )


def _check_triage(
    problems: _Problems,
    raw: Any,
    ctx: _NumberContext,
    kinds: Mapping[str, str],
    data: Mapping[str, Any],
) -> None:
    file = "model/triage.yaml"
    triage = _mapping(problems, file, raw)
    levels = _mapping(problems, file, triage.get("levels"), "levels")
    if list(levels) != list(TRIAGE_LEVELS):
        problems.add(
            file,
            "levels",
            f"expected the levels {', '.join(TRIAGE_LEVELS)} in that order; got {', '.join(map(str, levels))}",
        )
    for level, entry in levels.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("advice"), str):
            problems.add(file, f"levels.{level}.advice", "every level needs one line of advice")
    _check_thresholds(problems, triage.get("thresholds"), ctx)
    support = _mapping(problems, file, triage.get("support"), "support")
    ratio = support.get("min_ratio")
    if not isinstance(ratio, Mapping):
        problems.add(file, "support.min_ratio", "missing: how far above its prior a self-care cause must rise")
    else:
        value, rng = ratio.get("value"), ratio.get("range")
        if not _is_number(value) or value < 1:
            problems.add(file, "support.min_ratio.value", f"expected a ratio of at least 1; got {_excerpt(value)}")
        elif not (
            isinstance(rng, list) and len(rng) == 2 and all(_is_number(v) for v in rng) and rng[0] <= value <= rng[1]
        ):
            problems.add(file, "support.min_ratio.range", f"expected [low, high] around {value}; got {_excerpt(rng)}")
        ctx.provenance(file, "support.min_ratio", ratio, "source")
    unsupported = _mapping(problems, file, triage.get("unsupported"), "unsupported")
    if unsupported.get("level") not in TRIAGE_LEVELS[:-1]:
        problems.add(
            file,
            "unsupported.level",
            f"must be one of {', '.join(TRIAGE_LEVELS[:-1])} (never self_care); got {unsupported.get('level')!r}",
        )
    for key in ("advice", "rationale"):
        if not isinstance(unsupported.get(key), str) or not unsupported[key].strip():
            problems.add(file, f"unsupported.{key}", "missing: one line")
    _check_urgency_words(problems, triage.get("urgency_words"), ctx, kinds, data)


def _check_thresholds(problems: _Problems, raw: Any, ctx: _NumberContext) -> None:
    """thresholds.<acuity>.<level>: own level always; no level above the acuity; rising with urgency."""
    file = "model/triage.yaml"
    thresholds = _mapping(problems, file, raw, "thresholds")
    own: dict[str, float] = {}
    for acuity in TRIAGE_LEVELS:
        if acuity not in thresholds:
            problems.add(
                file, f"thresholds.{acuity}", "missing: the posteriors at which a cause of this acuity sets a level"
            )
    for acuity, levels in thresholds.items():
        if acuity not in TRIAGE_LEVELS:
            problems.add(file, f"thresholds.{acuity}", f"unknown acuity{did_you_mean(str(acuity), TRIAGE_LEVELS)}")
            continue
        levels = _mapping(problems, file, levels, f"thresholds.{acuity}")
        if acuity not in levels:
            problems.add(
                file, f"thresholds.{acuity}.{acuity}", "missing: the posterior at which such a cause sets its own level"
            )
        values: list[tuple[int, float]] = []
        for level, entry in levels.items():
            where = f"thresholds.{acuity}.{level}"
            if level not in TRIAGE_LEVELS:
                problems.add(file, where, f"unknown level{did_you_mean(str(level), TRIAGE_LEVELS)}")
                continue
            if TRIAGE_LEVELS.index(level) < TRIAGE_LEVELS.index(acuity):
                problems.add(file, where, f"a cause of acuity {acuity} cannot set the more urgent level {level}")
                continue
            ctx.check(file, where, entry)
            value = entry.get("value") if isinstance(entry, Mapping) else None
            if _is_number(value):
                values.append((TRIAGE_LEVELS.index(level), float(value)))
                if level == acuity:
                    own[acuity] = float(value)
        values.sort()
        if any(a[1] < b[1] for a, b in itertools.pairwise(values)):
            problems.add(
                file,
                f"thresholds.{acuity}",
                "a more urgent level must need at least the posterior of a less urgent one; got "
                + ", ".join(f"{TRIAGE_LEVELS[i]} {v:g}" for i, v in values),
            )
    ladder = [(a, own[a]) for a in TRIAGE_LEVELS[:-1] if a in own]
    if any(a[1] > b[1] for a, b in itertools.pairwise(ladder)):
        problems.add(
            file,
            "thresholds",
            "a cause's own-level threshold must fall as its acuity grows more urgent (a graver miss needs a lower "
            "threshold); got " + ", ".join(f"{a} {v:g}" for a, v in ladder),
        )


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_urgency_words(
    problems: _Problems, raw: Any, ctx: _NumberContext, kinds: Mapping[str, str], data: Mapping[str, Any]
) -> None:
    """Each entry's causes and rules have its level or a sourced exception; rules citing its section follow it."""
    file = "model/triage.yaml"
    if raw is None:
        return
    if not isinstance(raw, list):
        problems.add(file, "urgency_words", "expected a list of entries (file, section, phrases, level)")
        return
    nodes = _mapping(_Problems(), "", data.get("model/nodes.yaml"))  # checked on their own elsewhere
    causes = _mapping(_Problems(), "", nodes.get("causes"))
    rules_raw = _mapping(_Problems(), "", data.get("model/rules.yaml"))
    rules = {
        r["id"]: r for r in (rules_raw.get("rules") or []) if isinstance(r, Mapping) and isinstance(r.get("id"), str)
    }
    fields = {"file", "section", "phrases", "level", "causes", "rules", "exceptions"}
    for i, entry in enumerate(raw):
        where = f"urgency_words[{i}]"
        if not isinstance(entry, Mapping):
            problems.add(file, where, "expected a mapping with file, section, phrases, level")
            continue
        for key in entry:
            if key not in fields:
                problems.add(file, f"{where}.{key}", f"unknown field{did_you_mean(str(key), fields)}")
        level = entry.get("level")
        if level not in TRIAGE_LEVELS:
            problems.add(file, f"{where}.level", f"must be one of {', '.join(TRIAGE_LEVELS)}; got {level!r}")
            continue
        phrases = entry.get("phrases")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) for p in phrases):
            problems.add(file, f"{where}.phrases", "expected a non-empty list of verbatim phrases")
            phrases = []
        for j, phrase in enumerate(phrases):
            cite = {"basis": "article", "file": entry.get("file"), "section": entry.get("section"), "phrase": phrase}
            ctx.provenance(file, f"{where}.phrases[{j}]", cite, "source")
        exceptions = entry.get("exceptions") or {}
        if not isinstance(exceptions, Mapping):
            problems.add(file, f"{where}.exceptions", "expected a mapping of cause or rule id -> {level, source}")
            exceptions = {}
        for key, exc in exceptions.items():
            if not isinstance(exc, Mapping) or exc.get("level") not in TRIAGE_LEVELS:
                problems.add(file, f"{where}.exceptions.{key}.level", f"must be one of {', '.join(TRIAGE_LEVELS)}")
                continue
            if key not in causes and key not in rules:
                problems.add(
                    file,
                    f"{where}.exceptions.{key}",
                    f"unknown cause or rule{did_you_mean(str(key), [*causes, *rules])}",
                )
            _check_source(problems, file, f"{where}.exceptions.{key}.source", exc.get("source"), ctx)

        levels_of = {k: x.get("level") for k, x in exceptions.items() if isinstance(x, Mapping)}

        for cause in entry.get("causes") or []:
            if cause not in causes:
                problems.add(file, f"{where}.causes", f"unknown cause '{cause}'{did_you_mean(str(cause), causes)}")
                continue
            acuity = causes[cause].get("acuity") if isinstance(causes[cause], Mapping) else None
            if acuity != levels_of.get(cause, level):
                problems.add(
                    "model/nodes.yaml",
                    f"causes.{cause}.acuity",
                    f"is {acuity!r} but the article's words map to {levels_of.get(cause, level)!r} "
                    f"(model/triage.yaml {where}); "
                    "change it or add a sourced exception there",
                )
        listed = set(entry.get("rules") or [])
        citing = {
            rule_id
            for rule_id, rule in rules.items()
            if isinstance(rule.get("source"), Mapping)
            and rule["source"].get("basis") == "article"
            and rule["source"].get("file") == entry.get("file")
            and rule["source"].get("section") == entry.get("section")
        }
        for rule_id in sorted(listed | citing):
            if rule_id not in rules:
                problems.add(file, f"{where}.rules", f"unknown rule '{rule_id}'{did_you_mean(rule_id, rules)}")
                continue
            if rules[rule_id].get("level") != levels_of.get(rule_id, level):
                problems.add(
                    "model/rules.yaml",
                    f"rules.{rule_id}.level",
                    f"is {rules[rule_id].get('level')!r} "
                    f"but the article's words map to {levels_of.get(rule_id, level)!r} "
                    f"(model/triage.yaml {where}); change it or add a sourced exception there",
                )
