"""How much an answer depends on the model's numbers: intervals and sensitivity.

Every number of the knowledge base has a value and a plausible range. Draws
of the numbers follow a **two-piece logit-normal** distribution per number:
on the logit scale it is normal with its median at the value, and its 5th and
95th percentiles at the ends of the range (the two halves have their own
spread, so an asymmetric range is honoured exactly). A zero-width range gives
the value itself. Draws are independent between numbers and use common random
numbers: with a fixed seed, each number always takes the same standard normal
deviate, so widening one range moves only that number, further out.

All draws of one case run through the exact fast path in one vectorised pass
(:func:`ddx.inference.quickscore.evaluate_many` with one row of numbers per draw). The rule
layer reads only the answers, so it is unaffected by the draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..knowledge.model import KnowledgeBase, Number
from .compile import CaseEvidence, CompiledModel, Params
from .order import rank_order
from .quickscore import evaluate_many

__all__ = [
    "Interval",
    "Sensitivity",
    "draw_params",
    "format_sensitivity",
    "intervals",
    "number_slots",
    "sensitivity",
]

#: z of the 95th percentile of the standard normal: the range ends are the 5th and 95th percentiles.
_Z95 = 1.6448536269514722


@dataclass(frozen=True)
class Slot:
    """Where one number of the knowledge base sits in :class:`~ddx.inference.compile.Params`."""

    number: Number
    array: str  # field of Params
    index: tuple[int, ...]  # index after the leading row axis
    complement: bool  # Params holds 1 - value


@dataclass(frozen=True)
class Interval:
    """A cause's posterior across draws of the numbers."""

    cause: str
    point: float
    low: float  # 5th percentile
    high: float  # 95th percentile
    top3: float  # share of draws in which the cause is among the three most probable
    top1: float  # share of draws in which the cause is the most probable


@dataclass(frozen=True)
class Sensitivity:
    """The effect on one cause of moving one number to the ends of its range."""

    where: str
    citation: str
    value: float
    low: float
    high: float
    posterior_at_low: float
    posterior_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.posterior_at_high - self.posterior_at_low)


def number_slots(kb: KnowledgeBase) -> list[Slot]:
    """Every number of the model with its place in the fast path's arrays, in a fixed order."""
    ci = {c: i for i, c in enumerate(kb.causes)}
    fi = {f: i for i, f in enumerate(kb.network_findings)}
    slots = [Slot(kb.priors[c], "base_off", (ci[c],), True) for c in kb.causes]
    slots += [Slot(kb.parent_priors[p], "parent_prior", (i,), False) for i, p in enumerate(kb.risk_factors)]
    slots += [Slot(kb.leaks[f], "leak_off", (fi[f],), True) for f in kb.network_findings]
    slots += [Slot(link.number, "link_off", (i,), True) for i, link in enumerate(kb.cause_links)]
    slots += [Slot(link.number, "finding_off", (ci[link.parent], fi[link.child]), True) for link in kb.finding_links]
    return slots


def _quantile_draws(slots: Sequence[Slot], z: np.ndarray) -> np.ndarray:
    """Two-piece logit-normal values for standard normal deviates ``z`` (draws x numbers)."""
    value = np.array([s.number.value for s in slots])
    low = np.array([s.number.low for s in slots])
    high = np.array([s.number.high for s in slots])
    centre = np.log(value) - np.log1p(-value)
    down = (centre - (np.log(low) - np.log1p(-low))) / _Z95
    up = ((np.log(high) - np.log1p(-high)) - centre) / _Z95
    x = centre + z * np.where(z > 0, up, down)
    return 1.0 / (1.0 + np.exp(-x))


def _params(model: CompiledModel, slots: Sequence[Slot], values: np.ndarray) -> Params:
    """Params with one row per row of ``values`` (rows x numbers)."""
    rows = len(values)
    base = model.params
    arrays = {
        name: np.repeat(getattr(base, name), rows, axis=0)
        for name in ("parent_prior", "base_off", "finding_off", "leak_off", "link_off")
    }
    for j, slot in enumerate(slots):
        column = 1.0 - values[:, j] if slot.complement else values[:, j]
        index: tuple[slice | int, ...] = (slice(None), *slot.index)
        arrays[slot.array][index] = column
    return Params(**arrays)


def draw_params(model: CompiledModel, slots: Sequence[Slot], samples: int, seed: int) -> Params:
    """``samples`` draws of every number (see the module docstring for the distribution)."""
    z = np.random.default_rng(seed).standard_normal((samples, len(slots)))
    return _params(model, slots, _quantile_draws(slots, z))


def intervals(
    model: CompiledModel, slots: Sequence[Slot], case: CaseEvidence, point: np.ndarray, samples: int, seed: int
) -> tuple[Interval, ...]:
    """5th-95th percentile of each cause's posterior and its chance of staying in the top three."""
    params = draw_params(model, slots, samples, seed)
    post = evaluate_many(model, [case] * samples, params=params).posteriors  # (samples, C)
    low, high = np.percentile(post, [5, 95], axis=0)
    rank = np.argsort(rank_order(post), axis=1, kind="stable")
    top3 = (rank < 3).mean(axis=0)
    top1 = (rank == 0).mean(axis=0)
    return tuple(
        Interval(cause, float(point[i]), float(low[i]), float(high[i]), float(top3[i]), float(top1[i]))
        for i, cause in enumerate(model.causes)
    )


def sensitivity(
    model: CompiledModel, slots: Sequence[Slot], case: CaseEvidence, cause: int, top: int | None = None
) -> list[Sensitivity]:
    """Move each number to the ends of its range, one at a time; largest swing of ``cause`` first."""
    n = len(slots)
    values = np.tile(np.array([s.number.value for s in slots]), (2 * n, 1))
    for j, slot in enumerate(slots):
        values[2 * j, j] = slot.number.low
        values[2 * j + 1, j] = slot.number.high
    post = evaluate_many(model, [case] * (2 * n), params=_params(model, slots, values)).posteriors[:, cause]
    items = [
        Sensitivity(
            s.number.where,
            s.number.citation(),
            s.number.value,
            s.number.low,
            s.number.high,
            float(post[2 * j]),
            float(post[2 * j + 1]),
        )
        for j, s in enumerate(slots)
    ]
    items.sort(key=lambda item: (-item.swing, item.where))
    return items[:top] if top else items


def format_sensitivity(items: Sequence[Sensitivity], cause_label: str, point: float) -> str:
    """The sensitivity list as a text table, with the citation behind each number."""
    lines = [
        f"What {cause_label} ({point:.1%}) hinges on: each number moved to the ends of its range, the others kept",
        f"{'#':>3}  {'number':<58} {'value [range]':<22} {'at low':>8} {'at high':>8} {'swing':>7}",
    ]
    for k, item in enumerate(items, start=1):
        span = f"{item.value:g} [{item.low:g}, {item.high:g}]"
        lines.append(
            f"{k:>3}  {item.where:<58} {span:<22} {item.posterior_at_low:>8.1%} {item.posterior_at_high:>8.1%} "
            f"{item.swing:>7.1%}"
        )
        lines.append(f"     {item.citation}")
    return "\n".join(lines)
