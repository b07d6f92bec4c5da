"""Read the YAML files of a model directory, refusing duplicate keys.

PyYAML silently keeps the last of two equal keys; in a knowledge base that
would hide a duplicated id, so this loader reports it instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["bundled_root", "read_yaml"]


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's parser where installed: ten times faster) that records duplicate keys."""

    duplicates: list[str]


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            line = key_node.start_mark.line + 1
            loader.duplicates.append(f"line {line}: duplicate key '{key}'")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def read_yaml(path: Path) -> tuple[Any, list[str]]:
    """Parse one YAML file; return its data and a list of problems found while reading."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, ["file is missing"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"cannot be read: {exc}"]
    loader = _UniqueKeyLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        return None, [f"is not valid YAML: {exc}".replace("\n", " ")]
    finally:
        loader.dispose()
    return data, list(loader.duplicates)


def bundled_root() -> Path:
    """The directory holding the bundled ``model/`` and ``priors/``.

    An installed wheel carries them inside the package (``ddx/_bundled``); a
    source checkout keeps them at the top of the repository.
    """
    here = Path(__file__).resolve().parent
    packaged = here / "_bundled"
    if (packaged / "model").is_dir():
        return packaged
    return here.parent
