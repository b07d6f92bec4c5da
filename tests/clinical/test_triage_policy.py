"""The triage policy of the bundled model: its urgency words, its references, and the safety page.

``model/triage.yaml`` maps the articles' urgency words to levels; each phrase
must be verbatim, and every cause and rule it speaks of must follow it or
carry a sourced exception. Rules and exceptions of basis ``literature`` cite
``priors/references.yaml``. ``docs/safety.md`` lists every rule.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, tiny_files, write_kb
from helpers import assert_cited_verbatim, needs_seeds

import ddx
from ddx.errors import KnowledgeBaseError

KB = ddx.load().kb
TRIAGE = yaml.safe_load((REPO / "model/triage.yaml").read_text())
RULES = yaml.safe_load((REPO / "model/rules.yaml").read_text())["rules"]
PHRASES = [(e["file"], e["section"], p) for e in TRIAGE["urgency_words"] for p in e["phrases"]]


@needs_seeds
@pytest.mark.parametrize(("file", "section", "phrase"), PHRASES, ids=lambda v: str(v)[:40])
def test_urgency_phrases_are_verbatim(file: str, section: str, phrase: str) -> None:
    assert_cited_verbatim(file, section, phrase)


def test_urgency_words_cover_the_emergency_words_of_the_articles() -> None:
    levels = {p.lower(): e.level for e in KB.urgency_words for p in e.phrases}
    assert levels["call 911 in these situations"] == "emergency"
    assert levels["seek immediate medical attention"] == "emergency"
    assert levels["requires immediate medical attention"] == "emergency"
    assert levels["frostbite requires immediate medical treatment"] == "emergency"
    assert levels["discuss numbness and tingling with your healthcare provider"] == "routine"


def test_exceptions_are_the_documented_ones() -> None:
    exceptions = {k: v for e in KB.urgency_words for k, v in e.exceptions.items()}
    assert exceptions["deep_vein_thrombosis"] == "urgent"  # NICE NG158: same-day scan
    assert KB.nodes["deep_vein_thrombosis"].acuity == "urgent"
    assert KB.nodes["transverse_myelitis"].acuity == "emergency"


def test_every_literature_source_names_a_reference_that_exists() -> None:
    sources = [r["source"] for r in RULES] + [
        x["source"] for e in TRIAGE["urgency_words"] for x in (e.get("exceptions") or {}).values()
    ]
    cited = {s["ref"] for s in sources if s["basis"] == "literature"}
    assert cited and cited <= set(KB.references)
    for key in cited:
        ref = KB.references[key]
        assert ref.title and ref.year and ref.locator, key


def test_the_safety_page_lists_every_rule() -> None:
    page = (REPO / "docs/safety.md").read_text(encoding="utf-8")
    missing = [r["id"] for r in RULES if f"`{r['id']}`" not in page]
    assert not missing, f"docs/safety.md does not list the rules {missing}"


# --------------------------------------------------------------------------- validation of the policy


def _tiny(tmp_path: Path, change: Any) -> Path:
    files = copy.deepcopy(tiny_files())
    change(files)
    return write_kb(tmp_path / "kb", files)


def _refused(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(KnowledgeBaseError, match=message):
        ddx.load(_tiny(tmp_path, change))


def test_thresholds_that_rise_with_danger_are_refused(tmp_path: Path) -> None:
    def change(files: dict[str, Any]) -> None:
        files["model/triage.yaml"]["thresholds"]["emergency"]["emergency"]["value"] = 0.45
        files["model/triage.yaml"]["thresholds"]["emergency"]["emergency"]["range"] = [0.3, 0.6]

    _refused(tmp_path, change, r"own-level threshold must fall as its acuity grows more urgent")


def test_a_more_urgent_level_needing_less_is_refused(tmp_path: Path) -> None:
    def change(files: dict[str, Any]) -> None:
        files["model/triage.yaml"]["thresholds"]["emergency"]["urgent"]["value"] = 0.25
        files["model/triage.yaml"]["thresholds"]["emergency"]["urgent"]["range"] = [0.2, 0.3]

    _refused(tmp_path, change, r"thresholds\.emergency: a more urgent level must need at least")


def test_a_cause_cannot_set_a_level_above_its_acuity(tmp_path: Path) -> None:
    def change(files: dict[str, Any]) -> None:
        files["model/triage.yaml"]["thresholds"]["routine"]["urgent"] = {
            "value": 0.5,
            "range": [0.4, 0.6],
            "basis": "judgement",
            "rationale": "x",
        }

    _refused(tmp_path, change, r"thresholds\.routine\.urgent: a cause of acuity routine cannot set the more urgent")


def test_unsupported_self_care_is_refused(tmp_path: Path) -> None:
    def change(files: dict[str, Any]) -> None:
        files["model/triage.yaml"]["unsupported"]["level"] = "self_care"

    _refused(tmp_path, change, r"unsupported\.level: must be one of emergency, urgent, routine \(never self_care\)")


def test_an_unknown_reference_key_is_refused(tmp_path: Path) -> None:
    def change(files: dict[str, Any]) -> None:
        files["model/rules.yaml"]["rules"][1]["source"] = {
            "basis": "literature",
            "ref": "nice_ng999",
            "phrase": "x",
            "says": "y",
        }

    _refused(tmp_path, change, r"rules\.f3_and_f4\.source\.ref: a literature source needs 'ref', a key of")


def test_a_cause_that_ignores_the_urgency_words_is_refused(tmp_path: Path) -> None:
    def change(files: dict[str, Any]) -> None:
        files["model/triage.yaml"]["urgency_words"] = [
            {
                "file": "003_f50762881c6da201.txt",
                "section": "Frostbite",
                "phrases": ["Frostbite requires immediate medical treatment"],
                "level": "emergency",
                "causes": ["cause_b"],
            }
        ]

    _refused(tmp_path, change, r"causes\.cause_b\.acuity: is 'routine' but the article's words map to 'emergency'")
