"""Random evidence for oracle and property tests."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from ddx.knowledge.model import KnowledgeBase
from ddx.knowledge.validate_numbers import MAX_PHRASE_WORDS


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
    for ids in kb.exhaustive:  # one of them is always yes: all no would be refused
        if all(evidence.get(i) is False for i in ids):
            del evidence[ids[0]]
    age: Any = rng.choice([None, rng.randint(0, 120)])
    if age is None and rng.random() < 0.3:
        evidence[kb.age.node] = rng.random() < 0.5
    sex = rng.choice([None, "female", "male"])
    return evidence, age, sex


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
#: Skip a citation check, saying why, when the source articles are not beside the repository.
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason=f"source articles not found in {SEEDS} (shared folder absent)"
)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def assert_cited_verbatim(file: str | None, section: str | None, phrase: str | None) -> None:
    """The phrase and section appear verbatim (case and white space aside) in the article; phrase <= 8 words."""
    assert file and section and phrase, "an article citation needs file, section and phrase"
    path = SEEDS / file
    assert path.is_file(), f"no article {file} in {SEEDS}"
    text = _normalise(path.read_text(encoding="utf-8"))
    assert _normalise(phrase) in text, f"phrase not in {file}: {phrase!r}"
    assert _normalise(section) in text, f"section not in {file}: {section!r}"
    assert len(phrase.split()) <= MAX_PHRASE_WORDS, f"phrase longer than {MAX_PHRASE_WORDS} words: {phrase!r}"
