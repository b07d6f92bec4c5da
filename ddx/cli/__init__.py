"""The ``ddx`` command."""

from .entry import main, run

__all__ = ["main", "run"]
