"""Run the service with uvicorn: on 127.0.0.1 unless told otherwise, with no access log (answers are health data)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "make_app", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: How ``serve`` tells its worker processes which model to load (empty: the bundled one).
MODEL_VARIABLE = "DDX_SERVE_MODEL"
#: ... and which web origins may call it from a browser (space-separated; empty: none).
CORS_VARIABLE = "DDX_SERVE_CORS_ORIGINS"


def make_app() -> FastAPI:
    """The app of one worker process: its engine loaded once (the model named by :data:`MODEL_VARIABLE`)."""
    from ..engine.core import load
    from .app import create_app

    origins = os.environ.get(CORS_VARIABLE, "").split()
    return create_app(load(os.environ.get(MODEL_VARIABLE) or None), cors_origins=origins)


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    model: str | Path | None = None,
    workers: int = 1,
    cors_origins: Sequence[str] = (),
) -> None:
    """Load the engine once per worker process, then serve the API and the web interview until stopped.

    Scoring holds Python's global lock, so one process uses one core:
    ``workers`` processes share the port to use more. The access log is
    off: a request line carries no answers (they travel in the body), but
    which person asked what, and when, is not logged either. ``cors_origins``
    are the web origins a browser may call the service from (a browser-based
    CDS Hooks client, such as the public sandbox); none by default.
    """
    import uvicorn

    os.environ[MODEL_VARIABLE] = "" if model is None else str(model)
    os.environ[CORS_VARIABLE] = " ".join(cors_origins)
    options = {"host": host, "port": port, "access_log": False, "log_level": "warning", "server_header": False}
    print(f"ddx serve: http://{host}:{port}/ (the web interview; the API is described at /docs)", flush=True)
    if workers > 1:
        uvicorn.run("ddx.service.server:make_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]
    else:
        uvicorn.run(make_app(), **options)  # type: ignore[arg-type]
