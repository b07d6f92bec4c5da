"""A FHIR R4 chart as ddx evidence: the Patient, coded Observations and Conditions, read through the node codes.

What is read, and how (``docs/ehr.md`` has the tables):

- **Patient**: age in whole years from ``birthDate`` on the day of reading (a
  year alone is taken as 1 July, a year and month as the 15th); sex from
  ``gender``, which FHIR defines as *administrative* gender: ``male`` and
  ``female`` set the model's sex node, ``other`` and ``unknown`` leave it unknown.
- **Observation** whose ``code`` is a code of a finding, risk factor or
  emergency sign (``model/codes.yaml``): ``valueBoolean``; a
  ``valueCodeableConcept`` of a yes / no / present / absent / positive /
  negative code; for a test result, the ``interpretation`` the laboratory gave
  (the node says which codes mean yes, e.g. ``L`` for a low B12); a
  ``dataAbsentReason`` is an unknown answer.
- **Condition** (a problem-list entry) with such a code: yes when active, no
  when ``verificationStatus`` is ``refuted``; a resolved one counts only where
  the node says a history counts (a previous clot).

Everything else is reported, one reason each, never dropped silently: other
resource types, codes no node has, diagnoses of causes (ddx ranks causes, it does
not take them as answers), entries about another patient, entered in error,
unconfirmed, or without a value. When two entries answer one node differently,
the later one (by effective or recorded date) wins and the other is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..errors import FhirError
from ..knowledge.codes import Code
from ..knowledge.model import KnowledgeBase
from .library import bundled_knowledge, fhir_model

__all__ = ["BundleEvidence", "Mapped", "Unmapped", "evidence_from_bundle", "evidence_from_resources"]

_SKIPPED_STATUS = ("entered-in-error", "cancelled")
_ACTIVE = ("active", "recurrence", "relapse")
_UNCONFIRMED = ("unconfirmed", "provisional", "differential")


@dataclass(frozen=True)
class Mapped:
    """One chart entry read as an answer: which resource, which node, the answer (None: unknown), which code."""

    resource: str
    evidence_id: str
    answer: bool | None
    code: str
    when: str = ""


@dataclass(frozen=True)
class Unmapped:
    """One chart entry not read, and why."""

    resource: str
    reason: str


@dataclass(frozen=True)
class BundleEvidence:
    """The evidence a chart gives, with the entries that gave it and those that could not be read.

    ``case`` is what :meth:`ddx.Engine.diagnose` takes (``engine.diagnose(**ev.case)``).
    """

    answers: Mapping[str, bool]
    age: float | None
    sex: str | None
    patient: str | None
    mapped: tuple[Mapped, ...] = ()
    unmapped: tuple[Unmapped, ...] = ()
    unknown: tuple[str, ...] = field(default=())  # nodes the chart marks as not known (dataAbsentReason)

    @property
    def case(self) -> dict[str, Any]:
        return {"evidence": dict(self.answers), "age": self.age, "sex": self.sex}

    @property
    def basis(self) -> tuple[str, ...]:
        """References of the resources that gave an answer (the Patient first): a RiskAssessment's ``basis``."""
        used = [m.resource for m in self.mapped if m.answer is not None]
        return tuple(dict.fromkeys([*([self.patient] if self.patient else []), *used]))


def _ref(resource: Any) -> str:
    kind = resource.get_resource_type()
    return f"{kind}/{resource.id}" if resource.id else f"{kind}/(no id)"


def _codings(concept: Any) -> list[tuple[str, str]]:
    return [(c.system or "", c.code or "") for c in (getattr(concept, "coding", None) or []) if c.code]


def _age(birth: Any, today: date) -> float | None:
    if isinstance(birth, datetime):
        birth = birth.date()
    if isinstance(birth, str):  # a partial date: YYYY or YYYY-MM
        parts = [int(p) for p in birth.split("-")]
        birth = date(parts[0], 7, 1) if len(parts) == 1 else date(parts[0], parts[1], 15)
    if not isinstance(birth, date):
        return None
    return float(today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)))


def _when(resource: Any) -> str:
    for name in ("effectiveDateTime", "issued", "onsetDateTime", "recordedDate"):
        value = getattr(resource, name, None)
        if value is not None:
            return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return ""


def _latest_day(when: str) -> date:
    """The last day a FHIR date or dateTime can mean: a year alone is its 31 December, a month its last day."""
    parts = [int(p) for p in when[:10].split("-")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    following = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


class _Reader:
    """Reads one chart's resources into answers, keeping every entry's fate."""

    def __init__(self, kb: KnowledgeBase, today: date) -> None:
        self.kb, self.book, self.today = kb, kb.codes, today
        self.evidence_ids = frozenset(kb.evidence_ids)
        self.causes = frozenset(kb.causes)
        self.mapped: list[Mapped] = []
        self.unmapped: list[Unmapped] = []
        self.age: float | None = None
        self.sex: str | None = None
        self.patient: str | None = None

    def skip(self, resource: Any, reason: str) -> None:
        self.unmapped.append(Unmapped(_ref(resource), reason))

    def read_patient(self, patient: Any) -> None:
        if self.patient is not None:
            self.skip(patient, f"a second Patient: the chart is read for {self.patient}")
            return
        self.patient = _ref(patient)
        if patient.birthDate is not None:
            self.age = _age(patient.birthDate, self.today)
        else:
            self.skip(patient, "no birthDate: age unknown")
        gender = patient.gender
        if gender in self.kb.nodes[self.kb.sex_node].states:
            self.sex = gender
        else:
            self.skip(patient, f"administrative gender {gender or 'missing'!r} does not set the sex node: sex unknown")

    def hits(self, resource: Any, concept: Any) -> list[tuple[str, Code]]:
        """The evidence nodes the codes of ``concept`` name, each with the code that named it; [] is reported."""
        codings = _codings(concept)
        found = [hit for system, code in codings for hit in self.book.lookup(system, code)]
        evidence = list({node: (node, code) for node, code in found if node in self.evidence_ids}.values())
        if not evidence:
            causes = sorted({node for node, _c in found if node in self.causes})
            if causes:
                self.skip(resource, f"a diagnosis of {causes[0]}: ddx ranks causes, it does not take them as answers")
            else:
                shown = ", ".join(f"{s}|{c}" for s, c in codings) or "no coding"
                self.skip(resource, f"no ddx node has its code ({shown})")
        return evidence

    def about_patient(self, resource: Any) -> bool:
        subject = getattr(getattr(resource, "subject", None), "reference", None)
        if self.patient and subject and subject != self.patient and not self.patient.endswith("/(no id)"):
            self.skip(resource, f"about {subject}, not {self.patient}")
            return False
        return True

    def answer(self, resource: Any, node: str, code: Code, raw: bool, how: str) -> None:
        """Record what a yes or no to ``code`` says of ``node`` (by the code's map), or why it says nothing."""
        implied = code.implies(raw)
        if implied is None:
            word = "yes" if raw else "no"
            self.skip(resource, f"a {word} to {code.system} {code.code} ({code.map} than {node}) does not answer it")
            return
        self.mapped.append(Mapped(_ref(resource), node, implied, how, _when(resource)))

    def observation_value(self, obs: Any, code: Code) -> tuple[bool, str] | None:
        """The chart's yes or no to the Observation's code; None when it has no usable value (reported)."""
        systems = self.book.interpretation
        interpretations = [c for concept in obs.interpretation or [] for s, c in _codings(concept) if s in systems]
        if code.yes_if and interpretations:
            return any(i in code.yes_if for i in interpretations), "interpretation"
        if obs.valueBoolean is not None:
            return bool(obs.valueBoolean), "valueBoolean"
        if obs.valueCodeableConcept is not None:
            for system, value in _codings(obs.valueCodeableConcept):
                answer = self.book.answer(system, value)
                if answer is not None:
                    return answer, "valueCodeableConcept"
            self.skip(obs, "valueCodeableConcept is not a yes / no, present / absent or positive / negative code")
            return None
        kind = "a quantity without an interpretation" if obs.valueQuantity is not None else "no value"
        self.skip(obs, f"{kind}: give valueBoolean, a yes / no code, an interpretation, or dataAbsentReason")
        return None

    def too_old(self, resource: Any, node: str, undated_counts: bool) -> bool:
        """Whether a new sign (an emergency sign) is older than the window, or undated where that does not count."""
        if self.kb.nodes[node].kind not in self.book.acute_kinds or self.book.acute_days is None:
            return False
        when = _when(resource)
        days = self.book.acute_days
        if not when:
            if undated_counts:
                return False
            self.skip(resource, f"an undated condition is not read as a new {node}: if it is new, it is an emergency")
            return True
        age = (self.today - _latest_day(when)).days
        if age <= days:
            return False
        self.skip(resource, f"recorded {age} days ago: {node} is read only when new (within {days} days)")
        return True

    def read_observation(self, obs: Any) -> None:
        if obs.status in _SKIPPED_STATUS:
            self.skip(obs, f"status {obs.status}")
            return
        for node, code in self.hits(obs, obs.code) if self.about_patient(obs) else []:
            if self.too_old(obs, node, undated_counts=True):
                continue
            if obs.dataAbsentReason is not None:
                self.mapped.append(Mapped(_ref(obs), node, None, "dataAbsentReason", _when(obs)))
                continue
            value = self.observation_value(obs, code)
            if value is not None:
                self.answer(obs, node, code, *value)

    def read_condition(self, cond: Any) -> None:
        verification = _codings(cond.verificationStatus)
        clinical = _codings(cond.clinicalStatus)
        status = verification[0][1] if verification else "confirmed"
        if status == "entered-in-error" or status in _UNCONFIRMED:
            self.skip(cond, f"verificationStatus {status}")
            return
        state = clinical[0][1] if clinical else "active"
        for node, code in self.hits(cond, cond.code) if self.about_patient(cond) else []:
            if self.too_old(cond, node, undated_counts=False):
                continue
            if status == "refuted":
                self.answer(cond, node, code, False, "verificationStatus refuted")
            elif state in _ACTIVE or (node in self.book.nodes and self.book.nodes[node].history):
                self.answer(cond, node, code, True, f"clinicalStatus {state}")
            else:
                self.skip(cond, f"clinicalStatus {state}: only an active condition counts for {node}")

    def result(self) -> BundleEvidence:
        answers: dict[str, bool] = {}
        chosen: dict[str, Mapped] = {}
        for entry in self.mapped:
            if entry.answer is None:
                continue
            held = chosen.get(entry.evidence_id)
            winner = entry
            if held is not None and held.answer != entry.answer:
                winner, loser = (held, entry) if held.when > entry.when else (entry, held)
                self.unmapped.append(Unmapped(loser.resource, f"{winner.resource} answers {winner.evidence_id} later"))
            chosen[winner.evidence_id] = winner
            answers[winner.evidence_id] = bool(winner.answer)
        kept = [m for m in self.mapped if m.answer is None or chosen.get(m.evidence_id) is m]
        known = {m.evidence_id for m in kept if m.answer is not None}
        unknown = tuple(sorted({m.evidence_id for m in kept if m.answer is None} - known))
        return BundleEvidence(answers, self.age, self.sex, self.patient, tuple(kept), tuple(self.unmapped), unknown)


def _resource(raw: Any, kind: str | None = None) -> Any:
    """A fhir.resources model of ``raw`` (a dict, JSON text or a model), checked by the library."""
    if isinstance(raw, (str, bytes)):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise FhirError(f"not JSON: {exc}") from None
    if hasattr(raw, "get_resource_type"):
        resource = raw
    else:
        if not isinstance(raw, Mapping) or "resourceType" not in raw:
            raise FhirError("expected a FHIR resource: a JSON object with 'resourceType'")
        try:
            resource = fhir_model(str(raw["resourceType"])).model_validate(dict(raw))
        except (ValueError, KeyError, LookupError) as exc:
            raise FhirError(f"not a valid FHIR R4 {raw['resourceType']}: {exc}") from None
    if kind is not None and resource.get_resource_type() != kind:
        raise FhirError(f"expected a {kind}, got a {resource.get_resource_type()}")
    return resource


def evidence_from_resources(
    resources: Iterable[Any], kb: KnowledgeBase, *, today: date | None = None
) -> BundleEvidence:
    """Read FHIR resources (dicts or fhir.resources models; Bundles are opened) as ddx evidence."""
    reader = _Reader(kb, today or date.today())
    flat: list[Any] = []
    for raw in resources:
        resource = _resource(raw)
        if resource.get_resource_type() == "Bundle":
            flat += [e.resource for e in resource.entry or [] if e.resource is not None]
        else:
            flat.append(resource)
    for patient in (r for r in flat if r.get_resource_type() == "Patient"):
        reader.read_patient(patient)
    for resource in flat:
        kind = resource.get_resource_type()
        if kind == "Observation":
            reader.read_observation(resource)
        elif kind == "Condition":
            reader.read_condition(resource)
        elif kind != "Patient":
            reader.skip(resource, f"a {kind} is not read (ddx reads Patient, Observation and Condition)")
    return reader.result()


def evidence_from_bundle(bundle: Any, kb: KnowledgeBase | None = None, *, today: date | None = None) -> BundleEvidence:
    """Read a FHIR R4 Bundle (a dict, JSON text or a fhir.resources Bundle) as ddx evidence.

    Parameters
    ----------
    bundle
        A Bundle of any type (a search result, a collection, a prefetch).
    kb
        The knowledge base whose codes to read through (default: the bundled one).
    today
        The day the age is reckoned on (default: today).

    Raises
    ------
    FhirError
        When ``bundle`` is not a valid FHIR R4 Bundle (the library's message says where).
    """
    return evidence_from_resources([_resource(bundle, "Bundle")], kb or bundled_knowledge(), today=today)
