"""Checks of model/rules.yaml and model/triage.yaml: conditions, emergency signs, thresholds, urgency words."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from ..errors import did_you_mean, excerpt
from .checks import _ID, _excerpt, _is_number, _mapping, _of_kind
from .conditions import Condition, is_met
from .model import TRIAGE_LEVELS, condition
from .problems import Problems
from .validate_numbers import _check_source, _NumberContext


def _check_condition(problems: Problems, file: str, where: str, raw: Any, kinds: Mapping[str, str]) -> bool:
    """Check a rule condition; True when it is well formed (then :func:`ddx.knowledge.model.condition` reads it)."""
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
    problems: Problems, raw: Any, kinds: Mapping[str, str], ctx: _NumberContext
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


def _check_emergency_signs(problems: Problems, kinds: Mapping[str, str], rules: list[tuple[str, Condition]]) -> None:
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
    problems: Problems,
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


def _check_thresholds(problems: Problems, raw: Any, ctx: _NumberContext) -> None:
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


def _check_urgency_words(
    problems: Problems, raw: Any, ctx: _NumberContext, kinds: Mapping[str, str], data: Mapping[str, Any]
) -> None:
    """Each entry's causes and rules have its level or a sourced exception; rules citing its section follow it."""
    file = "model/triage.yaml"
    if raw is None:
        return
    if not isinstance(raw, list):
        problems.add(file, "urgency_words", "expected a list of entries (file, section, phrases, level)")
        return
    nodes = _mapping(Problems(), "", data.get("model/nodes.yaml"))  # checked on their own elsewhere
    causes = _mapping(Problems(), "", nodes.get("causes"))
    rules_raw = _mapping(Problems(), "", data.get("model/rules.yaml"))
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
