"""The end of an interview in plain words: what to do, the likely causes, the next steps, and the sources.

The person who answered reads this, so it names answers by their labels,
sources by article title and section (``articles`` of ``model/model.yaml``),
and leaves out log-odds, ids and file names; the clinician's view
(:func:`clinician_summary`) keeps them. Every sentence of advice comes from the
result (``model/triage.yaml``, ``model/rules.yaml``, ``model/next_steps.yaml``);
this module only chooses what to show and in which order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..clinical.failsafe import EMERGENCY
from ..engine.result import Contribution, DiagnosisResult
from ..knowledge.model import KnowledgeBase

__all__ = ["clinician_summary", "person_summary", "plain_reason", "short_label", "source_line"]

#: How many causes, and answers each way, the person's view lists: enough to read at a glance.
_CAUSES, _ANSWERS = 5, 3
#: The next steps of a cause under a plain heading, in this order (advice and rules are shown above them).
_STEP_HEADINGS = {
    "care": "Care",
    "test": "Tests that can confirm or rule it out",
    "treatment": "What helps",
    "self_care": "What you can do yourself",
}
#: A pointer into the model in a question's reason (``(model/interview.yaml: where)``): not for the person.
_MODEL_PATH = re.compile(r"\s*\((?:model|priors)/[^)]*\)")


def short_label(label: str) -> str:
    """A cause's label without its parenthesised detail: ``Sciatica (lumbar ...)`` -> ``Sciatica``."""
    return label.split(" (")[0]


def plain_reason(kb: KnowledgeBase, reason: str) -> str:
    """A question's reason for the person: model paths left out, cause ids given as their short labels."""
    text = _MODEL_PATH.sub("", reason)
    for cause in kb.causes:
        if cause in text:
            text = re.sub(rf"\b{re.escape(cause)}\b", short_label(kb.nodes[cause].label), text)
    return text


def source_line(kb: KnowledgeBase, citation: str) -> str | None:
    """A citation as the person reads it: the article's title and section, or the published work; None else.

    Citations are written ``file § section: "phrase"`` (articles), ``work: "phrase" (says)``
    (literature) or ``judgement: ...``; a judgement or a pointer into the model is no source to read.
    """
    for file, title in kb.articles.items():
        if citation.startswith(f"{file} § "):
            section = citation[len(file) + 3 :].rsplit(': "', 1)[0]
            return f'"{title}", section "{section}"'
    if citation.startswith(("judgement:", "model/", "priors/")) or ': "' not in citation:
        return None
    return citation.rsplit(': "', 1)[0]


def _answer(value: bool | str) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else value


def _why(kb: KnowledgeBase, result: DiagnosisResult) -> tuple[list[str], list[Contribution]]:
    top = result.top
    items = result.explain(top.id)
    raised = [c for c in items if c.delta_log_odds > 0][:_ANSWERS]
    lowered = [c for c in items if c.delta_log_odds < 0][:_ANSWERS]
    lines = []
    for words, group in (("made it more likely", raised), ("made it less likely", lowered)):
        if group:
            named = ", ".join(f"{kb.nodes[c.evidence_id].label} ({_answer(c.answer)})" for c in group)
            lines.append(f"  Answers that {words}: {named}\n")
    if lines:
        lines.insert(0, f"\nWhat pointed to {short_label(top.label)}:\n")
    return lines, raised + lowered


def _steps(kb: KnowledgeBase, result: DiagnosisResult) -> Iterator[str]:
    by_cause: dict[str, list[tuple[str, str, str]]] = {}
    for step in result.next_steps:
        if step.cause is not None and step.kind in _STEP_HEADINGS:
            by_cause.setdefault(step.cause, []).append((step.kind, step.name, step.text))
    if not by_cause:
        return
    yield "\nNext steps:\n"
    for cause, steps in by_cause.items():
        yield f"  For {short_label(kb.nodes[cause].label)}:\n"
        for kind, heading in _STEP_HEADINGS.items():
            texts = [text for k, _, text in steps if k == kind]
            if texts:
                yield f"    {heading}:\n" + "".join(f"      - {text}\n" for text in texts)


def _sources(kb: KnowledgeBase, citations: Iterable[str]) -> list[str]:
    lines = [line for line in (source_line(kb, c) for c in citations) if line is not None]
    return list(dict.fromkeys(lines))


def person_summary(kb: KnowledgeBase, result: DiagnosisResult, emergency_shown: bool = False) -> str:
    """The interview's end for the person: what to do, the likely causes, why, next steps, sources, disclaimer.

    ``emergency_shown`` says the emergency advice was written when the answer
    that met it was given: it is then not repeated, only pointed to.
    """
    out: list[str] = []
    rules = list(result.rules_fired)
    if result.triage == EMERGENCY and not emergency_shown:
        first = rules[0].message if rules else result.advice
        out.append(f"\n*** EMERGENCY: {first}\n*** {kb.advice[EMERGENCY]}\n")
        rules = rules[1:]
    elif result.triage == EMERGENCY:
        out.append("\nWhat to do now: follow the emergency advice above.\n")
        rules = [r for r in rules if r.level != EMERGENCY]
    else:
        out.append(f"\nWhat to do: {result.advice}\n")
    out += [f"  Also: {rule.message}\n" for rule in rules if rule.message != result.advice]
    note = " (they come second to the advice above)" if result.probabilities_secondary else ""
    out.append(f"\nThe most likely causes, from your answers{note}:\n")
    out += [f"  {c.probability:4.0%}  {c.label}\n" for c in result.differential[:_CAUSES]]
    why, shown = _why(kb, result)
    out += why
    out += _steps(kb, result)
    citations = [r.source for r in result.rules_fired] + [c.citation for c in shown]
    citations += [s.citation for s in result.next_steps if s.cause is not None]
    sources = _sources(kb, citations)
    if sources:
        out.append("\nSources:\n" + "".join(f"  - {line}\n" for line in sources))
    out.append(f"\n{result.disclaimer}\n")
    return "".join(out)


def clinician_summary(result: DiagnosisResult) -> str:
    """The interview's end for a clinician: the full result, then each answer's effect on the top cause in log-odds."""
    top = result.top
    lines = [f"\n{result}\n", f"\nWhy {top.label} ({top.id}, {top.probability:.1%}; prior {top.prior:.1%}):\n"]
    items = result.explain(top.id)
    shown = [c for c in items if round(c.delta_log_odds, 2) != 0]
    if not items:
        lines.append("  no answers given: the probability is the prior\n")
    for c in shown:
        lines.append(
            f"  {c.evidence_id} = {_answer(c.answer)}: {c.delta_log_odds:+.2f} log-odds ({c.direction}); {c.citation}\n"
        )
    if len(shown) < len(items):
        lines.append(f"  ({len(items) - len(shown)} other answers change its log-odds by less than 0.01)\n")
    return "".join(lines)
