"""A one-line progress display for long batch runs, updated in place on a terminal.

It stays silent unless it is enabled, its stream is a terminal and the run
has lasted longer than ``delay`` seconds, so short runs, pipes, log files
and ``--quiet`` see nothing. Messages written through :meth:`Progress.write`
clear the line first, so they never mix with the display.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Rows done, rows per second and time left, on one line of ``stream``.

    Parameters
    ----------
    total
        How many rows the run will score, or None when unknown.
    stream
        Where to draw (default: ``sys.stderr``); nothing is drawn unless it is a terminal.
    enabled
        False turns the display off (``--quiet``).
    delay
        Seconds to wait before the first draw.
    interval
        Least seconds between two draws.
    clock
        A monotonic clock in seconds (tests pass a fake one).
    """

    def __init__(
        self,
        total: int | None = None,
        stream: TextIO | None = None,
        enabled: bool = True,
        delay: float = 1.0,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.active = enabled and _is_terminal(self.stream)
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.done = 0
        self.start = clock()
        self._last_draw: float | None = None
        self._width = 0

    def update(self, rows: int) -> None:
        """Count ``rows`` more rows done and redraw if it is time to."""
        self.done += rows
        if not self.active:
            return
        now = self.clock()
        if now - self.start < self.delay:
            return
        if self._last_draw is not None and now - self._last_draw < self.interval:
            return
        self._draw(now)

    def write(self, line: str) -> None:
        """Write one message line (e.g. a row error) without mixing it with the display."""
        self._clear()
        print(line, file=self.stream)
        if self._last_draw is not None:
            self._draw(self.clock())

    def close(self) -> None:
        """Draw the final count (if anything was drawn) and end the line."""
        if self._last_draw is not None:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
            self._last_draw = None

    def text(self, now: float) -> str:
        """The display line at time ``now``."""
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        parts = [f"scored {self.done:,}"]
        if self.total:
            parts[0] += f"/{self.total:,} rows ({self.done / self.total:.0%})"
        else:
            parts[0] += " rows"
        parts.append(f"{rate:,.0f} rows/s")
        if self.total and rate > 0 and self.done < self.total:
            parts.append(f"{_duration((self.total - self.done) / rate)} left")
        return ", ".join(parts)

    def _draw(self, now: float) -> None:
        line = self.text(now)
        pad = " " * max(self._width - len(line), 0)
        self.stream.write(f"\r{line}{pad}")
        self.stream.flush()
        self._width = len(line)
        self._last_draw = now

    def _clear(self) -> None:
        if self._last_draw is not None:
            self.stream.write("\r" + " " * self._width + "\r")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
