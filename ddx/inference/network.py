"""The reference semantics: the knowledge base as a pgmpy ``DiscreteBayesianNetwork``.

This is the only module that builds pgmpy objects. pgmpy is imported inside
functions because importing it costs seconds and the scoring path never needs
it (the exact fast path lives in :mod:`ddx.inference.quickscore`).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..knowledge.model import CAUSE_STATES, KnowledgeBase, Link

if TYPE_CHECKING:  # pragma: no cover
    from pgmpy.models import DiscreteBayesianNetwork

#: Causes per pgmpy query in :func:`reference_posteriors`.
_QUERY_CHUNK = 8

__all__ = ["build_network", "noisy_or_table", "reference_log_evidence", "reference_posteriors"]


def noisy_or_table(leak: float, links: Sequence[Link], parent_states: Mapping[str, Sequence[str]]) -> np.ndarray:
    """The CPT of a noisy-OR node as a (2, n_columns) array in pgmpy column order.

    Column ``j`` enumerates the parents' states with the last parent changing
    fastest; row 1 is P(child in its second state | that column).
    """
    state_lists = [list(parent_states[link.parent]) for link in links]
    columns = []
    for combo in itertools.product(*state_lists):
        p_off = 1.0 - leak
        for link, state in zip(links, combo, strict=True):
            if state == link.active_state:
                p_off *= 1.0 - link.number.value
        columns.append(p_off)
    off = np.array(columns if columns else [1.0 - leak])
    return np.vstack([off, 1.0 - off])


def build_network(kb: KnowledgeBase) -> DiscreteBayesianNetwork:
    """Build and check the pgmpy network of ``kb``.

    Risk factors are root nodes; each cause is a noisy-OR of its risk factors
    with its prior as the leak; each finding is a noisy-OR of its causes with
    its own leak. Emergency signs that no cause links to are not in the
    network: only the rule layer reads them.
    """
    with warnings.catch_warnings():  # pgmpy warns about its own deprecations on import
        warnings.simplefilter("ignore", FutureWarning)
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.models import DiscreteBayesianNetwork

    states: dict[str, list[str]] = {}
    for rf in kb.risk_factors:
        states[rf] = list(kb.nodes[rf].states)
    for cause in kb.causes:
        states[cause] = list(CAUSE_STATES)
    findings = kb.network_findings
    for finding in findings:
        states[finding] = list(kb.nodes[finding].states)

    by_child: dict[str, list[Link]] = {}
    for link in (*kb.cause_links, *kb.finding_links):
        by_child.setdefault(link.child, []).append(link)

    model = DiscreteBayesianNetwork()
    model.add_nodes_from([*kb.risk_factors, *kb.causes, *findings])
    model.add_edges_from((link.parent, link.child) for links in by_child.values() for link in links)
    cpds: list[Any] = []
    for rf in kb.risk_factors:
        p = kb.parent_priors[rf].value
        cpds.append(TabularCPD(rf, 2, [[1.0 - p], [p]], state_names={rf: states[rf]}))
    for child, leak in (*((c, kb.priors[c].value) for c in kb.causes), *((f, kb.leaks[f].value) for f in findings)):
        links = by_child.get(child, [])
        parents = [link.parent for link in links]
        table = noisy_or_table(leak, links, states)
        cpds.append(
            TabularCPD(
                child,
                2,
                table,
                evidence=parents or None,
                evidence_card=[2] * len(parents) or None,
                state_names={child: states[child], **{p: states[p] for p in parents}},
            )
        )
    model.add_cpds(*cpds)
    model.check_model()
    return model


def reference_posteriors(
    model: DiscreteBayesianNetwork,
    causes: Sequence[str],
    evidence: Mapping[str, str],
) -> dict[str, float]:
    """P(cause present | evidence) for every cause by pgmpy variable elimination.

    ``evidence`` maps network node ids to state names; ids not in the network
    (rule-only emergency signs) must be left out by the caller.
    """
    from pgmpy.inference import VariableElimination

    engine = VariableElimination(model)
    out = {}
    # A few causes per query: pgmpy's joint=False builds the joint of the queried
    # variables first, so all 31 at once would not fit in memory, while chunks
    # of about eight are fastest (docs/performance.md).
    for start in range(0, len(causes), _QUERY_CHUNK):
        chunk = list(causes[start : start + _QUERY_CHUNK])
        factors = engine.query(chunk, evidence=dict(evidence), joint=False, show_progress=False)
        for cause in chunk:
            factor = factors[cause]
            out[cause] = float(factor.values[factor.state_names[cause].index(CAUSE_STATES[1])])
    return out


def reference_log_evidence(model: DiscreteBayesianNetwork, evidence: Mapping[str, str]) -> float:
    """log P(evidence) by pgmpy variable elimination, by the chain rule over the evidence."""
    import math

    from pgmpy.inference import VariableElimination

    engine = VariableElimination(model)
    total = 0.0
    seen: dict[str, str] = {}
    for node, state in evidence.items():
        factor = engine.query([node], evidence=dict(seen), joint=False, show_progress=False)[node]
        total += math.log(float(factor.values[factor.state_names[node].index(state)]))
        seen[node] = state
    return total
