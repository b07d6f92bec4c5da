"""Pictures: the network by layer, and one case's posterior with the reasons behind it.

Each picture is a :class:`ddx.pictures.scene.Scene`, written by the file's suffix:

- ``.svg``: pure-Python SVG (no extra package);
- ``.html``: one self-contained page, the SVG inline with a little inline
  script that highlights a node's links on hover (works offline; no remote
  URL anywhere);
- ``.png``: drawn by matplotlib (a dependency of ddx), imported only when a
  PNG is asked for, never by ``import ddx``.

Examples
--------
>>> import ddx, tempfile, pathlib
>>> from ddx.pictures.plot import network_picture
>>> out = pathlib.Path(tempfile.mkdtemp()) / "network.svg"
>>> network_picture(ddx.load().kb, out).suffix
'.svg'
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DdxError
from ..knowledge.model import KnowledgeBase
from .layout import neighbours_json
from .network_scene import network_scene
from .scene import Scene, to_png, to_svg

__all__ = [
    "FORMATS",
    "check_output",
    "network_html",
    "network_picture",
    "write_scene",
]

#: Output suffixes and what writes them.
FORMATS = {".svg": "SVG (pure Python)", ".html": "interactive HTML page (offline)", ".png": "PNG (matplotlib)"}


def check_output(path: str | Path) -> str:
    """The picture format of ``path`` (its suffix), after checking that it can be written.

    Raises
    ------
    DdxError
        For an unknown suffix, or a folder that does not exist.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    suffix = ".html" if suffix == ".htm" else suffix
    if suffix not in FORMATS:
        known = ", ".join(f"{s} ({what})" for s, what in FORMATS.items())
        raise DdxError(f"cannot write '{target}': unknown picture format '{target.suffix or '(none)'}'; use {known}")
    if not target.parent.is_dir():
        raise DdxError(f"cannot write '{target}': folder '{target.parent}' does not exist")
    return suffix


def write_scene(scene: Scene, path: str | Path, *, script: str = "", intro: str = "") -> Path:
    """Write ``scene`` to ``path`` in the format its suffix names (.svg, .html or .png).

    ``script`` (JavaScript) and ``intro`` (plain text) are used by the HTML page only.

    Raises
    ------
    DdxError
        For an unknown suffix or a folder that does not exist.
    """
    target = Path(path)
    suffix = check_output(target)
    if suffix == ".png":
        to_png(scene, target, scale=1.5)
    elif suffix == ".svg":
        target.write_text(to_svg(scene), encoding="utf-8")
    else:
        target.write_text(_html_page(scene, script, intro), encoding="utf-8")
    return target


_CSS = (
    ".node{cursor:pointer}"
    "svg.focus .edge{opacity:.05}svg.focus .edge.on{opacity:1}svg.focus .edge.on path{opacity:.9}"
    "svg.focus .node{opacity:.18}svg.focus .node.on{opacity:1}"
)

_SCRIPT = """
(function () {
  var svg = document.querySelector("#picture svg");
  var nodes = Array.prototype.slice.call(svg.querySelectorAll(".node"));
  var edges = Array.prototype.slice.call(svg.querySelectorAll(".edge"));
  var pinned = null;
  function show(id) {
    var on = {}; on[id] = true;
    (LINKS[id] || []).forEach(function (k) { on[k] = true; });
    svg.classList.add("focus");
    nodes.forEach(function (n) { n.classList.toggle("on", !!on[n.getAttribute("data-id")]); });
    edges.forEach(function (e) {
      var ends = e.getAttribute("data-ends").split(" ");
      e.classList.toggle("on", ends[0] === id || ends[1] === id);
    });
  }
  function clear() {
    svg.classList.remove("focus");
    nodes.concat(edges).forEach(function (n) { n.classList.remove("on"); });
  }
  nodes.forEach(function (n) {
    var id = n.getAttribute("data-id");
    n.addEventListener("mouseenter", function () { if (!pinned) { show(id); } });
    n.addEventListener("mouseleave", function () { if (!pinned) { clear(); } });
    n.addEventListener("click", function (ev) {
      ev.stopPropagation();
      pinned = pinned === id ? null : id;
      if (pinned) { show(id); } else { clear(); }
    });
  });
  svg.addEventListener("click", function () { pinned = null; clear(); });
  var box = document.getElementById("find");
  box.addEventListener("input", function () {
    var q = box.value.trim().toLowerCase();
    pinned = null; clear();
    if (!q) { return; }
    svg.classList.add("focus");
    nodes.forEach(function (n) {
      var text = (n.getAttribute("data-id") + " " + n.textContent).toLowerCase();
      n.classList.toggle("on", text.indexOf(q) >= 0);
    });
  });
})();
"""


def _html_page(scene: Scene, script: str, intro: str) -> str:
    from html import escape

    search = '<input id="find" type="search" placeholder="find a node (label or id)">' if script else ""
    body_script = f"<script>\n{script}\n</script>" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(scene.title)}</title>\n"
        "<style>"
        "body{margin:0;background:#f4f4f4;font-family:'DejaVu Sans',Verdana,Arial,sans-serif;color:#222}"
        "header{padding:8px 16px;font-size:13px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}"
        "#find{font-size:13px;padding:3px 6px;width:260px}"
        "#picture{overflow:auto;padding:0 16px 16px}#picture svg{background:#fff;box-shadow:0 0 4px #bbb}"
        f"{_CSS}"
        "</style>\n</head>\n<body>\n"
        f"<header><span>{escape(intro)}</span>{search}</header>\n"
        f'<div id="picture">\n{to_svg(scene, standalone=False)}</div>\n'
        f"{body_script}\n</body>\n</html>\n"
    )


def network_html(kb: KnowledgeBase, cause: str | None = None) -> str:
    """The network picture as one self-contained, interactive HTML page (see :func:`network_picture`)."""
    return _html_page(network_scene(kb, cause), _network_script(kb, cause), _NETWORK_INTRO)


_NETWORK_INTRO = (
    "Hover a node to highlight its links (click to keep it; click the background to clear). "
    "Hover a link or node for its numbers and source."
)


def _network_script(kb: KnowledgeBase, cause: str | None) -> str:
    return f"var LINKS = {neighbours_json(kb, cause)};\n{_SCRIPT}"


def network_picture(kb: KnowledgeBase, path: str | Path, cause: str | None = None) -> Path:
    """Draw the network (or one cause's neighbourhood) to ``path`` (.svg, .html or .png).

    Parameters
    ----------
    kb
        The knowledge base (``engine.kb``).
    path
        The output file; its suffix picks the format (see :data:`FORMATS`).
    cause
        A cause id: draw only that cause, its risk factors and findings, and
        (faded) the other causes that share those findings.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    EvidenceError
        When ``cause`` is not a cause of the model.
    DdxError
        For an unknown suffix or a missing folder.
    """
    target = Path(path)
    check_output(target)
    scene = network_scene(kb, cause)
    return write_scene(scene, target, script=_network_script(kb, cause), intro=_NETWORK_INTRO)
