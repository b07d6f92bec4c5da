"""Every rule a knowledge base must satisfy; all problems are collected, then raised once.

Messages read ``file: entry.field: what is wrong (did you mean 'x'?)`` so that a
reviewer can go straight to the line. Each rule has a test that breaks it. The
checks are split by the files they read: :mod:`~ddx.knowledge.validate_nodes`,
:mod:`~ddx.knowledge.validate_numbers`, :mod:`~ddx.knowledge.validate_cards`,
:mod:`~ddx.knowledge.validate_rules`, :mod:`~ddx.knowledge.validate_codes`; this module runs them in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import KnowledgeBaseError
from .checks import _mapping
from .codes import CODES_FILE
from .model import Sources
from .problems import Problems
from .validate_cards import _check_cards, _check_leaks, _check_risk_factor_priors
from .validate_codes import check_codes
from .validate_nodes import _check_merges, _check_model, _check_nodes
from .validate_numbers import _check_references, _check_scale, _NumberContext
from .validate_rules import _check_emergency_signs, _check_rules, _check_triage

__all__ = ["validate"]


def validate(sources: Sources) -> None:
    """Check the parsed files of a model directory.

    Raises
    ------
    KnowledgeBaseError
        Listing every problem found; nothing is raised when there is none.
    """
    problems = Problems(sources.read_problems)
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
    check_codes(problems, data.get(CODES_FILE), kinds)
    read_by_rules = _rule_ids(data.get("model/rules.yaml"))
    for node_id, kind in kinds.items():
        if kind == "finding" and not parents.get(node_id) and node_id not in read_by_rules:
            problems.add(
                "model/nodes.yaml",
                f"findings.{node_id}",
                "finding has no parent cause and no rule reads it (link it in a card under priors/causes/)",
            )
    problems.raise_any()


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
