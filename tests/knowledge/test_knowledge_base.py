"""The bundled knowledge base against its sources: the inventory and the four articles.

Each number entry is its own test case, so a failure names the entry (card and field).
The inventory and the articles live in the shared folder beside the repository; the
tests that need them are skipped, with the reason, when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import assert_cited_verbatim, extension_ids, needs_seeds

from ddx.knowledge.load import load_knowledge
from ddx.knowledge.model import KnowledgeBase, Number
from ddx.pictures.report import marginal_prior, render_markdown

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"
INVENTORY = SHARED / "knowledge" / "inventory.yaml"
DOC = REPO_ROOT / "docs" / "knowledge-base.md"
INVENTORY_SECTIONS = {
    "causes": "cause",
    "findings": "finding",
    "risk_factors": "risk_factor",
    "emergency_signs": "emergency_sign",
}

needs_inventory = pytest.mark.skipif(
    not INVENTORY.is_file(), reason=f"knowledge inventory not found at {INVENTORY} (shared folder absent)"
)


def _load() -> KnowledgeBase | None:
    try:
        return load_knowledge(REPO_ROOT)
    except Exception:  # reported by test_knowledge_base_loads
        return None


KB = _load()


def _numbers() -> list[Number]:
    if KB is None:
        return []
    links = [*KB.cause_links, *KB.finding_links]
    return [
        *KB.priors.values(),
        *(link.number for link in links),
        *KB.leaks.values(),
        *KB.parent_priors.values(),
    ]


NUMBERS = _numbers()
ARTICLE_NUMBERS = [n for n in NUMBERS if n.basis == "article"]


def _inventory() -> dict[str, dict[str, object]]:
    return yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))


def _inventory_ids() -> list[tuple[str, str]]:
    if not INVENTORY.is_file():
        return []
    inv = _inventory()
    return [(section, node_id) for section in INVENTORY_SECTIONS for node_id in inv.get(section) or {}]


def test_knowledge_base_loads() -> None:
    kb = load_knowledge(REPO_ROOT)  # raises KnowledgeBaseError listing every problem
    assert kb.causes and kb.finding_links


@needs_inventory
@pytest.mark.parametrize(("section", "node_id"), _inventory_ids(), ids=lambda v: str(v))
def test_inventory_id_is_a_node_or_a_documented_merge(section: str, node_id: str) -> None:
    assert KB is not None, "knowledge base does not load"
    if node_id in KB.nodes:
        assert KB.nodes[node_id].kind == INVENTORY_SECTIONS[section], (
            f"{node_id} is a {KB.nodes[node_id].kind}, the inventory lists it under {section}"
        )
        return
    assert node_id in KB.merges, f"inventory id {node_id} is neither a node nor a merge"
    merge = KB.merges[node_id]
    assert merge.into in KB.nodes and KB.nodes[merge.into].kind == INVENTORY_SECTIONS[section]
    assert merge.reason.strip()


@needs_inventory
def test_nodes_outside_the_inventory_say_why_they_were_added() -> None:
    assert KB is not None, "knowledge base does not load"
    inv = _inventory()
    known = {node_id for section in INVENTORY_SECTIONS for node_id in inv.get(section) or {}}
    unexplained = [n.id for n in KB.nodes.values() if n.id not in known and not (n.added or "").strip()]
    assert not unexplained, f"nodes not in the inventory without 'added': {unexplained}"


@needs_inventory
def test_merged_ids_come_from_the_inventory_or_the_clinical_extension() -> None:
    assert KB is not None, "knowledge base does not load"
    inv = _inventory()
    known = {node_id for section in INVENTORY_SECTIONS for node_id in inv.get(section) or {}}
    known |= set(extension_ids())
    assert set(KB.merges) <= known


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: n.where)
def test_number_lies_in_its_range_and_has_a_basis(number: Number) -> None:
    assert 0 < number.low <= number.value <= number.high < 1
    assert number.basis in ("article", "literature", "judgement")
    if number.basis == "judgement":
        assert (number.rationale or "").strip(), "a judgement needs a rationale"
    elif number.basis == "literature":
        assert KB is not None and number.ref in KB.references, f"unknown reference {number.ref!r}"
        assert number.phrase and number.says and number.derivation, "a literature number gives figure and derivation"
        assert len(number.phrase.split()) <= 8, "a key phrase has at most eight words"
    else:
        assert number.file and number.section and number.phrase and number.term


@needs_seeds
@pytest.mark.parametrize("number", ARTICLE_NUMBERS, ids=lambda n: n.where)
def test_phrase_and_section_appear_verbatim_in_the_article(number: Number) -> None:
    assert_cited_verbatim(number.file, number.section, number.phrase)


@pytest.mark.parametrize("number", ARTICLE_NUMBERS, ids=lambda n: n.where)
def test_article_number_lies_in_its_terms_range(number: Number) -> None:
    assert KB is not None
    term = KB.scale[number.term or ""]
    assert term.low <= number.value <= term.high


def test_scale_terms_are_well_formed() -> None:
    assert KB is not None, "knowledge base does not load"
    for term in KB.scale.values():
        assert 0 < term.low <= term.value <= term.high < 1, term.term
        assert term.meaning.strip(), f"scale term {term.term!r} has no meaning"


#: The pgmpy reference holds each finding's noisy-OR as a full table of 2^(parents + 1) entries, which the
#: exactness tests build for every finding; 15 parents keep the largest table at 65,536 entries.
MAX_PARENTS = 15


def test_every_finding_has_few_enough_parents() -> None:
    assert KB is not None, "knowledge base does not load"
    parents: dict[str, int] = {}
    for link in KB.finding_links:
        parents[link.child] = parents.get(link.child, 0) + 1
    crowded = {f: n for f, n in parents.items() if n > MAX_PARENTS}
    assert not crowded, f"findings with more than {MAX_PARENTS} parent causes: {crowded}"


def test_every_card_records_its_review() -> None:
    """Each cause was compared with a clinical description; the card says which, and what came of it."""
    assert KB is not None, "knowledge base does not load"
    for cause in KB.causes:
        review = (KB.raw[f"priors/causes/{cause}.yaml"] or {}).get("review")
        assert review, f"priors/causes/{cause}.yaml has no review block"
        assert set(review) == {"sources", "lists", "added", "left_out"}, cause
        assert all(key in KB.references for key in review["sources"]), cause


def test_marginal_priors_are_sensible() -> None:
    assert KB is not None, "knowledge base does not load"
    marginals = {c: marginal_prior(KB, c) for c in KB.causes}
    # people who consult about leg tingling: lumbar root compression first, then polyneuropathy (docs/model.md)
    assert max(marginals, key=lambda c: marginals[c]) == "sciatica"
    assert sorted(marginals, key=lambda c: -marginals[c])[1] == "peripheral_neuropathy"
    assert 0.8 <= sum(marginals.values()) <= 1.6, f"sum of marginal priors {sum(marginals.values()):.3f}"


def test_committed_knowledge_base_document_is_current() -> None:
    assert KB is not None, "knowledge base does not load"
    assert DOC.is_file(), "docs/knowledge-base.md is missing: run python scripts/render_knowledge_base.py"
    assert DOC.read_text(encoding="utf-8") == render_markdown(KB), (
        "docs/knowledge-base.md is stale: run python scripts/render_knowledge_base.py"
    )


def test_render_is_deterministic() -> None:
    assert KB is not None, "knowledge base does not load"
    assert render_markdown(KB) == render_markdown(load_knowledge(REPO_ROOT))
