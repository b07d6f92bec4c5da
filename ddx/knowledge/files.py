"""Read the YAML files of a model directory, refusing what a knowledge base never needs.

A model directory may come from someone else, so a file is read only when it
is safe to read, and parsed only as far as a knowledge base needs:

- it must be a regular file inside the model directory: a symbolic link that
  leads out of it, a device (``/dev/zero``), a FIFO, a socket or a folder is
  refused from ``os.stat`` before anything is opened (a FIFO is never opened);
- it is at most :data:`MAX_FILE_BYTES` long;
- anchors and aliases (``&name`` / ``*name``) are refused where they are
  parsed: a few lines of them expand into billions of values (the "billion
  laughs"), and the bundled model uses none;
- mappings and lists nest at most :data:`MAX_NESTING` levels deep (the bundled
  model needs 7), so a deep file gives a message instead of a ``RecursionError``;
- every mapping key is text (an id or a field name): ``? [a, b]`` or ``5:`` is
  reported and left out;
- PyYAML silently keeps the last of two equal keys; in a knowledge base that
  would hide a duplicated id, so this loader reports it instead.

Problems come back as ``line N: ...`` lines for the caller to prefix with the
file; a quoted key is cut to a short excerpt (:func:`ddx.errors.excerpt`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer

from ..errors import excerpt

__all__ = ["MAX_FILE_BYTES", "MAX_NESTING", "bundled_root", "read_yaml"]

#: The largest model file read, in bytes (2 MiB; the largest bundled file is about 40 KB).
MAX_FILE_BYTES = 2 * 1024 * 1024
#: The deepest nesting of mappings and lists read (the bundled model's deepest is 7).
MAX_NESTING = 50


class _Refused(yaml.YAMLError):
    """A construct a model file may not use, at its place in the file."""

    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem)
        self.where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "somewhere"
        self.problem = problem


class _BoundedComposer(Composer):
    """PyYAML's composer with a depth limit, refusing anchors and aliases as it meets them.

    It runs in Python on libyaml's events, so the checks see every node before
    anything is built; libyaml's own composer would expand an alias bomb first.
    """

    _depth: int = 0
    peek_event: Callable[[], Any]  # the parser's, found further along the class order

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:  # an anchor (&name), or an alias (*name) of one
            raise _Refused(
                event.start_mark,
                "anchors and aliases (&name, *name) are not allowed in a model file "
                "(a few lines of them can expand into billions of values); write each value out",
            )
        if not isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise _Refused(
                    event.start_mark,
                    f"nested more than {MAX_NESTING} levels deep (a model file needs only a few levels)",
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ModelLoader(_BoundedComposer, _SAFE_LOADER):
    """A safe loader (libyaml's parser where installed) that reports duplicate and non-text keys."""

    problems: list[str]

    def __init__(self, text: str) -> None:
        _SAFE_LOADER.__init__(self, text)
        self.anchors: dict[str, Any] = {}  # libyaml's loader does not set up the Python composer
        self.problems = []


def _construct_mapping(loader: _ModelLoader, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)  # whole, to quote it
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            loader.problems.append(
                f"line {line}: key {excerpt(key)} is not text (an id or a field name; quote it if it is meant as one)"
            )
            continue
        if key in mapping:
            loader.problems.append(f"line {line}: duplicate key {excerpt(key)}")
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_ModelLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"is {kind}, not a regular file"


def _too_large(size: int) -> str:
    cap = MAX_FILE_BYTES
    return f"is larger than {cap // (1024 * 1024)} MiB ({size} bytes); a model file is at most {cap} bytes"


def _read_bytes(path: Path, root: Path) -> tuple[bytes | None, str | None]:
    """The bytes of ``path`` when it is a regular file inside ``root`` and small enough; else the problem."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return None, "file is missing"
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror}"
    try:
        target = path.resolve(strict=True)
        inside = root.resolve(strict=True)
    except FileNotFoundError:
        return None, "is a symbolic link to a file that does not exist"
    except (OSError, RuntimeError) as exc:  # a loop of links, a folder that cannot be searched
        return None, f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
    if not target.is_relative_to(inside):
        return None, (
            f"leads to {excerpt(str(target), 160)} through a symbolic link, outside the model directory "
            "(a model's files must lie inside it)"
        )
    info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        return None, _not_regular(info.st_mode)
    if info.st_size > MAX_FILE_BYTES:
        return None, _too_large(info.st_size)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror}"
    with os.fdopen(fd, "rb") as handle:
        # the file may have been swapped since os.stat: check what was opened
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode):
            return None, _not_regular(opened.st_mode)
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        return None, _too_large(len(raw))
    return raw, None


def read_yaml(path: Path, root: Path | None = None) -> tuple[Any, list[str]]:
    """Parse one YAML file of a model directory; return its data and the problems found reading it.

    ``root`` is the model directory the file must lie inside (default: the
    folder above the file's own, as for ``model/x.yaml``). When the file
    cannot be read or parsed the data is ``None``.
    """
    raw, problem = _read_bytes(path, path.parent.parent if root is None else root)
    if raw is None:
        return None, [problem or "cannot be read"]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"cannot be read: not UTF-8 text (byte {exc.start})"]
    loader = _ModelLoader(text)
    try:
        data = loader.get_single_data()
    except _Refused as exc:
        return None, [f"{exc.where}: {exc.problem}"]
    except yaml.YAMLError as exc:
        return None, [f"is not valid YAML: {str(exc)[:300]}".replace("\n", " ")]
    finally:
        loader.dispose()
    return data, list(loader.problems)


def bundled_root() -> Path:
    """The directory holding the bundled ``model/`` and ``priors/``.

    An installed wheel carries them inside the package (``ddx/_bundled``); a
    source checkout keeps them at the top of the repository.
    """
    package = Path(__file__).resolve().parents[1]  # ddx/, above this subpackage
    packaged = package / "_bundled"
    if (packaged / "model").is_dir():
        return packaged
    return package.parent
