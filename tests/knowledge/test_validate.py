"""Every validation rule, each broken once: the error names file, entry and field."""

from __future__ import annotations

import copy
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, judged, tiny_files, write_kb

import ddx
from ddx.cli.entry import main
from ddx.errors import EXCERPT_CHARS, KnowledgeBaseError
from ddx.knowledge.load import load_knowledge

Files = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[Files], None]:
    """Set ``file::a.b.c`` to ``value``."""
    file, _, keys = path.partition("::")

    def apply(files: Files) -> None:
        target = files[file]
        *head, last = keys.split(".")
        for key in head:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value

    return apply


def _delete(path: str) -> Callable[[Files], None]:
    file, _, keys = path.partition("::")

    def apply(files: Files) -> None:
        if not keys:
            del files[file]
            return
        target = files[file]
        *head, last = keys.split(".")
        for key in head:
            target = target[key]
        del target[last]

    return apply


#: A literature number and a card review as the tiny model would cite them (its reference: smith_2020).
_LITERATURE = {
    "value": 0.1,
    "range": [0.05, 0.2],
    "basis": "literature",
    "ref": "smith_2020",
    "phrase": "specificity 0.90",
    "says": "specificity 0.90 (95 % CI 0.85-0.94)",
    "derivation": "leak = 1 - specificity",
}
_REVIEW = {"sources": ["smith_2020"], "lists": "f2 and f3.", "added": "f3.", "left_out": "nothing."}


def _with_reference(files: Files) -> Files:
    files["priors/references.yaml"] = {
        "references": {
            "smith_2020": {
                "authors": "Smith A",
                "year": 2020,
                "title": "A test",
                "published_in": "A journal",
                "doi": "10.1000/test",
            }
        }
    }
    return files


CASES: list[tuple[str, Callable[[Files], None], str]] = [
    (
        "unknown finding in a card",
        _set("priors/causes/cause_a.yaml::findings.f11", judged(0.5)),
        r"priors/causes/cause_a.yaml: findings.f11: unknown finding \(did you mean 'f1'\?\)",
    ),
    (
        "unknown risk factor in a card",
        _set("priors/causes/cause_b.yaml::risk_factors.rf2", judged(0.5)),
        r"cause_b.yaml: risk_factors.rf2: unknown risk factor \(did you mean 'rf1'\?\)",
    ),
    (
        "duplicate id across sections",
        _set("model/nodes.yaml::findings.cause_a", {"label": "x", "question": "?"}),
        r"model/nodes.yaml: findings.cause_a: duplicate id: already declared as a cause",
    ),
    (
        "probability above 1",
        _set("priors/causes/cause_a.yaml::prior", judged(1.2, 0.5, 0.9)),
        r"cause_a.yaml: prior.value: probability 1.2 is outside \(0, 1\)",
    ),
    (
        "probability of 0",
        _set("priors/leaks.yaml::f2", {"value": 0, "range": [0, 0.1], "basis": "judgement", "rationale": "x"}),
        r"priors/leaks.yaml: f2.value: probability 0 is outside \(0, 1\)",
    ),
    (
        "value outside its range",
        _set("priors/leaks.yaml::f2", judged(0.5, 0.1, 0.2)),
        r"f2.value: value 0.5 lies outside its range \[0.1, 0.2\]",
    ),
    (
        "number without provenance",
        _set("priors/leaks.yaml::f3", {"value": 0.1, "range": [0.05, 0.2]}),
        r"priors/leaks.yaml: f3.basis: number without provenance",
    ),
    (
        "judgement without rationale",
        _set("priors/leaks.yaml::f3", {"value": 0.1, "range": [0.05, 0.2], "basis": "judgement"}),
        r"f3.rationale: a judgement needs a one-line rationale",
    ),
    (
        "article number without phrase",
        _delete("priors/causes/cause_a.yaml::findings.f1.phrase"),
        r"cause_a.yaml: findings.f1.phrase: an article-based number needs 'phrase'",
    ),
    (
        "phrase longer than eight words",
        _set("priors/causes/cause_a.yaml::findings.f1.phrase", "one two three four five six seven eight nine"),
        r"findings.f1.phrase: key phrase has 9 words; at most 8",
    ),
    (
        "unknown article",
        _set("priors/causes/cause_a.yaml::findings.f1.file", "003_f50762881c6da20.txt"),
        r"findings.f1.file: unknown article '003_f50762881c6da20.txt' \(did you mean '003_f50762881c6da201.txt'\?\)",
    ),
    (
        "term missing from the scale",
        _set("priors/causes/cause_a.yaml::findings.f1.term", "usualy"),
        r"findings.f1.term: term 'usualy' is not in priors/scale.yaml \(did you mean 'usually'\?\)",
    ),
    (
        "literature number without a derivation",
        _set(
            "priors/leaks.yaml::f3",
            {**_LITERATURE, "derivation": None},
        ),
        r"priors/leaks.yaml: f3.derivation: a literature number needs 'derivation'",
    ),
    (
        "literature number citing an unknown reference",
        _set("priors/leaks.yaml::f3", {**_LITERATURE, "ref": "smith_2021"}),
        r"priors/leaks.yaml: f3.ref: a literature source needs 'ref', a key of priors/references.yaml; "
        r"got 'smith_2021' \(did you mean 'smith_2020'\?\)",
    ),
    (
        "literature number without the figure it reports",
        _set("priors/leaks.yaml::f3", {**_LITERATURE, "says": ""}),
        r"priors/leaks.yaml: f3.says: a literature source needs 'says'",
    ),
    (
        "review citing an unknown reference",
        _set("priors/causes/cause_b.yaml::review", {**_REVIEW, "sources": ["smith_2021"]}),
        r"priors/causes/cause_b.yaml: review.sources: unknown reference 'smith_2021' \(did you mean 'smith_2020'\?\)",
    ),
    (
        "review without what was left out",
        _set("priors/causes/cause_b.yaml::review", {**_REVIEW, "left_out": " "}),
        r"priors/causes/cause_b.yaml: review.left_out: missing",
    ),
    (
        "review with an unknown field",
        _set("priors/causes/cause_b.yaml::review", {**_REVIEW, "lefts_out": "x"}),
        r"review.lefts_out: unknown field \(did you mean 'left_out'\?\)",
    ),
    (
        "answered_by that is neither person nor clinician",
        _set("model/nodes.yaml::findings.f2.answered_by", "nurse"),
        r"model/nodes.yaml: findings.f2.answered_by: must be one of person, clinician; got 'nurse'",
    ),
    (
        "merge that points nowhere",
        _set("model/merges.yaml::old_a.into", "cause_aa"),
        r"model/merges.yaml: old_a.into: merge points nowhere: unknown node 'cause_aa' \(did you mean 'cause_a'\?\)",
    ),
    ("merge without reason", _set("model/merges.yaml::old_a.reason", ""), r"old_a.reason: every merge says why"),
    (
        "merged id that is also a node",
        _set("model/merges.yaml::f2", {"into": "f1", "reason": "x"}),
        r"model/merges.yaml: f2: a merged id cannot also be a node",
    ),
    (
        "finding with no parent",
        _set("model/nodes.yaml::findings.f5", {"label": "F5", "question": "?"}),
        r"model/nodes.yaml: findings.f5: finding has no parent cause",
    ),
    (
        "cause-to-cause link (a cycle would become possible)",
        _set("priors/causes/cause_a.yaml::risk_factors.cause_b", judged(0.5)),
        r"risk_factors.cause_b: 'cause_b' is a cause, not a risk factor: .* cannot form a cycle",
    ),
    (
        "cause listed as a finding",
        _set("priors/causes/cause_b.yaml::findings.cause_a", judged(0.5)),
        r"findings.cause_a: 'cause_a' is a cause, not a finding",
    ),
    (
        "cause without a card",
        _delete("priors/causes/cause_c.yaml::"),
        r"priors/causes/cause_c.yaml: cause 'cause_c' has no card",
    ),
    (
        "card for an unknown cause",
        _set("priors/causes/cause_c.yaml::cause", "cause_d"),
        r"cause_c.yaml: cause: unknown cause 'cause_d'",
    ),
    ("finding without a leak", _delete("priors/leaks.yaml::f4"), r"priors/leaks.yaml: f4: finding has no leak"),
    (
        "risk factor without a prior",
        _delete("priors/risk_factors.yaml::rf1"),
        r"priors/risk_factors.yaml: rf1: risk factor has no prior",
    ),
    (
        "unknown group",
        _set("model/nodes.yaml::causes.cause_a.group", "benin"),
        r"causes.cause_a.group: unknown group 'benin' \(did you mean 'benign'\?\)",
    ),
    (
        "unknown acuity",
        _set("model/nodes.yaml::causes.cause_a.acuity", "soon"),
        r"causes.cause_a.acuity: must be one of emergency, urgent, routine, self_care; got 'soon'",
    ),
    (
        "evidence without a question",
        _delete("model/nodes.yaml::findings.f2.question"),
        r"findings.f2.question: every evidence id needs the question",
    ),
    (
        "rule on an unknown id",
        _set(
            "model/rules.yaml::rules",
            [
                {
                    "id": "r",
                    "when": "red_flg",
                    "level": "emergency",
                    "message": "m",
                    "source": {"basis": "judgement", "rationale": "x"},
                }
            ],
        ),
        r"model/rules.yaml: rules.r.when: unknown evidence id 'red_flg' \(did you mean 'red_flag'\?\)",
    ),
    (
        "rule with a bad level",
        _set(
            "model/rules.yaml::rules",
            [
                {
                    "id": "r",
                    "when": "red_flag",
                    "level": "now",
                    "message": "m",
                    "source": {"basis": "judgement", "rationale": "x"},
                }
            ],
        ),
        r"rules.r.level: must be one of",
    ),
    (
        "rule without a source",
        _set("model/rules.yaml::rules", [{"id": "r", "when": "red_flag", "level": "urgent", "message": "m"}]),
        r"rules.r.source: every rule needs a source",
    ),
    (
        "rule condition malformed",
        _set(
            "model/rules.yaml::rules",
            [
                {
                    "id": "r",
                    "when": {"either": ["f1"]},
                    "level": "urgent",
                    "message": "m",
                    "source": {"basis": "judgement", "rationale": "x"},
                }
            ],
        ),
        r"rules.r.when: a condition is an evidence id",
    ),
    (
        "rule source cites an article without a phrase",
        _set(
            "model/rules.yaml::rules",
            [
                {
                    "id": "r",
                    "when": "red_flag",
                    "level": "urgent",
                    "message": "m",
                    "source": {"basis": "article", "file": "003_f50762881c6da201.txt", "section": "Sciatica"},
                }
            ],
        ),
        r"rules.r.source.phrase: an article-based source needs 'phrase'",
    ),
    (
        "triage threshold missing",
        _delete("model/triage.yaml::thresholds.urgent"),
        r"model/triage.yaml: thresholds.urgent: missing",
    ),
    (
        "age mapped to an unknown node",
        _set("model/model.yaml::age.node", "old_age"),
        r"model/model.yaml: age.node: must name a risk-factor node; got 'old_age' \(did you mean 'older_age'\?\)",
    ),
    (
        "exclusive group names an unknown id",
        _set("model/model.yaml::exclusive", [{"ids": ["f1", "f9"], "reason": "x"}]),
        r"exclusive\[0\].ids: unknown evidence id 'f9'",
    ),
    (
        "risk-factor link on a state the node lacks",
        _set("priors/causes/cause_a.yaml::risk_factors.sex.when", "woman"),
        r"risk_factors.sex.when: 'woman' is not a state of 'sex' \(male, female\)",
    ),
    (
        "unknown field",
        _set("priors/leaks.yaml::f1.vaule", 0.1),
        r"priors/leaks.yaml: f1.vaule: unknown field \(did you mean 'value'\?\)",
    ),
    # --- the model's settings: numbers that are numbers, lists that are lists ---
    (
        "exclusive that is not a list",
        _set("model/model.yaml::exclusive", 5),
        r"model/model.yaml: exclusive: expected a list of groups \(ids and reason\); got 5",
    ),
    (
        "exclusive id that is not an id",
        _set("model/model.yaml::exclusive", [{"ids": [["f1"], "f4"], "reason": "x"}]),
        r"exclusive\[0\].ids: expected an evidence id; got \['f1'\]",
    ),
    (
        "exclusive id listed twice",
        _set("model/model.yaml::exclusive", [{"ids": ["f1", "f1"], "reason": "x"}]),
        r"exclusive\[0\].ids: an id is listed twice",
    ),
    (
        "exclusive group without a reason in words",
        _set("model/model.yaml::exclusive", [{"ids": ["f1", "f4"], "reason": 5}]),
        r"exclusive\[0\].reason: say why",
    ),
    (
        "age threshold NaN",
        _set("model/model.yaml::age.yes_at_or_above", math.nan),
        r"model/model.yaml: age.yes_at_or_above: expected a finite number of years; got nan",
    ),
    (
        "age threshold infinite",
        _set("model/model.yaml::age.yes_at_or_above", math.inf),
        r"age.yes_at_or_above: expected a finite number of years; got inf",
    ),
    (
        "age threshold a bool",
        _set("model/model.yaml::age.yes_at_or_above", True),
        r"age.yes_at_or_above: expected a finite number of years; got True",
    ),
    (
        "age threshold a string",
        _set("model/model.yaml::age.yes_at_or_above", "60"),
        r"age.yes_at_or_above: expected a finite number of years; got '60'",
    ),
    (
        "age threshold outside the valid range",
        _set("model/model.yaml::age.yes_at_or_above", 130),
        r"age.yes_at_or_above: 130 years lies outside the valid range \(0, 120\]",
    ),
    (
        "age valid range infinite",
        _set("model/model.yaml::age.valid_range", [-math.inf, math.inf]),
        r"age.valid_range: expected \[low, high\], two finite numbers of years; got \[-inf, inf\]",
    ),
    (
        "age valid range with NaN",
        _set("model/model.yaml::age.valid_range", [0, math.nan]),
        r"age.valid_range: expected \[low, high\], two finite numbers of years; got \[0, nan\]",
    ),
    (
        "age valid range with a bool",
        _set("model/model.yaml::age.valid_range", [False, 120]),
        r"age.valid_range: expected \[low, high\], two finite numbers of years; got \[False, 120\]",
    ),
    (
        "age valid range inverted",
        _set("model/model.yaml::age.valid_range", [120, 0]),
        r"age.valid_range: expected 0 <= low < high \(years\); got \[120, 0\]",
    ),
    (
        "age valid range empty",
        _set("model/model.yaml::age.valid_range", [60, 60]),
        r"age.valid_range: expected 0 <= low < high",
    ),
    (
        "age valid range below zero",
        _set("model/model.yaml::age.valid_range", [-5, 120]),
        r"age.valid_range: expected 0 <= low < high",
    ),
    (
        "probability NaN",
        _set(
            "priors/leaks.yaml::f2", {"value": math.nan, "range": [0.01, 0.1], "basis": "judgement", "rationale": "x"}
        ),
        r"priors/leaks.yaml: f2.value: expected a probability, a finite number; got nan",
    ),
    (
        "probability a bool",
        _set(
            "priors/risk_factors.yaml::rf1",
            {"value": True, "range": [0.1, 0.9], "basis": "judgement", "rationale": "x"},
        ),
        r"priors/risk_factors.yaml: rf1.value: expected a probability, a finite number; got True",
    ),
    (
        "range infinite",
        _set(
            "priors/causes/cause_b.yaml::prior",
            {"value": 0.1, "range": [0.05, math.inf], "basis": "judgement", "rationale": "x"},
        ),
        r"cause_b.yaml: prior.range: expected \[low, high\], two finite numbers; got \[0.05, inf\]",
    ),
    (
        "scale term range NaN",
        _set("priors/scale.yaml::terms.usually.range", [math.nan, 0.9]),
        r"priors/scale.yaml: terms.usually.range: expected \[low, high\], two finite numbers; got \[nan, 0.9\]",
    ),
    (
        "risk-factor states that are not words",
        _set("model/nodes.yaml::risk_factors.sex.states", [False, True]),
        r"risk_factors.sex.states: a risk factor has exactly two distinct states, each a word; got \[False, True\]",
    ),
    # --- the emergency invariant ---
    (
        "emergency sign whose rule is only urgent",
        _set("model/rules.yaml::rules.0.level", "urgent"),
        r"model/rules.yaml: emergency sign 'red_flag' has no rule at level emergency that fires on it alone",
    ),
    (
        "emergency sign whose rule needs a second answer",
        _set("model/rules.yaml::rules.0.when", {"all": ["red_flag", "f1"]}),
        r"model/rules.yaml: emergency sign 'red_flag' has no rule at level emergency that fires on it alone",
    ),
    (
        "new emergency sign without a rule",
        _set("model/nodes.yaml::emergency_signs.saddle_numbness", {"label": "Saddle numbness", "question": "?"}),
        r"model/rules.yaml: emergency sign 'saddle_numbness' has no rule at level emergency",
    ),
]


@pytest.mark.parametrize(("name", "breaker", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_fires(tmp_path, name, breaker, message):
    files = _with_reference(copy.deepcopy(tiny_files()))
    breaker(files)
    root = write_kb(tmp_path, files)
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(root)
    assert info.match(message), str(info.value)


def test_literature_numbers_and_reviews_that_cite_a_reference_load(tmp_path):
    files = _with_reference(copy.deepcopy(tiny_files()))
    files["priors/leaks.yaml"]["f3"] = dict(_LITERATURE)
    files["priors/causes/cause_b.yaml"]["review"] = dict(_REVIEW)
    kb = load_knowledge(write_kb(tmp_path, files))
    leak = kb.leaks["f3"]
    assert (leak.basis, leak.ref, leak.derivation) == ("literature", "smith_2020", "leak = 1 - specificity")
    assert leak.citation() == (
        'smith_2020: "specificity 0.90" (specificity 0.90 (95 % CI 0.85-0.94); leak = 1 - specificity)'
    )


def test_value_outside_the_scale_term_range(tmp_path):
    files = copy.deepcopy(tiny_files())
    files["priors/causes/cause_a.yaml"]["findings"]["f1"].update(value=0.5, range=[0.4, 0.6])
    with pytest.raises(
        KnowledgeBaseError, match=r"f1.value: value 0.5 is outside the range \[0.6, 0.9\] the scale gives 'usually'"
    ):
        load_knowledge(write_kb(tmp_path, files))


def test_duplicate_yaml_key_is_refused(tmp_path):
    files = copy.deepcopy(tiny_files())
    root = write_kb(tmp_path, files)
    leaks = root / "priors/leaks.yaml"
    leaks.write_text(leaks.read_text() + "f1:\n  value: 0.2\n  range: [0.1, 0.3]\n  basis: judgement\n  rationale: x\n")
    with pytest.raises(KnowledgeBaseError, match=r"priors/leaks.yaml: line \d+: duplicate key 'f1'"):
        load_knowledge(root)


def test_invalid_yaml_is_reported_with_its_file(tmp_path):
    root = write_kb(tmp_path, copy.deepcopy(tiny_files()))
    (root / "priors/leaks.yaml").write_text("f1: [unclosed\n")
    with pytest.raises(KnowledgeBaseError, match=r"priors/leaks.yaml: is not valid YAML"):
        load_knowledge(root)


def test_missing_folder(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="expected folders 'model/' and 'priors/'"):
        load_knowledge(tmp_path)


def test_all_problems_are_reported_at_once(tmp_path):
    files = copy.deepcopy(tiny_files())
    _delete("priors/leaks.yaml::f4")(files)
    _set("model/merges.yaml::old_a.into", "nowhere")(files)
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(write_kb(tmp_path, files))
    assert len(info.value.problems) == 2
    assert str(info.value).startswith("2 problems in the knowledge base:")


def test_valid_tiny_model_loads(tiny_dir):
    kb = load_knowledge(tiny_dir)
    assert kb.causes == ("cause_a", "cause_b", "cause_c")
    assert kb.network_findings == ("f1", "f2", "f3", "f4")
    assert kb.merges["old_a"].into == "cause_a"


def test_an_emergency_rule_with_any_fires_alone(tmp_path):
    files = copy.deepcopy(tiny_files())
    files["model/rules.yaml"]["rules"][0]["when"] = {"any": [{"all": ["f1", "f2"]}, "red_flag"]}
    assert load_knowledge(write_kb(tmp_path, files)).rules[0].id == "red_flag_rule"


LONG_VALUES = {
    "acuity": ("model/nodes.yaml::causes.cause_a.acuity", "x" * 100_000),
    "rule id": ("model/rules.yaml::rules.1.when", "f" * 100_000),
    "rule condition": ("model/rules.yaml::rules.1.when", {"any": [[f"id_{i}" for i in range(50_000)]]}),
    "states": ("model/nodes.yaml::risk_factors.sex.states", ["male"] * 100_000),
    "age range": ("model/model.yaml::age.valid_range", [0] * 100_000),
    "link state": ("priors/causes/cause_a.yaml::risk_factors.sex.when", "w" * 100_000),
    "merge target": ("model/merges.yaml::old_a.into", "c" * 100_000),
    "basis": ("priors/leaks.yaml::f1.basis", "b" * 100_000),
    "term": ("priors/causes/cause_a.yaml::findings.f1.term", "t" * 100_000),
}


@pytest.mark.parametrize("name", LONG_VALUES)
def test_a_long_bad_value_is_cut_in_the_message(tmp_path, name):
    files = copy.deepcopy(tiny_files())
    _set(*LONG_VALUES[name])(files)
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(write_kb(tmp_path, files))
    assert "..." in str(info.value), str(info.value)[:500]
    for line in info.value.problems:
        assert len(line) < 300, line[:500]


def test_a_long_key_is_cut_in_the_message(tmp_path):
    files = copy.deepcopy(tiny_files())
    files["priors/leaks.yaml"]["f" * 10_000] = judged(0.1)
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(write_kb(tmp_path, files))
    (line,) = [p for p in info.value.problems if "unknown finding" in p]
    assert len(line) < 400 and "fff..." in line


def _bundled_copy(root: Path) -> Path:
    for folder in ("model", "priors"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def _without_rules(root: Path, *ids: str) -> None:
    path = root / "model/rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept = [rule for rule in data["rules"] if rule["id"] not in ids]
    assert len(kept) == len(data["rules"]) - len(ids), "every rule named must exist in the bundled model"
    path.write_text(yaml.safe_dump({**data, "rules": kept}, sort_keys=False, allow_unicode=True), encoding="utf-8")


CHEST_PAIN = r"model/rules.yaml: emergency sign 'chest_pain' has no rule at level emergency that fires on it alone"


def test_a_model_without_the_chest_pain_rule_is_refused_by_load(tmp_path):
    root = _bundled_copy(tmp_path / "model_dir")
    _without_rules(root, "chest_pain")
    with pytest.raises(KnowledgeBaseError, match=CHEST_PAIN) as info:
        ddx.load(root)
    assert [p for p in info.value.problems if "emergency sign" in p] == [CHEST_PAIN]


def test_a_model_without_the_chest_pain_rule_is_refused_by_check(tmp_path, capsys):
    root = _bundled_copy(tmp_path / "model_dir")
    _without_rules(root, "chest_pain")
    assert main(["check", "--model", str(root)]) == 3  # a model error (ddx --help: exit codes)
    assert re.search(CHEST_PAIN, capsys.readouterr().err)


def test_a_model_without_any_emergency_rule_names_every_sign(tmp_path):
    root = _bundled_copy(tmp_path / "model_dir")
    rules = yaml.safe_load((root / "model/rules.yaml").read_text(encoding="utf-8"))["rules"]
    _without_rules(root, *(rule["id"] for rule in rules if rule["level"] == "emergency"))
    with pytest.raises(KnowledgeBaseError) as info:
        ddx.load(root)
    named = {m.group(1) for p in info.value.problems if (m := re.search(r"emergency sign '(\w+)'", p))}
    assert named == set(ddx.load().kb.emergency_signs)


def test_excerpt_is_bounded():
    from ddx.errors import excerpt

    assert excerpt("f1") == "'f1'"
    assert len(excerpt("x" * 10_000)) == EXCERPT_CHARS and excerpt("x" * 10_000).endswith("...")
    assert len(excerpt([list(range(1000))] * 1000)) <= EXCERPT_CHARS
