#!/usr/bin/env python3
"""Call ddx's CDS Hooks service as an EHR would: ``python scripts/cds_call.py URL REQUEST.json [...]``.

Reads the discovery document at ``URL/cds-services``, checks that the
service the request is meant for is listed with the prefetch the request
carries, posts each request (a ``patient-view`` hook with its prefetch, as
in ``examples/cds-hooks/``) and prints the cards: indicator, summary, detail
and links. ``--json`` prints the raw responses instead. Start the service
with ``ddx serve`` first (``URL`` is then http://127.0.0.1:8000).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx


def discover(client: httpx.Client) -> dict[str, Any]:
    """The discovery document (``GET /cds-services``)."""
    response = client.get("/cds-services")
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def call(client: httpx.Client, request: dict[str, Any], service_id: str | None = None) -> dict[str, Any]:
    """Post one hook request to the service that discovery lists for its hook; the response body."""
    services = [s for s in discover(client)["services"] if s["hook"] == request["hook"]]
    if service_id is not None:
        services = [s for s in services if s["id"] == service_id]
    if not services:
        raise SystemExit(f"no service for hook {request['hook']!r} in the discovery document")
    service = services[0]
    missing = sorted(set(service.get("prefetch", {})) - set(request.get("prefetch") or {}))
    if missing:
        print(f"note: the request lacks the prefetch {', '.join(missing)}", file=sys.stderr)
    response = client.post(f"/cds-services/{service['id']}", json=request)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def show(body: dict[str, Any]) -> str:
    """The cards as an EHR might list them."""
    lines = []
    for card in body["cards"]:
        lines += [f"[{card['indicator']}] {card['summary']}", f"  source: {card['source']['label']}"]
        lines += [f"  {line}" for line in card.get("detail", "").splitlines()]
        lines += [f"  link: {link['label']}: {link['url']}" for link in card.get("links", [])]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the service's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("requests", nargs="+", type=Path, help="hook request files (JSON)")
    parser.add_argument("--json", action="store_true", help="print the raw responses")
    args = parser.parse_args(argv)
    with httpx.Client(base_url=args.url.rstrip("/"), timeout=30) as client:
        for path in args.requests:
            body = call(client, json.loads(path.read_text()))
            print(json.dumps(body, indent=2) if args.json else show(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
