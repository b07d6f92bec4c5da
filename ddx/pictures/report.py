"""Render the knowledge base as one Markdown document a reviewer can read end to end.

:func:`render_markdown` is pure: the same knowledge base always gives the same
text, so the committed ``docs/knowledge-base.md`` can be checked for staleness.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..knowledge.model import KnowledgeBase, Link, Number
from .codes_table import codes_section
from .markdown import cell as _cell
from .markdown import table as _table

__all__ = ["marginal_prior", "render_markdown"]

_KIND_TITLES = {
    "finding": "Findings",
    "risk_factor": "Risk factors",
    "emergency_sign": "Emergency signs",
}


def _fmt(x: float) -> str:
    """A probability in at most four significant digits, never in exponent form."""
    text = f"{x:.4g}"
    if "e" in text:
        text = f"{x:.6f}".rstrip("0")
    return text


def _range(n: Number) -> str:
    return f"{_fmt(n.low)}–{_fmt(n.high)}"


def _citation(n: Number) -> str:
    if n.basis == "article":
        text = f'{n.file} § {n.section}: "{n.phrase}" (*{n.term}*)'
    elif n.basis == "literature":
        text = f'[{n.ref}](#references): "{n.phrase}"; reports {n.says}; derived: {n.derivation}'
    else:
        text = str(n.rationale)
    if n.note:
        text += f" Note: {n.note}"
    return text


def marginal_prior(kb: KnowledgeBase, cause: str) -> float:
    """P(cause | complaint) with every risk-factor parent at its prior.

    The parents are independent root nodes, so each noisy-OR link of value r
    whose active state has prior probability p multiplies P(absent) by 1 - r p.
    """
    absent = 1.0 - kb.priors[cause].value
    for link in kb.cause_links:
        if link.child != cause:
            continue
        node = kb.nodes[link.parent]
        p_second = kb.parent_priors[link.parent].value
        p_active = p_second if link.active_state == node.states[1] else 1.0 - p_second
        absent *= 1.0 - link.number.value * p_active
    return 1.0 - absent


def _all_numbers(kb: KnowledgeBase) -> list[Number]:
    links: list[Link] = [*kb.cause_links, *kb.finding_links]
    return [
        *kb.priors.values(),
        *(link.number for link in links),
        *kb.leaks.values(),
        *kb.parent_priors.values(),
    ]


def _scale_section(kb: KnowledgeBase) -> list[str]:
    raw: Mapping[str, Any] = kb.raw.get("priors/scale.yaml") or {}
    out = ["## The verbal-probability scale", ""]
    if raw.get("convention"):
        out += [" ".join(str(raw["convention"]).split()), ""]
    rows = [(f"*{t.term}*", _fmt(t.value), f"{_fmt(t.low)}–{_fmt(t.high)}", t.meaning) for t in kb.scale.values()]
    out += _table(["term", "value", "range", "meaning"], rows)
    citations = raw.get("citations") or []
    if citations:
        out += ["", "Sources of the convention:", ""]
        out += [f"- {' '.join(str(c).split())}" for c in citations]
    return [*out, ""]


def _cause_section(kb: KnowledgeBase, cause: str) -> list[str]:
    node = kb.nodes[cause]
    raw_nodes: Mapping[str, Any] = kb.raw.get("model/nodes.yaml") or {}
    note = ((raw_nodes.get("causes") or {}).get(cause) or {}).get("note")
    prior = kb.priors[cause]
    out = [
        f"#### {node.label} (`{cause}`)",
        "",
        f"- acuity: **{node.acuity}**" + (f" — {_cell(note)}" if note else ""),
        f"- prior: **{_fmt(prior.value)}** (range {_range(prior)}; {prior.basis}): {_cell(_citation(prior))}",
        f"- marginal prior (risk factors at their priors): {_fmt(marginal_prior(kb, cause))}",
        "",
    ]
    rf_links = [link for link in kb.cause_links if link.child == cause]
    if rf_links:
        out += ["Risk factors (noisy-OR, the chance the factor alone brings about the cause):", ""]
        rows = [
            (
                f"`{link.parent}`" + (f" = {link.active_state}" if link.active_state != "yes" else ""),
                _fmt(link.number.value),
                _range(link.number),
                link.number.basis,
                _citation(link.number),
            )
            for link in rf_links
        ]
        out += [*_table(["risk factor", "value", "range", "basis", "source"], rows), ""]
    f_links = [link for link in kb.finding_links if link.parent == cause]
    if f_links:
        out += ["Findings (noisy-OR, the chance the cause alone produces the finding):", ""]
        rows = [
            (
                f"`{link.child}`" + (" (emergency sign)" if kb.nodes[link.child].kind == "emergency_sign" else ""),
                _fmt(link.number.value),
                _range(link.number),
                link.number.basis,
                _citation(link.number),
            )
            for link in f_links
        ]
        out += [*_table(["finding", "value", "range", "basis", "source"], rows), ""]
    return [*out, *_review(kb, cause)]


def _review(kb: KnowledgeBase, cause: str) -> list[str]:
    """The card's review against a clinical description: sources, what they list, what changed and why."""
    card: Mapping[str, Any] = kb.raw.get(f"priors/causes/{cause}.yaml") or {}
    review: Mapping[str, Any] = card.get("review") or {}
    if not review:
        return []
    sources = ", ".join(f"`{key}`" for key in review.get("sources") or ())
    return [
        f"Review against a clinical description ({sources}):",
        "",
        f"- the source lists: {_cell(review.get('lists', ''))}",
        f"- added to the card: {_cell(review.get('added', ''))}",
        f"- left out, and why: {_cell(review.get('left_out', ''))}",
        "",
    ]


def _references_section(kb: KnowledgeBase) -> list[str]:
    out = ["## References", "", "Published sources cited by key (basis `literature` and card reviews).", ""]
    out += [f"- `{key}`: {_cell(ref.citation())}" for key, ref in kb.references.items()]
    return [*out, ""]


def render_markdown(kb: KnowledgeBase) -> str:
    """The whole knowledge base as Markdown: scale, causes by group, merges, leaks, risk-factor priors."""
    numbers = _all_numbers(kb)
    n_article = sum(n.basis == "article" for n in numbers)
    n_literature = sum(n.basis == "literature" for n in numbers)
    out = [
        f"# {kb.title}: knowledge base",
        "",
        "<!-- Generated by scripts/render_knowledge_base.py from model/ and priors/; do not edit by hand. -->",
        "",
        f"- kb_version: **{kb.kb_version}**",
        f"- population: {' '.join(kb.population.split())}",
        f"- {len(kb.causes)} causes, {len(kb.ids('finding'))} findings, {len(kb.risk_factors)} risk factors, "
        f"{len(kb.emergency_signs)} emergency signs, {len(kb.merges)} merges",
        f"- {len(numbers)} numbers: {n_article} article-based, {n_literature} literature, "
        f"{len(numbers) - n_article - n_literature} judgement",
        "",
        "Every number is a probability conditional on the presenting complaint. A cause's prior is "
        "P(cause | complaint, its risk factors in their reference state); links are noisy-OR. "
        "Decision support, not a diagnosis.",
        "",
        "## Source articles",
        "",
    ]
    out += [f"- `{name}`: {title}" for name, title in kb.articles.items()]
    out += ["", *_scale_section(kb), "## Causes", ""]
    for group, group_label in kb.groups.items():
        members = [c for c in kb.causes if kb.nodes[c].group == group]
        if not members:
            continue
        out += [f"### Group: {group_label} (`{group}`)", ""]
        for cause in members:
            out += _cause_section(kb, cause)
    out += ["## Merged inventory ids", ""]
    out += _table(
        ["inventory id", "mapped to", "reason"],
        [(f"`{m.id}`", f"`{m.into}`", m.reason) for m in kb.merges.values()],
    )
    out += ["", "## Evidence nodes", ""]
    for kind, title in _KIND_TITLES.items():
        nodes = [n for n in kb.nodes.values() if n.kind == kind]
        out += [f"### {title}", ""]
        rows = [(f"`{n.id}`", n.label, n.question or "", "/".join(n.states), n.added or "") for n in nodes]
        out += [*_table(["id", "label", "question", "states", "added (not in the inventory)"], rows), ""]
    out += [
        "## Leaks",
        "",
        "P(finding | complaint, none of its modelled causes present).",
        "",
    ]
    out += _table(
        ["finding", "value", "range", "basis", "source"],
        [(f"`{f}`", _fmt(n.value), _range(n), n.basis, _citation(n)) for f, n in kb.leaks.items()],
    )
    out += ["", "## Risk-factor priors", "", "P(second state | complaint): P(yes), or P(female) for sex.", ""]
    out += _table(
        ["risk factor", "state", "value", "range", "basis", "source"],
        [
            (f"`{rf}`", kb.nodes[rf].states[1], _fmt(n.value), _range(n), n.basis, _citation(n))
            for rf, n in kb.parent_priors.items()
        ],
    )
    out += ["", *codes_section(kb), *_references_section(kb)]
    return "\n".join(out).rstrip("\n") + "\n"
