"""The one problem collector of every model file: collect every problem, then raise once.

Each problem is one line, ``file: entry.field: what is wrong``, so that a
reviewer can go straight to the line and fix them all in one pass. The
entry path and the message are cut to a bounded length (values are quoted
with :func:`ddx.errors.excerpt`; the cut catches what a message builds from
keys). Every validator of the knowledge layer (:mod:`ddx.knowledge.validate`,
:mod:`ddx.knowledge.interview_settings`) and of the next steps
(:mod:`ddx.clinical.next_steps_file`) collects into a :class:`Problems`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import KnowledgeBaseError

__all__ = ["FileProblems", "Problems"]

#: The longest entry path and message of one problem line.
MAX_ENTRY, MAX_MESSAGE = 160, 400


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Problems:
    """Collects problems as ``file: entry: message`` lines (``file: message`` without an entry)."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self.lines: list[str] = list(lines)

    def add(self, file: str, entry: str, message: str) -> None:
        entry, message = _cut(entry, MAX_ENTRY), _cut(message, MAX_MESSAGE)
        self.lines.append(f"{file}: {entry}: {message}" if entry else f"{file}: {message}")

    def of(self, file: str) -> FileProblems:
        """A view that adds the problems of one file."""
        return FileProblems(self, file)

    def __bool__(self) -> bool:
        return bool(self.lines)

    def raise_any(self) -> None:
        """Raise every problem collected as one :class:`~ddx.errors.KnowledgeBaseError`; nothing when none."""
        if self.lines:
            raise KnowledgeBaseError(self.lines)


class FileProblems:
    """The problems of one file of a :class:`Problems`: ``add(entry, message)``."""

    def __init__(self, problems: Problems, file: str) -> None:
        self.problems = problems
        self.file = file

    @property
    def lines(self) -> list[str]:
        return self.problems.lines

    def add(self, entry: str, message: str) -> None:
        self.problems.add(self.file, entry, message)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_any(self) -> None:
        self.problems.raise_any()
