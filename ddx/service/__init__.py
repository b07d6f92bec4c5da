"""The HTTP front end: a stateless JSON API (``/diagnosis``, ``/triage``, ``/explain``, ...) and a web interview.

``create_app(ddx.load())`` makes the FastAPI app; ``ddx serve`` runs it
(the ``server`` extra: ``pip install "ddx-paresthesia[server]"``). See docs/web.md.
"""

from __future__ import annotations

from .server import serve

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> object:
    """``create_app`` imports FastAPI: only when it is asked for."""
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
