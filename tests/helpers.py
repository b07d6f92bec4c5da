"""Random evidence for oracle and property tests."""

from __future__ import annotations

import random
from typing import Any

from ddx.knowledge import KnowledgeBase


def random_case(
    kb: KnowledgeBase, rng: random.Random, max_items: int = 15, max_positive: int = 10
) -> tuple[dict[str, bool], float | None, str | None]:
    """A random evidence dict (findings, emergency signs, risk factors), age and sex."""
    pool = [i for i in kb.evidence_ids if i not in (kb.sex_node, kb.age.node)]
    chosen = rng.sample(pool, rng.randint(0, min(max_items, len(pool))))
    evidence: dict[str, bool] = {}
    positives = 0
    for node_id in chosen:
        value = rng.random() < 0.5 and positives < max_positive
        positives += value
        evidence[node_id] = value
    for ids, _ in kb.exclusive:
        yes = [i for i in ids if evidence.get(i)]
        for extra in yes[1:]:
            evidence[extra] = False
    age: Any = rng.choice([None, rng.randint(0, 120)])
    if age is None and rng.random() < 0.3:
        evidence[kb.age.node] = rng.random() < 0.5
    sex = rng.choice([None, "female", "male"])
    return evidence, age, sex
