"""``ddx ids``: every evidence id of the model with its kind, label and question, filtered."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["evidence_table", "format_ids"]

#: The columns of each row, in order.
COLUMNS = ("id", "kind", "label", "question", "states")


def evidence_table(
    model: str | os.PathLike[str] | None = None, *, kind: str | None = None, grep: str | None = None
) -> list[dict[str, object]]:
    """One row per evidence id (findings, risk factors, emergency signs), in the model's order.

    Parameters
    ----------
    model
        A model directory; default: the bundled model.
    kind
        Only ids of this kind (``finding``, ``risk_factor`` or ``emergency_sign``).
    grep
        Only ids whose id, label or question contains this text (any case).

    Examples
    --------
    >>> rows = evidence_table(kind="emergency_sign", grep="chest")
    >>> [(row["id"], row["kind"]) for row in rows]
    [('chest_pain', 'emergency_sign')]
    """
    from ..knowledge.load import load_knowledge

    kb = load_knowledge(None if model is None else Path(model))
    needle = None if grep is None else grep.casefold()
    rows: list[dict[str, object]] = []
    for node_id in kb.evidence_ids:
        node = kb.nodes[node_id]
        if kind is not None and node.kind != kind:
            continue
        text = f"{node_id}\n{node.label}\n{node.question or ''}".casefold()
        if needle is not None and needle not in text:
            continue
        rows.append(
            {"id": node_id, "kind": node.kind, "label": node.label, "question": node.question, "states": node.states}
        )
    return rows


def format_ids(rows: list[dict[str, object]], fmt: str = "text") -> str:
    """The rows as aligned text (one id a line: id, kind, label, question) or as a JSON list."""
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if not rows:
        return "(no evidence id matches)"
    widths = [max(len(str(row[c])) for row in rows) for c in COLUMNS[:3]]
    widths = [max(w, len(c)) for w, c in zip(widths, COLUMNS[:3], strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS[:3], widths, strict=True)) + "  question"]
    for row in rows:
        cells = [str(row[c]).ljust(w) for c, w in zip(COLUMNS[:3], widths, strict=True)]
        lines.append("  ".join(cells) + f"  {row['question'] or ''}")
    return "\n".join(lines)
