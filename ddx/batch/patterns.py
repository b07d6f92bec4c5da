"""The answer patterns of one file, scored once: a bounded cache of output rows keyed by (answers, age, sex).

A cohort repeats answer patterns: an EHR extract or a simulated cohort holds
far fewer distinct (answers, age, sex) patterns than rows. :meth:`Engine.diagnose_many`
merges repeats inside one call; a :class:`PatternCache` carries that across the
batches and chunks of a whole file, so a pattern seen before is neither scored
nor turned into a row again (:mod:`ddx.batch.rows`). Rows are tuples, so the
rows of a file that share a pattern share one.

The cache is bounded: it keeps the ``limit`` patterns used most recently and
drops the least recently used, so a file of all-distinct rows costs at most
``limit`` entries of memory (about 3 KB each for the bundled model: the row's
47 values and the key) and no more time than without it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from ..knowledge.evidence import Evidence
from .rows import Row

__all__ = ["DEFAULT_LIMIT", "PatternCache", "PatternKey", "Slot", "pattern_key"]

#: Patterns kept per file by ``ddx score``: about 50 MB at most.
DEFAULT_LIMIT = 16_384

PatternKey = tuple[frozenset[tuple[str, bool]], float | None, str | None]


def pattern_key(evidence: Evidence) -> PatternKey:
    """What makes two cases the same case: their answers (after what answers imply), age and sex."""
    return frozenset(evidence.answers.items()), evidence.age, evidence.sex


@dataclass(slots=True)
class Slot:
    """The output row of one pattern: empty while its batch is being scored, then filled (:mod:`ddx.batch.cases`)."""

    row: Row | None = None


class PatternCache:
    """The output rows of the patterns met so far (each in its :class:`Slot`), the ``limit`` most recently used.

    ``hits`` counts rows answered from the cache, ``misses`` patterns scored.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 0:
            raise ValueError(f"a pattern cache holds 0 or more patterns; got limit={limit}")
        self.limit = limit
        self.hits = self.misses = 0
        self._results: OrderedDict[PatternKey, Slot] = OrderedDict()

    def __len__(self) -> int:
        return len(self._results)

    def get(self, key: PatternKey) -> Slot | None:
        result = self._results.get(key)
        if result is not None:
            self._results.move_to_end(key)
            self.hits += 1
        return result

    def put(self, key: PatternKey, result: Slot) -> None:
        self.misses += 1
        if self.limit == 0:
            return
        self._results[key] = result
        self._results.move_to_end(key)
        while len(self._results) > self.limit:
            self._results.popitem(last=False)
