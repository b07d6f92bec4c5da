"""The benchmark's cases: realistic evidence drawn from the model, and synthetic larger models."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence

from ..errors import EvidenceError
from ..knowledge.evidence import normalise
from ..knowledge.model import KnowledgeBase

SEED = 20261123

#: The case of docs/uncertainty.md: sciatica's three findings.
SCIATICA = {"radiates_from_lower_back_down_leg": True, "back_pain": True, "one_leg_only": True}


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark case: answers, age and sex, as a user passes them to ``diagnose``."""

    evidence: Mapping[str, bool]
    age: float | None
    sex: str | None
    positives: int  # findings answered yes (risk factors answered yes not counted)


def realistic_cases(
    kb: KnowledgeBase,
    n: int,
    seed: int = SEED,
    positives: tuple[int, int] = (1, 10),
    items: tuple[int, int] = (5, 15),
) -> list[Case]:
    """``n`` vignette-like cases drawn with a fixed seed.

    Each case picks a cause at random; its positive findings are drawn from
    that cause's findings, weighted by link strength (then from a second
    cause's, if it has too few). The other items are "no" answers to findings
    and answered risk factors; age (85 % of cases) and sex (90 %) count as
    items. ``positives`` and ``items`` are inclusive ranges.
    """
    rng = random.Random(seed)
    strength: dict[str, dict[str, float]] = {}
    for link in kb.finding_links:
        strength.setdefault(link.parent, {})[link.child] = link.number.value
    linked_rf: dict[str, set[str]] = {}
    for link in kb.cause_links:
        linked_rf.setdefault(link.child, set()).add(link.parent)
    exclusive = [set(ids) for ids, _ in kb.exclusive]
    findings = list(kb.network_findings)
    risk_factors = [r for r in kb.risk_factors if r not in (kb.sex_node, kb.age.node)]
    out: list[Case] = []
    while len(out) < n:
        k = rng.randint(*positives)
        size = max(rng.randint(*items), k + 1)
        cause = rng.choice(kb.causes)
        evidence: dict[str, bool] = {}
        for source in (cause, *rng.sample(kb.causes, len(kb.causes))):
            weights = strength.get(source, {})
            for f in sorted(weights, key=lambda f: -(rng.random() ** (1.0 / weights[f]))):
                if len(evidence) < k and f not in evidence and not _conflicts(f, evidence, exclusive):
                    evidence[f] = True
        age = float(rng.randint(18, 90)) if rng.random() < 0.85 else None
        sex = rng.choice(kb.nodes[kb.sex_node].states) if rng.random() < 0.9 else None
        rest = max(1, size - k - (age is not None) - (sex is not None))
        n_rf = rng.randint(0, min(3, rest))
        for rf in rng.sample(risk_factors, n_rf):
            p = 0.5 if rf in linked_rf.get(cause, ()) else kb.parent_priors[rf].value
            evidence[rf] = rng.random() < p
        unlinked = [f for f in findings if f not in evidence and f not in strength.get(cause, {})]
        others = [f for f in findings if f not in evidence and f not in unlinked]
        pool = rng.sample(unlinked, len(unlinked)) + rng.sample(others, len(others))
        evidence.update((f, False) for f in pool[: rest - n_rf])
        try:
            normalise(kb, evidence, age, sex)
        except EvidenceError:  # pragma: no cover - the draw avoids contradictions; never keep a bad case
            continue
        out.append(Case(evidence, age, sex, k))
    return out


def _conflicts(finding: str, evidence: Mapping[str, bool], exclusive: Sequence[set[str]]) -> bool:
    return any(finding in group and any(evidence.get(other) for other in group - {finding}) for group in exclusive)


def replicate_kb(kb: KnowledgeBase, copies: int) -> KnowledgeBase:
    """A synthetic model ``copies`` times the size of ``kb``, for the size scaling table.

    Causes and linked findings are copied with renamed ids (``<id>__2``, ...)
    and the same numbers; every copy links to the same risk factors, so the
    copies share age, sex and the other risk factors as one population would.
    Copied emergency signs become plain findings (the rules read the originals).
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1; got {copies}")
    if copies == 1:
        return kb
    nodes, priors, leaks = dict(kb.nodes), dict(kb.priors), dict(kb.leaks)
    cause_links, finding_links = list(kb.cause_links), list(kb.finding_links)
    for r in range(2, copies + 1):
        rename = {node: f"{node}__{r}" for node in (*kb.causes, *kb.network_findings)}
        for old, new in rename.items():
            node = kb.nodes[old]
            kind = "cause" if node.kind == "cause" else "finding"
            nodes[new] = dataclasses.replace(node, id=new, kind=kind, label=f"{node.label} ({r})")
        priors.update({rename[c]: kb.priors[c] for c in kb.causes})
        leaks.update({rename[f]: kb.leaks[f] for f in kb.network_findings})
        cause_links += [dataclasses.replace(link, child=rename[link.child]) for link in kb.cause_links]
        finding_links += [
            dataclasses.replace(link, parent=rename[link.parent], child=rename[link.child]) for link in kb.finding_links
        ]
    return dataclasses.replace(
        kb,
        kb_version=f"{kb.kb_version}-x{copies}",
        nodes=nodes,
        priors=priors,
        leaks=leaks,
        cause_links=tuple(cause_links),
        finding_links=tuple(finding_links),
    )
