"""The interview's end in plain words (ddx.interview.summary): sources by title, hints without internals."""

from __future__ import annotations

import pytest

import ddx
from ddx.interview.summary import person_summary, plain_reason, short_label, source_line


@pytest.fixture(scope="module")
def kb():
    return ddx.load().kb


def test_an_article_citation_reads_as_its_title_and_section(kb):
    file, title = next(iter(kb.articles.items()))
    line = source_line(kb, f'{file} § FAQ 5: Does age play a role?: "degenerative conditions"')
    assert line == f'"{title}", section "FAQ 5: Does age play a role?"'


def test_a_published_work_is_named_and_a_judgement_is_no_source(kb):
    work = 'NICE 2020, Sciatica: "result within 4 hours" (same-day scan)'
    assert source_line(kb, work) == "NICE 2020, Sciatica"
    assert source_line(kb, "judgement: a weak association") is None
    assert source_line(kb, "model/triage.yaml: levels.routine.advice") is None
    assert source_line(kb, "no direct link: acts through other causes (explaining away)") is None


def test_a_hint_names_causes_by_label_and_no_model_path(kb):
    text = plain_reason(kb, "safety: a red flag for sciatica (70%) (model/interview.yaml: where)")
    assert text == "safety: a red flag for Sciatica (70%)"
    assert short_label("Sciatica (lumbar nerve root compression)") == "Sciatica"


def test_a_rule_that_is_not_an_emergency_comes_after_the_advice(kb):
    engine = ddx.load()
    result = engine.diagnose({"back_pain": True, "radiates_from_lower_back_down_leg": True, "one_leg_only": True})
    assert result.rules_fired and result.triage != "emergency"
    text = person_summary(kb, result)
    assert text.index(f"What to do: {result.advice}") < text.index(result.rules_fired[0].message)
    assert "*** EMERGENCY" not in text and "(they come second to the advice above)" in text


def test_an_emergency_not_yet_shown_is_written_at_the_end(kb):
    result = ddx.load().diagnose({"loss_of_bladder_or_bowel_control": True})
    text = person_summary(kb, result, emergency_shown=False)
    assert text.count("*** EMERGENCY") == 1 and kb.advice["emergency"] in text
    shown = person_summary(kb, result, emergency_shown=True)
    assert "*** EMERGENCY" not in shown and "follow the emergency advice above" in shown
