"""Checks of the cause cards (priors/causes/), the risk-factor priors and the leaks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import did_you_mean, excerpt
from .checks import _LINK_FIELDS, _mapping, _of_kind
from .model import CARDS_DIR
from .problems import Problems
from .validate_nodes import _states
from .validate_numbers import _NumberContext

_CARD_FIELDS = ("cause", "prior", "risk_factors", "findings", "review", "note")
#: A card's review against a clinical description: the sources read, and three short texts.
_REVIEW_FIELDS = ("sources", "lists", "added", "left_out")


def _check_cards(
    problems: Problems, data: Mapping[str, Any], kinds: Mapping[str, str], ctx: _NumberContext
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
            if key not in _CARD_FIELDS:
                problems.add(rel, str(key), f"unknown field{did_you_mean(str(key), _CARD_FIELDS)}")
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
        _check_review(problems, rel, card.get("review"), ctx)
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


def _check_review(problems: Problems, rel: str, raw: Any, ctx: _NumberContext) -> None:
    """A card's review (optional here; the bundled model has one on every card): sources read, what changed."""
    if raw is None:
        return
    review = _mapping(problems, rel, raw, "review")
    for key in review:
        if key not in _REVIEW_FIELDS:
            problems.add(rel, f"review.{key}", f"unknown field{did_you_mean(str(key), _REVIEW_FIELDS)}")
    for key in _REVIEW_FIELDS[1:]:
        if not isinstance(review.get(key), str) or not review[key].strip():
            problems.add(rel, f"review.{key}", "missing: a sentence or two")
    sources = review.get("sources")
    if not isinstance(sources, list) or not sources:
        problems.add(rel, "review.sources", "expected a list of keys of priors/references.yaml")
        return
    for key in sources:
        if not isinstance(key, str) or key not in ctx.references:
            problems.add(
                rel,
                "review.sources",
                f"unknown reference {excerpt(key)}{did_you_mean(str(key), ctx.references)}",
            )


def _layer_hint(node_id: Any, kinds: Mapping[str, str], wanted: str) -> str:
    """Explain a link that would break the risk factor -> cause -> finding layering."""
    kind = kinds.get(node_id)
    if kind is None:
        return ""
    return (
        f"'{node_id}' is a {kind.replace('_', ' ')}, not a {wanted}: links go only "
        "risk factor -> cause -> finding, so the network cannot form a cycle"
    )


def _check_risk_factor_priors(problems: Problems, raw: Any, kinds: Mapping[str, str], ctx: _NumberContext) -> None:
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
    problems: Problems, raw: Any, kinds: Mapping[str, str], parents: Mapping[str, list[str]], ctx: _NumberContext
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
