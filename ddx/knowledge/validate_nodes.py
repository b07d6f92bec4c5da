"""Checks of model/nodes.yaml and model/model.yaml: ids, kinds, states, age, exclusive groups, merges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import did_you_mean, excerpt
from .checks import _ID, _SECTIONS, _finite, _mapping
from .model import ANSWERED_BY, TRIAGE_LEVELS
from .problems import Problems


def _check_nodes(problems: Problems, raw: Any, model: Mapping[str, Any]) -> dict[str, str]:
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
                {"group", "acuity"} if kind == "cause" else {"states"} if kind == "risk_factor" else {"answered_by"}
            )
            for key in entry:
                if key not in allowed:
                    problems.add(file, f"{where}.{key}", f"unknown field{did_you_mean(key, allowed)}")
            if entry.get("answered_by", "person") not in ANSWERED_BY:
                problems.add(
                    file,
                    f"{where}.answered_by",
                    f"must be one of {', '.join(ANSWERED_BY)}; got {excerpt(entry.get('answered_by'))}",
                )
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


def _check_model(problems: Problems, model: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
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


def _check_age(problems: Problems, file: str, age: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
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


def _check_exclusive(problems: Problems, file: str, raw: Any, kinds: Mapping[str, str]) -> None:
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


def _check_merges(problems: Problems, raw: Any, kinds: Mapping[str, str]) -> None:
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
