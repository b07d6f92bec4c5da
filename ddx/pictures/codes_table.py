"""The terminology codes of ``model/codes.yaml`` as Markdown tables, for docs/knowledge-base.md.

One table per kind of node: each code with its system, display and map, linked
to the page it was confirmed on; what could not be confirmed, with the reason;
and where the answer comes from instead (``derived``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..knowledge.codes import CodeBook
from ..knowledge.model import KnowledgeBase
from .markdown import table

__all__ = ["codes_section"]

_TITLES = {
    "cause": "Causes",
    "finding": "Findings",
    "risk_factor": "Risk factors",
    "emergency_sign": "Emergency signs",
}


def _codes_cell(book: CodeBook, node: str) -> str:
    entry = book.nodes[node]
    parts = []
    if entry.derived:
        parts.append(f"from `{entry.derived}`")
    for c in entry.codes:
        test = f"; yes if {', '.join(c.yes_if)}" if c.yes_if else ""
        parts.append(f"{c.system} [{c.code}]({c.source}) {c.display} ({c.map}{test})")
    if entry.history:
        parts.append("a resolved condition counts")
    return "<br>".join(parts)


def _unverified_cell(book: CodeBook, node: str) -> str:
    return "<br>".join(f"{system}: {reason}" for system, reason in book.nodes[node].unverified)


def _summary(book: CodeBook) -> list[str]:
    counts = book.tally()
    total = sum(counts[s] for s in book.systems)
    systems = ", ".join(f"{counts[s]} {s}" for s in book.systems)
    return [
        f"{total} codes confirmed against a public page ({systems}); {counts['coded']} of "
        f"{len(book.nodes)} nodes have at least one, {counts['derived']} are read from the Patient resource, and "
        f"{counts['unverified']} say under *unverified* what could not be confirmed and why.",
        "",
    ]


def codes_section(kb: KnowledgeBase, kinds: Sequence[str] = tuple(_TITLES), level: int = 2) -> list[str]:
    """The section on codes (a heading of ``level``, a table per kind one level down); nothing without codes."""
    book = kb.codes
    if not book.nodes:
        return []
    out = [
        f"{'#' * level} Terminology codes",
        "",
        "What an EHR calls each node (`model/codes.yaml`; how a chart is read through them: docs/ehr.md). "
        "Each code links to the page it was confirmed on. *map*: how the code's meaning relates to the node's "
        "(an equivalent code answers yes and no, a narrower one only yes, a broader one only no).",
        "",
        *_summary(book),
    ]
    for kind in kinds:
        nodes = [n.id for n in kb.nodes.values() if n.kind == kind and n.id in book.nodes]
        heading = f"{'#' * (level + 1)} Codes of the {_TITLES[kind].lower()}"
        rows = [(f"`{n}`", _codes_cell(book, n), _unverified_cell(book, n)) for n in nodes]
        out += [heading, "", *table(["id", "codes", "unverified"], rows), ""]
    return out
