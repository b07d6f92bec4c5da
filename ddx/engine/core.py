"""The engine: a loaded knowledge base that diagnoses cases.

``Engine.diagnose`` is the one path every front end uses (Python, batch,
CLI), so the rule layer and triage behave the same everywhere.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..clinical import rules as rule_layer
from ..clinical.next_steps import NextStepsGuide, build_steps
from ..clinical.next_steps_file import load_guide
from ..clinical.triage import Margin, margin, most_urgent, network_disposition, network_levels
from ..errors import EvidenceError, did_you_mean
from ..inference import uncertainty
from ..inference.compile import CaseEvidence, CompiledModel, Params, PrecisionError, compile_model
from ..inference.explain import Contribution, contributions
from ..inference.network import build_network, reference_log_evidence, reference_posteriors
from ..inference.order import rank_order, ranked
from ..inference.quickscore import evaluate_many, posteriors
from ..knowledge.evidence import Evidence, normalise, unpack_row
from ..knowledge.load import load_knowledge
from ..knowledge.model import TRIAGE_LEVELS, KnowledgeBase
from .collector import fewer_collections
from .result import CauseScore, DiagnosisResult, FiredRule

if TYPE_CHECKING:  # pragma: no cover
    from pgmpy.models import DiscreteBayesianNetwork

    from ..knowledge.codes import Code
    from ..knowledge.conditions import Rule
    from .questions import Question

__all__ = ["Engine", "load"]


class Engine:
    """Diagnose cases against one knowledge base.

    Build it with :func:`load`. The pgmpy network is built only when
    :attr:`network` is first used; scoring runs on the exact fast path.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._model: CompiledModel = compile_model(kb)
        self._network_lock = threading.Lock()
        self.next_steps_guide: NextStepsGuide = load_guide(kb)  # model/next_steps.yaml; refused here if bad

    def __repr__(self) -> str:
        kb = self.kb
        return (
            f"<ddx.Engine kb_version={kb.kb_version} causes={len(kb.causes)} "
            f"findings={len(kb.network_findings)} risk_factors={len(kb.risk_factors)} rules={len(kb.rules)}>"
        )

    @property
    def network(self) -> DiscreteBayesianNetwork:
        """The pgmpy ``DiscreteBayesianNetwork``: the reference semantics (built on first use, once per engine).

        A lock makes threads that ask at once wait for one build (about a second) instead of each building it.
        """
        built = self.__dict__.get("network")
        if built is None:
            with self._network_lock:
                built = self.__dict__.get("network")
                if built is None:
                    built = self.__dict__["network"] = build_network(self.kb)
        return built

    @cached_property
    def priors(self) -> dict[str, float]:
        """Each cause's probability before any answer (risk factors marginalised)."""
        return self._posteriors(Evidence({}))

    def _case(self, evidence: Evidence) -> CaseEvidence:
        """The case as indices: an answer is its node's second state (yes) or first (no), as in ``Evidence.states``."""
        model = self._model
        parents = {}
        positive: list[int] = []
        negative: list[int] = []
        for node_id, value in evidence.answers.items():
            if node_id in model.parent_index:
                parents[model.parent_index[node_id]] = 1 if value else 0
            elif node_id in model.finding_index:
                (positive if value else negative).append(model.finding_index[node_id])
        sex = self.kb.sex_node
        if evidence.sex is not None and sex in model.parent_index:
            parents[model.parent_index[sex]] = self.kb.nodes[sex].states.index(evidence.sex)
        return CaseEvidence(parents, positive, negative)

    def _posteriors(self, evidence: Evidence) -> dict[str, float]:
        try:
            values = posteriors(self._model, self._case(evidence))
        except PrecisionError:
            return self._reference(evidence)
        return dict(zip(self._model.causes, values.tolist(), strict=True))

    def evaluate(
        self, evidences: Sequence[Evidence], log_evidence: bool = True, params: Params | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Posteriors ``(n, C)`` (causes in model order) and log P(answers) ``(n,)`` in one pass.

        Rows the fast path cannot bound to its tolerance (many surprising
        positive findings) are recomputed by the pgmpy reference; with
        ``log_evidence=False`` their log P(answers) is left as the fast path's
        estimate (the reference costs one query per answer). The probability
        that an unasked question is answered yes is ``exp(log P(e + yes) - log P(e))``.
        ``params`` replaces the model's numbers (one row per case, see
        :class:`ddx.inference.compile.Params`); the reference cannot, so then an unmet
        tolerance raises :class:`ddx.inference.compile.PrecisionError`.
        """
        result = evaluate_many(self._model, [self._case(ev) for ev in evidences], params=params)
        post, log_e = result.posteriors.copy(), result.log_evidence.copy()
        if params is not None and not result.exact.all():
            raise PrecisionError(f"{int(np.sum(~result.exact))} cases missed the tolerance with replaced numbers")
        for i in np.flatnonzero(~result.exact):
            ev = evidences[int(i)]
            reference = self._reference(ev)
            post[i] = [reference[c] for c in self.kb.causes]
            if log_evidence:
                states = {k: v for k, v in ev.states(self.kb).items() if k in self.network.nodes}
                log_e[i] = reference_log_evidence(self.network, states)
        return post, log_e

    def log_evidence(self, evidences: Sequence[Evidence]) -> np.ndarray:
        """log P(answers | the complaint) of each checked case (see :meth:`evaluate`)."""
        return self.evaluate(evidences)[1]

    def _reference(self, evidence: Evidence) -> dict[str, float]:
        states = {k: v for k, v in evidence.states(self.kb).items() if k in self.network.nodes}
        return reference_posteriors(self.network, self.kb.causes, states)

    def reference_posteriors(
        self, evidence: Mapping[str, Any] | None = None, age: float | None = None, sex: str | None = None
    ) -> dict[str, float]:
        """Posteriors by pgmpy variable elimination: the reference the fast path must match."""
        return self._reference(normalise(self.kb, evidence, age, sex))

    def diagnose(
        self,
        evidence: Mapping[str, Any] | None = None,
        age: float | None = None,
        sex: str | None = None,
        *,
        intervals: bool = False,
        samples: int = 1000,
        seed: int = 0,
    ) -> DiagnosisResult:
        """Rank the causes and triage one case.

        Parameters
        ----------
        evidence
            Evidence id -> answer: True / ``"yes"`` (yes), False / ``"no"``
            (no), None / blank (unknown), in any spelling of
            :mod:`ddx.knowledge.values`. Absent ids are unknown and
            marginalised. Merged ids of findings are accepted. A table row
            (a pandas Series, ``df.iloc[0]``) is accepted too: its ``age``
            and ``sex`` cells are used unless given here, ``case_id`` and
            ``gold_*`` are left out, blank or NaN cells are unknown.
        age
            Age in years (a number or a numeric string), or None.
        sex
            ``"female"``, ``"male"`` (also ``"f"``, ``"M"``, any case) or None.
        intervals
            Also draw the model's numbers ``samples`` times from their
            documented ranges (see :mod:`ddx.inference.uncertainty`) and report, per
            cause, the 5th-95th percentile of its posterior and the share of
            draws that keep it in the top three (``result.intervals``).
        samples, seed
            Number of draws, and the seed that makes them reproducible.

        Returns
        -------
        DiagnosisResult
            ``.differential`` (most probable first), ``.triage``,
            ``.rules_fired``, ``.advice`` and ``.explain(cause_id)``.

        Raises
        ------
        EvidenceError
            For an unknown id, a bad value, age or sex, or contradictory answers.
            When the answers that can be read still meet an emergency rule, it
            is an :class:`~ddx.errors.EmergencyEvidenceError` carrying
            ``triage == "emergency"``, ``rules_fired`` and ``advice``, and its
            message starts with the advice (see :mod:`ddx.clinical.failsafe`).

        Examples
        --------
        >>> import ddx
        >>> r = ddx.load().diagnose({"after_sitting_or_lying_still": True, "resolves_on_moving": True})
        >>> r.differential[0].id
        'positional_compression'
        """
        ev = self._checked(evidence, age, sex)
        result = self._result(ev, self._posteriors(ev))
        if not intervals:
            return result
        return self.with_intervals(result, samples, seed)

    def _checked(self, evidence: Any, age: Any, sex: Any, where: str = "") -> Evidence:
        """:func:`normalise`, with the fail safe: a refused case that meets an emergency rule keeps it."""
        evidence, age, sex = unpack_row(evidence, age, sex)
        try:
            return normalise(self.kb, evidence, age, sex)
        except EvidenceError as exc:
            from ..clinical.failsafe import emergency_error

            error = EvidenceError(f"{where}{exc}") if where else exc
            emergency = emergency_error(self.kb, error, evidence, age, sex)
            if emergency is not None:
                raise emergency from exc
            if where:
                raise error from None
            raise

    def with_intervals(self, result: DiagnosisResult, samples: int = 1000, seed: int = 0) -> DiagnosisResult:
        """``result`` with the posterior interval of every cause (see :meth:`diagnose`)."""
        point = np.array([result.probabilities[c] for c in self.kb.causes])
        return dataclasses.replace(result, intervals=self.intervals(result.evidence, point, samples, seed))

    def intervals(
        self, evidence: Evidence, point: np.ndarray, samples: int = 1000, seed: int = 0
    ) -> tuple[uncertainty.Interval, ...]:
        """Each cause's posterior interval for a checked case whose posteriors (model order) are ``point``."""
        if samples < 2:
            raise ValueError(f"samples must be at least 2; got {samples}")
        return uncertainty.intervals(self._model, self._slots, self._case(evidence), point, samples, seed)

    @cached_property
    def _cause_fields(self) -> dict[str, tuple[str, tuple[str, str, tuple[Code, ...]]]]:
        """Each cause's label, and its group, acuity and codes: the parts of a :class:`CauseScore` no answer changes."""
        nodes, codes = self.kb.nodes, self.kb.codes.codes
        return {c: (nodes[c].label, (nodes[c].group or "", nodes[c].acuity or "", codes(c))) for c in self.kb.causes}

    @cached_property
    def acuity(self) -> dict[str, str]:
        """Each cause's acuity (a cause without one is self-care)."""
        return {c: self.kb.nodes[c].acuity or TRIAGE_LEVELS[-1] for c in self.kb.causes}

    @cached_property
    def _slots(self) -> list[uncertainty.Slot]:
        return uncertainty.number_slots(self.kb)

    def sensitivity(
        self,
        evidence: Mapping[str, Any] | None = None,
        age: float | None = None,
        sex: str | None = None,
        cause: str | None = None,
        top: int | None = 15,
    ) -> list[uncertainty.Sensitivity]:
        """The numbers that move ``cause`` (default: the leading cause) most, one at a time.

        Each number is set to the low and then the high end of its range, the
        others kept at their values; the list is sorted by the swing of the
        cause's posterior, largest first, each with its citation.
        """
        ev = normalise(self.kb, evidence, age, sex)
        if cause is None:
            post = self._posteriors(ev)
            cause = ranked(self.kb.causes, post)[0]
        if cause not in self.kb.causes:
            raise EvidenceError(f"unknown cause '{cause}'{did_you_mean(cause, self.kb.causes)}")
        return uncertainty.sensitivity(self._model, self._slots, self._case(ev), self.kb.causes.index(cause), top)

    def triage_margin(self, result: DiagnosisResult) -> Margin | None:
        """How close ``result`` is to a more urgent level through the network (:func:`~ddx.clinical.triage.margin`).

        None when the triage is already ``emergency`` or no cause could raise it.
        """
        return margin(result.probabilities, self.acuity, self.kb.triage, result.triage)

    def normalise(
        self, evidence: Mapping[str, Any] | None = None, age: float | None = None, sex: str | None = None
    ) -> Evidence:
        """Check one case's answers and put them in canonical form (see :func:`ddx.knowledge.evidence.normalise`)."""
        return normalise(self.kb, evidence, age, sex)

    def diagnose_many(self, evidences: Sequence[Evidence | Mapping[str, Any]]) -> list[DiagnosisResult]:
        """Diagnose many cases in one vectorised pass (same answers and order as :meth:`diagnose`).

        Parameters
        ----------
        evidences
            Cases already checked by :meth:`normalise` (so that a bad case can be
            reported on its own before the batch runs), or plain mappings of
            id -> answer and table rows, checked here as by :meth:`diagnose`.

        Cases with the same answers, age and sex are scored once and share
        one (immutable) result: a cohort repeats answer patterns.

        Raises
        ------
        EvidenceError
            For the first case that is not an :class:`Evidence` and is
            refused, starting ``evidences[i]: `` (an
            :class:`~ddx.errors.EmergencyEvidenceError` when its readable
            answers meet an emergency rule).
        """
        index: dict[tuple[frozenset[tuple[str, bool]], float | None, str | None], int] = {}
        distinct: list[Evidence] = []
        rows = []
        with fewer_collections():  # the keys below are many small objects: the collector would walk the model
            for position, given in enumerate(evidences):
                ev = (
                    given
                    if isinstance(given, Evidence)
                    else self._checked(given, None, None, f"evidences[{position}]: ")
                )
                key = (frozenset(ev.answers.items()), ev.age, ev.sex)
                if key not in index:
                    index[key] = len(distinct)
                    distinct.append(ev)
                rows.append(index[key])
            results = self._results(distinct, self.evaluate(distinct, log_evidence=False)[0])
        return [results[i] for i in rows]

    def verdicts(
        self, evidences: Sequence[Evidence], posteriors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[Rule, ...]]]:
        """What a batch's results are made of, found over the whole batch from its posteriors ``(n, C)``.

        Each case's differential order (cause indices, most probable first), the
        network's level (an index into ``TRIAGE_LEVELS``), whether a cause set
        it, and the rules its answers meet: each as the one-case functions give
        it (``ddx.inference.order``, ``ddx.clinical.triage``, ``ddx.clinical.rules``).
        """
        kb = self.kb
        levels, supported = network_levels(
            posteriors, [self.priors[c] for c in kb.causes], [self.acuity[c] for c in kb.causes], kb.triage
        )
        fired = rule_layer.fired_many(kb.rules, [ev.answers for ev in evidences], TRIAGE_LEVELS)
        return rank_order(posteriors), levels, supported, fired

    def _results(self, evidences: Sequence[Evidence], posteriors: np.ndarray) -> list[DiagnosisResult]:
        """The result of each case from its posteriors ``(n, C)``, from the :meth:`verdicts` of the whole batch."""
        kb = self.kb
        orders, levels, supported, fired = self.verdicts(evidences, posteriors)
        return [
            self._result(
                ev,
                dict(zip(kb.causes, row, strict=True)),
                ([kb.causes[j] for j in order], met, (TRIAGE_LEVELS[level], bool(known))),
            )
            for ev, row, order, met, level, known in zip(
                evidences, posteriors.tolist(), orders.tolist(), fired, levels.tolist(), supported.tolist(), strict=True
            )
        ]

    def _result(
        self,
        ev: Evidence,
        post: Mapping[str, float],
        found: tuple[list[str], tuple[Rule, ...], tuple[str, bool]] | None = None,
    ) -> DiagnosisResult:
        """One case's result; ``found``: its differential order, fired rules and network level (and whether a
        cause set it) when :meth:`_results` found them for a whole batch."""
        kb = self.kb
        priors = self.priors
        if found is None:
            disposition = network_disposition(post, priors, self.acuity, kb.triage)
            found = (
                ranked(kb.causes, post),  # the one tie order (ddx.inference.order)
                rule_layer.fired(kb.rules, ev.answers, TRIAGE_LEVELS),
                (disposition.level, disposition.supported),
            )
        order, fired, (network_level, network_supported) = found
        static = self._cause_fields
        differential = tuple(CauseScore._fast(c, static[c][0], post[c], priors[c], static[c][1]) for c in order)
        triage = most_urgent([network_level, *(r.level for r in fired)])
        # Nothing set a level: the advice says so (what to answer, or to see a clinician), unless a rule spoke.
        unsupported = not network_supported and triage == network_level
        own = kb.triage.unsupported_advice if unsupported else kb.advice[triage]
        advice = fired[0].message if fired else own
        return DiagnosisResult(
            kb_version=kb.kb_version,
            evidence=ev,
            differential=differential,
            triage=triage,
            rules_fired=tuple(FiredRule(r.id, r.level, r.message, r.source) for r in fired),
            advice=advice,
            network_triage=network_level,
            model_order=kb.causes,
            next_steps=build_steps(
                self.next_steps_guide,
                ((c.id, c.probability) for c in differential),
                triage,
                fired,
                advice=kb.triage.unsupported_advice if unsupported else None,
            ),
            _explain=lambda cause: self.explain(ev, cause),
        )

    def explain(self, evidence: Evidence, cause: str) -> tuple[Contribution, ...]:
        """Each answer's effect on ``cause`` (see :func:`ddx.inference.explain.contributions`)."""
        return contributions(self.kb, evidence, cause, self._posteriors)

    def next_questions(
        self, evidence: Mapping[str, Any] | None = None, age: float | None = None, sex: str | None = None, k: int = 5
    ) -> tuple[Question, ...]:
        """The ``k`` unasked questions that would tell most, safety first (:mod:`ddx.engine.questions`)."""
        from .questions import next_questions

        return next_questions(self, evidence, age, sex, k)


def load(path: str | Path | None = None) -> Engine:
    """Load a knowledge base and return its engine.

    Parameters
    ----------
    path
        A directory holding ``model/`` and ``priors/``; default: the bundled model.

    Raises
    ------
    KnowledgeBaseError
        Listing every problem in the files, each with file, entry and field.
    """
    return Engine(load_knowledge(path))
