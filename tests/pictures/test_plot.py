"""Pictures: the files are produced, valid, name every node, and hold no remote URL."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ddx
from ddx.errors import DdxError, EvidenceError
from ddx.knowledge.load import load_knowledge
from ddx.pictures.case_scene import case_picture, case_scene
from ddx.pictures.layout import _crossings, _pack, order_nodes, select, short_label
from ddx.pictures.network_scene import network_scene
from ddx.pictures.plot import network_html, network_picture
from ddx.pictures.scene import Group, Rect, Scene, Text, fit, to_svg, wrap

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> str:
    """Every <text> and <title> of an SVG file, joined (parsing proves it is well-formed XML)."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return "\n".join(e.text or "" for e in root.iter() if e.tag in (f"{SVG}text", f"{SVG}title"))


def assert_offline(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert "http://" not in html and "https://" not in html  # inline SVG in HTML needs no namespace URL
    assert "@import" not in html and "url(" not in html


# --------------------------------------------------------------------------- network, tiny model


def test_network_svg_names_every_node(tiny_engine, tmp_path):
    kb = tiny_engine.kb
    out = network_picture(kb, tmp_path / "network.svg")
    text = svg_texts(out)
    for node_id, node in kb.nodes.items():
        assert node.label in text or node_id in text, node_id
    for rule in kb.rules:
        assert rule.id in text


def test_network_html_is_offline_and_holds_every_node(tiny_engine, tmp_path):
    kb = tiny_engine.kb
    html = network_picture(kb, tmp_path / "network.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script>" in html and "<svg" in html
    for node_id in kb.nodes:
        assert node_id in html
    for node_id in (*kb.causes, *kb.network_findings, *kb.risk_factors):
        assert f'data-id="{node_id}"' in html
    assert_offline(html)
    assert html == network_html(kb)


def test_network_png(tiny_engine, tmp_path):
    pytest.importorskip("matplotlib")
    out = network_picture(tiny_engine.kb, tmp_path / "network.png")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_cause_neighbourhood_keeps_its_findings_and_sharers_only(tiny_engine, tmp_path):
    text = svg_texts(network_picture(tiny_engine.kb, tmp_path / "a.svg", cause="cause_a"))
    assert "Cause A" in text and "Finding 1" in text and "Finding 2" in text
    assert "Cause B" in text  # shares Finding 2, drawn faded
    assert "Cause C" not in text and "Finding 4" not in text and "Risk 1" not in text
    sel = select(tiny_engine.kb, "cause_a")
    assert sel.faded == {"cause_b"} and sel.risk_factors == ("sex",)


def test_unknown_cause_is_a_clear_error(tiny_engine, tmp_path):
    with pytest.raises(EvidenceError, match="unknown cause 'cause_aa' \\(did you mean 'cause_a'\\?\\)"):
        network_picture(tiny_engine.kb, tmp_path / "a.svg", cause="cause_aa")
    with pytest.raises(EvidenceError, match="'f1' is a finding, not a cause"):
        network_scene(tiny_engine.kb, cause="f1")
    assert not (tmp_path / "a.svg").exists()


def test_unknown_format_and_missing_folder(tiny_engine, tmp_path):
    with pytest.raises(DdxError, match=r"unknown picture format '\.jpg'; use \.svg"):
        network_picture(tiny_engine.kb, tmp_path / "a.jpg")
    with pytest.raises(DdxError, match="does not exist"):
        network_picture(tiny_engine.kb, tmp_path / "nowhere" / "a.svg")


def test_import_ddx_does_not_import_matplotlib():
    modules = "ddx, ddx.pictures.plot, ddx.pictures.layout, ddx.pictures.scene, ddx.cli.case, ddx.cli.entry"
    code = f"import sys, {modules}; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- layout


@pytest.fixture(scope="module")
def bundled_kb():
    return load_knowledge()


def test_order_groups_causes_and_reduces_crossings(bundled_kb):
    kb = bundled_kb
    sel = select(kb)
    causes, findings = order_nodes(kb, sel)
    assert sorted(causes) == sorted(kb.causes) and sorted(findings) == sorted(kb.network_findings)
    groups = [kb.nodes[c].group for c in causes]
    assert all(groups.index(g) == i or groups[i - 1] == g for i, g in enumerate(groups))  # contiguous
    file_order = [c for g in kb.groups for c in kb.causes if kb.nodes[c].group == g]
    assert _crossings(causes, findings, sel.finding_links) < _crossings(
        file_order, kb.network_findings, sel.finding_links
    )


def test_pack_keeps_gap_and_bounds():
    out = _pack([10, 10, 11, 95], gap=5, low=0, high=100)
    assert all(b - a >= 5 - 1e-9 for a, b in itertools.pairwise(out))
    assert out[0] >= 0 and out[-1] <= 100
    assert _pack([100, 100, 100], gap=10, low=0, high=100) == [80, 90, 100]


def test_short_label():
    assert short_label("Sciatica (lumbar nerve root compression)") == "Sciatica"
    assert short_label("Deep vein thrombosis") == "Deep vein thrombosis"


def test_scene_svg_escapes_and_keeps_group_metadata():
    scene = Scene(100, 50, "a < b")
    scene.add(Group((Rect(0, 0, 10, 10, "#ff0000"), Text(1, 2, 'x & "y" <z>')), id="n1", data={"id": "a&b"}, title="t"))
    root = ET.fromstring(to_svg(scene).split("\n", 1)[1])
    group = root.find(f"{SVG}g")
    assert group is not None and group.get("data-id") == "a&b"
    assert [e.text for e in root.iter(f"{SVG}text")] == ['x & "y" <z>']
    assert list(scene.texts()) == ["t", 'x & "y" <z>']


def test_fit_and_wrap():
    assert fit("short", 200, 11) == "short"
    cut = fit("a rather long label that will not fit", 60, 11)
    assert cut.endswith("…") and len(cut) < 20
    assert all(len(line) <= 20 for line in wrap("word " * 30, 20 * 11 * 0.58, 11))


# --------------------------------------------------------------------------- case, tiny model


def test_case_svg_has_banner_triage_and_disclaimer(tiny_engine, tmp_path):
    result = tiny_engine.diagnose({"red_flag": True, "f3": True})
    out = case_picture(result, tmp_path / "case.svg", name="c1")
    text = svg_texts(out)
    assert "EMERGENCY — rule 'red_flag_rule': Call now." in text
    assert "probabilities below are secondary" in text
    assert "Case c1: triage" in text and "EMERGENCY" in text
    assert result.disclaimer.split(":")[0] in text
    assert "Why" in text and "f3 = yes" in text
    banner = ET.parse(out).getroot().findall(f"{SVG}rect")[1]
    assert banner.get("fill") == "#c62828" and banner.get("y") == "0"


def test_case_without_rule_has_no_banner(tiny_engine):
    scene = case_scene(tiny_engine.diagnose({"f1": True}), top=2)
    texts = list(scene.texts())
    assert not any("rule '" in t for t in texts)
    assert any(t.startswith("1. Cause A") for t in texts) and not any(t.startswith("3.") for t in texts)


def test_case_png(tiny_engine, tmp_path):
    pytest.importorskip("matplotlib")
    out = case_picture(tiny_engine.diagnose({"f2": True}), tmp_path / "case.png", cause="cause_b")
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_case_unknown_cause(tiny_engine, tmp_path):
    with pytest.raises(EvidenceError, match="unknown cause 'cause_z'"):
        case_picture(tiny_engine.diagnose({}), tmp_path / "case.svg", cause="cause_z")


# --------------------------------------------------------------------------- bundled model (integration)


def test_bundled_network_svg_and_html(bundled_kb, tmp_path):
    kb = bundled_kb
    text = svg_texts(network_picture(kb, tmp_path / "network.svg"))
    for node_id in (*kb.causes, *kb.network_findings, *kb.risk_factors, *kb.emergency_signs):
        assert f"[{node_id}]" in text, node_id
    html = network_picture(kb, tmp_path / "network.html").read_text(encoding="utf-8")
    assert_offline(html)
    assert all(f'data-id="{c}"' in html for c in (*kb.causes, *kb.network_findings, *kb.risk_factors))


def test_bundled_case_png(tmp_path):
    pytest.importorskip("matplotlib")
    result = ddx.load().diagnose({"slurred_speech": True, "leg_weakness": True}, age=70)
    out = case_picture(result, tmp_path / "case.png")
    data = out.read_bytes()
    assert data[:8] == PNG_SIGNATURE and 10_000 < len(data) < 400_000
