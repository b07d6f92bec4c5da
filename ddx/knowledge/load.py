"""Load a model directory: parse every file, check them all, then build the knowledge base.

Reading happens in three steps: :func:`read_sources` parses every file
(keeping file names for messages), :func:`ddx.knowledge.validate.validate`
checks them all and raises once with every problem, and
:func:`ddx.knowledge.model.build` turns the checked data into the objects of
:mod:`ddx.knowledge.model`. Nothing downstream re-checks what was validated here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .files import bundled_root, read_yaml
from .model import CARDS_DIR, MODEL_FILES, OPTIONAL_FILES, PRIOR_FILES, KnowledgeBase, Sources, build
from .validate import validate

__all__ = ["load_knowledge", "read_sources"]


def read_sources(root: Path | str | None = None) -> Sources:
    """Parse every file of a model directory (``model/`` and ``priors/`` under ``root``)."""
    base = Path(root) if root is not None else bundled_root()
    data: dict[str, Any] = {}
    problems: list[str] = []
    if not (base / "model").is_dir() or not (base / "priors").is_dir():
        problems.append(f"{base}: expected folders 'model/' and 'priors/' in it")
        return Sources(base, data, tuple(problems))
    cards = sorted((base / CARDS_DIR).glob("*.yaml"))
    optional = [rel for rel in OPTIONAL_FILES if (base / rel).exists() or (base / rel).is_symlink()]
    for rel in (*MODEL_FILES, *PRIOR_FILES, *optional, *(f"{CARDS_DIR}/{c.name}" for c in cards)):
        parsed, found = read_yaml(base / rel, root=base)
        data[rel] = parsed
        problems.extend(f"{rel}: {p}" for p in found)
    return Sources(base, data, tuple(problems))


def load_knowledge(root: Path | str | None = None) -> KnowledgeBase:
    """Read, validate and build the knowledge base under ``root`` (default: the bundled one).

    Raises
    ------
    KnowledgeBaseError
        With every problem found, each naming file, entry and field.
    """
    sources = read_sources(root)
    validate(sources)
    return build(sources)
