"""Export to XMLBIF and BIF: pgmpy and pyAgrum read the files back with the same answers."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from helpers import random_case

import ddx
from ddx.errors import DdxError
from ddx.inference.export import export_network, format_for
from ddx.inference.network import reference_posteriors

TOL = 1e-9


def _cases(engine, n: int, seed: int) -> list[dict[str, str]]:
    """Evidence as network node states: one fixed case with age, sex and risk factors, then random ones."""
    kb = engine.kb
    rf = [r for r in kb.risk_factors if r not in (kb.sex_node, kb.age.node)]
    findings = list(kb.network_findings)
    fixed = engine.normalise({findings[0]: True, findings[-1]: False, rf[0]: True}, age=70, sex="female")
    rng = random.Random(seed)
    evidences = [fixed, *(engine.normalise(*random_case(kb, rng)) for _ in range(n - 1))]
    nodes = set(engine.network.nodes)
    return [{k: v for k, v in ev.states(kb).items() if k in nodes} for ev in evidences]


def _fast(engine, states: dict[str, str]) -> dict[str, float]:
    """ddx's own answer for evidence given as node states."""
    kb = engine.kb
    answers = {k: v == kb.nodes[k].states[1] for k, v in states.items() if k != kb.sex_node}
    return engine.diagnose(answers, sex=states.get(kb.sex_node)).probabilities


def _read_pgmpy(path: Path, kind: str):
    from pgmpy.readwrite import BIFReader, XMLBIFReader

    reader = XMLBIFReader(str(path)) if kind == "xmlbif" else BIFReader(str(path))
    return reader.get_model()


def _assert_same_network(back, net) -> None:
    assert set(back.nodes) == set(net.nodes)
    assert set(back.edges) == set(net.edges)
    for cpd in net.get_cpds():
        other = back.get_cpds(cpd.variable)
        assert other.variables == cpd.variables
        assert other.state_names == cpd.state_names
        assert np.array_equal(other.values, cpd.values), cpd.variable  # every digit written


def _agrum_posteriors(bn, causes, states: dict[str, str]) -> dict[str, float]:
    import pyagrum as gum

    ie = gum.LazyPropagation(bn)
    ie.setTargets(set(causes))  # without targets it computes every node's posterior: seconds, not ms
    ie.setEvidence(states)
    ie.makeInference()
    return {c: float(ie.posterior(c)[{c: "present"}]) for c in causes}


def _worst(a: dict[str, float], b: dict[str, float]) -> float:
    assert a.keys() == b.keys()
    return max(abs(a[c] - b[c]) for c in a)


# --------------------------------------------------------------------------- format and path checks


@pytest.mark.parametrize(
    ("name", "kind"),
    [("m.bifxml", "xmlbif"), ("m.xmlbif", "xmlbif"), ("m.XML", "xmlbif"), ("m.bif", "bif")],
)
def test_format_from_extension(name, kind):
    assert format_for(name) == kind


def test_explicit_format_wins():
    assert format_for("m.txt", "BIF") == "bif"


def test_unknown_format_is_refused():
    with pytest.raises(DdxError, match="export format must be one of xmlbif, bif; got 'net'"):
        format_for("m.bif", "net")


def test_unknown_extension_is_refused():
    with pytest.raises(DdxError, match=r"cannot tell the export format from 'm\.txt'"):
        format_for("m.txt")


def test_missing_folder_is_refused(tiny_engine, tmp_path):
    with pytest.raises(DdxError, match=r"folder .* does not exist"):
        export_network(tiny_engine, tmp_path / "nope" / "m.bif")


# --------------------------------------------------------------------------- pgmpy round trips


@pytest.mark.parametrize("kind", ["xmlbif", "bif"])
def test_pgmpy_round_trip_tiny(tiny_engine, tmp_path, kind):
    path = export_network(tiny_engine, tmp_path / f"tiny.{kind}", kind)
    back = _read_pgmpy(path, kind)
    _assert_same_network(back, tiny_engine.network)
    for states in _cases(tiny_engine, 6, seed=7):
        got = reference_posteriors(back, tiny_engine.kb.causes, states)
        assert _worst(got, _fast(tiny_engine, states)) < TOL, states


def test_export_from_knowledge_base_equals_export_from_engine(tiny_engine, tmp_path):
    a = export_network(tiny_engine, tmp_path / "a.bifxml")
    b = export_network(tiny_engine.kb, tmp_path / "b.bifxml")
    assert a.read_text() == b.read_text()


@pytest.fixture(scope="module")
def bundled():
    return ddx.load()


@pytest.fixture(scope="module")
def bundled_files(bundled, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    return {
        kind: export_network(bundled, folder / f"ddx.{suffix}")
        for kind, suffix in [("xmlbif", "bifxml"), ("bif", "bif")]
    }


@pytest.fixture(scope="module")
def bundled_cases(bundled):
    return _cases(bundled, 5, seed=2026)


@pytest.mark.parametrize("kind", ["xmlbif", "bif"])
def test_pgmpy_round_trip_bundled(bundled, bundled_files, bundled_cases, kind):
    back = _read_pgmpy(bundled_files[kind], kind)
    _assert_same_network(back, bundled.network)
    for states in bundled_cases:
        got = reference_posteriors(back, bundled.kb.causes, states)
        assert _worst(got, _fast(bundled, states)) < TOL, states


# --------------------------------------------------------------------------- pyAgrum


def test_pyagrum_opens_xmlbif_with_equal_posteriors_tiny(tiny_engine, tmp_path):
    gum = pytest.importorskip("pyagrum")
    bn = gum.loadBN(str(export_network(tiny_engine, tmp_path / "tiny.bifxml")))
    assert set(bn.names()) == set(tiny_engine.network.nodes)
    for states in _cases(tiny_engine, 6, seed=11):
        got = _agrum_posteriors(bn, tiny_engine.kb.causes, states)
        assert _worst(got, _fast(tiny_engine, states)) < TOL, states


def test_pyagrum_opens_xmlbif_with_equal_posteriors_bundled(bundled, bundled_files, bundled_cases):
    gum = pytest.importorskip("pyagrum")
    bn = gum.loadBN(str(bundled_files["xmlbif"]))
    net = bundled.network
    assert set(bn.names()) == set(net.nodes)
    assert {(bn.variable(a).name(), bn.variable(b).name()) for a, b in bn.arcs()} == set(net.edges)
    for states in bundled_cases:
        got = _agrum_posteriors(bn, bundled.kb.causes, states)
        assert _worst(got, _fast(bundled, states)) < TOL, states


def test_pyagrum_reads_xmlbif_under_another_name(tiny_engine, tmp_path):
    gum = pytest.importorskip("pyagrum")
    path = export_network(tiny_engine, tmp_path / "tiny.xml")
    bn = gum.BayesNet()
    bn.loadBIFXML(str(path))  # loadBN wants .bifxml; this reader takes any name
    assert set(bn.names()) == set(tiny_engine.network.nodes)


def test_pyagrum_bif_is_single_precision(bundled, bundled_files, bundled_cases):
    """pyAgrum parses BIF numbers as 32-bit floats: the drift is its reader's, not the file's."""
    gum = pytest.importorskip("pyagrum")
    bn = gum.loadBN(str(bundled_files["bif"]))
    exact = gum.loadBN(str(bundled_files["xmlbif"]))
    assert set(bn.names()) == set(exact.names())
    worst = max(_worst(_agrum_posteriors(bn, bundled.kb.causes, s), _fast(bundled, s)) for s in bundled_cases)
    assert worst < 1e-6
    cpt = np.asarray(bn.cpt("sciatica").toarray()).ravel()
    assert np.array_equal(cpt, cpt.astype(np.float32).astype(np.float64))  # every entry is a float32
