"""CDS Hooks cards of one result: what a clinician sees in the chart (CDS Hooks 2.0, "Card Attributes").

One card gives the differential and the triage: a summary under 140
characters, an indicator from the triage (emergency is critical, urgent a
warning, anything else information), a Markdown detail with the leading
causes beside their priors, the answers that moved the top cause with their
citations, the suggested tests and the disclaimer, ``source`` naming ddx and
its ``kb_version``, and a link that opens the web interview with the chart's
answers. Every fired emergency rule gets a critical card of its own, placed
first. A request the service cannot score gets one card that says why.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..engine.result import DiagnosisResult
from ..fhir.read import BundleEvidence
from ..knowledge.model import KnowledgeBase

__all__ = ["INDICATOR", "MAX_SUMMARY", "interview_link", "notice_card", "result_cards"]

#: The longest summary: the specification asks for fewer than 140 characters.
MAX_SUMMARY = 139
#: The card indicator of each triage level.
INDICATOR = {"emergency": "critical", "urgent": "warning", "routine": "info", "self_care": "info"}
#: Rows of the detail: causes in the table, answers named as reasons, tests listed, chart entries not read.
TOP_CAUSES, REASONS, TESTS, UNREAD = 5, 5, 5, 5
_LEVEL_WORDS = {"emergency": "emergency", "urgent": "urgent", "routine": "routine", "self_care": "self-care"}


def _short(label: str) -> str:
    """A cause's label without its parenthesis: 'Sciatica (lumbar nerve root ...)' -> 'Sciatica'."""
    return label.split(" (", 1)[0]


def _cut(text: str, limit: int = MAX_SUMMARY) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _percent(p: float) -> str:
    return f"{p:.0%}".replace("%", " %") if p >= 0.01 else "<1 %"


def _source(kb: KnowledgeBase, base_url: str) -> dict[str, Any]:
    return {"label": f"ddx {__version__} (knowledge base {kb.kb_version})", "url": f"{base_url}/info"}


def interview_link(base_url: str, ev: BundleEvidence) -> str:
    """The web interview's address with the chart's answers in its fragment (a fragment is never sent to a server)."""
    case = {"answers": dict(ev.answers), "age": ev.age, "sex": ev.sex}
    return f"{base_url}/#case={quote(json.dumps(case, separators=(',', ':')), safe='')}"


def _card(summary: str, indicator: str, detail: str, source: Mapping[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": _cut(summary),
        "indicator": indicator,
        "detail": detail,
        "source": dict(source),
        **more,
    }


def notice_card(kb: KnowledgeBase, base_url: str, summary: str, detail: str, indicator: str = "info") -> dict[str, Any]:
    """A card that says why there is no differential (missing prefetch, a chart that cannot be read)."""
    return _card(summary, indicator, detail, _source(kb, base_url))


def _label(kb: KnowledgeBase, node_id: str) -> str:
    return kb.nodes[node_id].label if node_id in kb.nodes else node_id


def _detail(result: DiagnosisResult, ev: BundleEvidence, kb: KnowledgeBase) -> str:
    top = result.top
    lines = [f"**Triage: {_LEVEL_WORDS.get(result.triage, result.triage)}.** {result.advice}", ""]
    if result.rules_fired:
        lines += ["A rule set this triage; the probabilities below are secondary.", ""]
    lines += ["| Cause | Chance | Prior |", "| --- | ---: | ---: |"]
    leading = result.differential[:TOP_CAUSES]
    lines += [f"| {c.label} | {_percent(c.probability)} | {_percent(c.prior)} |" for c in leading]
    reasons = [c for c in result.explain(top.id) if c.delta_log_odds][:REASONS]
    if reasons:
        lines += ["", f"**Why {_short(top.label)}** (the answers that moved it most):", ""]
        for c in reasons:
            lines.append(f"- {_label(kb, c.evidence_id)}: {c.answer_text}, {c.direction} it ({c.citation})")
    tests = [s for s in result.next_steps if s.kind == "test"][:TESTS]
    if tests:
        lines += ["", "**Suggested tests:**", ""]
        lines += [f"- {s.name}: {s.text} ({s.citation})" for s in tests]
    read = [m for m in ev.mapped if m.answer is not None]
    lines += ["", f"**Read from the chart:** {_count(len(read), 'answer')}"]
    lines += [f"- {_label(kb, m.evidence_id)}: {'yes' if m.answer else 'no'} ({m.resource})" for m in read]
    if ev.unmapped:
        lines += ["", f"**Not read:** {_count(len(ev.unmapped), 'entry', 'entries')}"]
        lines += [f"- {u.resource}: {u.reason}" for u in ev.unmapped[:UNREAD]]
        if len(ev.unmapped) > UNREAD:
            lines.append(f"- and {len(ev.unmapped) - UNREAD} more")
    lines += ["", f"*{result.disclaimer}*"]
    return "\n".join(lines)


def result_cards(result: DiagnosisResult, ev: BundleEvidence, kb: KnowledgeBase, base_url: str) -> list[dict[str, Any]]:
    """The cards of one scored chart: a critical card per fired emergency rule, then the differential card."""
    source = _source(kb, base_url)
    cards = []
    for rule in result.rules_fired:
        if rule.level != "emergency":
            continue
        detail = f"**{rule.message}**\n\nSource: {rule.source}\n\n*{result.disclaimer}*"
        cards.append(_card(f"Emergency: {rule.message}", "critical", detail, source))
    top = result.top
    triage = _LEVEL_WORDS.get(result.triage, result.triage)
    summary = f"Leg numbness: {_short(top.label)} most likely ({_percent(top.probability)}); triage {triage}"
    link = {"label": "Open the ddx interview with the chart's answers", "url": interview_link(base_url, ev)}
    cards.append(
        _card(
            summary,
            INDICATOR.get(result.triage, "info"),
            _detail(result, ev, kb),
            source,
            links=[{**link, "type": "absolute"}],
        )
    )
    return cards
