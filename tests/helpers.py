"""Random evidence for oracle and property tests."""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

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


def settings_number(value: float) -> dict[str, Any]:
    return {"value": value, "rationale": "test value"}


def tiny_interview() -> dict[str, Any]:
    """Interview settings for the tiny model: red_flag is a red flag for cause_c; a checklist of red_flag."""
    return {
        "stop": {
            "confidence": settings_number(0.9),
            "max_questions": settings_number(4),
            "min_change_probability": settings_number(0.0),
        },
        "screen": {"question": "Any of these?", "signs": ["red_flag"], "rationale": "test"},
        "safety": {
            "on_the_list": {"top": settings_number(3), "min_probability": settings_number(0.2)},
            "emergency_causes": {"threshold": settings_number(0.5), "ask": [], "rationale": "test"},
            "emergency_answers": {"min_probability": settings_number(0.5)},
            "red_flags": {"red_flag": {"causes": ["cause_c"], "rationale": "test"}},
        },
    }


def tiny_with_interview(tmp_path: Path, settings: dict[str, Any] | None = None, **changes: Any) -> Any:
    """The tiny model with interview settings (default :func:`tiny_interview`); ``model__x=...`` replaces a file."""
    from conftest import tiny_files, write_kb

    import ddx

    files = copy.deepcopy(tiny_files())
    for rel, data in changes.items():
        files[rel.replace("__", "/") + ".yaml"] = data
    files["model/interview.yaml"] = tiny_interview() if settings is None else settings
    return ddx.load(write_kb(tmp_path / "tiny", files))


#: The red flags of cauda equina syndrome in the bundled model.
CAUDA_EQUINA_FLAGS = {"loss_of_bladder_or_bowel_control", "new_difficulty_passing_urine", "saddle_numbness"}


#: The clinical extension of the knowledge inventory (beside the repository, in shared/).
EXTENSION = Path(__file__).resolve().parents[2] / "shared" / "knowledge" / "clinical_extension.yaml"
EXTENSION_SECTIONS = ("findings", "risk_factors", "test_results")


def extension() -> dict[str, Any]:
    """The clinical extension as parsed YAML."""
    return yaml.safe_load(EXTENSION.read_text(encoding="utf-8"))


def extension_ids() -> list[str]:
    """Every id of the clinical extension (findings, risk factors, test results), in file order."""
    data = extension()
    return [node_id for section in EXTENSION_SECTIONS for node_id in data[section]]


def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free port of 127.0.0.1; yield its base URL, then stop it."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)
