"""An EHR-like client (httpx, ``scripts/cds_call.py``) against ``ddx serve`` on a free port: the two example hooks."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fhir.resources")
pytest.importorskip("httpx")

import httpx
from conftest import REPO
from helpers import serve_in_thread

import ddx
from ddx.service.app import create_app

EXAMPLES = REPO / "examples" / "cds-hooks"


def _client_script() -> Any:
    spec = importlib.util.spec_from_file_location("cds_call", REPO / "scripts" / "cds_call.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    yield from serve_in_thread(create_app(ddx.load()))


def test_an_ehr_calls_the_sciatica_and_emergency_hooks(server: str) -> None:
    base_url = server  # as an EHR would know the service
    script = _client_script()
    with httpx.Client(base_url=base_url, timeout=30) as client:
        services = script.discover(client)["services"]
        assert [s["hook"] for s in services] == ["patient-view"]
        sciatica = script.call(client, json.loads((EXAMPLES / "sciatica-request.json").read_text()))
        emergency = script.call(client, json.loads((EXAMPLES / "emergency-request.json").read_text()))
    (card,) = sciatica["cards"]
    assert card["indicator"] == "info" and card["summary"].startswith("Leg numbness: Sciatica most likely")
    assert card["links"][0]["url"].startswith(f"{base_url}/#case=")
    assert [c["indicator"] for c in emergency["cards"]] == ["critical", "critical"]
    assert emergency["cards"][0]["summary"].startswith("Emergency: ")
    shown = script.show(emergency)
    assert "[critical] Emergency: " in shown and "ddx is decision support" in shown
