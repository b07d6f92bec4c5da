"""Every rule a knowledge base must satisfy; all problems are collected, then raised once.

Messages read ``file: entry.field: what is wrong (did you mean 'x'?)`` so that a
reviewer can go straight to the line. Each rule here has a test that breaks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import KnowledgeBaseError, did_you_mean
from .knowledge import CARDS_DIR, TRIAGE_LEVELS, Sources

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


class _Problems:
    """Collects problems as ``file: entry: message`` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, file: str, entry: str, message: str) -> None:
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
    ctx = _NumberContext(problems, scale, articles)
    parents = _check_cards(problems, data, kinds, ctx)
    _check_risk_factor_priors(problems, data.get("priors/risk_factors.yaml"), kinds, ctx)
    _check_leaks(problems, data.get("priors/leaks.yaml"), kinds, parents, ctx)
    _check_rules(problems, data.get("model/rules.yaml"), kinds, ctx)
    _check_triage(problems, data.get("model/triage.yaml"), ctx)
    for node_id, kind in kinds.items():
        if kind == "finding" and not parents.get(node_id):
            problems.add(
                "model/nodes.yaml",
                f"findings.{node_id}",
                "finding has no parent cause (link it in a card under priors/causes/)",
            )
    if problems.lines:
        raise KnowledgeBaseError(problems.lines)


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
                    hint = did_you_mean(str(group), groups)
                    problems.add(
                        file, f"{where}.group", f"unknown group {group!r}{hint}; groups are declared in model.yaml"
                    )
                if entry.get("acuity") not in TRIAGE_LEVELS:
                    problems.add(
                        file,
                        f"{where}.acuity",
                        f"must be one of {', '.join(TRIAGE_LEVELS)}; got {entry.get('acuity')!r}",
                    )
            states = entry.get("states")
            if states is not None and (
                not isinstance(states, list) or len(states) != 2 or len(set(map(str, states))) != 2
            ):
                problems.add(file, f"{where}.states", f"a risk factor has exactly two distinct states; got {states!r}")
    return kinds


def _states(data_nodes: Any, node_id: str) -> list[str]:
    for section in ("risk_factors", "findings", "emergency_signs"):
        entry = (data_nodes or {}).get(section, {}) or {}
        if isinstance(entry, Mapping) and isinstance(entry.get(node_id), Mapping):
            states = entry[node_id].get("states", ["no", "yes"])
            return [str(s) for s in states] if isinstance(states, list) else ["no", "yes"]
    return ["no", "yes"]


def _check_model(problems: _Problems, model: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
    file = "model/model.yaml"
    for key in ("kb_version", "title", "population", "articles", "groups", "age", "sex"):
        if key not in model:
            problems.add(file, key, "is missing")
    age = _mapping(problems, file, model.get("age"), "age")
    if age:
        node = age.get("node")
        if kinds.get(str(node)) != "risk_factor":
            problems.add(
                file, "age.node", f"must name a risk-factor node; got {node!r}{did_you_mean(str(node), kinds)}"
            )
        valid = age.get("valid_range")
        if not (
            isinstance(valid, list)
            and len(valid) == 2
            and all(isinstance(v, (int, float)) for v in valid)
            and valid[0] < valid[1]
        ):
            problems.add(file, "age.valid_range", f"expected [low, high] in years; got {valid!r}")
        if not isinstance(age.get("yes_at_or_above"), (int, float)):
            problems.add(file, "age.yes_at_or_above", "expected a number of years")
    sex = _mapping(problems, file, model.get("sex"), "sex")
    if sex and kinds.get(str(sex.get("node"))) != "risk_factor":
        problems.add(file, "sex.node", f"must name a risk-factor node; got {sex.get('node')!r}")
    for i, group in enumerate(model.get("exclusive") or []):
        ids = group.get("ids") if isinstance(group, Mapping) else None
        if not isinstance(ids, list) or len(ids) < 2:
            problems.add(file, f"exclusive[{i}].ids", "expected a list of at least two evidence ids")
            continue
        for node_id in ids:
            if node_id not in kinds or kinds[node_id] == "cause":
                problems.add(
                    file, f"exclusive[{i}].ids", f"unknown evidence id '{node_id}'{did_you_mean(str(node_id), kinds)}"
                )
        if not group.get("reason"):
            problems.add(file, f"exclusive[{i}].reason", "say why these answers exclude each other")


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
                file, f"{merged}.into", f"merge points nowhere: unknown node '{into}'{did_you_mean(str(into), kinds)}"
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
    """Check ``0 < low <= value <= high < 1``; return (low, high) when well formed."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.add(file, f"{where}.value", f"expected a probability, got {value!r}")
        return None
    if not 0 < value < 1:
        problems.add(file, f"{where}.value", f"probability {value} is outside (0, 1)")
    if not (
        isinstance(rng, list)
        and len(rng) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)
    ):
        problems.add(file, f"{where}.range", f"expected [low, high], got {rng!r}")
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
        self, problems: _Problems, scale: Mapping[str, tuple[float, float]], articles: Mapping[str, Any]
    ) -> None:
        self.problems, self.scale, self.articles = problems, scale, articles

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
        if basis != "article":
            p.add(
                file,
                f"{where}.basis",
                f"{kind} without provenance: basis must be 'article' or 'judgement', got {basis!r}",
            )
            return False
        keys = ("file", "section", "phrase", "term") if kind == "number" else ("file", "section", "phrase")
        for key in keys:
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                p.add(file, f"{where}.{key}", f"an article-based {kind} needs '{key}' (its provenance)")
        if isinstance(raw.get("file"), str) and raw["file"] not in self.articles:
            p.add(file, f"{where}.file", f"unknown article '{raw['file']}'{did_you_mean(raw['file'], self.articles)}")
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
                        f"term '{term}' is not in priors/scale.yaml{did_you_mean(term, self.scale)}",
                    )
                elif isinstance(raw.get("value"), (int, float)):
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
                f"unknown cause '{cause}'{did_you_mean(str(cause), [k for k, v in kinds.items() if v == 'cause'])}",
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
                if link["when"] not in states:
                    problems.add(
                        rel, f"{where}.when", f"'{link['when']}' is not a state of '{rf}' ({', '.join(states)})"
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
    fields = {"basis", "file", "section", "phrase", "rationale", "note"}
    for key in raw:
        if key not in fields:
            problems.add(file, f"{where}.{key}", f"unknown field{did_you_mean(str(key), fields)}")
    ctx.provenance(file, where, raw, "source")


def _check_condition(problems: _Problems, file: str, where: str, raw: Any, kinds: Mapping[str, str]) -> None:
    evidence = [k for k, v in kinds.items() if v != "cause"]
    if isinstance(raw, str):
        if kinds.get(raw) in (None, "cause"):
            problems.add(file, where, f"unknown evidence id '{raw}'{did_you_mean(raw, evidence)}")
        return
    if not (isinstance(raw, Mapping) and len(raw) == 1 and next(iter(raw)) in ("any", "all")):
        problems.add(file, where, f"a condition is an evidence id, {{any: [...]}} or {{all: [...]}}; got {raw!r}")
        return
    ((op, items),) = raw.items()
    if not isinstance(items, list) or not items:
        problems.add(file, f"{where}.{op}", "expected a non-empty list of conditions")
        return
    for i, item in enumerate(items):
        _check_condition(problems, file, f"{where}.{op}[{i}]", item, kinds)


def _check_rules(problems: _Problems, raw: Any, kinds: Mapping[str, str], ctx: _NumberContext) -> None:
    file = "model/rules.yaml"
    rules = _mapping(problems, file, raw).get("rules")
    if not isinstance(rules, list):
        problems.add(file, "rules", "expected a list of rules")
        return
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
        _check_condition(problems, file, f"{where}.when", rule.get("when"), kinds)
        if rule.get("level") not in TRIAGE_LEVELS:
            problems.add(
                file, f"{where}.level", f"must be one of {', '.join(TRIAGE_LEVELS)}; got {rule.get('level')!r}"
            )
        if not isinstance(rule.get("message"), str) or not rule["message"].strip():
            problems.add(file, f"{where}.message", "every rule needs a message for the person")
        _check_source(problems, file, f"{where}.source", rule.get("source"), ctx)


def _check_triage(problems: _Problems, raw: Any, ctx: _NumberContext) -> None:
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
    thresholds = _mapping(problems, file, triage.get("thresholds"), "thresholds")
    for level in TRIAGE_LEVELS[:-1]:
        if level not in thresholds:
            problems.add(
                file, f"thresholds.{level}", "missing: the posterior at which a cause of this acuity sets this level"
            )
    for level, entry in thresholds.items():
        if level not in TRIAGE_LEVELS[:-1]:
            problems.add(file, f"thresholds.{level}", f"unknown level{did_you_mean(str(level), TRIAGE_LEVELS[:-1])}")
            continue
        ctx.check(file, f"thresholds.{level}", entry)
