"""A tiny vector scene (boxes, dots, curves, text) written as SVG in pure Python, or as PNG by matplotlib.

Every picture of :mod:`ddx.pictures.plot` is drawn once, as a :class:`Scene` in pixel
coordinates (y grows downwards), then written by a back end: :func:`to_svg`
needs nothing outside the standard library; :func:`to_png` imports
matplotlib when it is called, so that ``import ddx`` never does. Groups carry
ids, classes, data attributes and a tooltip, which the SVG keeps for the
interactive HTML page and the PNG ignores.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "Circle",
    "Curve",
    "Group",
    "Item",
    "Line",
    "Rect",
    "Scene",
    "Text",
    "fit",
    "text_width",
    "to_png",
    "to_svg",
    "wrap",
]

#: The font every back end asks for; DejaVu Sans ships with matplotlib, so the PNG always has it.
FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
#: Mean advance of a character of DejaVu Sans, as a fraction of the font size (for layout only).
_CHAR_WIDTH = 0.58
_SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str = "none"
    stroke: str | None = None
    stroke_width: float = 1.0
    rx: float = 0.0
    opacity: float = 1.0


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    r: float
    fill: str
    stroke: str | None = None
    stroke_width: float = 1.0
    opacity: float = 1.0


@dataclass(frozen=True)
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    color: str = "#000000"
    width: float = 1.0
    opacity: float = 1.0
    dash: bool = False


@dataclass(frozen=True)
class Curve:
    """A cubic curve from (x0, y0) to (x1, y1) that leaves and arrives horizontally."""

    x0: float
    y0: float
    x1: float
    y1: float
    color: str
    width: float = 1.0
    opacity: float = 1.0

    def controls(self) -> tuple[float, float, float, float, float, float, float, float]:
        mid = (self.x0 + self.x1) / 2
        return (self.x0, self.y0, mid, self.y0, mid, self.y1, self.x1, self.y1)


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is the baseline, ``anchor`` is start, middle or end."""

    x: float
    y: float
    text: str
    size: float = 11.0
    color: str = "#222222"
    anchor: str = "start"
    bold: bool = False
    italic: bool = False
    opacity: float = 1.0


@dataclass(frozen=True)
class Group:
    """Items drawn together; ``id``, ``classes``, ``data`` and ``title`` are kept in the SVG only."""

    items: tuple[Item, ...]
    id: str | None = None
    classes: tuple[str, ...] = ()
    data: Mapping[str, str] = field(default_factory=dict)
    title: str | None = None


Item = Rect | Circle | Line | Curve | Text | Group


@dataclass
class Scene:
    """A picture: its size in pixels and its items, drawn in order."""

    width: float
    height: float
    title: str = ""
    items: list[Item] = field(default_factory=list)
    background: str = "#ffffff"

    def add(self, *items: Item) -> None:
        self.items.extend(items)

    def texts(self) -> Iterator[str]:
        """Every text and tooltip of the scene (for tests and checks)."""
        yield from _texts(self.items)


def _texts(items: Sequence[Item]) -> Iterator[str]:
    for item in items:
        if isinstance(item, Text):
            yield item.text
        elif isinstance(item, Group):
            if item.title:
                yield item.title
            yield from _texts(item.items)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The approximate width in pixels of ``text`` at font size ``size`` (layout only)."""
    ems = sum(0.69 if c.isupper() else 0.32 if c in " .,:;'|!il" else 0.6 for c in text)
    return ems * size * (1.1 if bold else 1.0)


def fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` pixels."""
    if text_width(text, size) <= width:
        return text
    cut = text
    while len(cut) > 1 and text_width(cut + "…", size) > width:
        cut = cut[:-1]
    return cut.rstrip() + "…"


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` pixels."""
    return textwrap.wrap(text, max(8, int(width / (size * _CHAR_WIDTH)))) or [""]


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _paint(fill: str | None, stroke: str | None, stroke_width: float, opacity: float) -> str:
    out = f' fill="{fill or "none"}"'
    if stroke:
        out += f' stroke="{stroke}" stroke-width="{_n(stroke_width)}"'
    if opacity < 1:
        out += f' opacity="{opacity:.2f}"'
    return out


def _svg_item(item: Item, out: list[str], indent: str) -> None:
    if isinstance(item, Rect):
        rx = f' rx="{_n(item.rx)}"' if item.rx else ""
        paint = _paint(item.fill, item.stroke, item.stroke_width, item.opacity)
        out.append(
            f'{indent}<rect x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.w)}" height="{_n(item.h)}"{rx}{paint}/>'
        )
    elif isinstance(item, Circle):
        paint = _paint(item.fill, item.stroke, item.stroke_width, item.opacity)
        out.append(f'{indent}<circle cx="{_n(item.x)}" cy="{_n(item.y)}" r="{_n(item.r)}"{paint}/>')
    elif isinstance(item, Line):
        dash = ' stroke-dasharray="4 3"' if item.dash else ""
        paint = _paint(None, item.color, item.width, item.opacity)
        out.append(
            f'{indent}<line x1="{_n(item.x0)}" y1="{_n(item.y0)}" x2="{_n(item.x1)}" y2="{_n(item.y1)}"{paint}{dash}/>'
        )
    elif isinstance(item, Curve):
        x0, y0, c1x, c1y, c2x, c2y, x1, y1 = map(_n, item.controls())
        paint = _paint(None, item.color, item.width, item.opacity)
        out.append(f'{indent}<path d="M{x0},{y0} C{c1x},{c1y} {c2x},{c2y} {x1},{y1}"{paint}/>')
    elif isinstance(item, Text):
        attrs = f' x="{_n(item.x)}" y="{_n(item.y)}" font-size="{_n(item.size)}" fill="{item.color}"'
        if item.anchor != "start":
            attrs += f' text-anchor="{item.anchor}"'
        if item.bold:
            attrs += ' font-weight="bold"'
        if item.italic:
            attrs += ' font-style="italic"'
        if item.opacity < 1:
            attrs += f' opacity="{item.opacity:.2f}"'
        out.append(f"{indent}<text{attrs}>{escape(item.text)}</text>")
    else:
        attrs = f" id={quoteattr(item.id)}" if item.id else ""
        if item.classes:
            attrs += f" class={quoteattr(' '.join(item.classes))}"
        attrs += "".join(f" data-{key}={quoteattr(value)}" for key, value in item.data.items())
        out.append(f"{indent}<g{attrs}>")
        if item.title:
            out.append(f"{indent}  <title>{escape(item.title)}</title>")
        for child in item.items:
            _svg_item(child, out, indent + "  ")
        out.append(f"{indent}</g>")


def to_svg(scene: Scene, *, standalone: bool = True, css: str = "") -> str:
    """The scene as SVG text.

    Parameters
    ----------
    scene
        The picture.
    standalone
        True for an ``.svg`` file (XML declaration and namespace); False for
        SVG inlined in an HTML page, which needs neither.
    css
        Extra CSS for a ``<style>`` element.
    """
    w, h = _n(scene.width), _n(scene.height)
    ns = f' xmlns="{_SVG_NS}"' if standalone else ""
    out = ['<?xml version="1.0" encoding="UTF-8"?>'] if standalone else []
    out.append(
        f'<svg{ns} width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" role="img"'
        f" aria-label={quoteattr(scene.title)}>"
    )
    if scene.title:
        out.append(f"  <title>{escape(scene.title)}</title>")
    if css:
        out.append(f"  <style>{css}</style>")
    out.append(f'  <rect x="0" y="0" width="{w}" height="{h}" fill="{scene.background}"/>')
    for item in scene.items:
        _svg_item(item, out, "  ")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_png(scene: Scene, path: str | Path, scale: float = 1.0, palette: bool = True) -> None:
    """Write the scene as a PNG with matplotlib (imported here, not with ddx).

    ``scale`` multiplies the pixel size (2.0 for a sharper picture); ``palette``
    reduces the picture to 256 colours, which keeps the file small.

    Raises
    ------
    ImportError
        With the install command, when matplotlib is missing.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError(
            "PNG output needs matplotlib, which is not installed: "
            "pip install 'ddx-paresthesia[plot]' (or write .svg / .html)"
        ) from exc

    dpi = 100.0 * scale
    fig = Figure(figsize=(scene.width / 100.0, scene.height / 100.0), dpi=dpi, facecolor=scene.background)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)
    ax.set_axis_off()
    for item in scene.items:
        _mpl_item(ax, item)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor=scene.background)
    Path(path).write_bytes(_palette(buffer.getvalue()) if palette else buffer.getvalue())


def _palette(png: bytes) -> bytes:
    """The PNG with at most 256 colours, near-whites made white (a third of the size; Pillow comes with matplotlib)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency of matplotlib
        return png
    image = (
        Image.open(io.BytesIO(png))
        .convert("RGB")
        .quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    )
    colours = image.getpalette() or []
    image.putpalette([255 if min(colours[i - i % 3 : i - i % 3 + 3]) >= 250 else v for i, v in enumerate(colours)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


#: Points per scene pixel: a scene pixel is 1/100 inch, a point 1/72 inch.
_PT = 0.72


def _mpl_item(ax: Any, item: Item) -> None:
    from matplotlib.patches import Circle as MplCircle
    from matplotlib.patches import FancyBboxPatch, PathPatch
    from matplotlib.path import Path as MplPath

    if isinstance(item, Rect):
        style = f"round,pad=0,rounding_size={item.rx}" if item.rx else "square,pad=0"
        ax.add_patch(
            FancyBboxPatch(
                (item.x, item.y),
                item.w,
                item.h,
                boxstyle=style,
                facecolor=item.fill if item.fill != "none" else "none",
                edgecolor=item.stroke or "none",
                linewidth=item.stroke_width * _PT if item.stroke else 0,
                alpha=item.opacity,
            )
        )
    elif isinstance(item, Circle):
        ax.add_patch(
            MplCircle(
                (item.x, item.y),
                item.r,
                facecolor=item.fill,
                edgecolor=item.stroke or "none",
                linewidth=item.stroke_width * _PT if item.stroke else 0,
                alpha=item.opacity,
            )
        )
    elif isinstance(item, Line):
        ax.plot(
            [item.x0, item.x1],
            [item.y0, item.y1],
            color=item.color,
            linewidth=item.width * _PT,
            alpha=item.opacity,
            linestyle=(0, (4, 3)) if item.dash else "-",
            solid_capstyle="butt",
        )
    elif isinstance(item, Curve):
        x0, y0, c1x, c1y, c2x, c2y, x1, y1 = item.controls()
        codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4]
        path = MplPath([(x0, y0), (c1x, c1y), (c2x, c2y), (x1, y1)], codes)
        ax.add_patch(
            PathPatch(path, facecolor="none", edgecolor=item.color, linewidth=item.width * _PT, alpha=item.opacity)
        )
    elif isinstance(item, Text):
        ax.text(
            item.x,
            item.y,
            item.text,
            fontsize=item.size * _PT,
            color=item.color,
            ha={"start": "left", "middle": "center", "end": "right"}[item.anchor],
            va="baseline",
            fontweight="bold" if item.bold else "normal",
            fontstyle="italic" if item.italic else "normal",
            alpha=item.opacity,
            family="DejaVu Sans",
        )
    else:
        for child in item.items:
            _mpl_item(ax, child)
