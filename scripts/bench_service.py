#!/usr/bin/env python3
"""Load on ``ddx serve``: ``python scripts/bench_service.py [--url URL | --start] [--clients 32] [--seconds 20]``.

A benchmark, not a test. ``--clients`` asynchronous clients (httpx) send
``POST /diagnosis`` back to back for ``--seconds``, each request a whole
interview so far (the service is stateless), drawn in turn from a fixed set
of stages: the first question, after the emergency checklist, after the
intake, and deep in the interview. Prints requests per second, the p50,
p90 and p99 latency, and the errors (any answer but 200, or no answer).
``--start`` runs ``python -m ddx serve`` on a free port for the run and
stops it after; otherwise the service at ``--url`` is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]

#: The bodies sent, in turn: interviews at different stages (the service re-derives each from its answers).
STAGES: list[dict[str, Any]] = [
    {},
    {"answers": {"emergency_screen": []}, "age": 45, "sex": "male"},
    {
        "answers": {
            "emergency_screen": [],
            "where": ["radiates_from_lower_back_down_leg"],
            "history": [],
            "other_symptoms": ["fatigue"],
            "back_pain": True,
        },
        "age": 45,
        "sex": "male",
    },
    {
        "answers": {
            "emergency_screen": [],
            "where": ["foot_or_heel_numbness", "starts_in_toes_moves_up"],
            "history": None,
            "other_symptoms": [],
            "both_legs": True,
            "burning_sensation": True,
            "one_leg_only": None,
        },
        "age": 67,
        "sex": "female",
    },
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "ddx", "serve", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)


async def _wait_ready(url: str, seconds: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(url + "/info")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"bench_service: no service answered at {url} within {seconds:.0f} s")
            await asyncio.sleep(0.2)


async def _load(url: str, clients: int, seconds: float) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as client:
        for body in STAGES:  # every stage answers before the clock starts
            response = await client.post("/diagnosis", json=body)
            response.raise_for_status()
        end = time.monotonic() + seconds

        async def one(worker: int) -> None:
            turn = worker
            while time.monotonic() < end:
                body = STAGES[turn % len(STAGES)]
                turn += 1
                start = time.perf_counter()
                try:
                    response = await client.post("/diagnosis", json=body)
                    ok = response.status_code == 200
                    key = "" if ok else f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    ok, key = False, type(exc).__name__
                if ok:
                    latencies.append(time.perf_counter() - start)
                else:
                    errors[key] = errors.get(key, 0) + 1

        began = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(clients)))
        elapsed = time.monotonic() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    return {
        "endpoint": "POST /diagnosis",
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(latencies) + sum(errors.values()),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p90_ms": round(cuts[89] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "errors": errors,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", default="http://127.0.0.1:8000", help="the running service (default: %(default)s)")
    where.add_argument("--start", action="store_true", help="start ddx serve on a free port for the run")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to send (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="with --start: ddx serve --workers (default: 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    server = None
    url = args.url.rstrip("/")
    if args.start:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = _start(port, args.workers)
    try:
        asyncio.run(_wait_ready(url))
        figures = asyncio.run(_load(url, args.clients, args.seconds))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"{figures['endpoint']}: {figures['clients']} clients for {figures['seconds']} s: "
            f"{figures['requests']} requests, {figures['requests_per_second']} requests/s, "
            f"p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms, p99 {figures['p99_ms']} ms, "
            f"errors {sum(figures['errors'].values())} {figures['errors'] or ''}".rstrip()
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
