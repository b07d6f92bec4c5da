"""Next steps per cause: the tests that confirm or rule a cause out, and what helps.

The data live in ``model/next_steps.yaml`` (format in ``model/README.md``).
:func:`ddx.clinical.next_steps_file.load_guide` reads that file and checks it
against a loaded knowledge base. :func:`build_steps` turns
one answer (its ranked causes, triage and fired rules) into the ordered
:class:`NextStep` tuple that ``DiagnosisResult.next_steps`` carries.

No advice text lives here: every sentence comes from ``next_steps.yaml``,
``triage.yaml`` or ``rules.yaml``. This module only orders the sentences and
applies the file's self-care policy (emergency: omitted; urgent: marked for
after the visit), so that nothing before or after the advice to get care
suggests waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..knowledge.conditions import Rule

__all__ = [
    "FILE",
    "MAX_LEADING",
    "MAX_NAME_CHARS",
    "NOTE_KINDS",
    "POLICIES",
    "Item",
    "NextStep",
    "NextStepsGuide",
    "build_steps",
    "names_of_tests",
]

#: The data file, relative to the model root.
FILE = "model/next_steps.yaml"
#: A name goes into a ``;``-joined batch column: short, one line.
MAX_NAME_CHARS = 40
#: The most leading causes a file may ask for (issue 11: at most five keep the steps readable).
MAX_LEADING = 5
#: Kinds of notes, in the order they are listed under a cause (tests go after ``care``).
NOTE_KINDS = ("care", "treatment", "self_care")
#: What happens to ``self_care`` notes at a triage level.
POLICIES = ("omit", "after_seen", "show")


@dataclass(frozen=True)
class Item:
    """One test or note of a cause, with its provenance; ``where`` locates it for messages."""

    kind: str  # test | care | treatment | self_care
    name: str
    text: str
    where: str
    basis: str
    file: str | None = None
    section: str | None = None
    phrase: str | None = None
    rationale: str | None = None
    note: str | None = None

    def citation(self) -> str:
        """Article, section and phrase, or the judgement rationale (the form of rule sources)."""
        if self.basis == "article":
            return f'{self.file} § {self.section}: "{self.phrase}"'
        return f"judgement: {self.rationale}"


@dataclass(frozen=True)
class NextStep:
    """One step of an answer's next steps.

    ``kind`` is ``advice`` (the triage level's advice; always the first
    step), ``rule`` (a fired rule's message), or for a leading cause
    ``care``, ``test``, ``treatment`` or ``self_care``; ``cause`` is that
    cause's id (None for advice and rules).
    """

    kind: str
    name: str
    text: str
    citation: str
    cause: str | None = None


@dataclass(frozen=True)
class NextStepsGuide:
    """The checked contents of ``model/next_steps.yaml``, with the triage advice of its model.

    The steps of each cause under each self-care policy, and of each triage
    level's advice, are made once here; an answer only joins them.
    """

    threshold: float
    max_causes: int
    self_care: Mapping[str, str]
    after_seen_prefix: str
    items: Mapping[str, tuple[Item, ...]]  # cause -> care notes, tests, treatment notes, self-care notes
    advice: Mapping[str, str]  # triage level -> advice (model/triage.yaml)
    _advice_steps: dict[str, NextStep] = field(default_factory=dict, repr=False, compare=False)
    _cause_steps: dict[tuple[str, str], tuple[NextStep, ...]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for level, text in self.advice.items():
            self._advice_steps[level] = NextStep("advice", level, text, f"model/triage.yaml: levels.{level}.advice")
        for cause, items in self.items.items():
            for policy in POLICIES:
                self._cause_steps[cause, policy] = tuple(self._item_steps(cause, items, policy))

    def _item_steps(self, cause: str, items: Sequence[Item], policy: str) -> Iterator[NextStep]:
        for item in items:
            text = item.text
            if item.kind == "self_care":
                if policy == "omit":
                    continue
                if policy == "after_seen":
                    text = self.after_seen_prefix + text
            yield NextStep(item.kind, item.name, text, item.citation(), cause)

    def leading(self, ranked: Iterable[tuple[str, float]]) -> list[str]:
        """The causes to give next steps for: the most probable always, then those at or above the threshold."""
        out: list[str] = []
        for cause, p in ranked:
            if len(out) == self.max_causes or (out and p < self.threshold):
                break
            out.append(cause)
        return out

    def leading_counts(self, ranked_posteriors: np.ndarray) -> np.ndarray:
        """How many causes :meth:`leading` takes, for many cases at once (rows of posteriors, most probable first)."""
        rows = np.asarray(ranked_posteriors, dtype=float)
        if self.max_causes < 1 or rows.shape[1] == 0:
            return np.zeros(len(rows), dtype=np.intp)
        above = rows[:, 1 : self.max_causes] >= self.threshold  # the loop stops at the first cause below
        return 1 + np.cumprod(above, axis=1).sum(axis=1, dtype=np.intp)

    def test_names(self, causes: Iterable[str]) -> list[str]:
        """The distinct test names of the steps of ``causes``, in order: what :func:`names_of_tests` reads from
        :func:`build_steps` (a test is the same step under every self-care policy), without building the steps."""
        steps = (step for cause in causes for step in self._cause_steps[cause, "show"])
        return list(dict.fromkeys(step.name for step in steps if step.kind == "test"))


def build_steps(
    guide: NextStepsGuide,
    ranked: Iterable[tuple[str, float]],
    triage: str,
    fired: Sequence[Rule],
    advice: str | None = None,
) -> tuple[NextStep, ...]:
    """The next steps of one answer, in reading order.

    Parameters
    ----------
    guide
        From :func:`load_guide`.
    ranked
        (cause, posterior) pairs, most probable first (read only as far as needed).
    triage
        The answer's final triage level.
    fired
        The rules that fired, most urgent first.
    advice
        Advice that replaces the level's own (``model/triage.yaml: unsupported.advice``
        when no answer supports any cause).

    Returns
    -------
    tuple of NextStep
        The triage advice first, then each fired rule's message, then for
        each leading cause its care notes, tests, treatment notes and
        self-care notes. Self-care notes follow ``self_care_notes`` of the
        file: left out, marked for after the visit, or shown.
    """
    policy = guide.self_care[triage]
    first = guide._advice_steps[triage]
    if advice is not None:
        first = NextStep("advice", triage, advice, "model/triage.yaml: unsupported.advice")
    steps = [first, *(NextStep("rule", r.id, r.message, r.source) for r in fired)]
    for cause in guide.leading(ranked):
        steps.extend(guide._cause_steps[cause, policy])
    return tuple(steps)


def names_of_tests(steps: Sequence[NextStep]) -> list[str]:
    """The distinct test names of ``steps``, in order (the batch ``next_steps`` column)."""
    return list(dict.fromkeys(step.name for step in steps if step.kind == "test"))


# --------------------------------------------------------------------------- loading and checking
