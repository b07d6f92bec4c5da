"""Lay out the network by layer — risk factors, causes, findings — with the rule layer in a box apart.

Pure Python, no drawing library: :func:`ddx.pictures.network_scene.network_scene` returns a
:class:`ddx.pictures.scene.Scene` that :mod:`ddx.pictures.plot` writes as SVG, HTML or PNG.

Order reduces crossings the usual layered way (barycentres): causes stay
together by group (the groups of ``model/model.yaml``, in file order) and
are sorted inside a group by the mean position of their findings; findings
are sorted by the mean position of their parent causes; a few sweeps
settle both. Risk factors sit at the mean height of the causes they feed,
pushed apart just enough not to overlap.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import EvidenceError, did_you_mean
from ..knowledge.conditions import Condition, condition_ids
from ..knowledge.model import KnowledgeBase, Link

__all__ = ["GROUP_COLOURS", "LEVEL_COLOURS", "Selection", "group_colour", "order_nodes", "select", "short_label"]

#: Colour of each cause group (colour-blind-safe hues); a group not listed takes one from ``_SPARE``.
GROUP_COLOURS: Mapping[str, str] = {
    "spinal": "#0072b2",
    "nerve_entrapment": "#e69f00",
    "neuropathy": "#cc79a7",
    "vascular": "#d55e00",
    "central": "#7b4fa6",
    "skin_other": "#8c6d31",
    "benign": "#4f9a3a",
}
_SPARE = ("#17becf", "#bcbd22", "#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c")
#: Colour of each triage level (rules, banners, badges).
LEVEL_COLOURS: Mapping[str, str] = {
    "emergency": "#c62828",
    "urgent": "#ef6c00",
    "routine": "#1565c0",
    "self_care": "#2e7d32",
}
RISK_COLOUR = "#6b6b6b"
FINDING_COLOUR = "#3a3a3a"
_SWEEPS = 8


def short_label(label: str) -> str:
    """The label without its parenthesised details: ``"Sciatica (lumbar ...)"`` -> ``"Sciatica"``."""
    head = label.split(" (", 1)[0]
    return head if len(head) >= 4 else label


def group_colour(group: str | None) -> str:
    """The colour of a cause group (a group without a set colour gets a stable spare one)."""
    if group is not None and group in GROUP_COLOURS:
        return GROUP_COLOURS[group]
    return _SPARE[sum(map(ord, group or "")) % len(_SPARE)]


@dataclass(frozen=True)
class Selection:
    """The nodes and links of one picture; ``faded`` causes are context, not the subject."""

    risk_factors: tuple[str, ...]
    causes: tuple[str, ...]
    findings: tuple[str, ...]
    cause_links: tuple[Link, ...]
    finding_links: tuple[Link, ...]
    faded: frozenset[str] = frozenset()
    focus: str | None = None


def select(kb: KnowledgeBase, cause: str | None = None) -> Selection:
    """The whole network, or one cause with its risk factors, its findings and the causes sharing them.

    Raises
    ------
    EvidenceError
        When ``cause`` is not a cause of the model (with the closest cause id).
    """
    if cause is None:
        return Selection(kb.risk_factors, kb.causes, kb.network_findings, kb.cause_links, kb.finding_links)
    node = kb.nodes.get(cause)
    if node is None or node.kind != "cause":
        what = f"'{cause}' is a {node.kind.replace('_', ' ')}, not a cause" if node else f"unknown cause '{cause}'"
        hint = "the causes are listed under 'causes:' in model/nodes.yaml"
        raise EvidenceError(f"{what}{did_you_mean(cause, kb.causes)}; {hint}")
    rf_links = tuple(link for link in kb.cause_links if link.child == cause)
    own = {link.child for link in kb.finding_links if link.parent == cause}
    f_links = tuple(link for link in kb.finding_links if link.child in own)
    others = {link.parent for link in f_links} - {cause}
    return Selection(
        risk_factors=tuple(r for r in kb.risk_factors if any(link.parent == r for link in rf_links)),
        causes=tuple(c for c in kb.causes if c == cause or c in others),
        findings=tuple(f for f in kb.network_findings if f in own),
        cause_links=rf_links,
        finding_links=f_links,
        faded=frozenset(others),
        focus=cause,
    )


def _mean(values: Iterable[float], default: float) -> float:
    items = list(values)
    return sum(items) / len(items) if items else default


def _ranks(order: Sequence[str]) -> dict[str, float]:
    span = max(1, len(order) - 1)
    return {node: i / span for i, node in enumerate(order)}


def order_nodes(kb: KnowledgeBase, sel: Selection) -> tuple[list[str], list[str]]:
    """Causes (by group, then barycentre) and findings (by barycentre), top to bottom.

    The groups start in file order; swapping two groups is kept while it
    lowers the number of crossing cause-finding links. A focus cause (one
    cause's neighbourhood) is drawn first, at the top.
    """
    groups = [g for g in kb.groups if any(kb.nodes[c].group == g for c in sel.causes)]
    groups += sorted({kb.nodes[c].group or "" for c in sel.causes} - set(groups))
    fixed = 0
    if sel.focus is not None:  # the subject on top, its group first
        focus_group = kb.nodes[sel.focus].group or ""
        groups = [focus_group, *(g for g in groups if g != focus_group)]
        fixed = 1
    parents: dict[str, list[str]] = defaultdict(list)
    children: dict[str, list[str]] = defaultdict(list)
    for link in sel.finding_links:
        parents[link.child].append(link.parent)
        children[link.parent].append(link.child)

    def sweep(groups: Sequence[str]) -> tuple[list[str], list[str], int]:
        by_group = {g: [c for c in sel.causes if (kb.nodes[c].group or "") == g] for g in groups}
        findings = list(sel.findings)
        causes = [c for g in groups for c in by_group[g]]
        for _ in range(_SWEEPS):
            cause_y = _ranks(causes)
            findings.sort(key=lambda f: _mean((cause_y[c] for c in parents[f]), 0.5))
            finding_y = _ranks(findings)
            for g in groups:
                by_group[g].sort(key=lambda c: (c != sel.focus, _mean((finding_y[f] for f in children[c]), 0.5)))
            causes = [c for g in groups for c in by_group[g]]
        return causes, findings, _crossings(causes, findings, sel.finding_links)

    best = sweep(groups)
    improved = True
    while improved:
        improved = False
        for i in range(fixed, len(groups)):
            for j in range(i + 1, len(groups)):
                trial = list(groups)
                trial[i], trial[j] = trial[j], trial[i]
                result = sweep(trial)
                if result[2] < best[2]:
                    groups, best, improved = trial, result, True
    return best[0], best[1]


def _crossings(causes: Sequence[str], findings: Sequence[str], links: Sequence[Link]) -> int:
    """How many pairs of cause-finding links cross."""
    cause_y = {c: i for i, c in enumerate(causes)}
    finding_y = {f: i for i, f in enumerate(findings)}
    ends = sorted((cause_y[link.parent], finding_y[link.child]) for link in links)
    return sum(1 for i, (c0, f0) in enumerate(ends) for c1, f1 in ends[i + 1 :] if c1 > c0 and f1 < f0)


def _pack(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as close to ``wanted`` (sorted) as they can be, at least ``gap`` apart, within [low, high]."""
    out: list[float] = []
    for y in wanted:
        out.append(max(y, low, out[-1] + gap if out else low))
    limit = high
    for i in range(len(out) - 1, -1, -1):
        out[i] = min(out[i], limit)
        limit = out[i] - gap
    return out


def _number_text(link: Link) -> str:
    n = link.number
    when = f" (when {link.active_state})" if link.active_state not in ("yes", "present") else ""
    return f"{link.parent} → {link.child}{when}: {n.value:g} [{n.low:g}–{n.high:g}]\n{n.citation()}"


def _node_title(kb: KnowledgeBase, node_id: str) -> str:
    node = kb.nodes[node_id]
    lines = [f"{node.label} [{node_id}]"]
    if node.kind == "cause":
        lines.append(f"group: {kb.groups.get(node.group or '', node.group)}; acuity: {node.acuity}")
        lines.append(f"prior (leak): {kb.priors[node_id].value:g}")
    else:
        if node.question:
            lines.append(node.question)
        if node_id in kb.parent_priors:
            lines.append(f"P({node.states[1]}) = {kb.parent_priors[node_id].value:g}")
        if node_id in kb.leaks:
            lines.append(f"leak: {kb.leaks[node_id].value:g}")
    return "\n".join(lines)


def condition_text(kb: KnowledgeBase, condition: Condition, top: bool = True) -> str:
    """A rule condition in words: labels joined by 'and' / 'or'."""
    if isinstance(condition, str):
        node = kb.nodes.get(condition)
        return node.label if node else condition
    op, items = condition
    text = f" {'and' if op == 'all' else 'or'} ".join(condition_text(kb, item, False) for item in items)
    return text if top else f"({text})"


def neighbours(kb: KnowledgeBase, sel: Selection | None = None) -> dict[str, list[str]]:
    """Each drawn node (and ``rule:<id>``) -> the ids it links to, for the HTML page's highlighting."""
    sel = sel or select(kb)
    out: dict[str, set[str]] = defaultdict(set)
    for link in (*sel.cause_links, *sel.finding_links):
        out[link.parent].add(link.child)
        out[link.child].add(link.parent)
    for rule in kb.rules:
        for node_id in condition_ids(rule.when):
            out[f"rule:{rule.id}"].add(node_id)
            out[node_id].add(f"rule:{rule.id}")
    return {k: sorted(v) for k, v in sorted(out.items())}


def neighbours_json(kb: KnowledgeBase, cause: str | None = None) -> str:
    """:func:`neighbours` as JSON (safe to inline in a ``<script>``)."""
    return json.dumps(neighbours(kb, select(kb, cause)), separators=(",", ":")).replace("</", "<\\/")
