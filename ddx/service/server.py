"""Run the service with uvicorn: on 127.0.0.1 unless told otherwise, with no access log (answers are health data)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def serve(
    host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, model: str | Path | None = None, workers_log: str = "warning"
) -> None:
    """Load the engine once, then serve the API and the web interview until stopped.

    The access log is off: a request line carries no answers (they travel in
    the body), but which person asked what, and when, is not logged either.
    """
    import uvicorn

    from ..engine.core import load
    from .app import create_app

    app = create_app(load(model))
    print(f"ddx serve: http://{host}:{port}/ (the web interview; the API is described at /docs)", flush=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level=workers_log, server_header=False)
