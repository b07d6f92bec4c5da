"""Python's cyclic garbage collector run less often while many cases are scored.

Scoring a batch makes many short-lived objects (cells, evidence dicts, rows,
results), and by default Python runs its collector every 700 new container
objects, and a full collection every 100 of those. A full collection looks at
every object alive: the model, the pattern cache, the chunk being read, the
results made so far. On 50,000 distinct cases that cost about a sixth of
``ddx score``'s time, and half the time of making 2,000 results in
``Engine.diagnose_many`` (docs/performance.md). Inside :func:`fewer_collections`
the collector runs :data:`THRESHOLDS` apart instead; it still runs, so memory
still stays bounded however long the batch, and the settings found are put
back at the end (a process-wide setting: a thread scoring beside another may
see either).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["THRESHOLDS", "fewer_collections"]

#: ``gc.set_threshold`` inside a batch: a young collection every 10,000 new objects (default 700),
#: an older one every 100 of those and a full one every 100 older ones (default 10 and 10).
THRESHOLDS = (10_000, 100, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the collector at :data:`THRESHOLDS` (never more often than it was set to)."""
    before = gc.get_threshold()
    gc.set_threshold(*(max(now, wanted) if now else 0 for now, wanted in zip(before, THRESHOLDS, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*before)
