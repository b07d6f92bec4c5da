"""The request and response bodies of the service, as pydantic models (they make its OpenAPI schema).

Answers are typed loosely on purpose (``true``, ``"yes"``, ``1``, ``null``, ...):
every value is read by the one grammar of :mod:`ddx.knowledge.values`, so a
bad one is refused with the Python API's own message (422), not pydantic's.
The result models follow ``DiagnosisResult.to_dict()`` key for key.
"""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Case",
    "CauseOut",
    "Concept",
    "DiagnosisRequest",
    "DiagnosisResponse",
    "ErrorOut",
    "ExplainOut",
    "ExplainRequest",
    "Info",
    "QuestionOut",
    "ResultOut",
    "SuggestOut",
    "SuggestRequest",
    "TriageOut",
]

#: An answer as a client may spell it: read by ddx.knowledge.values (yes / no / null for don't know).
Answer = Union[bool, int, float, str, None]  # noqa: UP007 (pydantic reads the union in this order)
#: An age in years, as a number or a numeric string.
Age = Union[float, str, None]  # noqa: UP007


class _Strict(BaseModel):
    """Unknown fields are refused: a misspelt field would otherwise be dropped without a word."""

    model_config = ConfigDict(extra="forbid")


class Case(_Strict):
    """One person's answers: evidence id -> yes / no / null (asked, don't know); absent ids are unknown."""

    answers: dict[str, Answer] = Field(default_factory=dict, examples=[{"back_pain": True, "one_leg_only": "yes"}])
    age: Age = Field(default=None, examples=[45])
    sex: str | None = Field(default=None, examples=["female"])


class DiagnosisRequest(_Strict):
    """A case as an interview has gathered it; the service keeps nothing between requests.

    ``answers``: everything asked so far, in the order asked: an evidence id
    -> yes / no / null (don't know), and a checklist id (``emergency_screen``
    and the intake checklists of ``GET /info``) -> the items ticked (the
    checklist's other unanswered items are then no; ``[]`` for none of them)
    or null for don't know.
    """

    answers: dict[str, Union[Answer, list[str]]] = Field(  # noqa: UP007
        default_factory=dict,
        examples=[{"emergency_screen": [], "where": ["radiates_from_lower_back_down_leg"], "back_pain": True}],
    )
    age: Age = Field(default=None, examples=[45])
    sex: str | None = Field(default=None, examples=["female"])
    intake: list[str] | None = Field(default=None, description="intake checklists to ask (default: the model's)")
    max_questions: int | None = Field(default=None, ge=1, le=200)
    known: dict[str, Answer] = Field(
        default_factory=dict,
        description="answers known before the interview (a chart's): read as evidence, never asked, not counted",
        examples=[{"diabetes": True, "b12_low": False}],
    )


class ExplainRequest(Case):
    """A case and the cause to explain (default: the leading cause)."""

    cause: str | None = None


class SuggestRequest(Case):
    """A case and how many questions to suggest."""

    k: int = Field(default=5, ge=1, le=100)


class EvidenceOut(BaseModel):
    answers: dict[str, bool]
    age: float | None
    sex: str | None
    implied: list[str]


class CodeOut(BaseModel):
    """A terminology code of a node (model/codes.yaml): FHIR system URI, code, display, how it maps."""

    system: str
    code: str
    display: str
    map: str


class CauseOut(BaseModel):
    id: str
    label: str
    probability: float
    prior: float
    group: str
    acuity: str
    codes: list[CodeOut] = []


class RuleOut(BaseModel):
    id: str
    level: str
    message: str
    source: str


class StepOut(BaseModel):
    kind: str
    name: str
    text: str
    citation: str
    cause: str | None


class ContributionOut(BaseModel):
    evidence_id: str
    answer: bool | str
    delta_log_odds: float
    probability_without: float
    citation: str


class IntervalOut(BaseModel):
    cause: str
    point: float
    low: float
    high: float
    top3: float
    top1: float


class ResultOut(BaseModel):
    """``DiagnosisResult.to_dict()``: the differential, triage, fired rules, advice and next steps."""

    model_config = ConfigDict(extra="allow")  # a newer result may carry more keys; they are passed on

    schema_version: str | int
    kb_version: str
    disclaimer: str
    evidence: EvidenceOut
    differential: list[CauseOut]
    triage: str
    network_triage: str
    advice: str
    rules_fired: list[RuleOut]
    next_steps: list[StepOut]
    probabilities_secondary: bool
    explanation: dict[str, list[ContributionOut]] | None = None
    intervals: list[IntervalOut] | None = None


class OptionOut(BaseModel):
    """One item of a checklist: its id, short label and the question it stands for."""

    id: str
    label: str
    question: str


class QuestionOut(BaseModel):
    """The question to ask now: one yes / no / don't know question, or a checklist (tick those that apply)."""

    id: str
    kind: Literal["single", "checklist"]
    text: str
    reason: str
    safety: bool
    options: list[OptionOut] = Field(default_factory=list)


class StopOut(BaseModel):
    code: str = Field(description="emergency | max_questions | confident | settled | exhausted")
    message: str


class DiagnosisResponse(BaseModel):
    """The next question (or why to stop), and the result of the answers so far."""

    question: QuestionOut | None
    should_stop: bool
    stop: StopOut | None
    questions_asked: int
    max_questions: int
    result: ResultOut


class TriageOut(BaseModel):
    """The triage alone: the level, its advice, the rules that set it and the network's own level."""

    triage: str
    advice: str
    network_triage: str
    rules_fired: list[RuleOut]
    probabilities_secondary: bool
    disclaimer: str
    kb_version: str


class ReasonOut(BaseModel):
    """One answer's effect on the cause, with the text it rests on."""

    evidence_id: str
    label: str
    answer: bool | str
    delta_log_odds: float
    probability_without: float
    citation: str


class ExplainOut(BaseModel):
    """Why a cause scored as it did: the answers that raised it and those that lowered it, largest first."""

    cause: str
    label: str
    probability: float
    prior: float
    reasons_for: list[ReasonOut]
    reasons_against: list[ReasonOut]
    disclaimer: str


class SuggestionOut(BaseModel):
    id: str
    text: str
    gain: float = Field(description="expected information, bits")
    p_yes: float | None
    change_probability: float
    safety: bool
    reason: str


class SuggestOut(BaseModel):
    questions: list[SuggestionOut]


class Concept(BaseModel):
    """One node: what it is called, how it is asked, and what an EHR calls it."""

    id: str
    kind: str
    label: str
    question: str | None
    group: str | None
    answered_by: str
    codes: list[CodeOut] = []
    derived: str | None = None  # read from the Patient resource instead of a code


class Info(BaseModel):
    """What the service runs: versions, sizes of the model, the interview's limits, the disclaimer."""

    name: str
    version: str
    kb_version: str
    title: str
    counts: dict[str, int]
    triage_levels: list[str]
    checklists: dict[str, str]
    intake: list[str]
    max_questions: int
    disclaimer: str


class ErrorOut(BaseModel):
    """A refused request: the message names the bad id or value and the closest known one.

    When the answers that can be read still meet an emergency rule, ``triage``
    is ``emergency`` and ``advice`` and ``rules_fired`` say what to do.
    """

    detail: str
    error: str
    triage: str | None = None
    advice: str | None = None
    rules_fired: list[RuleOut] | None = None
