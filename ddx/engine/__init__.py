"""The engine: one object that diagnoses a case, ranks the next questions and returns a result."""

from .core import Engine, load

__all__ = ["Engine", "load"]
