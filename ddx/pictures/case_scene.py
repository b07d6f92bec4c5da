"""The picture of one case (rule banner, triage, posteriors beside priors, the reasons) and the sensitivity tornado.

Written by :func:`ddx.pictures.plot.write_scene`, by the file's suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..engine.result import DiagnosisResult
from ..inference.explain import Contribution
from ..inference.uncertainty import Sensitivity
from .layout import LEVEL_COLOURS, group_colour, short_label
from .plot import check_output, write_scene
from .scene import Line, Rect, Scene, Text, fit, text_width, wrap

__all__ = ["case_picture", "case_scene", "sensitivity_picture", "sensitivity_scene"]

RAISES, LOWERS = "#1b7837", "#762a83"
_BAR_X, _BAR_W = 372, 440
_W = 980
_LABEL_END = 360


def _answer_text(value: bool | str) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _banner(result: DiagnosisResult, scene: Scene, y: float) -> float:
    rule = result.rules_fired[0]
    colour = LEVEL_COLOURS.get(rule.level, "#444444")
    lines = wrap(f"{rule.level.replace('_', ' ').upper()} — rule '{rule.id}': {rule.message}", _W - 40, 14)
    more = [f"{r.id} ({r.level})" for r in result.rules_fired[1:]]
    small = ["A rule fired: act on it. The probabilities below are secondary."]
    if more:
        small = wrap(f"Also fired: {', '.join(more)}. " + small[0], _W - 40, 11)
    h = 14 + 19 * len(lines) + 15 * len(small)
    scene.add(Rect(0, y, _W, h, colour))
    cy = y + 22
    for line in lines:
        scene.add(Text(20, cy, line, 14, "#ffffff", bold=True))
        cy += 19
    for line in small:
        scene.add(Text(20, cy - 2, line, 11, "#ffffff"))
        cy += 15
    return y + h


def _bars(result: DiagnosisResult, scene: Scene, y: float, top: int) -> float:
    shown = result.differential[:top]
    scene.add(Text(20, y, f"Most probable causes (top {len(shown)} of {len(result.differential)})", 14, bold=True))
    y += 16
    scene.add(
        Rect(20, y - 8, 12, 9, "#555555"),
        Text(36, y, "posterior: after the answers", 10, "#444444"),
        Rect(206, y - 5, 12, 4, "#a8a8a8"),
        Text(222, y, "prior: before any answer", 10, "#444444"),
        Text(
            390,
            y,
            "colour = group of the cause; causes are not exclusive, so the bars need not sum to 100%",
            10,
            "#444444",
        ),
    )
    if result.intervals is not None:
        y += 14
        scene.add(
            Line(20, y - 4, 32, y - 4, "#111111", 1.4),
            Text(
                36, y, "interval: 5th–95th percentile of the posterior over draws of the model's numbers", 10, "#444444"
            ),
        )
    y += 12
    top_y = y
    row = 30
    for i, score in enumerate(shown):
        cy = y + i * row + 12
        colour = group_colour(score.group)
        label = fit(f"{i + 1}. {short_label(score.label)}", _LABEL_END - 20, 12)
        scene.add(
            Text(_LABEL_END, cy + 4, label, 12, anchor="end", bold=i == 0),
            Rect(_BAR_X, cy - 8, max(1.0, _BAR_W * score.probability), 13, colour),
            Rect(_BAR_X, cy + 7, max(1.0, _BAR_W * score.prior), 4, "#a8a8a8"),
            Text(_BAR_X + _BAR_W + 10, cy + 4, f"{score.probability:6.1%}", 12, bold=True),
            Text(_BAR_X + _BAR_W + 72, cy + 4, f"prior {score.prior:.1%}", 10, "#666666"),
        )
        if result.intervals is not None:  # 5th-95th percentile over draws of the numbers
            band = result.interval(score.id)
            x0, x1 = _BAR_X + _BAR_W * band.low, _BAR_X + _BAR_W * band.high
            scene.add(
                Line(x0, cy - 1.5, x1, cy - 1.5, "#111111", 1.4),
                Line(x0, cy - 6, x0, cy + 3, "#111111", 1.4),
                Line(x1, cy - 6, x1, cy + 3, "#111111", 1.4),
                Text(_BAR_X + _BAR_W + 10, cy + 15, f"{band.low:.1%}–{band.high:.1%}", 9, "#333333"),
            )
    bottom = y + len(shown) * row + 2
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _BAR_X + _BAR_W * tick
        scene.add(
            Line(x, top_y, x, bottom, "#cccccc", 0.8, dash=tick not in (0.0, 1.0)),
            Text(x, bottom + 13, f"{tick:.0%}", 10, "#666666", "middle"),
        )
    return bottom + 22


def _contributions(
    result: DiagnosisResult, items: Sequence[Contribution], cause: str, scene: Scene, y: float, limit: int
) -> float:
    score = next(s for s in result.differential if s.id == cause)
    title = f"Why {short_label(score.label)} scored {score.probability:.1%} (prior {score.prior:.1%})"
    scene.add(Text(20, y, fit(title, _W - 40, 14), 14, bold=True))
    y += 16
    note = "change in its log-odds when each answer is removed, largest first; green raises it, purple lowers it"
    scene.add(Text(20, y, note, 10, "#444444"))
    y += 10
    if not items:
        scene.add(Text(20, y + 18, "No answers were given: the posterior is the prior.", 12, "#444444"))
        return y + 34
    shown = items[:limit]
    biggest = max(abs(c.delta_log_odds) for c in shown) or 1.0
    zero = _BAR_X + _BAR_W / 2
    half = _BAR_W / 2 - 4
    row = 22
    for i, c in enumerate(shown):
        cy = y + i * row + 14
        length = half * abs(c.delta_log_odds) / biggest
        colour = RAISES if c.delta_log_odds > 0 else LOWERS if c.delta_log_odds < 0 else "#777777"
        x = zero if c.delta_log_odds > 0 else zero - length
        label = fit(f"{c.evidence_id} = {_answer_text(c.answer)}", _LABEL_END - 20, 11)
        value = f"{c.delta_log_odds:+.2f} {c.direction}"
        scene.add(
            Text(_LABEL_END, cy + 4, label, 11, anchor="end"),
            Rect(x, cy - 6, max(1.0, length), 12, colour, opacity=0.85),
            Text(_BAR_X + _BAR_W + 10, cy + 4, value, 11, colour, bold=True),
        )
    bottom = y + len(shown) * row + 6
    scene.add(Line(zero, y + 2, zero, bottom, "#555555", 1.0))
    if len(items) > limit:
        scene.add(Text(_LABEL_END, bottom + 12, f"… and {len(items) - limit} smaller", 10, "#666666", "end"))
        bottom += 14
    return bottom + 14


def case_scene(
    result: DiagnosisResult,
    *,
    top: int = 8,
    cause: str | None = None,
    name: str | None = None,
    reasons: int = 10,
) -> Scene:
    """One case as a scene: rule banner, triage, top posteriors beside priors, why the top cause scored.

    Parameters
    ----------
    result
        The result of ``engine.diagnose``.
    top
        How many causes to draw.
    cause
        The cause to explain (default: the most probable).
    name
        A name for the case (shown in the title).
    reasons
        How many of the largest contributions to draw.

    Raises
    ------
    EvidenceError
        When ``cause`` is not a cause of the model.
    """
    cause = cause or result.top.id
    items = result.explain(cause)  # checks the cause id first
    scene = Scene(_W, 0, f"ddx case {name or ''}".strip())
    y = 0.0
    if result.rules_fired:
        y = _banner(result, scene, y)
    y += 34
    level = result.triage
    colour = LEVEL_COLOURS.get(level, "#444444")
    head = f"Case {name}: triage" if name else "Triage"
    scene.add(Text(20, y, head, 18, bold=True))
    x = 30 + text_width(head, 18, bold=True)
    badge = level.replace("_", " ").upper()
    badge_w = text_width(badge, 14, bold=True) + 16
    scene.add(Rect(x, y - 17, badge_w, 23, colour, rx=4), Text(x + 8, y, badge, 14, "#ffffff", bold=True))
    if result.rules_fired:
        note = "set by the rule layer"
    else:
        note = f"from the network (no rule fired); kb_version {result.kb_version}"
    scene.add(Text(x + badge_w + 14, y, note, 11, "#555555", italic=True))
    y += 8
    for line in wrap(f"Advice: {result.advice}", _W - 40, 12):
        y += 17
        scene.add(Text(20, y, line, 12))
    answers = result.evidence.answers
    yes = [k for k, v in answers.items() if v]
    no = [k for k, v in answers.items() if not v]
    parts = [f"yes: {', '.join(yes) or '—'}", f"no: {', '.join(no) or '—'}"]
    if result.evidence.age is not None:
        parts.append(f"age {result.evidence.age:g}")
    if result.evidence.sex is not None:
        parts.append(f"sex {result.evidence.sex}")
    for line in wrap("Answers — " + "; ".join(parts), _W - 40, 10):
        y += 14
        scene.add(Text(20, y, line, 10, "#444444"))
    y = _bars(result, scene, y + 34, top)
    y = _contributions(result, items, cause, scene, y + 16, reasons)
    scene.add(Line(20, y, _W - 20, y, "#dddddd", 1.0))
    for line in wrap(result.disclaimer, _W - 40, 10):
        y += 15
        scene.add(Text(20, y, line, 10, "#555555", italic=True))
    scene.height = y + 14
    return scene


def case_picture(
    result: DiagnosisResult,
    path: str | Path,
    *,
    top: int = 8,
    cause: str | None = None,
    name: str | None = None,
) -> Path:
    """Draw one case (see :func:`case_scene`) to ``path`` (.svg, .html or .png); returns the path.

    Raises
    ------
    EvidenceError
        When ``cause`` is not a cause of the model.
    DdxError
        For an unknown suffix or a missing folder.
    """
    target = Path(path)
    check_output(target)
    return write_scene(case_scene(result, top=top, cause=cause, name=name), target, intro=result.disclaimer)


def sensitivity_scene(items: Sequence[Sensitivity], cause_label: str, point: float, disclaimer: str) -> Scene:
    """A tornado chart: for each number, the cause's posterior with the number at each end of its range.

    Bars are sorted by swing, largest on top; the vertical line is the
    posterior with every number at its value.
    """
    label_end, bar_x, bar_w, row = 430.0, 450.0, 340.0, 36.0
    scene = Scene(_W, 0, f"ddx sensitivity: {cause_label}")
    y = 34.0
    title = fit(f"What {short_label(cause_label)} ({point:.1%}) hinges on", _W - 40, 18)
    scene.add(Text(20, y, title, 18, bold=True))
    y += 20
    scene.add(
        Text(
            20,
            y,
            "each number moved to the low (light) and high (dark) end of its range, the others kept; largest first",
            11,
            "#444444",
        )
    )
    lows = [min(i.posterior_at_low, i.posterior_at_high, point) for i in items] or [point]
    highs = [max(i.posterior_at_low, i.posterior_at_high, point) for i in items] or [point]
    lo, hi = max(0.0, min(lows) - 0.02), min(1.0, max(highs) + 0.02)
    span = max(hi - lo, 1e-9)

    def x_of(p: float) -> float:
        return bar_x + bar_w * (p - lo) / span

    y += 24
    top_y = y
    for k, item in enumerate(items):
        cy = y + k * row + 10
        at_low, at_high = item.posterior_at_low, item.posterior_at_high
        label = fit(item.where.replace("priors/", ""), label_end - 20, 11)
        cite = fit(item.citation, label_end - 20, 9)
        scene.add(
            Text(label_end, cy + 1, label, 11, anchor="end"),
            Text(label_end, cy + 13, cite, 9, "#666666", anchor="end"),
            Rect(min(x_of(at_low), x_of(point)), cy - 7, abs(x_of(at_low) - x_of(point)), 14, "#9ecae1"),
            Rect(min(x_of(at_high), x_of(point)), cy - 7, abs(x_of(at_high) - x_of(point)), 14, "#2171b5"),
            Text(bar_x + bar_w + 12, cy + 4, f"low {at_low:.1%} · high {at_high:.1%}", 10, "#333333"),
        )
    bottom = y + len(items) * row + 4
    scene.add(Line(x_of(point), top_y - 4, x_of(point), bottom, "#111111", 1.2))
    for tick in (lo, point, hi):
        scene.add(Text(x_of(tick), bottom + 14, f"{tick:.1%}", 10, "#555555", "middle"))
    y = bottom + 30
    scene.add(Line(20, y, _W - 20, y, "#dddddd", 1.0))
    for line in wrap(disclaimer, _W - 40, 10):
        y += 15
        scene.add(Text(20, y, line, 10, "#555555", italic=True))
    scene.height = y + 14
    return scene


def sensitivity_picture(
    items: Sequence[Sensitivity], path: str | Path, *, cause_label: str, point: float, disclaimer: str
) -> Path:
    """Draw a tornado chart (see :func:`sensitivity_scene`) to ``path`` (.svg, .html or .png)."""
    target = Path(path)
    check_output(target)
    return write_scene(sensitivity_scene(items, cause_label, point, disclaimer), target, intro=disclaimer)
