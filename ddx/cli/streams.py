"""``-`` on the command line: standard input where a file is read, standard output where a file is written.

The batch scorer reads its input twice (a checking pass, then chunks) and
writes its output through a temporary file that is renamed at the end, so a
stream is staged in a private temporary folder: standard input is copied to a
file before the run, and the finished output is copied to standard output
after it. Messages then name ``<stdin>`` and ``<stdout>``, never the staging
files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "STDIN_NAME",
    "STDIO",
    "STDOUT_NAME",
    "copy_to_stdout",
    "fix_metrics_names",
    "read_stdin",
    "rename_streams",
    "stdin_to_file",
]

#: The name that means standard input or standard output.
STDIO = "-"
#: How messages name the streams.
STDIN_NAME, STDOUT_NAME = "<stdin>", "<stdout>"


def read_stdin() -> str:
    """All of standard input as text (UTF-8, a byte-order mark dropped; bytes that are not UTF-8 replaced)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream without bytes (a test's StringIO)
        return sys.stdin.read().removeprefix("\ufeff")
    return stream.read().decode("utf-8-sig", errors="replace")


def stdin_to_file(target: Path) -> Path:
    """Copy standard input, byte for byte, to ``target``; returns it."""
    stream = getattr(sys.stdin, "buffer", None)
    with target.open("wb") as out:
        if stream is None:
            out.write(sys.stdin.read().encode("utf-8"))
        else:
            shutil.copyfileobj(stream, out)
    return target


def copy_to_stdout(source: Path) -> None:
    """Write the text file ``source`` to standard output as it is."""
    sys.stdout.flush()
    with source.open(encoding="utf-8", newline="") as handle:
        for block in iter(lambda: handle.read(1 << 16), ""):
            sys.stdout.write(block)
    sys.stdout.flush()


def rename_streams(message: str, names: dict[Path, str]) -> str:
    """``message`` with every staging path replaced by the name of its stream."""
    for path, name in sorted(names.items(), key=lambda item: -len(str(item[0]))):
        message = message.replace(str(path), name)
    return message


@contextlib.contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A sibling file to write, renamed onto ``target`` when the block succeeds."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def fix_metrics_names(metrics: Path, input_name: str, output_name: str) -> None:
    """Set the ``input`` and ``output`` of a metrics JSON file to the names the person gave."""
    data = json.loads(metrics.read_text(encoding="utf-8"))
    data["input"], data["output"] = input_name, output_name
    with _replacing(metrics) as partial:
        partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
