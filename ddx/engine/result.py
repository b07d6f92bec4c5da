"""What a diagnosis returns: frozen dataclasses, with ``to_row()`` for the batch writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ..clinical.next_steps import NextStep, names_of_tests
from ..clinical.rules import FiredRule
from ..inference.explain import Contribution
from ..inference.uncertainty import Interval
from ..knowledge.codes import Code
from ..knowledge.evidence import Evidence
from . import result_dict

if TYPE_CHECKING:
    from ..knowledge.model import KnowledgeBase

__all__ = ["DISCLAIMER", "CauseScore", "Contribution", "DiagnosisResult", "FiredRule"]

DISCLAIMER = (
    "ddx is decision support, not a diagnosis: it ranks possible causes from the answers given. "
    "A clinician must assess the person."
)


@dataclass(frozen=True)
class CauseScore:
    """One cause of the differential: its posterior beside its prior (no evidence)."""

    id: str
    label: str
    probability: float
    prior: float
    group: str
    acuity: str
    codes: tuple[Code, ...] = field(default=(), repr=False)  # the cause's terminology codes (model/codes.yaml)

    def __repr__(self) -> str:
        return f"{self.id}: {self.probability:.3f}"

    @classmethod
    def _fast(
        cls, id: str, label: str, probability: float, prior: float, static: tuple[str, str, tuple[Code, ...]]
    ) -> CauseScore:
        """The same object as ``CauseScore(...)``, made without the frozen class's seven ``object.__setattr__``.

        A result holds one per cause, and a cohort of distinct rows makes one result per row.
        """
        score = object.__new__(cls)
        fields_ = score.__dict__
        fields_["id"], fields_["label"], fields_["probability"], fields_["prior"] = id, label, probability, prior
        fields_["group"], fields_["acuity"], fields_["codes"] = static
        return score


@dataclass(frozen=True)
class DiagnosisResult:
    """The ranked differential, triage and reasons for one case.

    ``differential`` is sorted most probable first. When a rule fired,
    ``triage`` is at least as urgent as that rule's level and the
    probabilities are secondary. ``next_steps`` starts with the triage
    advice and the fired rules' messages, then gives the tests and notes of
    the leading causes (see :mod:`ddx.clinical.next_steps`).
    """

    kb_version: str
    evidence: Evidence
    differential: tuple[CauseScore, ...]
    triage: str
    rules_fired: tuple[FiredRule, ...]
    advice: str
    network_triage: str
    model_order: tuple[str, ...]
    disclaimer: str = DISCLAIMER
    intervals: tuple[Interval, ...] | None = None
    next_steps: tuple[NextStep, ...] = field(default=(), repr=False)
    _explain: Callable[[str], tuple[Contribution, ...]] | None = field(default=None, repr=False, compare=False)

    @property
    def probabilities(self) -> dict[str, float]:
        """Posterior of every cause, by id."""
        return {c.id: c.probability for c in self.differential}

    def interval(self, cause_id: str) -> Interval:
        """The posterior interval of one cause (needs ``diagnose(..., intervals=True)``)."""
        if self.intervals is None:
            raise ValueError("no intervals: call diagnose(..., intervals=True)")
        by_id = {i.cause: i for i in self.intervals}
        if cause_id not in by_id:
            raise KeyError(cause_id)
        return by_id[cause_id]

    @property
    def top(self) -> CauseScore:
        return self.differential[0]

    @property
    def probabilities_secondary(self) -> bool:
        """True when a rule set the triage: act on the rule, not on the ranking."""
        return bool(self.rules_fired)

    def explain(self, cause_id: str) -> tuple[Contribution, ...]:
        """Each answer's effect on ``cause_id``, largest first (see :mod:`ddx.inference.explain`)."""
        if self._explain is None:
            raise RuntimeError(
                "this result holds no engine (it was unpickled or built by hand): "
                f"explain it with engine.explain(result.evidence, {cause_id!r})"
            )
        return self._explain(cause_id)

    # A result crosses process boundaries (multiprocessing, joblib, Dask) as data: everything but the engine
    # behind ``explain``, which stays in the process that made it.
    def __getstate__(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_explain"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in {**state, "_explain": None}.items():
            object.__setattr__(self, name, value)

    def to_dict(self, explain: str | Iterable[str] | None = None) -> dict[str, Any]:
        """The result as plain JSON-able data: the versioned shape of ``docs/result.md``.

        Parameters
        ----------
        explain
            Cause ids (or one id) whose explanation to include under
            ``"explanation"`` (each answer's effect, as :meth:`explain`);
            None leaves ``"explanation"`` null.

        Returns
        -------
        dict
            The keys of the JSON Schema ``ddx/engine/schema/result-1.json``
            (:func:`ddx.engine.result_dict.result_schema`); ``json.dumps`` takes it as it is.

        Examples
        --------
        >>> import ddx
        >>> d = ddx.load().diagnose({"back_pain": True}).to_dict()
        >>> d["schema_version"], d["differential"][0]["probability"] <= 1
        ('1', True)
        """
        return result_dict.to_dict(self, explain)

    def to_fhir(self, *, subject: str | None = None, basis: Iterable[str] = (), kb: KnowledgeBase | None = None) -> Any:
        """The result as a FHIR R4 ``RiskAssessment`` (a validated ``fhir.resources`` model; needs the fhir extra).

        One prediction per cause with its codes, probability and rationale; the
        triage, fired rules and disclaimer in ``note`` (see :func:`ddx.fhir.write.risk_assessment`).
        ``subject`` is the person's reference (``"Patient/123"``), ``basis`` the chart entries read.
        """
        from ..fhir.write import risk_assessment

        return risk_assessment(self, subject=subject, basis=basis, kb=kb)

    def to_row(self, top: int = 5) -> dict[str, Any]:
        """One flat row for the batch output (contract columns of the brief)."""
        row: dict[str, Any] = {
            "status": "ok",
            "error": "",
            "triage": self.triage,
            "rules_fired": ";".join(r.id for r in self.rules_fired),
        }
        for i in range(top):
            score = self.differential[i] if i < len(self.differential) else None
            row[f"top{i + 1}"] = score.id if score else ""
            row[f"p_top{i + 1}"] = score.probability if score else float("nan")
        row["next_steps"] = ";".join(names_of_tests(self.next_steps))
        probabilities = self.probabilities
        row.update({f"p_{cause}": probabilities[cause] for cause in self.model_order})
        if self.intervals is not None:
            row["top1_stable"] = self.interval(self.differential[0].id).top1
            for cause in self.model_order:
                interval = self.interval(cause)
                row[f"p_low_{cause}"] = interval.low
                row[f"p_high_{cause}"] = interval.high
        row["kb_version"] = self.kb_version
        return row

    def __str__(self) -> str:
        lines = [f"triage: {self.triage}"]
        if self.rules_fired:
            lines.append("rules fired (probabilities are secondary):")
            lines += [f"  [{r.level}] {r.id}: {r.message}" for r in self.rules_fired]
        lines.append(f"advice: {self.advice}")
        lines.append("differential:")
        for c in self.differential[:5]:
            band = ""
            if self.intervals is not None:
                i = self.interval(c.id)
                band = f"  [{i.low:.1%}-{i.high:.1%}, top-3 in {i.top3:.0%} of draws]"
            lines.append(f"  {c.probability:6.1%}  {c.label} ({c.id}){band}")
        lines.append(self.disclaimer)
        return "\n".join(lines)
