"""The cases of a frame scored: each checked on its own, each new answer pattern scored once per file.

The one place where batch scoring calls the engine. Scoring is started and
finished apart (:func:`start_cases`, :meth:`Scoring.result`): starting checks
the cases, takes the patterns already scored (or on their way) from the
file's :class:`~ddx.batch.patterns.PatternCache` and hands the new ones to the
workers; finishing waits for their rows. So ``ddx score --jobs N`` reads and
checks the next chunk, and writes the last, while the workers score this one
(:func:`ddx.batch.file.score_file`).

Every choice is made when a chunk starts, in the order of the chunks, so the
rows never depend on how many processes score them or on what overlaps:
which patterns are new, which batches they fall in, the cache's order of
use, and the kernel's choice (:func:`ddx.inference.compiled.for_chunk`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from ..clinical.failsafe import emergency_rules
from ..engine.core import Engine
from ..errors import EvidenceError
from ..inference import compiled
from ..knowledge.evidence import Evidence
from .parallel import score_batches
from .patterns import PatternCache, PatternKey, Slot, pattern_key
from .read import Case, RowError
from .rows import Row

__all__ = ["BATCH", "Scoring", "start_cases"]

#: Distinct patterns scored per vectorised engine call: large enough to amortise the call, small
#: enough for the progress display to move and for the work to split across processes.
BATCH = 256


@dataclass
class Scoring:
    """The cases of one call on their way: :meth:`result` waits for the rows of its new patterns."""

    _out: list[Row | RowError | Slot | None]
    _slots: list[Slot]
    _weights: list[int]  # per new pattern, the rows it stands for (the progress counts rows)
    _scored: Iterator[list[Row]]
    _on_row: Callable[[int], None] | None

    def result(self) -> list[Row | RowError | None]:
        """Each case's row, or its :class:`RowError` (errors and None pass through)."""
        for number, rows in enumerate(self._scored):
            part = slice(number * BATCH, (number + 1) * BATCH)
            for slot, row in zip(self._slots[part], rows, strict=True):
                slot.row = row
            if self._on_row is not None:
                self._on_row(sum(self._weights[part]))
        return [_resolved(outcome) for outcome in self._out]


def _resolved(outcome: Row | RowError | Slot | None) -> Row | RowError | None:
    if not isinstance(outcome, Slot):
        return outcome
    assert outcome.row is not None, "a pattern of an earlier call is finished before a later call"
    return outcome.row


def start_cases(
    engine: Engine,
    cases: Sequence[Case | RowError | None],
    top: int = 5,
    on_row: Callable[[int], None] | None = None,
    *,
    intervals: int | None = None,
    seed: int = 0,
    cache: PatternCache | None = None,
    pool: Executor | None = None,
    rows: Sequence[int] | None = None,
) -> Scoring:
    """Check each case and start scoring the patterns not scored yet.

    Each row's evidence is checked on its own (a bad row gets its message, and
    the emergency rules its readable answers meet); the distinct (answers,
    age, sex) patterns that are neither among this call's earlier rows nor in
    ``cache`` are scored in batches of their first appearance, in this
    process when the result is asked for or by the workers of ``pool`` from
    now (:mod:`ddx.batch.parallel`). They enter ``cache`` at once, as slots
    that their rows fill, so a later call finds them even before they are
    scored; finish the calls in the order they were started. ``rows`` is how
    many rows each case stands for (one each by default); ``cache`` holds rows
    of one ``top`` and ``intervals``: keep one per file.
    """
    weight = rows if rows is not None else [1] * len(cases)
    out: list[Row | RowError | Slot | None] = [None] * len(cases)
    rows_of: dict[PatternKey, list[int]] = {}  # each new pattern -> its rows, in order of first appearance
    new: list[Evidence] = []
    answered = 0
    for i, case in enumerate(cases):
        if not isinstance(case, Case):
            out[i], answered = case, answered + weight[i]
            continue
        try:
            ev = engine.normalise(case.evidence, age=case.age, sex=case.sex)
        except EvidenceError as exc:
            out[i] = RowError(str(exc), emergency_rules(engine.kb, case.evidence, case.age, case.sex))
            answered += weight[i]
            continue
        key = pattern_key(ev)
        if key in rows_of:
            rows_of[key].append(i)
            continue
        known = cache.get(key) if cache is not None else None
        if known is not None:
            out[i], answered = known, answered + weight[i]
            continue
        rows_of[key] = [i]
        new.append(ev)
    if on_row is not None and answered:
        on_row(answered)
    slots = []
    for key, positions in rows_of.items():
        slot = Slot()
        for i in positions:
            out[i] = slot
        if cache is not None:
            cache.put(key, slot)
        slots.append(slot)
    batches = [new[start : start + BATCH] for start in range(0, len(new), BATCH)]
    kernel = compiled.for_chunk(len(new))  # one way for the whole chunk, whichever process scores a batch
    scored = score_batches(engine, batches, top, intervals, seed, pool, kernel)
    weights = [sum(weight[i] for i in positions) for positions in rows_of.values()]
    return Scoring(out, slots, weights, scored, on_row)
