"""The scene of the network picture: risk factors, causes and findings in their columns, the rule box, the legend.

Pure Python, no drawing library: :func:`network_scene` returns a
:class:`ddx.pictures.scene.Scene` that :mod:`ddx.pictures.plot` writes as
SVG, HTML or PNG; the order of the nodes comes from :mod:`ddx.pictures.layout`.
"""

from __future__ import annotations

from ..knowledge.conditions import condition_ids
from ..knowledge.model import KnowledgeBase, Link
from .layout import (
    FINDING_COLOUR,
    LEVEL_COLOURS,
    RISK_COLOUR,
    Selection,
    _mean,
    _node_title,
    _number_text,
    _pack,
    condition_text,
    group_colour,
    order_nodes,
    select,
    short_label,
)
from .scene import Circle, Curve, Group, Item, Line, Rect, Scene, Text, fit, text_width, wrap

__all__ = ["network_scene"]


# Geometry of the full picture (pixels).
_MARGIN = 20
_BODY_TOP = 150
_ROW = 21  # findings pitch
_RF_DOT = 300
_FINDING_DOT = 1080
_FINDING_TEXT_W = 340
_RULES_W = 420
_GROUP_HEAD = 15


def _width(value: float) -> float:
    return 0.5 + 3.5 * value


def _legend(kb: KnowledgeBase, sel: Selection, scene: Scene, y: float) -> None:
    x = float(_MARGIN)
    for g, label in kb.groups.items():
        if not any(kb.nodes[c].group == g for c in sel.causes):
            continue
        scene.add(Rect(x, y - 10, 14, 12, group_colour(g), rx=2), Text(x + 19, y, label, 11))
        x += 32 + text_width(label, 11)
    y += 20
    x = float(_MARGIN)
    for colour, label in (
        (RISK_COLOUR, "risk factor"),
        (FINDING_COLOUR, "finding"),
        (LEVEL_COLOURS["emergency"], "emergency sign (read by an emergency rule)"),
    ):
        scene.add(Circle(x + 5, y - 4, 4.5, colour), Text(x + 14, y, label, 11))
        x += 34 + text_width(label, 11)
    scene.add(Text(x, y, "line width = the link's probability:", 11))
    x += 8 + text_width("line width = the link's probability:", 11)
    for value in (0.1, 0.5, 0.9):
        scene.add(Line(x, y - 4, x + 28, y - 4, "#555555", _width(value)), Text(x + 32, y, f"{value:g}", 11))
        x += 58


def _rule_box(kb: KnowledgeBase, sel: Selection, scene: Scene, x: float, y: float) -> float:
    """Draw the rule layer as a box; returns its bottom."""
    shown = {*sel.findings, *sel.risk_factors}
    rules = [r for r in kb.rules if sel.focus is None or shown & set(condition_ids(r.when))]
    items: list[Item] = []
    inner = x + 12
    cy = y + 24
    items.append(Text(inner, cy, "Rule layer — overrides the network", 13, LEVEL_COLOURS["emergency"], bold=True))
    cy += 16
    for line in wrap("A rule fires when its condition is answered yes; triage is then at least its level.", 390, 10):
        items.append(Text(inner, cy, line, 10, "#444444", italic=True))
        cy += 13
    if not rules:
        items.append(Text(inner, cy + 8, "No rule reads the findings shown here.", 10, "#444444"))
        cy += 16
    level = None
    for rule in sorted(rules, key=lambda r: list(LEVEL_COLOURS).index(r.level) if r.level in LEVEL_COLOURS else 9):
        colour = LEVEL_COLOURS.get(rule.level, "#444444")
        if rule.level != level:
            level = rule.level
            cy += 10
            items.append(Text(inner, cy, f"{level.replace('_', ' ').upper()} rules", 11, colour, bold=True))
            cy += 4
        cy += 14
        reads = condition_ids(rule.when)
        entry: list[Item] = [
            Rect(inner, cy - 8, 8, 8, colour, rx=1),
            Text(inner + 13, cy, rule.id, 10, "#222222", bold=True),
        ]
        for line in wrap(f"if {condition_text(kb, rule.when)}", _RULES_W - 45, 10):
            cy += 12
            entry.append(Text(inner + 13, cy, line, 10, "#333333"))
        items.append(
            Group(
                tuple(entry),
                id=f"rule-{rule.id}",
                classes=("node", "rule"),
                data={"id": f"rule:{rule.id}", "reads": " ".join(reads)},
                title=f"{rule.id} ({rule.level}): {rule.message}\nreads: {', '.join(reads)}\n{rule.source}",
            )
        )
    bottom = cy + 14
    scene.add(Rect(x, y, _RULES_W, bottom - y, "#fff8f7", LEVEL_COLOURS["emergency"], 1.5, rx=6), *items)
    return bottom


def network_scene(kb: KnowledgeBase, cause: str | None = None) -> Scene:
    """The network as a scene: one column per layer, the rule layer in a box on the right.

    Parameters
    ----------
    kb
        The knowledge base (``engine.kb``).
    cause
        A cause id to draw only that cause's neighbourhood: its risk factors,
        its findings, and (faded) the other causes that share those findings.

    Raises
    ------
    EvidenceError
        When ``cause`` is not a cause of the model.
    """
    sel = select(kb, cause)
    causes, findings = order_nodes(kb, sel)
    groups_shown = list(dict.fromkeys(kb.nodes[c].group or "" for c in causes))
    emergency_read = {i for r in kb.rules if r.level == "emergency" for i in condition_ids(r.when)}

    n_rows = max(len(findings), len(causes) + len(groups_shown), len(sel.risk_factors), 4)
    body_h = n_rows * _ROW
    top = _BODY_TOP
    finding_y = {f: top + (i + 0.5) * body_h / max(1, len(findings)) for i, f in enumerate(findings)}
    pitch = (body_h - _GROUP_HEAD * len(groups_shown)) / max(1, len(causes))
    cause_y: dict[str, float] = {}
    heads: list[tuple[str, float, float]] = []
    y = float(top)
    for g in groups_shown:
        members = [c for c in causes if (kb.nodes[c].group or "") == g]
        y += _GROUP_HEAD
        start = y
        for c in members:
            cause_y[c] = y + pitch / 2
            y += pitch
        heads.append((g, start, y))
    rf_wanted = {
        r: _mean((cause_y[link.child] for link in sel.cause_links if link.parent == r), top + body_h / 2)
        for r in sel.risk_factors
    }
    rf_order = sorted(sel.risk_factors, key=lambda r: (rf_wanted[r], kb.risk_factors.index(r)))
    rf_y = dict(zip(rf_order, _pack([rf_wanted[r] for r in rf_order], 19, top + 8, top + body_h - 8), strict=True))

    rules_x = _FINDING_DOT + 14 + _FINDING_TEXT_W + 20
    width = rules_x + _RULES_W + _MARGIN
    if sel.focus is None:
        title = f"{kb.title} — knowledge network (kb_version {kb.kb_version})"
        sub = (
            f"{len(causes)} causes, {len(findings)} findings and linked emergency signs, "
            f"{len(sel.risk_factors)} risk factors, {len(kb.rules)} rules. Read left to right: risk factors raise "
            "causes; causes bring about findings."
        )
    else:
        title = f"Neighbourhood of {kb.nodes[sel.focus].label} [{sel.focus}] (kb_version {kb.kb_version})"
        sub = "Its risk factors, its findings, and (faded) the other causes that also explain those findings."
    scene = Scene(width, 0, title)
    scene.add(Text(_MARGIN, 30, fit(title, width - 2 * _MARGIN, 17), 17, bold=True))
    scene.add(Text(_MARGIN, 50, fit(sub, width - 2 * _MARGIN, 11), 11, "#444444"))
    _legend(kb, sel, scene, 76)
    head_y = top - 22
    scene.add(
        Text(_RF_DOT, head_y, "Risk factors", 13, RISK_COLOUR, "end", bold=True),
        Text(_CAUSE_X + _CAUSE_W / 2, head_y, "Causes (by group)", 13, anchor="middle", bold=True),
        Text(_FINDING_DOT - 5, head_y, "Findings and emergency signs", 13, FINDING_COLOUR, bold=True),
    )

    # Group bands behind the causes.
    for g, start, end in heads:
        colour = group_colour(g)
        scene.add(
            Rect(
                _CAUSE_X - 6,
                start - _GROUP_HEAD + 1,
                _CAUSE_W + 12,
                end - start + _GROUP_HEAD,
                colour,
                rx=5,
                opacity=0.08,
            ),
            Text(_CAUSE_X, start - 3, kb.groups.get(g, g), 10, colour, bold=True),
        )

    # Links, weakest first so that strong ones are on top.
    edges: list[tuple[float, Item]] = []
    for link in sel.cause_links:
        faded = sel.focus is not None and link.child in sel.faded
        curve = Curve(
            _RF_DOT + 5, rf_y[link.parent], _CAUSE_X, cause_y[link.child], RISK_COLOUR, _width(link.number.value), 0.45
        )
        edges.append((link.number.value, _edge(link, curve, faded)))
    for link in sel.finding_links:
        faded = link.parent in sel.faded
        colour = group_colour(kb.nodes[link.parent].group)
        curve = Curve(
            _CAUSE_X + _CAUSE_W, cause_y[link.parent], _FINDING_DOT - 5, finding_y[link.child], colour,
            _width(link.number.value), 0.12 if faded else 0.5,
        )  # fmt: skip
        edges.append((link.number.value, _edge(link, curve, faded)))
    scene.add(*(item for _, item in sorted(edges, key=lambda e: e[0])))

    # Nodes.
    for r in rf_order:
        label = fit(kb.nodes[r].label, _RF_DOT - 12 - _MARGIN, 11)
        scene.add(
            _node(
                kb,
                r,
                (Circle(_RF_DOT, rf_y[r], 4.5, RISK_COLOUR), Text(_RF_DOT - 9, rf_y[r] + 4, label, 11, anchor="end")),
            )
        )
    for c in causes:
        colour = group_colour(kb.nodes[c].group)
        y = cause_y[c]
        focus = c == sel.focus
        box = Rect(_CAUSE_X, y - _CAUSE_H / 2, _CAUSE_W, _CAUSE_H, "#ffffff", colour, 2.5 if focus else 1.2, rx=4)
        label = fit(short_label(kb.nodes[c].label), _CAUSE_W - 14, 11)
        parts = (
            box,
            Rect(_CAUSE_X, y - _CAUSE_H / 2, 5, _CAUSE_H, colour, rx=2),
            Text(_CAUSE_X + 10, y + 4, label, 11, bold=focus),
        )
        scene.add(_node(kb, c, parts, faded=c in sel.faded))
    for f in findings:
        emergency = f in emergency_read
        colour = LEVEL_COLOURS["emergency"] if emergency else FINDING_COLOUR
        label = fit(kb.nodes[f].label, _FINDING_TEXT_W, 11)
        y = finding_y[f]
        scene.add(
            _node(kb, f, (Circle(_FINDING_DOT, y, 4.5, colour), Text(_FINDING_DOT + 9, y + 4, label, 11, colour)))
        )

    bottom = max(top + body_h, _rule_box(kb, sel, scene, rules_x, top - 20))
    scene.add(
        Text(
            _MARGIN,
            bottom + 26,
            "Hover a node in the .html version to see its links; every number and its source is in priors/. "
            "Decision support, not a diagnosis.",
            10,
            "#555555",
            italic=True,
        )
    )
    scene.height = bottom + 40
    return scene


def _edge(link: Link, curve: Curve, faded: bool) -> Group:
    return Group(
        (curve,),
        classes=("edge", "faded") if faded else ("edge",),
        data={"ends": f"{link.parent} {link.child}"},
        title=_number_text(link),
    )


def _node(kb: KnowledgeBase, node_id: str, parts: tuple[Item, ...], faded: bool = False) -> Group:
    kind = kb.nodes[node_id].kind
    return Group(
        parts if not faded else tuple(_faded(p) for p in parts),
        id=f"node-{node_id}",
        classes=("node", kind, "faded") if faded else ("node", kind),
        data={"id": node_id},
        title=_node_title(kb, node_id),
    )


def _faded(item: Item) -> Item:
    from dataclasses import replace

    if isinstance(item, (Rect, Circle, Text)):
        return replace(item, opacity=item.opacity * 0.4)
    return item


_CAUSE_X, _CAUSE_W, _CAUSE_H = 500, 320, 19
